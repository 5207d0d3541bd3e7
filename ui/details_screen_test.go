package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Issue 13 item 4: once the clerk left the waiting screen, the konbini
// slip (store, instructions link and its QR code) can be shown again from
// the sale's details, opened from History.
func TestKonbiniSlipShownAgainFromDetails(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("500")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitText("WAITING FOR PAYMENT")
	o := h.m.outcome
	h.keys("n")
	h.keys("h")
	h.waitFor("history", func(m Model) bool { return m.screen == screenHistory && m.history.loaded })
	h.keys("enter")
	h.waitFor("details", func(m Model) bool { return m.screen == screenPayment })
	h.mustContain("Store", flows.StoreName(o.Store, "en"), "Instructions", o.InstructionsURL, "Scan for instructions", "█▀")
}

// A full bank refund request leaves nothing to request: no "Refundable"
// figure of the whole payment and no b; the success line reads as a
// sentence.
func TestFullBankRefundRequestLeavesNothingRefundable(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("2480")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitText("WAITING FOR PAYMENT")
	id := h.m.outcome.PaymentID()
	env.sandboxPost(t, "/sandbox/payments/"+id+"/pay_at_store", "")
	h.waitText("PAID")
	h.keys("b")
	if h.m.modal == nil || h.m.modal.form == nil {
		t.Fatalf("b did not open the bank refund form:\n%s", h.view())
	}
	h.keys("enter")
	h.keys("ヤマダ タロウ", "enter")
	h.keys("Mizuho", "enter")
	h.keys("123", "enter")
	h.keys("enter")
	h.keys("1234567", "enter")
	h.waitText("Request a bank refund of ¥2,480")
	h.keys("y")
	h.waitFor("refund request sent", func(m Model) bool { return m.modal == nil && m.busy == nil && m.status != "" })
	if !h.m.statusOK {
		t.Fatalf("refund request failed: %s", h.m.status)
	}
	h.mustContain("✓ Bank refund of ¥2,480 requested")
	h.mustNotContain("— Paid", "Request bank refund")
	if strings.Contains(h.m.shortHelpLine(), "b bank refund request") {
		t.Errorf("b still offered after a full request: %q", h.m.shortHelpLine())
	}
	h.keys("d")
	h.waitFor("details", func(m Model) bool { return m.screen == screenPayment })
	h.mustContain("Bank refund requested", "¥2,480", "Refundable", "¥0")
	h.mustNotContain("Refundable    ¥2,480", "Bank refund request ·", "· Bank refund request")
	if strings.Contains(h.m.shortHelpLine(), "b bank refund request") {
		t.Errorf("details still offer b: %q", h.m.shortHelpLine())
	}
	h.keys("b")
	if h.m.modal != nil {
		t.Fatalf("b opened a second request for money already requested:\n%s", h.view())
	}
}

// Success lines of the other actions read naturally too.
func TestActionSuccessLinesReadNaturally(t *testing.T) {
	m := New(Options{Now: func() time.Time { return fixedNow }, Getenv: func(string) string { return "" }})
	p := &komoju.Payment{ID: "pay_1", Currency: "JPY", Total: 3000, Amount: 3000}
	for _, c := range []struct {
		a      flows.Action
		amount int64
		want   string
	}{
		{flows.ActionCapture, 0, "✓ Captured ¥3,000."},
		{flows.ActionCapture, 1000, "✓ Captured ¥1,000."},
		{flows.ActionRefund, 500, "✓ Refunded ¥500 to the customer."},
		{flows.ActionCancel, 3000, "✓ Payment cancelled: nothing will be charged."},
	} {
		if got := m.actionDone(actionResultMsg{action: c.a, amount: c.amount, outcome: flows.Outcome{Payment: p}}); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.a, c.amount, got, c.want)
		}
	}
}

// The timeline lists a capture once however many places saw it (KOMOJU's
// answer, the journal, a webhook) and names the payment of another
// attempt of the same sale.
func TestTimelineListsEachCaptureOnceAndNamesTheAttempt(t *testing.T) {
	m := New(Options{Now: func() time.Time { return fixedNow }, Getenv: func(string) string { return "" }})
	m.width, m.height = 120, 40
	t0 := fixedNow
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	cap := at(3)
	p := &komoju.Payment{ID: "pay_good", Status: komoju.PaymentCaptured, Currency: "JPY", Amount: 1000, Total: 1000, CreatedAt: at(2), CapturedAt: &cap}
	m.payment = p
	m.screen = screenPayment
	m.paymentScreen = m.paymentScreen.SetTimeline(payTimeline{payment: p.ID,
		hist: []journal.StatusChange{
			{At: at(1), PaymentID: "pay_declined", Status: komoju.PaymentFailed, Source: "api"},
			{At: at(3), PaymentID: "pay_good", Status: komoju.PaymentCaptured, Source: "api"},
			{At: at(4), PaymentID: "pay_good", Status: komoju.PaymentCaptured, Source: "webhook"},
		},
		hooks: []webhooks.Event{{Type: "payment.captured", Verified: true, ReceivedAt: at(4)}},
	})
	var lines []string
	for _, e := range m.paymentScreen.timelineOf(p) {
		lines = append(lines, e.text)
	}
	got := strings.Join(lines, "\n")
	if n := strings.Count(got, "captured"); n != 1 {
		t.Errorf("capture listed %d times:\n%s", n, got)
	}
	if !strings.Contains(got, "failed (api) — other attempt pay_declined") {
		t.Errorf("the declined attempt's line does not name its payment:\n%s", got)
	}
	if !strings.Contains(got, "captured (api, webhook)") {
		t.Errorf("capture line does not say where it was seen:\n%s", got)
	}
}

