package ui

import (
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
)

// TestBankTransferAndPayEasyAwait: both cash methods wait for the customer
// with instructions (text and QR) and no konbini codes.
func TestBankTransferAndPayEasyAwait(t *testing.T) {
	for _, method := range []string{"Bank transfer", "Pay-easy"} {
		t.Run(method, func(t *testing.T) {
			env := newEnv(t, envOpt{})
			h := newHarness(t, env.options(), 120, 40)
			h.amountTo("12000")
			h.pickMethod(method)
			h.mustContain("Family name (kana)", "Given name (kana)", "Phone")
			h.testData("Sample customer")
			h.keys("ctrl+s")
			h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
			if h.m.outcome.Kind != flows.OutcomeAwaiting {
				t.Fatalf("%s: outcome %s: %s", method, h.m.outcome.Kind, h.m.outcome.Message)
			}
			h.mustContain("WAITING FOR PAYMENT", "Instructions", "Scan for instructions", "¥12,000")
			h.mustNotContain("Receipt number", "Confirmation code")
		})
	}
}

// TestKonbiniExpiresLive: when the deadline passes, the screen follows the
// payment to EXPIRED without the clerk doing anything.
func TestKonbiniExpiresLive(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("500")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitText("WAITING FOR PAYMENT")
	env.sb.Clock().Advance(70 * 24 * time.Hour)
	h.waitText("EXPIRED")
	if h.m.outcome.Kind != flows.OutcomeExpired {
		t.Fatalf("outcome %s", h.m.outcome.Kind)
	}
}

// TestThreeDSAuthFailureFails: a 3-D Secure card whose authentication
// fails ends FAILED (nothing charged), followed live from the redirect.
func TestThreeDSAuthFailureFails(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.NoBrowser = true
	h := newHarness(t, o, 120, 40)
	h.amountTo("1200")
	h.pickMethod("Credit card")
	h.testData("Visa 3DS: challenge fails")
	h.keys("ctrl+s")
	h.waitText("CUSTOMER MUST FINISH PAYING")
	env.sandboxPost(t, "/sandbox/payments/"+h.m.outcome.PaymentID()+"/3ds", "code=111111")
	h.waitFor("final", func(m Model) bool { return m.outcome.Kind.Final() })
	if k := h.m.outcome.Kind; k != flows.OutcomeFailed {
		t.Fatalf("outcome after a failed challenge: %s", k)
	}
	h.mustContain("FAILED", "was not charged", "t try again")
	h.mustNotContain("PAID")
	h.keys("t")
	if h.m.screen != screenDetails {
		t.Fatalf("try again after FAILED went to %s", h.m.Screen())
	}
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
}

// TestHistoryAndBackKeepsFollowing: looking at history while a konbini slip
// waits, then going back, still follows the payment live.
func TestHistoryAndBackKeepsFollowing(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("500")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitText("WAITING FOR PAYMENT")
	h.keys("h")
	h.waitText("Sales today")
	h.keys("esc")
	h.waitText("WAITING FOR PAYMENT", "following the status live")
	env.sandboxPost(t, "/sandbox/payments/"+h.m.outcome.PaymentID()+"/pay_at_store", "")
	h.waitText("PAID")
}
