package ui

import (
	"bytes"
	"context"
	"errors"
	"github.com/charmbracelet/x/ansi"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/receipt"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

func TestScreenString(t *testing.T) {
	want := []string{"amount", "method", "details", "processing", "result", "payment", "history"}
	for i, w := range want {
		if got := screen(i).String(); got != w {
			t.Errorf("screen(%d) = %q, want %q", i, got, w)
		}
	}
	if got := screen(99).String(); got != "screen(99)" {
		t.Errorf("unknown screen = %q", got)
	}
}

func TestAmountKeypad(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.mustContain("SANDBOX", "sk_test_…0000", "Method 1: session", "capture auto", "¥0")
	h.keys("1", "2", ".", "backspace") // 1, 12, 1200, 120
	if got := h.m.amount.value(); got != 120 {
		t.Fatalf("amount = %d, want 120", got)
	}
	h.keys("0", "0")
	h.mustContain("¥12,000")
	h.keys("delete")
	h.mustContain("¥0")
	// Zero explains itself and stays on the screen.
	h.keys("enter")
	if h.m.screen != screenAmount {
		t.Fatalf("zero amount left the amount screen (%s)", h.m.Screen())
	}
	h.mustContain("Amount must be greater than 0")
	// Too many digits are refused with a reason.
	h.keys("9999999999999", "9")
	h.mustContain("At most 13 digits.")
	h.keys("enter")
	h.mustContain("is too large")
}

func TestAmountUSDAndOptionalFields(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Currency = "usd"
	h := newHarness(t, o, 80, 24)
	h.keys("1", "0", "5", "0")
	h.mustContain("$10.50", "USD")
	// q is text inside a field, not quit.
	h.keys("tab", "tab", "q@example")
	if h.m.quitting {
		t.Fatal("q in a text field quit the app")
	}
	h.keys("enter")
	h.mustContain("not an email address")
	h.keys("backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	h.keys("tab", "tab", "tab", "abc", "enter")
	h.mustContain("Tax")
	if h.m.screen != screenAmount {
		t.Fatalf("invalid tax accepted; screen %s", h.m.Screen())
	}
}

func TestQuitKeys(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 80, 24)
	h.send(keyMsg("?"))
	if !h.m.fullHelp {
		t.Fatal("? did not open the full help")
	}
	h.mustContain("ctrl+c")
	nm, cmd := h.m.Update(keyMsg("q"))
	if cmd == nil || !nm.(Model).quitting {
		t.Fatal("q on the amount screen did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not return tea.Quit")
	}
}

func TestMethodScreenTogglesAndMarkers(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	if h.m.sale == nil || h.m.sale.SessionID() == "" {
		t.Fatal("Method 1 did not create a session")
	}
	h.mustContain("Payment method", "¥1,000", "Credit card", "Konbini", "↗ offsite", "⏳ async", "Customer pays on their phone",
		"[m]", "Method 2: direct", "[c]", "capture manual")
	h.keys("c")
	if h.m.capture != komoju.CaptureManual {
		t.Fatal("c did not switch to manual capture")
	}
	h.mustContain("capture manual")
	h.keys("m")
	if h.m.flow != flows.FlowDirect {
		t.Fatal("m did not switch to Method 2")
	}
	h.mustNotContain("Customer pays on their phone")
	h.keys("m")
	h.waitFor("Method 1 again", func(m Model) bool { return m.screen == screenMethod && m.flow == flows.FlowSession })
	h.keys("esc")
	if h.m.screen != screenAmount || h.m.amount.value() != 1000 {
		t.Fatalf("esc did not go back to the amount (kept): %s %d", h.m.Screen(), h.m.amount.value())
	}
}

func TestCardSalePaidAndReceipt(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.keys("1000", "tab", "ORDER-1", "enter")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	h.pickMethod("Credit card")
	if h.m.screen != screenDetails {
		t.Fatalf("credit card did not open the form: %s", h.m.Screen())
	}
	h.mustContain("Card number", "Expiry", "CVC")
	h.testData("Visa: success")
	h.mustContain("4111 1111 1111 1111", "Visa")
	h.mustNotContain("123") // the CVC is masked
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	h.mustContain("PAID", "¥1,000", "Visa •••• 1111", "Payment id", h.m.outcome.PaymentID(), "ORDER-1")
	if h.m.details.d.CardNumber != "" || h.m.details.d.CardCVC != "" {
		t.Fatal("card secrets kept after paying")
	}
	h.keys("s")
	h.waitText("Receipt saved to")
	b, err := os.ReadFile(filepath.Join(env.dir, "receipt-ORDER-1.txt"))
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	rc := string(b)
	for _, want := range []string{"KOMOJU POS", "RECEIPT", "S A N D B O X", "ORDER-1", "¥1,000", "Visa ****1111", h.m.outcome.PaymentID(), "captured"} {
		if !strings.Contains(rc, want) {
			t.Errorf("receipt lacks %q:\n%s", want, rc)
		}
	}
	if strings.Contains(rc, "4111111111111111") || strings.Contains(rc, "4111 1111") {
		t.Error("receipt holds the card number")
	}
	// Detail screen, then back.
	h.keys("d")
	h.mustContain("Payment", "captured", "Refundable", "¥1,000", "Timeline", "created", "Refund")
	h.keys("esc")
	if h.m.screen != screenResult {
		t.Fatalf("esc from detail went to %s", h.m.Screen())
	}
	h.keys("n")
	if h.m.screen != screenAmount || h.m.amount.value() != 0 || h.m.outcome != nil {
		t.Fatal("n did not start a clean sale")
	}
}

func TestKonbiniAwaitingThenPaidAtStore(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("500")
	h.pickMethod("Konbini (convenience store)")
	h.mustContain("Convenience store", "Email")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	o := h.m.outcome
	if o.Kind != flows.OutcomeAwaiting {
		t.Fatalf("konbini outcome %s: %s", o.Kind, o.Message)
	}
	h.mustContain("WAITING FOR PAYMENT", "Store", "Deadline", "Instructions", "█▀", "following the status live")
	// The instructions URL is on screen as text (wrapped across lines).
	flat := strings.ReplaceAll(strings.ReplaceAll(h.view(), "\n", ""), " ", "")
	if !strings.Contains(flat, strings.ReplaceAll(o.InstructionsURL, " ", "")) {
		t.Fatalf("instructions URL %s not shown", o.InstructionsURL)
	}
	// Lawson (the sample store) may show its codes; flows decides.
	if o.Receipt != "" {
		h.mustContain("Receipt number", o.Receipt)
	}
	// The customer pays at the store; the screen follows live.
	env.sandboxPost(t, "/sandbox/payments/"+o.PaymentID()+"/pay_at_store", "")
	h.waitText("PAID", "Status changed to captured (poll")
	if h.m.outcome.Status() != komoju.PaymentCaptured {
		t.Fatalf("status %s after paying at the store", h.m.outcome.Status())
	}
	// Cash methods refund by bank refund request only.
	h.mustContain("bank refund request")
	h.mustNotContain("F partial refund")
}

func TestSevenElevenHidesReceipt(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("500")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.m.details.d.Store = komoju.StoreSevenEleven
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	h.mustContain("7-Eleven")
	h.mustNotContain("Receipt number", "Confirmation code")
}

func TestPayPayRedirectOpensBrowserAndFollows(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("800")
	h.pickMethod("PayPay")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	o := h.m.outcome
	if o.Kind != flows.OutcomeRedirect || o.RedirectURL == "" {
		t.Fatalf("paypay outcome %s %q", o.Kind, o.RedirectURL)
	}
	h.waitText("Opened the page in the browser.")
	if got := env.opened.list(); len(got) != 1 || got[0] != o.RedirectURL {
		t.Fatalf("opened %v, want %s", got, o.RedirectURL)
	}
	h.mustContain("CUSTOMER MUST FINISH PAYING", "Scan to pay", "█")
	env.sandboxPost(t, "/sandbox/payments/"+o.PaymentID()+"/approve", "")
	h.waitText("PAID")
	if h.m.watching() {
		t.Error("still watching a settled payment")
	}
}

func TestRedirectNoBrowserAndBrowserFailure(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.NoBrowser = true
	h := newHarness(t, o, 120, 40)
	h.amountTo("800")
	h.pickMethod("PayPay")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	h.mustContain("--no-browser: the page was not opened.")
	if len(env.opened.list()) != 0 {
		t.Fatal("opened a browser with NoBrowser")
	}

	env2 := newEnv(t, envOpt{})
	env2.opened.err = errors.New("no display")
	h2 := newHarness(t, env2.options(), 120, 40)
	h2.amountTo("800")
	h2.pickMethod("PayPay")
	h2.waitText("There is no browser here to open the page", "--no-browser")
	h2.mustNotContain("no display") // exec's words are not a clerk's
}

func TestThreeDSChallengeThenPaid(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.NoBrowser = true
	h := newHarness(t, o, 120, 40)
	h.amountTo("1200")
	h.pickMethod("Credit card")
	h.testData("Visa 3DS: challenge (enter 123456)")
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	h.mustContain("3D Secure", "Link")
	// P presses the sandbox's challenge button for the customer.
	h.keys("P")
	h.waitText("PAID")
}

func TestManualCaptureThenCapture(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Capture = komoju.CaptureManual
	h := newHarness(t, o, 120, 40)
	h.mustContain("capture manual")
	h.amountTo("3000")
	h.pickMethod("Credit card")
	h.testData("Mastercard: success")
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	h.mustContain("AUTHORIZED: CAPTURE PENDING", "c capture", "C partial capture", "x cancel payment")
	id := h.m.outcome.PaymentID()
	h.keys("c")
	if h.m.modal == nil {
		t.Fatal("capture did not ask for confirmation")
	}
	h.mustContain("Capture ¥3,000 of payment " + id + "?")
	h.keys("n")
	if h.m.outcome.Status() != komoju.PaymentAuthorized {
		t.Fatal("declining the confirmation captured anyway")
	}
	h.keys("c", "y")
	h.waitText("PAID")
	if h.m.outcome.Status() != komoju.PaymentCaptured {
		t.Fatalf("status after capture: %s", h.m.outcome.Status())
	}
}

func TestPartialCaptureAndCancel(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Capture = komoju.CaptureManual
	h := newHarness(t, o, 120, 40)
	h.amountTo("3000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("AUTHORIZED")
	h.keys("C")
	h.mustContain("Capture how much?", "at most ¥3,000")
	h.keys("5000", "enter")
	h.mustContain("at most ¥3,000")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	for range 4 {
		h.keys("backspace")
	}
	h.keys("1000", "enter")
	h.mustContain("Capture ¥1,000 of payment")
	h.keys("y")
	h.waitText("PAID")

	// A second authorization, cancelled.
	h.keys("n")
	h.amountTo("2000")
	h.pickMethod("Credit card")
	h.testData("JCB: success")
	h.keys("ctrl+s")
	h.waitText("AUTHORIZED")
	h.keys("x")
	h.mustContain("Cancel payment", "¥2,000")
	h.keys("y")
	h.waitText("CANCELLED")
}

func TestRefundFullAndPartial(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("5000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	id := h.m.outcome.PaymentID()
	h.keys("F", "1500", "enter")
	h.mustContain("Refund ¥1,500 of payment " + id + " to the customer?")
	h.keys("y")
	h.waitFor("partial refund", func(m Model) bool {
		return m.outcome.Payment != nil && m.outcome.Payment.AmountRefunded == 1500
	})
	h.mustContain("PAID", "¥1,500 has been refunded")
	h.keys("f")
	h.mustContain("Refund ¥3,500 of payment")
	h.keys("y")
	h.waitText("REFUNDED")
}

func TestDeclineThenRetrySameSession(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	sess := h.m.sale.SessionID()
	h.pickMethod("Credit card")
	h.testData("Decline: insufficient funds")
	h.m.details.d.Email = "kept@example.com"
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	h.mustContain("NOT PAID", "insufficient funds", "t try again", "Visa •••• 1000")
	if !h.m.outcome.CanRetry {
		t.Fatal("Method 1 decline is not retryable")
	}
	h.keys("t")
	if h.m.screen != screenDetails {
		t.Fatalf("try again went to %s", h.m.Screen())
	}
	if h.m.details.d.CardNumber != "" || h.m.details.d.CardCVC != "" {
		t.Fatal("card secrets kept for the retry")
	}
	if h.m.details.d.Email != "kept@example.com" || h.m.details.d.CardExpiry == "" {
		t.Fatal("retry lost the non-secret details")
	}
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	if got := h.m.outcome.SessionID; got != sess {
		t.Fatalf("retry used session %s, want the same %s", got, sess)
	}
}

func TestScenarioErrorForKonbini(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("700")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.testData("card_declined")
	h.mustContain("Komoju-Scenario: card_declined")
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	if h.m.outcome.Kind != flows.OutcomeError {
		t.Fatalf("scenario outcome %s", h.m.outcome.Kind)
	}
	h.mustContain("NOT PAID")
}

func TestDirectFlowCard(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Flow = flows.FlowDirect
	h := newHarness(t, o, 80, 24)
	h.mustContain("Method 2: direct")
	h.amountTo("2500")
	if h.m.sale != nil {
		t.Fatal("Method 2 created a session")
	}
	h.settle() // the merchant's list from GET /payment_methods, named as Method 1 names them
	h.mustNotContain("Credit Card")
	h.pickMethod("Credit card")
	h.testData("Decline: card expired")
	h.keys("ctrl+s")
	h.waitText("NOT PAID", "expired")
	first := h.m.outcome.OrderNum
	h.keys("t")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	if h.m.outcome.OrderNum == first || h.m.outcome.OrderNum == "" {
		t.Fatalf("Method 2 retry reused order number %q", first)
	}
}

func TestPhonePaysSession(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1500")
	sale := h.m.sale
	h.pickMethod("phone")
	h.waitText("CUSTOMER PAYS ON THEIR PHONE", "Scan to pay")
	if len(env.opened.list()) != 0 {
		t.Fatal("phone flow opened a browser on the till")
	}
	// The customer pays on their phone (the hosted page calls Session: Pay).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := env.client.Sessions.Pay(ctx, sale.SessionID(), &komoju.SessionPayParams{PaymentDetails: &komoju.PaymentDetailsParams{
		Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "2030", VerificationValue: "123",
	}}, komoju.WithPublishable())
	if err != nil {
		t.Fatalf("customer pay: %v", err)
	}
	h.waitText("PAID", "Visa •••• 1111")
}

