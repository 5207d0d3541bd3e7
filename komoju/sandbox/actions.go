package sandbox

import (
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// The customer's actions on the hosted pages. The pages post to
// /sandbox/payments/{id}/{action}; tests may call the same URLs with the
// secret key and get the payment as JSON.

// Codes accepted by the sandbox 3DS challenge page (KOMOJU's test values).
const (
	threeDSSuccessCode = "123456"
	threeDSFailCode    = "111111"
)

// errWrongCode is answered for a 3DS code other than the two test codes; it
// changes nothing, so the customer can try again.
func errWrongCode() *apiError {
	return errInvalid("code", "enter %s to authenticate or %s to fail authentication", threeDSSuccessCode, threeDSFailCode)
}

// completeLocked moves a pending payment to authorized (manual capture) or
// captured; the move completes its session.
func (s *Server) completeLocked(p *payRec, now time.Time) *apiError {
	if p.manual {
		deadline := now.Add(authTTL)
		p.deadline = deadline
		return s.movePayment(p, payAuthorize, now, func(c *komoju.Payment) { c.PaymentDeadline = &deadline })
	}
	return s.movePayment(p, payCharge, now, func(c *komoju.Payment) {
		c.CapturedAt = s.timePtr(now)
		c.PaymentDeadline = nil
	})
}

// failLocked marks a pending payment failed (payment.failed); its session
// stays payable.
func (s *Server) failLocked(p *payRec, now time.Time) *apiError {
	return s.movePayment(p, payDecline, now, nil)
}

// threeDS answers the 3DS challenge page: code 123456 authenticates (the
// payment is captured, or authorized with manual capture), 111111 fails it,
// cancel returns without paying (cancelled). Challenge-failure and
// auth-failure test cards fail whatever is entered.
func (s *Server) threeDS(id, code string, cancel bool, now time.Time) (*payRec, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.findPayment(id)
	if err != nil {
		return nil, err
	}
	if p.tds == tdsNone || p.snap().Status != komoju.PaymentPending {
		return p, newErr(komoju.CodeUnprocessableEntity, "", "Payment %s is %s and has no 3D Secure challenge waiting", id, p.snap().Status)
	}
	switch {
	case cancel:
		return p, s.cancelLocked(p, now)
	case p.tds == tdsAuthFail || p.tds == tdsChallengeFail:
		return p, s.failLocked(p, now)
	case code == threeDSSuccessCode:
		return p, s.completeLocked(p, now)
	case code == threeDSFailCode:
		return p, s.failLocked(p, now)
	}
	return p, errWrongCode()
}

// walletAction answers the wallet page: approve captures (or authorizes
// with manual capture); decline cancels. Sandbox choice: a customer who
// declines in the wallet app has cancelled, so the payment becomes
// cancelled (payment.cancelled), not failed.
func (s *Server) walletAction(id string, approve bool, now time.Time) (*payRec, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.findPayment(id)
	if err != nil {
		return nil, err
	}
	if !p.typ.IsOffsite() || p.snap().Status != komoju.PaymentPending {
		return p, newErr(komoju.CodeUnprocessableEntity, "", "Payment %s is a %s payment in status %s; only pending wallet payments can be approved or declined", id, p.typ, p.snap().Status)
	}
	if approve {
		return p, s.completeLocked(p, now)
	}
	return p, s.cancelLocked(p, now)
}

// payAtStore is the "Customer paid" button of the instructions page: an
// authorized konbini, bank_transfer or pay_easy payment becomes captured.
func (s *Server) payAtStore(id string, now time.Time) (*payRec, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.findPayment(id)
	if err != nil {
		return nil, err
	}
	if !p.typ.IsAsync() || p.snap().Status != komoju.PaymentAuthorized {
		return p, newErr(komoju.CodeNotCapturable, "", "Payment %s is a %s payment in status %s; only authorized konbini, bank_transfer or pay_easy payments can be paid at the store", id, p.typ, p.snap().Status)
	}
	p.manual = false
	return p, s.movePayment(p, payCapture, now, func(c *komoju.Payment) {
		c.CapturedAt = s.timePtr(now)
		c.PaymentDeadline = nil
	})
}
