package flows

import (
	"context"
	"errors"
	"fmt"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Recovery reports what Reconcile found for one unfinished sale or action.
type Recovery struct {
	SaleID    int64 // the journal's sale (0 for an action on a foreign payment)
	ActionID  int64 // the journal's action, 0 when the sale itself was unfinished
	Op        Op    // pay for a sale or a pay attempt; otherwise the action
	Flow      Flow
	OrderNum  string
	SessionID string
	PaymentID string
	Outcome   Outcome
	// Charged is true when the customer's money was taken or is held:
	// paid, authorized for capture, or since refunded. A konbini slip
	// waiting at the store, a pending redirect or a failed attempt is not a
	// charge; Outcome says which it is.
	Charged bool
	// Resolved is false when KOMOJU could not be asked; the sale stays
	// unfinished for the next Reconcile.
	Resolved bool
	Err      error
	// Message says in plain words what was found, for the clerk.
	Message string
}

// notCharged is the error code written for a pay attempt that never
// created a payment, and notDone for an action that did not happen.
const (
	codeNotCharged = "not_charged"
	codeNotDone    = "not_done"
)

// Reconcile resolves every journal entry left without a result — a crash
// or a lost answer between the API call and the result write — and
// reports what it found:
//   - a Method 1 sale or pay attempt by Session: Show (its payment, if any);
//   - a Method 2 sale by GET /payments?external_order_num=;
//   - a capture, cancel, refund or refund request by Payment: Show.
//
// It never re-sends a charge. Each resolved entry gets its result written,
// so it is reconciled exactly once; entries this engine is still waiting
// for are left alone. Without a journal it returns nothing.
func (e *Engine) Reconcile(ctx context.Context) ([]Recovery, error) {
	if e.rec == nil {
		return nil, nil
	}
	if e.client == nil {
		return nil, errNoClient
	}
	sales, err := e.rec.Unfinished(ctx)
	if err != nil {
		return nil, fmt.Errorf("flows: reading unfinished sales from the journal: %w", err)
	}
	var out []Recovery
	var errs []error
	add := func(rc Recovery) {
		out = append(out, rc)
		if rc.Err != nil {
			errs = append(errs, rc.Err)
		}
	}
	done := map[int64]bool{} // actions handled with their sale
	for i := range sales {
		s := &sales[i]
		payOpen := false
		for _, a := range s.OpenActions {
			done[a.ID] = true
			if e.isInflight(&e.inflightActions, a.ID) {
				payOpen = payOpen || a.Kind == journal.ActionPay
				continue
			}
			if a.Kind == journal.ActionPay {
				payOpen = true
				add(e.reconcilePayAttempt(ctx, s, a))
			} else {
				add(e.reconcileAction(ctx, a, s))
			}
		}
		if payOpen || !s.Unfinished() || e.isInflight(&e.inflightSales, s.ID) {
			continue
		}
		add(e.reconcileSale(ctx, s))
	}
	acts, err := e.rec.UnfinishedActions(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("flows: reading unfinished actions from the journal: %w", err))
	}
	for _, a := range acts {
		if done[a.ID] || e.isInflight(&e.inflightActions, a.ID) || a.Kind == journal.ActionPay {
			continue
		}
		add(e.reconcileAction(ctx, a, nil))
	}
	return out, errors.Join(errs...)
}

// chargedKind reports whether an outcome kind means money was taken or held.
func chargedKind(k OutcomeKind) bool {
	return k == OutcomePaid || k == OutcomeAuthorized || k == OutcomeRefunded
}

func saleRecovery(s *journal.Sale) Recovery {
	return Recovery{SaleID: s.ID, Op: OpPay, Flow: Flow(s.Flow), OrderNum: s.OrderNum, SessionID: s.SessionID, PaymentID: s.PaymentID}
}

// reconcileSale resolves a sale whose creating call (or Method 1 session
// with no pay attempt) has no result.
func (e *Engine) reconcileSale(ctx context.Context, s *journal.Sale) Recovery {
	rc := saleRecovery(s)
	var p *komoju.Payment
	switch {
	case s.Flow == journal.FlowSession && s.SessionID == "":
		// The session was never known, so nothing could be paid on it.
	case s.Flow == journal.FlowSession:
		sess, err := e.client.Sessions.Get(ctx, s.SessionID)
		if komoju.IsNotFound(err) {
			// KOMOJU (or an embedded sandbox that has since restarted and
			// lost its state) does not know the session: no payment can
			// exist on it. Retrying would never resolve the sale.
			break
		}
		if err != nil {
			return unreachable(rc, err)
		}
		p = sess.Payment
	default:
		l, err := e.client.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: s.OrderNum})
		if err != nil {
			return unreachable(rc, err)
		}
		p = newest(l.Data)
	}
	rc.Resolved = true
	if p == nil {
		rc.Outcome = Outcome{Kind: OutcomeError, OrderNum: s.OrderNum, SessionID: s.SessionID, Actions: []Action{ActionRefresh}}
		rc.Message = fmt.Sprintf("%s: the customer was NOT charged (KOMOJU has no payment for this sale).", s.OrderNum)
		rc.Outcome.Message = rc.Message
		r := saleResult(rc.Outcome)
		r.ErrorCode = codeNotCharged
		e.finishSale(ctx, s.ID, r)
		return rc
	}
	rc.Outcome = OutcomeFromPayment(p)
	rc.PaymentID = p.ID
	rc.Charged = chargedKind(rc.Outcome.Kind)
	rc.Message = fmt.Sprintf("%s: recovered: %s", s.OrderNum, rc.Outcome.Message)
	e.finishSale(ctx, s.ID, saleResult(rc.Outcome))
	e.recordStatus(ctx, p, SourceReconcile)
	return rc
}