func TestProcessingEscCancelsAndDropsStaleResult(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	env.sb.SetFaults(sandbox.Faults{Latency: 600 * time.Millisecond})
	h.send(keyMsg("ctrl+s"))
	if h.m.screen != screenProcessing || h.m.busy == nil {
		t.Fatalf("not processing: %s", h.m.Screen())
	}
	h.mustContain("Creating session", "✓", "Paying (Credit card) …", "esc cancels")
	attempt := h.m.busy.id
	// q asks before abandoning a payment in flight.
	h.send(keyMsg("q"))
	if h.m.modal == nil || h.m.quitting {
		t.Fatal("q during a payment did not ask")
	}
	h.mustContain("Quit while a payment is in progress?", "journal")
	h.send(keyMsg("n"))
	h.send(keyMsg("esc"))
	if h.m.busy != nil || h.m.screen != screenDetails {
		t.Fatalf("esc did not cancel the step: %s", h.m.Screen())
	}
	h.mustContain("Cancelled while waiting for KOMOJU")
	// A late answer to the cancelled attempt is ignored.
	h.send(payResultMsg{attempt: attempt, outcome: flows.Outcome{Kind: flows.OutcomePaid, Message: "late"}})
	if h.m.screen != screenDetails || h.m.outcome != nil {
		t.Fatal("a stale result was applied")
	}
}

