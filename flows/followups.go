package flows

import (
	"context"
	"errors"
	"strings"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// FollowTarget names a sale whose payment may not be known yet: the answer
// to its pay call was lost, so the till has a session, an order number or
// (rarely) a payment id, and must find out what KOMOJU did with it.
type FollowTarget struct {
	PaymentID string
	SessionID string
	// OrderNum, Amount and Currency find a Method 2 payment by
	// external_order_num. Only a payment with this amount (before tax) and
	// currency is taken to be the sale's: another sale may have used the
	// same order number.
	OrderNum string
	Amount   int64
	Tax      int64
	Currency string
}

// owns reports whether p is the target's payment. By order number only a
// payment with the sale's amount (or total) and currency counts, by the
// journal's rule (journal.PaymentMatches), which every look-up shares.
func (t FollowTarget) owns(p *komoju.Payment) bool {
	switch {
	case p == nil:
		return false
	case t.PaymentID != "":
		return p.ID == t.PaymentID
	case t.SessionID != "":
		return p.SessionID() == t.SessionID
	case t.OrderNum != "":
		if p.OrderNum() != t.OrderNum || t.Currency != "" && !strings.EqualFold(p.Currency, t.Currency) {
			return false
		}
		return t.Amount == 0 || journal.PaymentMatches(p, p.Currency, t.Amount, t.Tax)
	}
	return false
}

// errNothingToLookUp is a look-up with no payment, session or order number.
var errNothingToLookUp = errors.New("flows: nothing to look up: no payment, session or order number")

// ask is the one way a sale's payment is asked of KOMOJU — Lookup (`show`,
// Recheck) and LookUp/FollowUnknown (the console's unknown sales) differ
// only in what they conclude from the answer: by payment id, else by
// session (s is then the session), else by order number, where only the
// newest payment the target owns counts. A payment found is recorded in
// the journal with src.
func (e *Engine) ask(ctx context.Context, t FollowTarget, src Source) (p *komoju.Payment, s *komoju.Session, err error) {
	switch {
	case t.PaymentID != "":
		p, err = e.client.Payments.Get(ctx, t.PaymentID)
	case t.SessionID != "":
		s, err = e.client.Sessions.Get(ctx, t.SessionID)
		if err == nil {
			p = s.Payment
		}
	case t.OrderNum != "":
		var l *komoju.List[komoju.Payment]
		l, err = e.client.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: t.OrderNum})
		if err == nil && l != nil {
			var own []komoju.Payment
			for i := range l.Data {
				if t.owns(&l.Data[i]) {
					own = append(own, l.Data[i])
				}
			}
			p = newest(own)
		}
	default:
		return nil, nil, errNothingToLookUp
	}
	if err != nil {
		return nil, nil, err
	}
	if p != nil {
		e.recordStatus(ctx, p, src)
	}
	return p, s, nil
}

// LookUp asks KOMOJU once where a sale with an unknown outcome stands,
// without charging and without touching the journal's verdicts. found is
// false while KOMOJU shows no payment for it: right after a lost answer
// that proves nothing (KOMOJU may still be working on the request), so
// the outcome stays unknown. A cancelled or expired session with no
// payment is proof and is found (the design's "cancelled session with no
// payment"). The error is a failed look-up; the outcome is then unknown.
func (e *Engine) LookUp(ctx context.Context, t FollowTarget) (o Outcome, found bool, err error) {
	if e.client == nil {
		return Outcome{Kind: OutcomeUnknown}, false, errNoClient
	}
	if t.PaymentID == "" && t.SessionID == "" && t.OrderNum == "" {
		return Outcome{}, false, errNothingToLookUp
	}
	p, s, err := e.ask(ctx, t, SourcePoll)
	if err == nil && p == nil && s != nil && (s.Status == komoju.SessionCancelled || s.Expired) {
		return SessionOutcome(s), true, nil
	}
	if err != nil {
		// KOMOJU cannot be asked; a verified webhook may already have told
		// the journal.
		if o, ok := e.journaled(ctx, t); ok {
			return o, true, nil
		}
		return e.lookupError(err), false, err
	}
	if p == nil {
		if o, ok := e.journaled(ctx, t); ok {
			return o, true, nil
		}
		return Outcome{}, false, nil
	}
	o = OutcomeFromPayment(p)
	if o.SessionID == "" {
		o.SessionID = t.SessionID
	}
	return o, true, nil
}

