package flows

import (
	"context"
	"errors"
	"fmt"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// WaitingUpdate is what a recheck of a waiting sale found.
type WaitingUpdate struct {
	SaleID    int64
	OrderNum  string
	PaymentID string
	Before    komoju.PaymentStatus
	After     komoju.PaymentStatus
	Outcome   Outcome
	// Changed is true when KOMOJU's status differs from the journal's.
	Changed bool
	Err     error
	// Message says what changed, for the clerk, in English; Text says it
	// in the clerk's language.
	Message string
	Text    words.Text
}

// Say is what the recheck found in lang (Message when Text is empty).
func (u WaitingUpdate) Say(lang string) string { return saidIn(u.Text, u.Message, lang) }

// say sets what the recheck found: Text in words, Message its English.
func (u *WaitingUpdate) say(id string, args ...any) {
	u.Text = words.T(id, args...)
	u.Message = u.Text.In("en")
}

// RecheckWaiting asks KOMOJU about every sale that is still waiting: a
// konbini slip or bank transfer not yet paid, a 3-D Secure or wallet
// redirect not yet finished, an authorization not yet captured. Their
// statuses move without the till (the customer pays at the store at 3 pm),
// so a restarted till rechecks them all instead of waiting for the clerk to
// open each one. It reads and records statuses only (no verdicts), so any
// process may run it; changed statuses come back first.
func (e *Engine) RecheckWaiting(ctx context.Context) ([]WaitingUpdate, error) {
	if e.rec == nil || e.amnesiac {
		return nil, nil
	}
	if e.client == nil {
		return nil, errNoClient
	}
	sales, err := e.rec.Outstanding(ctx)
	if err != nil {
		return nil, fmt.Errorf("flows: reading waiting sales from the journal: %w", err)
	}
	var changed, same []WaitingUpdate
	var errs []error
	for _, s := range sales {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		u := e.recheckOne(ctx, s)
		if u.Err != nil {
			errs = append(errs, u.Err)
		}
		if u.Changed {
			changed = append(changed, u)
		} else {
			same = append(same, u)
		}
	}
	return append(changed, same...), errors.Join(errs...)
}

func (e *Engine) recheckOne(ctx context.Context, s journal.Sale) WaitingUpdate {
	u := WaitingUpdate{SaleID: s.ID, OrderNum: s.OrderNum, PaymentID: s.PaymentID, Before: s.Status}
	var p *komoju.Payment
	switch {
	case s.PaymentID != "":
		got, err := e.client.Payments.Get(ctx, s.PaymentID)
		if err != nil {
			u.Err = fmt.Errorf("%s: %w", s.OrderNum, err)
			u.Outcome = e.lookupError(err)
			u.say("say_wait_unchecked_s_v_s", s.OrderNum, err, StatusWords(s.Status))
			return u
		}
		p = got
	case s.SessionID != "":
		sess, err := e.client.Sessions.Get(ctx, s.SessionID)
		if err != nil {
			u.Err = fmt.Errorf("%s: %w", s.OrderNum, err)
			u.say("say_wait_unchecked_s_v_s", s.OrderNum, err, StatusWords(s.Status))
			return u
		}
		p = sess.Payment
	}
	if p == nil {
		u.After = s.Status
		u.say("say_wait_still_s_s", s.OrderNum, StatusWords(s.Status))
		return u
	}
	e.recordStatus(ctx, p, SourceAPI)
	u.PaymentID, u.After = p.ID, p.Status
	u.Outcome = OutcomeFromPayment(p)
	u.Changed = p.Status != s.Status
	if u.Changed {
		u.say("say_wait_now_s_s_s_s", s.OrderNum, StatusWords(p.Status), StatusWords(s.Status), OutcomeWords(u.Outcome))
	} else {
		u.say("say_wait_still_s_s", s.OrderNum, StatusWords(p.Status))
	}
	return u
}

// StartupCheck is what a till does once its first frame is up: settle the
// sales a crash left behind (Reconcile: own and orphaned only), then
// recheck every waiting sale. Each settled sale and each changed status
// comes back as an update for the clerk; a sale still unknown is listed
// too, so the clerk knows it is being checked.
func (e *Engine) StartupCheck(ctx context.Context) ([]WaitingUpdate, error) {
	recs, rerr := e.Reconcile(ctx)
	var out []WaitingUpdate
	for _, rc := range recs {
		out = append(out, WaitingUpdate{SaleID: rc.SaleID, OrderNum: rc.OrderNum, PaymentID: rc.PaymentID,
			After: rc.Outcome.Status(), Outcome: rc.Outcome, Changed: true, Err: rc.Err, Message: rc.Message, Text: rc.Text})
	}
	ups, uerr := e.RecheckWaiting(ctx)
	return append(out, ups...), errors.Join(rerr, uerr)
}
