package flows

import (
	"context"
	"errors"
	"fmt"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Recovery reports what Reconcile found for one unfinished intent.
type Recovery struct {
	Intent  Intent
	Outcome Outcome
	// Charged is true when a pay intent's payment took or holds the
	// customer's money (paid, authorized, or since refunded). A konbini
	// slip waiting at the store, a pending redirect or a failed attempt is
	// not a charge; Outcome says which it is.
	Charged bool
	// Resolved is false when KOMOJU could not be asked; the intent stays
	// open for the next Reconcile.
	Resolved bool
	Err      error
	// Message says in plain words what happened, for the clerk.
	Message string
}

// Reconcile resolves every journal intent that has no result (a crash or a
// lost answer between the API call and the result write): pay intents by
// Session: Show (Method 1) or GET /payments?external_order_num= (Method 2),
// other operations by Payment: Show. It never re-sends a charge. Each
// resolved intent gets its result written, so it is reconciled exactly
// once. Without a journal it returns nothing.
func (e *Engine) Reconcile(ctx context.Context) ([]Recovery, error) {
	if e.rec == nil {
		return nil, nil
	}
	if e.client == nil {
		return nil, errNoClient
	}
	open, err := e.rec.OpenIntents(ctx)
	if err != nil {
		return nil, fmt.Errorf("flows: reading unfinished sales from the journal: %w", err)
	}
	var out []Recovery
	var errs []error
	for _, in := range open {
		if e.inFlight(in.ID) {
			continue // this process is still waiting for that answer
		}
		rc := e.reconcileOne(ctx, in)
		if rc.Resolved {
			r := Result{Kind: rc.Outcome.Kind, Payment: rc.Outcome.Payment, Message: rc.Message, Source: SourceReconcile}
			if !rc.Charged && in.Op == OpPay {
				r.ErrorCode = "not_charged"
			}
			if err := e.rec.RecordResult(context.WithoutCancel(ctx), in.ID, r); err != nil {
				rc.Err = errors.Join(rc.Err, err)
				errs = append(errs, err)
			}
		} else if rc.Err != nil {
			errs = append(errs, rc.Err)
		}
		out = append(out, rc)
	}
	return out, errors.Join(errs...)
}

func (e *Engine) reconcileOne(ctx context.Context, in Intent) Recovery {
	rc := Recovery{Intent: in}
	label := in.OrderNum
	if label == "" {
		label = in.PaymentID
	}
	switch {
	case in.Op == OpPay && in.SessionID != "":
		s, err := e.client.Sessions.Get(ctx, in.SessionID)
		if err != nil {
			rc.Err = err
			rc.Message = fmt.Sprintf("%s: could not reach KOMOJU to check the session (%v); will try again.", label, err)
			return rc
		}
		rc.Resolved = true
		if s.Payment == nil {
			rc.Outcome = SessionOutcome(s)
			rc.Outcome.Kind = OutcomeError
			rc.Message = fmt.Sprintf("%s: the customer was NOT charged (the pay attempt never reached KOMOJU).", label)
			rc.Outcome.Message = rc.Message
			return rc
		}
		rc.Outcome = OutcomeFromPayment(s.Payment)
		rc.Outcome.SessionID = s.ID
	case in.Op == OpPay:
		l, err := e.client.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: in.OrderNum})
		if err != nil {
			rc.Err = err
			rc.Message = fmt.Sprintf("%s: could not reach KOMOJU to look the payment up (%v); will try again.", label, err)
			return rc
		}
		rc.Resolved = true
		if len(l.Data) == 0 {
			rc.Outcome = Outcome{Kind: OutcomeError, OrderNum: in.OrderNum, Actions: []Action{ActionRefresh}}
			rc.Message = fmt.Sprintf("%s: the customer was NOT charged (KOMOJU has no payment with this order number).", label)
			rc.Outcome.Message = rc.Message
			return rc
		}
		p := &l.Data[0]
		for i := range l.Data {
			if l.Data[i].CreatedAt.After(p.CreatedAt) {
				p = &l.Data[i]
			}
		}
		rc.Outcome = OutcomeFromPayment(p)
	default:
		p, err := e.client.Payments.Get(ctx, in.PaymentID)
		if err != nil {
			rc.Err = err
			rc.Message = fmt.Sprintf("%s: could not reach KOMOJU to check the %s (%v); will try again.", label, in.Op, err)
			if komoju.IsNotFound(err) {
				rc.Resolved = true
				rc.Outcome = Outcome{Kind: OutcomeError, Message: "KOMOJU does not know this payment."}
				rc.Message = fmt.Sprintf("%s: KOMOJU does not know this payment; nothing to recover.", label)
			}
			return rc
		}
		rc.Resolved = true
		rc.Outcome = OutcomeFromPayment(p)
		rc.Message = fmt.Sprintf("%s: %s was interrupted; the payment now reads: %s", label, in.Op, rc.Outcome.Message)
		e.recordStatus(ctx, p, SourceReconcile)
		return rc
	}
	if rc.Outcome.OrderNum == "" {
		rc.Outcome.OrderNum = in.OrderNum
	}
	switch rc.Outcome.Kind {
	case OutcomePaid, OutcomeAuthorized, OutcomeRefunded:
		rc.Charged = true
	}
	e.recordStatus(ctx, rc.Outcome.Payment, SourceReconcile)
	rc.Message = fmt.Sprintf("%s: recovered: %s", label, rc.Outcome.Message)
	return rc
}