// saleByOrder is the journal's look-up of a sale by order number
// (*journal.Journal has it; the Recorder interface does not need it).
type saleByOrder interface {
	SaleByOrder(ctx context.Context, orderNum string) (journal.Sale, error)
}

// journaled is what the journal learned about the target's sale from
// elsewhere while KOMOJU could not be asked or did not show it yet: the
// payment a verified webhook (or the return URL) recorded for it, if that
// payment's status is live, or Reconcile's proven "not charged". The sale
// must be the target's (same session, amount and currency).
func (e *Engine) journaled(ctx context.Context, t FollowTarget) (Outcome, bool) {
	j, ok := e.rec.(saleByOrder)
	if !ok || t.OrderNum == "" {
		return Outcome{}, false
	}
	s, err := j.SaleByOrder(ctx, t.OrderNum)
	if err != nil || t.SessionID != "" && s.SessionID != t.SessionID ||
		t.Amount != 0 && s.Amount != t.Amount ||
		t.Currency != "" && !strings.EqualFold(s.Currency, t.Currency) {
		return Outcome{}, false
	}
	if !s.Unfinished() && s.PaymentID == "" && s.ErrorCode == codeNotCharged {
		// Reconcile settled it on proof (a closed session with no payment,
		// or no payment after the send fence): that is the answer.
		return Outcome{Kind: OutcomeError, OrderNum: s.OrderNum, SessionID: t.SessionID, Actions: []Action{ActionRefresh},
			Message: "KOMOJU has no payment for order " + s.OrderNum + ", and the till has proof it never will: the customer was not charged."}, true
	}
	if s.PaymentID == "" || !livePayment(&komoju.Payment{Status: s.Status}) || t.PaymentID != "" && s.PaymentID != t.PaymentID {
		return Outcome{}, false
	}
	p := salePayment(s)
	o := OutcomeFromPayment(p)
	o.SessionID = t.SessionID
	return o, true
}

// FollowUnknown follows a sale whose outcome is unknown, like Watch follows
// a waiting one: it asks KOMOJU with Watch's backoff and takes pushed
// updates (webhooks, return URL) from the engine's Hub, and sends an Update
// once the sale's payment is found, then every change until it settles.
// Until then it sends nothing but the first failed look-up of an outage
// (Update.Err): an empty look-up is not proof that the customer was not
// charged. The channel is
// closed when following stops; cancel ctx to stop.
func (e *Engine) FollowUnknown(ctx context.Context, t FollowTarget, o WatchOptions) <-chan Update {
	out := make(chan Update, 8)
	stop := o.StopWhen
	if stop == nil {
		stop = Settled
	}
	hubCh, unsub := e.hub.Subscribe()
	go func() {
		defer close(out)
		send := func(u Update) bool {
			select {
			case out <- u:
				return true
			case <-ctx.Done():
				return false
			}
		}
		found, ok := e.findUnknown(ctx, t, hubCh, send, o.Background)
		unsub()
		if !ok {
			return
		}
		done := stop(found.Outcome)
		found.Done = done
		if !send(found) || done {
			return
		}
		// The payment is known now: follow it as any waiting payment.
		next := Target{PaymentID: found.Outcome.PaymentID(), SessionID: found.Outcome.SessionID}
		if next.PaymentID == "" && next.SessionID == "" {
			return
		}
		for u := range e.Watch(ctx, next, o) {
			if !send(u) {
				return
			}
		}
	}()
	return out
}

// findUnknown looks the target up until its payment (or proof of no
// payment) turns up; ok is false when ctx ended first.
func (e *Engine) findUnknown(ctx context.Context, t FollowTarget, hub <-chan Push, send func(Update) bool, background bool) (Update, bool) {
	attempt := 0
	failing := false // a failed look-up was reported; say it once per outage
	timer := e.after(0)
	for {
		select {
		case <-ctx.Done():
			return Update{}, false
		case p, open := <-hub:
			if !open {
				hub = nil
				continue
			}
			if t.owns(p.Payment) {
				o := OutcomeFromPayment(p.Payment)
				if o.SessionID == "" {
					o.SessionID = t.SessionID
				}
				return Update{Outcome: o, Source: p.Source}, true
			}
		case <-timer:
			attempt++
			o, found, err := e.LookUp(ctx, t)
			if found {
				return Update{Outcome: o, Source: SourcePoll}, true
			}
			if err != nil && ctx.Err() != nil {
				return Update{}, false
			}
			if err != nil && !failing && !send(Update{Source: SourcePoll, Err: err}) {
				return Update{}, false
			}
			failing = err != nil
			timer = e.after(e.pollDelay(attempt, background))
		}
	}
}

