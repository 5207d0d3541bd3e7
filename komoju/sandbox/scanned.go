package sandbox

import (
	"github.com/komoju-tui/komoju-tui/komoju"
)

// PayPay codes scanned at the counter (payment_details[scanned_code]).
//
// Confirmed: KOMOJU's PayPay payment details accept scanned_code
// (komoju/komoju-node-sdk models/payment-details-pay-pay.ts, next to
// user_authorization_id).
//
// Assumed (KOMOJU documents no more than the field): a scanned code is
// charged at once, like a card, so the answer is final and has no
// redirect_url — captured (authorized with capture:false) or a 502
// decline; an expired or unreadable code is an input error that records
// nothing. The test codes below are the sandbox's own.
const (
	// ScannedCodeSuccess is charged (any other well-formed code is too).
	ScannedCodeSuccess = "000000000000000001"
	// ScannedCodeInsufficientBalance is declined with insufficient_funds
	// (502): a failed payment and payment.failed are recorded, as for a
	// declined card.
	ScannedCodeInsufficientBalance = "000000000000000002"
	// ScannedCodeExpired is refused with 422 invalid_parameter on
	// payment_details[scanned_code]: the customer must show a fresh code.
	ScannedCodeExpired = "000000000000000003"
)

// validScannedCode accepts what a barcode scanner types: letters and
// digits, at most 64.
func validScannedCode(c string) bool {
	if len(c) == 0 || len(c) > 64 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') {
			return false
		}
	}
	return true
}

// scannedDecline is the decline code a scanned test code answers with.
func scannedDecline(code string) string {
	if code == ScannedCodeInsufficientBalance {
		return komoju.CodeInsufficientFunds
	}
	return ""
}

// errScannedExpired is the answer for ScannedCodeExpired.
func errScannedExpired() *apiError {
	return errInvalid("payment_details[scanned_code]", "the PayPay code has expired; ask the customer to show a new code")
}

// scannedDetails is payment_details of a charged scanned-code payment:
// KOMOJU's ResponsePaymentDetailsPayPay without redirect_url (nothing to
// redirect to).
func (s *Server) scannedDetails(in detailsInput) *komoju.PaymentDetails {
	return &komoju.PaymentDetails{Type: komoju.TypePayPay, Offsite: &komoju.OffsiteDetails{Email: in.email, ExternalPaymentID: s.newDigits(19)}}
}
