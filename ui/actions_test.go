package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestKonbiniBankRefundRequest: a captured konbini payment cannot be
// refunded by the API; b asks for the customer's bank account, confirms
// with amount and id, and sends a refund request.
func TestKonbiniBankRefundRequest(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("900")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitText("WAITING FOR PAYMENT")
	id := h.m.outcome.PaymentID()
	env.sandboxPost(t, "/sandbox/payments/"+id+"/pay_at_store", "")
	h.waitText("PAID")
	h.keys("f") // not allowed for konbini
	if h.m.modal != nil {
		t.Fatal("f offered an API refund for a konbini payment")
	}
	h.keys("b")
	if h.m.modal == nil || h.m.modal.form == nil {
		t.Fatalf("b did not open the bank refund form:\n%s", h.view())
	}
	h.mustContain("Bank refund request", "Account holder (katakana)", "Branch number (3 digits)", "Account number (7 digits)")
	// Amount (prefilled), holder, bank, branch, type, account number; the
	// first four typed at once, ahead of huh's own field moves (each went
	// to the field being left: the holder's name into the amount).
	h.typeAhead("enter", "ヤマダ タロウ", "enter", "Mizuho", "enter", "12", "enter")
	h.mustContain("must be 3 digits")
	// The refused branch keeps its text but not the focus (the next
	// field's typing is not appended to it): back to it and fix it.
	h.keys("shift+tab", "3", "enter")
	h.keys("enter") // ordinary
	h.keys("1234567", "enter")
	h.waitText("Request a bank refund of ¥900 for payment " + id + "?")
	h.keys("y")
	h.waitFor("refund request sent", func(m Model) bool {
		return m.modal == nil && m.busy == nil && m.status != ""
	})
	if !h.m.statusOK {
		t.Fatalf("refund request failed: %s", h.m.status)
	}
	p := h.m.outcome.Payment
	if p == nil || len(p.RefundRequests) != 1 {
		t.Fatalf("payment has no refund request: %+v", p)
	}
	rr := p.RefundRequests[0]
	if rr.BankName != "Mizuho" || rr.BranchNumber != "123" || rr.AccountNumber != "1234567" {
		t.Fatalf("refund request sent %+v", rr)
	}
}

// TestPrintReceiptWithLP: p sends the plain-text receipt to lp when the
// system has one.
func TestPrintReceiptWithLP(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool.txt")
	lp := "#!/bin/sh\ncat > " + spool + "\necho request id is fake-1\n"
	if err := os.WriteFile(filepath.Join(dir, "lp"), []byte(lp), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID", "p print")
	h.keys("p")
	h.waitText("Sent to the printer: request id is fake-1")
	b, err := os.ReadFile(spool)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Visa ****1111") || !strings.Contains(string(b), "¥1,000") {
		t.Fatalf("printed receipt:\n%s", b)
	}
	if strings.Contains(string(b), "4111111111111111") {
		t.Fatal("printed the card number")
	}
}

// TestUnknownOutcomeRecheck: when the answer to a pay call is lost the
// screen says UNKNOWN; g asks KOMOJU where the sale stands without
// charging again. A session with no payment right after a lost answer
// proves nothing (the attempt may still be in progress at KOMOJU), so the
// screen stays UNKNOWN; once the payment shows up, g shows it.
func TestUnknownOutcomeRecheck(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	sess := h.m.sale.SessionID()
	// Pretend the pay answer was lost: the result screen shows unknown.
	o := flows.Outcome{Kind: flows.OutcomeUnknown, SessionID: sess, OrderNum: h.m.checkout.OrderNum,
		Message: "The answer was lost.", Actions: []flows.Action{flows.ActionRefresh}}
	h.m.outcome = &o
	h.m.screen = screenResult
	h.mustContain("UNKNOWN: CHECK BEFORE CHARGING AGAIN", "g refresh")
	h.keys("g")
	h.waitFor("recheck", func(m Model) bool { return m.busy == nil })
	h.mustContain("UNKNOWN", "KOMOJU shows no payment for this sale yet")
	h.mustNotContain("not charged.")
	// The in-flight attempt lands.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := env.client.Sessions.Pay(ctx, sess, &komoju.SessionPayParams{PaymentDetails: &komoju.PaymentDetailsParams{
		Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "2030", VerificationValue: "123",
	}}); err != nil {
		t.Fatal(err)
	}
	h.keys("g")
	h.waitFor("recheck", func(m Model) bool { return m.busy == nil && m.outcome.Kind != flows.OutcomeUnknown })
	h.mustContain("Checked with KOMOJU", "PAID")
	h.mustNotContain("UNKNOWN")
}

// TestFormSubmitWithEnter fills the konbini form by typing and submits it
// with enter on the last field, as a clerk does without shortcuts.
func TestFormSubmitWithEnter(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("600")
	h.pickMethod("Konbini (convenience store)")
	h.keys("down", "enter") // Lawson
	h.keys("bad-email", "enter")
	h.mustContain("not an email address")
	h.keys("shift+tab") // the refused field let the focus go on: back to it
	for range len("bad-email") {
		h.keys("backspace")
	}
	h.keys("hanako@example.com", "enter")
	h.keys("enter", "enter", "enter") // optional phone and names
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	if h.m.outcome.Kind != flows.OutcomeAwaiting || h.m.outcome.Store != "lawson" {
		t.Fatalf("outcome %s at %q: %s", h.m.outcome.Kind, h.m.outcome.Store, h.m.outcome.Message)
	}
}

// TestLiveCaptureRetypesAmount: in LIVE mode a capture is a charge too.
func TestLiveCaptureRetypesAmount(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Mode = "live"
	o.Capture = "manual"
	h := newHarness(t, o, 120, 40)
	h.amountTo("4000")
	h.pickMethod("Credit card")
	h.m.details.d.CardNumber, h.m.details.d.CardExpiry, h.m.details.d.CardCVC = "4111111111111111", "12/30", "123"
	h.keys("ctrl+s", "4000", "enter")
	h.waitText("AUTHORIZED")
	h.keys("c")
	h.mustContain("Type the amount again to confirm (LIVE)")
	h.keys("400", "enter")
	h.mustContain("The amounts do not match")
	h.keys("0", "enter")
	h.waitText("PAID")
}
