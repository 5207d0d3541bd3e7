package flows

import "sync"

// SaleState is where a sale stands in its life cycle. The engine moves a
// sale from state to state only through the answers to its calls (each
// journaled before and after the call); the console renders the state and
// sends intents, the headless commands drive the same transitions.
//
//	open ──pay──▶ paid | authorized | waiting | declined | unknown
//	declined ──pay again (Method 1, same session)──▶ …
//	waiting ──customer finishes──▶ paid | declined | closed
//	unknown ──recheck / reconcile──▶ any of the above, or not charged
type SaleState string

// Sale states.
const (
	// SaleOpen: a Method 1 session exists and is payable; nothing tried yet.
	SaleOpen SaleState = "open"
	// SaleWaiting: the customer must act (3-D Secure or wallet page, a
	// konbini slip or bank transfer to pay).
	SaleWaiting SaleState = "waiting"
	// SaleAuthorized: the money is held; the clerk captures or cancels.
	SaleAuthorized SaleState = "authorized"
	// SalePaid: captured.
	SalePaid SaleState = "paid"
	// SaleDeclined: refused, nothing charged; a Method 1 session can be
	// paid again.
	SaleDeclined SaleState = "declined"
	// SaleUnknown: the answer was lost. Nobody may charge again until a
	// recheck finds the payment or proves there is none.
	SaleUnknown SaleState = "unknown"
	// SaleClosed: cancelled, expired, failed for good or refunded.
	SaleClosed SaleState = "closed"
)

// StateOf maps an outcome to the sale state it puts the sale in.
func StateOf(o Outcome) SaleState {
	switch o.Kind {
	case OutcomePaid:
		return SalePaid
	case OutcomeAuthorized:
		return SaleAuthorized
	case OutcomeAwaiting, OutcomeRedirect:
		return SaleWaiting
	case OutcomeUnknown:
		return SaleUnknown
	case OutcomeError:
		if o.CanRetry {
			return SaleDeclined
		}
		return SaleClosed
	case OutcomeCancelled, OutcomeExpired, OutcomeFailed, OutcomeRefunded:
		return SaleClosed
	}
	return SaleUnknown
}

// CanPay reports whether a pay attempt may be made on the sale now. An
// unknown or waiting sale may be "paid" again only in the sense that the
// engine first looks at the previous attempt and refuses to charge while it
// may have gone through.
func (s SaleState) CanPay() bool {
	switch s {
	case SaleOpen, SaleDeclined, SaleUnknown, SaleWaiting:
		return true
	}
	return false
}

type sessionLock struct {
	mu   sync.Mutex
	refs int
}

// lockSession serialises pay attempts on one session across goroutines
// (a clerk pressing pay twice, a console and a recheck).
func (e *Engine) lockSession(id string) func() {
	e.mu.Lock()
	if e.sessionLocks == nil {
		e.sessionLocks = map[string]*sessionLock{}
	}
	l := e.sessionLocks[id]
	if l == nil {
		l = &sessionLock{}
		e.sessionLocks[id] = l
	}
	l.refs++
	e.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		e.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(e.sessionLocks, id)
		}
		e.mu.Unlock()
	}
}