// reconcilePayAttempt resolves a Method 1 pay attempt by Session: Show.
func (e *Engine) reconcilePayAttempt(ctx context.Context, s *journal.Sale, a journal.Action) Recovery {
	rc := saleRecovery(s)
	rc.ActionID = a.ID
	if s.SessionID == "" {
		rc.Resolved = true
		rc.Outcome = Outcome{Kind: OutcomeError, OrderNum: s.OrderNum}
		rc.Message = fmt.Sprintf("%s: the customer was NOT charged (the sale has no session).", s.OrderNum)
		rc.Outcome.Message = rc.Message
		r := actionResult(OpPay, rc.Outcome)
		r.ErrorCode = codeNotCharged
		e.finishAction(ctx, a.ID, r)
		return rc
	}
	sess, err := e.client.Sessions.Get(ctx, s.SessionID)
	if komoju.IsNotFound(err) {
		// See reconcileSale: an unknown session holds no payment.
		sess, err = &komoju.Session{ID: s.SessionID}, nil
	}
	if err != nil {
		return unreachable(rc, err)
	}
	rc.Resolved = true
	if sess.Payment == nil {
		rc.Outcome = SessionOutcome(sess)
		rc.Outcome.Kind = OutcomeError
		rc.Message = fmt.Sprintf("%s: the customer was NOT charged (the pay attempt never reached KOMOJU).", s.OrderNum)
		rc.Outcome.Message = rc.Message
		r := actionResult(OpPay, rc.Outcome)
		r.ErrorCode = codeNotCharged
		e.finishAction(ctx, a.ID, r)
		return rc
	}
	rc.Outcome = OutcomeFromPayment(sess.Payment)
	rc.Outcome.SessionID = sess.ID
	rc.PaymentID = sess.Payment.ID
	rc.Charged = chargedKind(rc.Outcome.Kind)
	rc.Message = fmt.Sprintf("%s: recovered: %s", s.OrderNum, rc.Outcome.Message)
	e.finishAction(ctx, a.ID, actionResult(OpPay, rc.Outcome))
	e.recordStatus(ctx, sess.Payment, SourceReconcile)
	return rc
}

// reconcileAction resolves a capture, cancel, refund or refund request by
// Payment: Show: the payment shows the effect or it did not happen.
func (e *Engine) reconcileAction(ctx context.Context, a journal.Action, s *journal.Sale) Recovery {
	rc := Recovery{SaleID: a.SaleID, ActionID: a.ID, Op: Op(a.Kind), PaymentID: a.PaymentID}
	label := a.PaymentID
	if s != nil {
		rc.Flow, rc.OrderNum, rc.SessionID = Flow(s.Flow), s.OrderNum, s.SessionID
		if s.OrderNum != "" {
			label = s.OrderNum
		}
		if rc.PaymentID == "" {
			rc.PaymentID = s.PaymentID
		}
	}
	what := string(a.Kind)
	if rc.PaymentID == "" {
		rc.Resolved = true
		rc.Outcome = Outcome{Kind: OutcomeError, Message: "No payment to check."}
		rc.Message = fmt.Sprintf("%s: the %s names no payment; nothing was done.", label, what)
		r := actionResult(rc.Op, rc.Outcome)
		r.ErrorCode = codeNotDone
		e.finishAction(ctx, a.ID, r)
		return rc
	}
	p, err := e.client.Payments.Get(ctx, rc.PaymentID)
	if err != nil {
		if !komoju.IsNotFound(err) {
			return unreachable(rc, err)
		}
		rc.Resolved = true
		rc.Outcome = Outcome{Kind: OutcomeError, Message: "KOMOJU does not know this payment."}
		rc.Message = fmt.Sprintf("%s: KOMOJU does not know payment %s; the %s did nothing.", label, rc.PaymentID, what)
		r := actionResult(rc.Op, rc.Outcome)
		r.ErrorCode = codeNotDone
		e.finishAction(ctx, a.ID, r)
		return rc
	}
	rc.Resolved = true
	if rc.OrderNum == "" && p.OrderNum() != "" {
		rc.OrderNum, label = p.OrderNum(), p.OrderNum()
	}
	rc.Outcome = OutcomeFromPayment(p)
	rc.Charged = chargedKind(rc.Outcome.Kind)
	r := actionResult(rc.Op, rc.Outcome)
	if opDone(rc.Op, p) {
		rc.Message = fmt.Sprintf("%s: the interrupted %s went through: %s", label, what, rc.Outcome.Message)
	} else {
		rc.Message = fmt.Sprintf("%s: the interrupted %s did NOT happen; the payment reads: %s", label, what, rc.Outcome.Message)
		r.Outcome = string(OutcomeError)
		r.ErrorCode = codeNotDone
	}
	e.finishAction(ctx, a.ID, r)
	return rc
}

// unreachable is a Recovery that could not ask KOMOJU; it stays open.
func unreachable(rc Recovery, err error) Recovery {
	rc.Err = err
	label := rc.OrderNum
	if label == "" {
		label = rc.PaymentID
	}
	rc.Outcome = Outcome{Kind: OutcomeUnknown, OrderNum: rc.OrderNum, Actions: []Action{ActionRefresh},
		Message: "Could not reach KOMOJU to check; will try again."}
	rc.Message = fmt.Sprintf("%s: could not reach KOMOJU to check (%v); will try again.", label, err)
	return rc
}

// newest returns the most recently created payment, or nil.
func newest(ps []komoju.Payment) *komoju.Payment {
	var best *komoju.Payment
	for i := range ps {
		if best == nil || ps[i].CreatedAt.After(best.CreatedAt) {
			best = &ps[i]
		}
	}
	return best
}