func TestLiveModeRetypesAmount(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Mode = "live"
	o.SandboxURL = ""
	h := newHarness(t, o, 120, 40)
	h.mustContain("LIVE")
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.keys("ctrl+t")
	if h.m.details.picker != nil {
		t.Fatal("test data offered in LIVE mode")
	}
	h.m.details.d.CardNumber = "4111111111111111"
	h.m.details.d.CardExpiry = "12/30"
	h.m.details.d.CardCVC = "123"
	h.keys("ctrl+s")
	if h.m.modal == nil || h.m.busy != nil {
		t.Fatal("LIVE mode paid without the amount typed again")
	}
	h.mustContain("Type the amount again to confirm (LIVE)")
	h.keys("100", "enter")
	h.mustContain("The amounts do not match. Nothing was sent.")
	if h.m.busy != nil {
		t.Fatal("sent with a mismatching amount")
	}
	h.keys("0", "enter")
	h.waitText("PAID")
}

func TestDemoMasksKeysAndIDs(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Demo = true
	h := newHarness(t, o, 120, 40)
	h.mustNotContain("0000")
	h.mustContain("sk_test_…")
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.mustNotContain("4111 1111")
	h.keys("ctrl+s")
	h.waitText("P A I D")
	id := h.m.outcome.PaymentID()
	h.mustNotContain(id)
	h.mustContain("…" + id[len(id)-4:])
}

