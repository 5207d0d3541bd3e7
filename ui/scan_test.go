package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// method2PayPay opens the scan prompt of a Method 2 PayPay sale.
func method2PayPay(t *testing.T, h *harness, amount string) {
	t.Helper()
	h.amountTo(amount)
	h.keys("m")
	h.waitFor("method 2", func(m Model) bool { return m.flow == flows.FlowDirect && len(m.methodList.methods) > 0 })
	h.pickMethod("PayPay")
	if h.m.modal == nil || !h.m.modal.prompt {
		t.Fatalf("no scan prompt:\n%s", h.view())
	}
}

// scanBurst types code and Enter the way a keyboard-wedge scanner does:
// back to back, with nothing handled in between. whole sends the digits
// as one message (read in one chunk), otherwise one message per digit.
func (h *harness) scanBurst(code string, whole bool) {
	if whole {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(code)})
	} else {
		for _, r := range code {
			h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
	}
	h.send(tea.KeyMsg{Type: tea.KeyEnter})
	h.settle()
}

// TestScanPayPayCode: in Method 2, PayPay asks for the customer's code; a
// scanner's burst of digits and Enter pays at once — PAID, nothing opened,
// no redirect.
func TestScanPayPayCode(t *testing.T) {
	for _, whole := range []bool{true, false} {
		env := newEnv(t, envOpt{journal: true})
		h := newHarness(t, env.options(), 120, 40)
		method2PayPay(t, h, "1500")
		h.mustContain("Scan customer's PayPay code", "¥1,500")
		h.scanBurst(sandbox.ScannedCodeSuccess, whole)
		h.waitText("PAID")
		o := h.m.outcome
		if o.Kind != flows.OutcomePaid || o.RedirectURL != "" || o.Payment.Type() != komoju.TypePayPay || o.Payment.Total != 1500 {
			t.Fatalf("whole=%v: outcome %+v", whole, o)
		}
		if len(env.opened.list()) != 0 {
			t.Errorf("whole=%v: a page was opened: %v", whole, env.opened.list())
		}
		h.mustContain("PayPay")
	}
}

// TestScanPayPayRefusals: a low balance and an expired code say what to do
// in the clerk's words (English and Japanese), with nothing charged; a
// code the scanner mangled is refused before anything is sent; q typed in
// the prompt is text, not quit.
func TestScanPayPayRefusals(t *testing.T) {
	for _, tc := range []struct {
		lang, code, want string
	}{
		{"en", sandbox.ScannedCodeInsufficientBalance, "PayPay balance is too low"},
		{"en", sandbox.ScannedCodeExpired, "ask the customer to refresh the code"},
		{"ja", sandbox.ScannedCodeInsufficientBalance, "の残高が不足しています"},
		{"ja", sandbox.ScannedCodeExpired, "コードは期限切れ"},
	} {
		env := newEnv(t, envOpt{journal: true})
		opts := env.options()
		opts.Lang = tc.lang
		h := newHarness(t, opts, 120, 40)
		method2PayPay(t, h, "1500")
		h.scanBurst(tc.code, true)
		h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
		if h.m.outcome.Kind != flows.OutcomeError {
			t.Fatalf("%s %s: outcome %+v", tc.lang, tc.code, h.m.outcome)
		}
		h.mustContain(tc.want)
		if l, _ := env.client.Payments.List(ctx5(t), &komoju.PaymentListParams{Status: []komoju.PaymentStatus{komoju.PaymentCaptured}}); l.Total != 0 {
			t.Errorf("%s %s: charged", tc.lang, tc.code)
		}
		// t scans again.
		h.keys("t")
		h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	}

	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	method2PayPay(t, h, "1500")
	h.scanBurst("12q4$", true)
	if h.m.quitting || h.m.modal == nil {
		t.Fatalf("the prompt closed (quitting %v):\n%s", h.m.quitting, h.view())
	}
	h.mustContain("That is not a PayPay code")
	if l, _ := env.client.Payments.List(ctx5(t), nil); l.Total != 0 {
		t.Errorf("a mangled code was sent: %d payments", l.Total)
	}
	// Empty: the customer pays in the app instead (the redirect page).
	for range 5 {
		h.send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	h.keys("enter")
	h.waitText("CUSTOMER MUST FINISH PAYING")
}