// AbandonSession cancels the session of a Method 1 sale the clerk left
// before it was paid (went back and changed the sale, switched to Method 2,
// or started a new sale after a decline), so that one sale has one open
// session: an abandoned session left open could still be paid by a
// customer who kept its page. Session: Cancel is KOMOJU's
// (komoju/komoju-node-sdk docs/Apis/SessionsApi.md, "Session: Cancel").
//
// If the session turns out to hold a payment (the customer paid in the
// meantime) that payment's Outcome is returned and nothing is cancelled;
// otherwise the Outcome is the cancelled session and the journal's sale
// saleID (0: none) is closed as cancelled. The error is a cancel that
// failed; the session may then still be open.
func (e *Engine) AbandonSession(ctx context.Context, sessionID string, saleID int64) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowSession), errNoClient
	}
	if sessionID == "" {
		return Outcome{}, errors.New("flows: no session to cancel")
	}
	s, err := e.client.Sessions.Cancel(ctx, sessionID)
	if err != nil {
		// Refused: perhaps completed (paid) meanwhile. Look before saying.
		got, gerr := e.client.Sessions.Get(ctx, sessionID)
		if gerr != nil {
			return e.lookupError(err), err
		}
		if !livePayment(got.Payment) && got.Status != komoju.SessionCancelled && !got.Expired {
			return SessionOutcome(got), err
		}
		s = got
	}
	if livePayment(s.Payment) {
		e.recordStatus(ctx, s.Payment, SourceAPI)
		return SessionOutcome(s), nil
	}
	// Declined or cancelled attempts may hang on the session; the sale's
	// outcome is the session's: cancelled (or expired), nothing charged.
	bare := *s
	bare.Payment = nil
	if bare.Status != komoju.SessionCancelled && !bare.Expired {
		bare.Status = komoju.SessionCancelled
	}
	o := SessionOutcome(&bare)
	if saleID != 0 && e.rec != nil {
		e.finishSale(ctx, saleID, saleResult(o))
	}
	return o, nil
}

// livePayment reports a payment that took or holds money, or may still
// do so (pending, authorized, captured, refunded).
func livePayment(p *komoju.Payment) bool {
	if p == nil {
		return false
	}
	switch p.Status {
	case komoju.PaymentPending, komoju.PaymentAuthorized, komoju.PaymentCaptured, komoju.PaymentRefunded:
		return true
	}
	return false
}

// Newer reports whether next is a later picture of the same payment than
// cur, so that a webhook delivered late (its data is the payment as it was
// when the event happened) never rolls back what the clerk sees.
func Newer(cur, next *komoju.Payment) bool {
	if next == nil {
		return false
	}
	if cur == nil {
		return true
	}
	if cur.ID != next.ID {
		return false
	}
	rank := func(s komoju.PaymentStatus) int {
		switch s {
		case komoju.PaymentPending:
			return 0
		case komoju.PaymentAuthorized:
			return 1
		case komoju.PaymentCaptured:
			return 2
		case komoju.PaymentRefunded, komoju.PaymentCancelled, komoju.PaymentExpired, komoju.PaymentFailed:
			return 3
		}
		return 0
	}
	switch rc, rn := rank(cur.Status), rank(next.Status); {
	case rn != rc:
		return rn > rc
	case next.AmountRefunded != cur.AmountRefunded:
		return next.AmountRefunded > cur.AmountRefunded
	case len(next.Refunds) != len(cur.Refunds):
		return len(next.Refunds) > len(cur.Refunds)
	case len(next.RefundRequests) != len(cur.RefundRequests):
		return len(next.RefundRequests) > len(cur.RefundRequests)
	}
	return false // the same picture
}