func TestJapanese(t *testing.T) {
	_, h := newJaHarness(t)
	h.mustContain("金額", "テンキーで金額を入力", "方式1: セッション")
	h.amountTo("1000")
	h.mustContain("支払い方法", "クレジットカード", "コンビニ決済")
	h.pickMethod("credit_card")
	h.mustContain("カード番号", "有効期限 (MM/YY)", "セキュリティコード")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("支払い完了", "決済ID")
	// The sentence under the headline is Japanese too, not flows' English.
	h.mustContain("¥1,000 の支払いが完了しました（Visa •••• 1111）。")
	h.mustNotContain("Paid ¥1,000")

	// The saved receipt's values line up (right-aligned at the paper's
	// edge) although Japanese labels take two cells per character.
	rc := h.m.receiptText(h.m.outcome)
	for _, line := range strings.Split(rc, "\n") {
		if !strings.Contains(line, "  ") || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "#") {
			continue // title, rules, centred lines and the mark
		}
		if w := ansi.StringWidth(line); w != receipt.Width {
			t.Errorf("receipt line %q ends at column %d, want %d:\n%s", line, w, receipt.Width, rc)
		}
	}

	// A decline keeps KOMOJU's reason and says the sale can be tried again.
	h.keys("n")
	h.amountTo("1000")
	h.pickMethod("credit_card")
	h.testData("Decline: insufficient funds")
	h.keys("ctrl+s")
	h.waitText("支払われていません: ", "同じ取引でもう一度お試しいただけます")
}

