package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// "Customer pays on their phone" after a card sale: before the customer
// chose anything the screen names no method, least of all the card of
// the sale before.
func TestPhoneShowsNoMethodBeforeTheCustomerChose(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.paidCard("1000")
	h.keys("n")
	h.amountTo("1500")
	h.pickMethod("phone")
	h.waitText("CUSTOMER PAYS ON THEIR PHONE", "Scan to pay")
	h.mustNotContain("Visa", "•••• 1111", "Credit card")
	h.mustContain("Method", "chosen on the phone")
}

// The phone screen offers a cancel: x closes the session page at KOMOJU
// (the customer can no longer pay on it) and goes back to the methods of
// the same amount on a new session.
func TestPhoneCanBeCancelled(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1500")
	old := h.m.sale.SessionID()
	h.pickMethod("phone")
	h.waitText("CUSTOMER PAYS ON THEIR PHONE")
	if !strings.Contains(h.m.shortHelpLine(), "x cancel payment") {
		t.Fatalf("phone screen offers no cancel: %q", h.m.shortHelpLine())
	}
	h.keys("x")
	h.waitFor("method screen on a new session", func(m Model) bool {
		return m.screen == screenMethod && m.sale != nil && m.sale.SessionID() != old
	})
	h.mustContain("Payment method", "¥1,500", "the customer can no longer pay on it")
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := env.client.Sessions.Get(ctx5(t), old)
		if err == nil && s.Status == komoju.SessionCancelled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phone's session %s was not cancelled (%v, %v)", old, s, err)
		}
		h.settle()
	}
}