// Issue 13 item 5: a kana field that refuses its value lets the focus
// move on, so what is typed for the next field lands there instead of
// being appended to the refused text; the refusal stays shown and the
// clerk goes back to fix it.
func TestRefusedKanaDoesNotSwallowTheNextField(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Bank transfer")
	h.keys("Yamada", "enter", "Taro", "enter")
	h.keys("Yamada", "enter") // family name (kana): refused
	h.mustContain("must be written in katakana")
	h.keys("タロウ", "enter") // meant for the given name (kana)
	d := h.m.details.d
	if d.FamilyNameKana != "Yamada" || d.GivenNameKana != "タロウ" {
		t.Fatalf("kana fields %q / %q: the next field's text went into the refused one", d.FamilyNameKana, d.GivenNameKana)
	}
	h.mustContain("must be written in katakana")
	// Back to the refused field, fixed, and on.
	h.keys("shift+tab", "shift+tab")
	for range "Yamada" {
		h.keys("backspace")
	}
	h.keys("ヤマダ", "enter")
	if d.FamilyNameKana != "ヤマダ" {
		t.Fatalf("family kana %q after fixing it", d.FamilyNameKana)
	}
	h.mustNotContain("must be written in katakana")
}

// TestKeysTypedAheadOfAFieldMoveLandInTheNextField: keys that reach the
// console before huh's own field move comes back (a fast typist, tmux, a
// script) go to the field moved to. "4111111111111111 ⇥ 1230 ⇥ 123", sent
// at once, made a 20-digit card number and left expiry and CVC empty; a
// shift+tab typed ahead went back the same way.
func TestKeysTypedAheadOfAFieldMoveLandInTheNextField(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.waitFor("the card form", func(m Model) bool { return m.screen == screenDetails && m.details.form != nil })
	h.typeAhead("4111111111111111", "tab", "12/30", "tab", "123", "tab", "TARO", "shift+tab", "4")
	d := h.m.details.d
	if d.CardNumber != "4111111111111111" || d.CardExpiry != "12/30" || d.CardCVC != "1234" || d.CardName != "TARO" {
		t.Fatalf("number %q, expiry %q, CVC %q, name %q: typed-ahead keys went to the field being left",
			d.CardNumber, d.CardExpiry, d.CardCVC, d.CardName)
	}
	// The moves huh sent on their own were dropped, not made twice.
	if f := h.m.details.form.GetFocusedField(); f.GetKey() != string(flows.DetailCardCVC) {
		t.Errorf("focus on %s, want the CVC", f.GetKey())
	}
	h.keys("tab", "tab", "a@example.com")
	if d.Email != "a@example.com" {
		t.Errorf("email %q after two tabs from the CVC", d.Email)
	}
}

// Issue 13 item 5: a link wider than the screen is cut in its middle on
// one line, never wrapped; u copies the whole link.
func TestLongLinkCutInTheMiddleAndCopied(t *testing.T) {
	got := midTruncate("https://pay.example.com/"+strings.Repeat("x", 100)+"/instructions", 40)
	if w := len([]rune(got)); w != 40 || !strings.HasPrefix(got, "https://pay.example") || !strings.HasSuffix(got, "/instructions") || !strings.Contains(got, "…") {
		t.Fatalf("midTruncate: %q (%d cells)", got, w)
	}
	env := newEnv(t, envOpt{})
	o := env.options()
	var copied []string
	o.Copy = func(s string) error { copied = append(copied, s); return nil }
	h := newHarness(t, o, 80, 24)
	h.amountTo("900")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitText("WAITING FOR PAYMENT")
	u := h.m.outcome.InstructionsURL
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.HasPrefix(l, "http") && !strings.Contains(u, strings.TrimSpace(l)) && !strings.Contains(l, "…") {
			t.Errorf("a link line is neither the whole link nor cut in its middle: %q", l)
		}
	}
	h.keys("u")
	if len(copied) != 1 || copied[0] != u {
		t.Fatalf("u copied %q, want %q", copied, u)
	}
	h.mustContain("Link copied to the clipboard.")
}

// On the Japanese console a refused field says why in Japanese: flows'
// checks were shown in English ("is not a valid card number (check digit
// mismatch: look for a typo)" under カード番号), in the form and in the
// list of problems above it, as were the refund request form's own.
func TestFieldChecksInJapanese(t *testing.T) {
	_, h := newJaHarness(t)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.keys("4111111111111112", "enter", "1230", "enter", "12", "enter", "enter", "enter", "ctrl+s")
	h.waitText("カード番号が正しくありません (入力ミスを確認してください)")
	h.mustContain("Visa は 3 桁です")
	h.mustNotContain("check digit", "is not a valid card number", "must be 3 digits")

	h.keys("esc")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	h.pickMethod("Bank transfer")
	h.mustContain("例: 山田", "例: 太郎") // the placeholders were English ("e.g. Yamada")
	h.mustNotContain("e.g.")
	h.keys("Yamada", "enter", "Taro", "enter", "Yamada", "enter")
	h.mustContain("カタカナまたはひらがなで入力してください (例: ヤマダ)")
	h.mustNotContain("must be written in katakana")
}

// The partial-refund question refuses a typo in Japanese on the Japanese
// console (the amount parser's refusal was English), and the status line
// says a refused refund request's fields in Japanese too.
func TestAmountPromptInJapanese(t *testing.T) {
	_, h := newJaHarness(t)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("支払い完了")
	h.keys("F")
	h.waitText("返金する金額は?")
	h.keys("abc", "enter")
	h.mustContain(`金額 "abc" は数値ではありません`)
	h.mustNotContain("is not a number")
	h.keys("backspace", "backspace", "backspace", "1,00", "enter")
	h.mustContain(`金額 "1,00" の桁区切りの位置が正しくありません`)
}