func TestNotices(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Mode = "test"
	o.Notices = []words.Text{words.T("notice_env_key_overrides", "/etc/komoju.toml")}
	h := newHarness(t, o, 120, 24)
	h.mustContain("TEST", "KOMOJU_SECRET_KEY from the environment overrides the key in /etc/komoju.toml")
}

// TestDismissStartNotices: ctrl+x ("dismiss notices") takes the start's
// notices away once read (a restored sandbox's line stayed on a 24-line
// screen all day), except a damaged journal's alarm; the screen gets the
// lines back.
func TestDismissStartNotices(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Notices = []words.Text{words.T("notice_sandbox_restored", "/d/journal.db.sandbox.json", 3, 2), words.T("journal_damaged")}
	h := newHarness(t, o, 120, 24)
	h.mustContain("Sandbox state restored", "Sale journal damaged", "ctrl+x")
	body := h.m.bodyHeight()
	h.keys("ctrl+x")
	h.mustNotContain("Sandbox state restored")
	h.mustContain("Sale journal damaged")
	if got := h.m.bodyHeight(); got != body+1 {
		t.Errorf("body height %d after dismissing one notice line, want %d", got, body+1)
	}
	if strings.Contains(h.view(), "ctrl+x") {
		t.Errorf("ctrl+x still offered with only the journal's alarm left:\n%s", h.view())
	}
	h.keys("ctrl+x")
	h.mustContain("Sale journal damaged")
}

