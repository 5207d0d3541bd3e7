package flows

import (
	"fmt"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// pay builds a payment of type typ in status st; refunded is the amount
// already refunded out of a total of 1000.
func pay(typ komoju.PaymentType, st komoju.PaymentStatus, refunded int64) *komoju.Payment {
	p := &komoju.Payment{ID: "pay1", Status: st, Amount: 1000, Total: 1000, Currency: "JPY", AmountRefunded: refunded}
	if typ != "" {
		p.PaymentDetails = &komoju.PaymentDetails{Type: typ}
	}
	return p
}

func TestAllowedActions(t *testing.T) {
	const (
		card    = komoju.TypeCreditCard
		paypay  = komoju.TypePayPay
		konbini = komoju.TypeKonbini
		bank    = komoju.TypeBankTransfer
		payeasy = komoju.TypePayEasy
	)
	cases := []struct {
		typ      komoju.PaymentType
		status   komoju.PaymentStatus
		refunded int64
		want     string
	}{
		// Two-step capture: capture or cancel.
		{card, komoju.PaymentAuthorized, 0, "[capture cancel refresh]"},
		{paypay, komoju.PaymentAuthorized, 0, "[capture cancel refresh]"},
		// Cash methods waiting for the customer: only cancel.
		{konbini, komoju.PaymentAuthorized, 0, "[cancel refresh]"},
		{bank, komoju.PaymentAuthorized, 0, "[cancel refresh]"},
		{payeasy, komoju.PaymentAuthorized, 0, "[cancel refresh]"},
		// Pending (redirect not finished): cancel.
		{card, komoju.PaymentPending, 0, "[cancel refresh]"},
		{paypay, komoju.PaymentPending, 0, "[cancel refresh]"},
		// Captured cards and wallets: refund while money is left.
		{card, komoju.PaymentCaptured, 0, "[refund refresh]"},
		{card, komoju.PaymentCaptured, 400, "[refund refresh]"},
		{paypay, komoju.PaymentCaptured, 0, "[refund refresh]"},
		{card, komoju.PaymentCaptured, 1000, "[refresh]"},
		// Captured cash methods: refund request only.
		{konbini, komoju.PaymentCaptured, 0, "[refund_request refresh]"},
		{bank, komoju.PaymentCaptured, 0, "[refund_request refresh]"},
		{payeasy, komoju.PaymentCaptured, 0, "[refund_request refresh]"},
		// Final statuses: refresh only.
		{card, komoju.PaymentRefunded, 1000, "[refresh]"},
		{card, komoju.PaymentCancelled, 0, "[refresh]"},
		{konbini, komoju.PaymentExpired, 0, "[refresh]"},
		{card, komoju.PaymentFailed, 0, "[refresh]"},
		{card, "something_new", 0, "[refresh]"},
	}
	for _, c := range cases {
		p := pay(c.typ, c.status, c.refunded)
		if got := fmt.Sprint(AllowedActions(p)); got != c.want {
			t.Errorf("%s %s (refunded %d): %s, want %s", c.typ, c.status, c.refunded, got, c.want)
		}
	}
	if got := fmt.Sprint(AllowedActions(nil)); got != "[refresh]" {
		t.Errorf("nil payment: %s", got)
	}
	if !Allows(pay(card, komoju.PaymentAuthorized, 0), ActionCapture) || Allows(pay(konbini, komoju.PaymentAuthorized, 0), ActionCapture) {
		t.Error("Allows disagrees with AllowedActions")
	}
	for _, a := range []Action{ActionCapture, ActionCancel, ActionRefund, ActionRefundRequest, ActionRefresh} {
		if a.Label() == "" || a.Label() == string(a) {
			t.Errorf("%s has no label", a)
		}
	}
}
