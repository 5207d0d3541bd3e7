package sandbox

import (
	"fmt"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// The payment state machine. Every change of a payment's status goes
// through payTransitions, by way of Server.movePayment (or, for a payment
// being created, paymentStep): the table says which status an event leads
// to from which status, and which KOMOJU events the change records. An
// event the table has no row for is refused with KOMOJU's error shape.
//
// Statuses and events are KOMOJU's: the payment object's status enum
// (komoju/komoju-node-sdk docs/Models/Payment.md) and the webhook event
// types (https://doc.komoju.com/docs/webhooks). Which status follows which
// is what KOMOJU's guides describe: two-step capture
// (https://doc.komoju.com/docs/two-step-capture) for authorized → captured,
// cancelled or expired; refunds (https://doc.komoju.com/docs/refunds) for
// captured → refunded.

// payNew is the status of a payment not created yet: the from-status of the
// rows that create one.
const payNew komoju.PaymentStatus = ""

// payEvent is something that happens to a payment.
type payEvent uint8

const (
	payDecline       payEvent = iota // the card, code or processor refused (test card, Komoju-Scenario, failed 3DS)
	payAwait                         // the customer must act first (3DS challenge, wallet redirect)
	payAuthorize                     // money reserved: manual capture, or a konbini/bank/Pay-easy code issued
	payCharge                        // money taken at once: automatic capture, or the customer finished a redirect
	payCapture                       // the merchant captures an authorization, or the customer pays at the store
	payCancel                        // the merchant or the customer cancels
	payExpire                        // the deadline passed (payment_deadline, authorization lapse)
	payRefund                        // a partial refund
	payRefundAll                     // the refund that brings amount_refunded to total
	payRefundRequest                 // a bank-transfer refund request for a cash payment
	payUpdate                        // PATCH: description or metadata
	numPayEvents
)

var payEventNames = [numPayEvents]string{"decline", "await", "authorize", "charge", "capture", "cancel", "expire", "refund", "refund_all", "refund_request", "update"}

func (e payEvent) String() string {
	if e < numPayEvents {
		return payEventNames[e]
	}
	return fmt.Sprintf("payEvent(%d)", uint8(e))
}

// payTransition is one row of the table.
type payTransition struct {
	from komoju.PaymentStatus
	on   payEvent
	to   komoju.PaymentStatus
	// events are the KOMOJU events recorded, in order (none for a payment
	// that only starts waiting for the customer: KOMOJU has no event for a
	// pending payment).
	events []string
}

var payTransitions = []payTransition{
	// Creation (Payment: Create, Session: Pay).
	{payNew, payDecline, komoju.PaymentFailed, []string{komoju.EventPaymentFailed}},
	{payNew, payAwait, komoju.PaymentPending, nil},
	{payNew, payAuthorize, komoju.PaymentAuthorized, []string{komoju.EventPaymentAuthorized}},
	{payNew, payCharge, komoju.PaymentCaptured, []string{komoju.EventPaymentCaptured}},

	// The customer on a hosted page (3DS, wallet), or the deadline.
	{komoju.PaymentPending, payDecline, komoju.PaymentFailed, []string{komoju.EventPaymentFailed}},
	{komoju.PaymentPending, payAuthorize, komoju.PaymentAuthorized, []string{komoju.EventPaymentAuthorized}},
	{komoju.PaymentPending, payCharge, komoju.PaymentCaptured, []string{komoju.EventPaymentCaptured}},
	{komoju.PaymentPending, payCancel, komoju.PaymentCancelled, []string{komoju.EventPaymentCancelled}},
	{komoju.PaymentPending, payExpire, komoju.PaymentExpired, []string{komoju.EventPaymentExpired}},

	// Two-step capture, and cash paid at the store.
	{komoju.PaymentAuthorized, payCapture, komoju.PaymentCaptured, []string{komoju.EventPaymentCaptured}},
	{komoju.PaymentAuthorized, payCancel, komoju.PaymentCancelled, []string{komoju.EventPaymentCancelled}},
	{komoju.PaymentAuthorized, payExpire, komoju.PaymentExpired, []string{komoju.EventPaymentExpired}},

	// Refunds. Every refund records payment.refund.created; the last one
	// payment.refunded too. A refund request changes nothing but the
	// payment's refund_requests (payment.updated).
	{komoju.PaymentCaptured, payRefund, komoju.PaymentCaptured, []string{komoju.EventPaymentRefundCreated}},
	{komoju.PaymentCaptured, payRefundAll, komoju.PaymentRefunded, []string{komoju.EventPaymentRefundCreated, komoju.EventPaymentRefunded}},
	{komoju.PaymentCaptured, payRefundRequest, komoju.PaymentCaptured, []string{komoju.EventPaymentUpdated}},

	// PATCH /payments/{id} works in every status.
	{komoju.PaymentPending, payUpdate, komoju.PaymentPending, []string{komoju.EventPaymentUpdated}},
	{komoju.PaymentAuthorized, payUpdate, komoju.PaymentAuthorized, []string{komoju.EventPaymentUpdated}},
	{komoju.PaymentCaptured, payUpdate, komoju.PaymentCaptured, []string{komoju.EventPaymentUpdated}},
	{komoju.PaymentRefunded, payUpdate, komoju.PaymentRefunded, []string{komoju.EventPaymentUpdated}},
	{komoju.PaymentCancelled, payUpdate, komoju.PaymentCancelled, []string{komoju.EventPaymentUpdated}},
	{komoju.PaymentExpired, payUpdate, komoju.PaymentExpired, []string{komoju.EventPaymentUpdated}},
	{komoju.PaymentFailed, payUpdate, komoju.PaymentFailed, []string{komoju.EventPaymentUpdated}},
}

// payStatuses are every status a payment can have, payNew first.
var payStatuses = []komoju.PaymentStatus{payNew, komoju.PaymentPending, komoju.PaymentAuthorized, komoju.PaymentCaptured,
	komoju.PaymentRefunded, komoju.PaymentCancelled, komoju.PaymentExpired, komoju.PaymentFailed}

// payIndex finds a row in O(1): status index × event.
var payIndex = func() [][numPayEvents]*payTransition {
	idx := make([][numPayEvents]*payTransition, len(payStatuses))
	for i := range payTransitions {
		t := &payTransitions[i]
		si := payStatusIndex(t.from)
		if si < 0 || idx[si][t.on] != nil {
			panic("sandbox: bad payment transition table at " + string(t.from) + " " + t.on.String())
		}
		idx[si][t.on] = t
	}
	return idx
}()

func payStatusIndex(st komoju.PaymentStatus) int {
	for i, s := range payStatuses {
		if s == st {
			return i
		}
	}
	return -1
}

// paymentStep is the row for event on from, or nil.
func paymentStep(from komoju.PaymentStatus, on payEvent) *payTransition {
	si := payStatusIndex(from)
	if si < 0 || on >= numPayEvents {
		return nil
	}
	return payIndex[si][on]
}

// payRefusal is how KOMOJU refuses an event in a status it does not allow:
// the error code and what the message says is allowed.
func payRefusal(id string, from komoju.PaymentStatus, on payEvent) *apiError {
	code, only := komoju.CodeUnprocessableEntity, "this cannot happen to it"
	switch on {
	case payCapture:
		code, only = komoju.CodeNotCapturable, "only authorized payments can be captured"
	case payCancel:
		code, only = komoju.CodeNotCancellable, "only pending or authorized payments can be cancelled"
	case payRefund, payRefundAll:
		code, only = komoju.CodeNotRefundable, "only captured payments can be refunded"
	case payRefundRequest:
		code, only = komoju.CodeNotRefundable, "only captured (paid) payments can be refunded"
	case payDecline, payAuthorize, payCharge, payAwait:
		only = "only pending payments await the customer"
	case payExpire:
		only = "only pending or authorized payments expire"
	}
	if from == payNew {
		return newErr(code, "", "Payment %s does not exist yet; %s", id, only)
	}
	return newErr(code, "", "Payment %s is %s; %s", id, from, only)
}

// movePayment applies event on to p: it checks the table, replaces the
// snapshot with the new status and whatever edit changes, keeps the
// deadline index and the payment's session in step, and records the row's
// KOMOJU events. It refuses (changing nothing) an event the table does not
// allow in p's status. edit may be nil; it must follow payRec.update's
// rule. Callers hold s.mu.
func (s *Server) movePayment(p *payRec, on payEvent, now time.Time, edit func(*komoju.Payment)) *apiError {
	cur := p.snap()
	t := paymentStep(cur.Status, on)
	if t == nil {
		return payRefusal(cur.ID, cur.Status, on)
	}
	p.update(func(c *komoju.Payment) {
		c.Status = t.to
		if edit != nil {
			edit(c)
		}
	})
	s.afterPaymentMove(p, t, now)
	return nil
}

// afterPaymentMove is what follows every move, including a payment's
// creation: the deadline queue, the session, the events. (A failed direct
// payment gives up its order number by its status: see paymentHolding.)
// Callers hold s.mu.
func (s *Server) afterPaymentMove(p *payRec, t *payTransition, now time.Time) {
	s.st.payGen++ // cached list pages are stale now
	if p.dueToExpire() {
		s.st.duePayments.add(p.deadline, p.seq)
	}
	if t.from != payNew { // a new payment joins its session first (chargeLocked)
		s.sessionFollowLocked(p, now)
	}
	for _, e := range t.events {
		s.recordEvent(p, e, now)
	}
}