// TestLongNoticesWrap: a notice longer than the window wraps instead of
// losing its end (the remedy of a warning), and the screen below makes room
// for the extra lines: the frame is still the window's height, help line
// last.
func TestLongNoticesWrap(t *testing.T) {
	path := "/home/clerk/.config/komoju-tui/config.toml"
	for _, lang := range []string{"en", "ja"} {
		env := newEnv(t, envOpt{})
		o := env.options()
		o.Lang = lang
		o.Notices = []words.Text{words.T("notice_config_readable", path, path),
			words.T("notice_sandbox_network_port", "https://pos.example.test", "36667", "0.0.0.0:36667", "36667")}
		h := newHarness(t, o, 80, 24)
		v := h.m.View()
		lines := strings.Split(v, "\n")
		if len(lines) != 24 {
			t.Errorf("%s: %d lines in a 24-line window:\n%s", lang, len(lines), v)
		}
		flat := strings.ReplaceAll(v, "\n", "")
		if !strings.Contains(flat, "chmod 600 "+path) && !strings.Contains(strings.ReplaceAll(flat, " ", ""), "chmod600"+path) {
			t.Errorf("%s: the warning's remedy was cut:\n%s", lang, v)
		}
		// A link or a path moves to the next line whole: one cut in two
		// can be neither clicked nor copied.
		for _, whole := range []string{"http://127.0.0.1:36667", path} {
			if !strings.Contains(v, whole) {
				t.Errorf("%s: %s was cut across lines:\n%s", lang, whole, v)
			}
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("%s: line %d is %d cells wide: %q", lang, i, w, l)
			}
		}
		if !strings.Contains(lines[len(lines)-1], "?") {
			t.Errorf("%s: the help line is not last:\n%s", lang, v)
		}
	}
}

// TestNoticeWrap: the header's notices wrap with the result screen's wrap:
// at spaces, a path with hyphens whole, what has no space cut by cells.
func TestNoticeWrap(t *testing.T) {
	wrapAtSpaces := func(s string, w int) []string { return strings.Split(wrap(s, w), "\n") }
	path := "/tmp/qa/data/komoju-tui/journal-sandbox.db.sandbox.json:"
	got := wrapAtSpaces("! Sandbox state restored from "+path+" 1 payments, 1 sessions", 80)
	if want := []string{"! Sandbox state restored from", path + " 1 payments, 1 sessions"}; !slices.Equal(got, want) {
		t.Errorf("a path with hyphens: %q, want %q", got, want)
	}
	ja := strings.Repeat("サンドボックス", 10) // 140 cells, no space
	for _, l := range wrapAtSpaces(ja, 80) {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("%q is %d cells", l, w)
		}
	}
	if got := wrapAtSpaces("a "+strings.Repeat("x", 100), 40); len(got) != 4 || got[0] != "a" || got[3] != strings.Repeat("x", 20) {
		t.Errorf("a word wider than the window: %q", got)
	}
}

