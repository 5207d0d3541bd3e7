package ui

import (
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// The console renders the flows sale: each pay answer brings the sale
// back as a value (state, attempts), and a declined Method 1 sale is paid
// again on the same session.
func TestPayAnswerCarriesTheSale(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Decline: insufficient funds")
	h.keys("ctrl+s")
	h.waitFor("decline", func(m Model) bool { return m.screen == screenResult })
	if h.m.sale == nil || h.m.sale.State != flows.SaleDeclined || h.m.sale.Attempts != 1 {
		t.Fatalf("sale after a decline: %+v", h.m.sale)
	}
	session := h.m.sale.SessionID()
	h.keys("t")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	if h.m.sale == nil || h.m.sale.State != flows.SalePaid || h.m.sale.Attempts != 2 || h.m.sale.SessionID() != session {
		t.Fatalf("sale after the retry: %+v (session %s)", h.m.sale, session)
	}
}

// A pay attempt the clerk stopped waiting for may still have charged: the
// sale on screen becomes unknown, and the next attempt on it first looks
// at the session, so the customer is charged once.
func TestCancelledPayIsNotChargedTwice(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	env.sb.SetFaults(sandbox.Faults{Latency: 300 * time.Millisecond})
	h.send(keyMsg("ctrl+s"))
	h.send(keyMsg("esc"))
	if h.m.sale == nil || h.m.sale.State != flows.SaleUnknown || h.m.sale.LastOutcome == nil {
		t.Fatalf("sale after a cancelled wait: %+v", h.m.sale)
	}
	env.sb.SetFaults(sandbox.Faults{})
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	s, err := env.client.Sessions.Get(ctx5(t), h.m.sale.SessionID())
	if err != nil {
		t.Fatal(err)
	}
	if s.Payment == nil {
		t.Fatal("no payment on the session")
	}
	list, err := env.client.Payments.List(ctx5(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range list.Data {
		if p.Status == "captured" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d captured payments, want 1", n)
	}
}