// TestNoticesInJapanese: what the configuration and the start-up tell the
// clerk (a restored sandbox on every start after the first, an override,
// a phone URL) is said in the console's language, in the header and in
// the accessible console; it was English on the Japanese console.
func TestNoticesInJapanese(t *testing.T) {
	notices := []words.Text{
		words.T("notice_sandbox_restored", "/d/journal.db.sandbox.json", 3, 2),
		words.T("notice_env_key_overrides", "/etc/komoju.toml"),
		words.T("notice_sandbox_network", "http://192.168.1.20:7777"),
	}
	want := []string{"サンドボックスの状態を /d/journal.db.sandbox.json から復元しました: 決済 3 件、セッション 2 件",
		"環境変数 KOMOJU_SECRET_KEY が /etc/komoju.toml のキーより優先されます",
		"お客様のスマホは http://192.168.1.20:7777 でサンドボックスのページを開きます"}
	english := []string{"Sandbox state restored", "overrides the key", "customers' phones"}
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Lang, o.Notices = "ja", notices
	h := newHarness(t, o, 200, 30)
	h.mustContain(want...)
	for _, e := range english {
		if strings.Contains(h.m.View(), e) {
			t.Errorf("English %q on the Japanese console:\n%s", e, h.m.View())
		}
	}
	var out bytes.Buffer
	o.Input, o.Output = strings.NewReader("q\n"), &out
	if err := RunAccessible(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("accessible console: %q missing:\n%s", w, out.String())
		}
	}
	for _, e := range english {
		if strings.Contains(out.String(), e) {
			t.Errorf("accessible console: English %q:\n%s", e, out.String())
		}
	}
}

func TestHistoryFilterDetailExport(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	sell := func(digits, card string) {
		h.amountTo(digits)
		h.pickMethod("Credit card")
		h.testData(card)
		h.keys("ctrl+s")
		h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
		h.keys("n")
	}
	sell("1000", "Visa: success")
	sell("2000", "Decline: insufficient funds")
	sell("3000", "Mastercard: success")
	h.keys("h")
	h.waitText("Sales today", "¥1,000", "¥3,000", "captured")
	h.mustContain("Time", "Order", "Method", "Amount", "Status", "by method", "by status", "net ¥4,000")
	h.keys("tab")
	h.mustContain("Filter:  captured")
	h.mustNotContain("¥2,000 ")
	h.keys("e")
	h.waitText("Exported 2 sales to")
	b, err := os.ReadFile(filepath.Join(env.dir, "sales-"+fixedNow.Format("20060102")+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(string(b)), "\n"); n != 2 {
		t.Fatalf("CSV has %d data rows, want 2:\n%s", n, b)
	}
	if strings.Contains(string(b), "4111111111111111") {
		t.Fatal("CSV holds a card number")
	}
	h.keys("enter")
	h.waitFor("payment detail", func(m Model) bool {
		return m.screen == screenPayment && m.payment != nil && m.payment.PaymentDetails != nil
	})
	h.mustContain("Payment", "captured", "Timeline")
	h.keys("esc")
	h.waitFor("history", func(m Model) bool { return m.screen == screenHistory })
}

func TestColourProfileFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	// Not a terminal: no colour, whatever TERM says.
	if p := colorProfile(env("TERM", "xterm-256color", "COLORTERM", "truecolor"), &strings.Builder{}); p != termenv.Ascii {
		t.Errorf("non-terminal profile = %v, want Ascii", p)
	}
	cases := []struct {
		env  func(string) string
		term bool
		want termenv.Profile
	}{
		{env("TERM", "xterm-256color", "NO_COLOR", "1"), true, termenv.Ascii},
		{env("TERM", "dumb"), true, termenv.Ascii},
		{env(), true, termenv.Ascii},
		{env("TERM", "xterm-256color", "COLORTERM", "truecolor"), true, termenv.TrueColor},
		{env("TERM", "xterm-256color"), true, termenv.ANSI256},
		{env("TERM", "xterm"), true, termenv.ANSI},
		{env("TERM", "xterm-256color"), false, termenv.Ascii},
	}
	for i, c := range cases {
		if got := profileFor(c.env, c.term); got != c.want {
			t.Errorf("case %d: profile %v, want %v", i, got, c.want)
		}
	}
	if !darkBackground(env()) || darkBackground(env("COLORFGBG", "0;15")) || !darkBackground(env("COLORFGBG", "15;0")) {
		t.Error("COLORFGBG not read")
	}
}
