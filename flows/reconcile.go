package flows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
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
	// Message says in plain words what was found, for the clerk, in
	// English; Text says it in the clerk's language.
	Message string
	Text    words.Text
}

// Error codes written for results reached by proof rather than by an
// answer: a pay attempt or sale that never created a payment, an action
// that did not happen, an order number KOMOJU refused as taken.
const (
	codeNotCharged    = "not_charged"
	codeNotDone       = "not_done"
	codeOrderNumTaken = "order_num_taken"
)

// SessionStartError is Session: Create failing. No session id came back,
// so there is no payment page and nothing the customer could pay: nothing
// was charged, whatever happened to the request.
type SessionStartError struct {
	OrderNum string
	Err      error
}

// Error implements error.
func (e *SessionStartError) Error() string {
	return fmt.Sprintf("flows: creating the KOMOJU session for %s: %v", e.OrderNum, e.Err)
}

// Unwrap returns the client's error.
func (e *SessionStartError) Unwrap() error { return e.Err }

// Reconcile settles the journal entries left without a result — a crash,
// or a lost answer between the API call and the result write — that this
// process may settle: its own (except calls still running here) and those
// whose owner is gone (claimed first, so two processes never settle the
// same sale). A sale another live process is working on is never touched.
//
//   - A Method 1 sale by Session: Show. A payment on the session is the
//     answer. With none, an orphaned sale's session is cancelled first
//     (a cancelled session with no payment is proof nobody was charged);
//     an own sale keeps its session, and its pay attempt is "not charged"
//     only after the fence.
//   - A Method 2 sale by GET /payments?external_order_num=, counting only
//     a payment that is provably the sale's (amount, currency). Nothing
//     found proves "not charged" only once the fence after the last send
//     has passed; before that the sale stays unknown.
//   - A capture, cancel, refund or refund request by Payment: Show,
//     compared with the payment's state before the call.
//
// It never re-sends a charge. Each settled entry gets its result written,
// so it is reconciled exactly once. Without a journal it returns nothing.
func (e *Engine) Reconcile(ctx context.Context) ([]Recovery, error) {
	if e.rec == nil || e.amnesiac {
		return nil, nil
	}
	if e.client == nil {
		return nil, errNoClient
	}
	e.beginGate.Lock()
	sales, err := e.rec.Reconcilable(ctx)
	var acts []journal.Action
	var aerr error
	if err == nil {
		acts, aerr = e.rec.ReconcilableActions(ctx)
	}
	e.beginGate.Unlock()
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
		for _, a := range s.OpenActions {
			done[a.ID] = true
		}
		if s.OwnerGone {
			if err := e.rec.Claim(ctx, s.ID); err != nil {
				if !errors.Is(err, journal.ErrOwned) {
					errs = append(errs, err)
				}
				continue
			}
		} else if e.isInflight(&e.inflightSales, s.ID) && !s.Unfinished() && len(s.OpenActions) == 0 {
			continue
		}
		busy := false
		for _, a := range s.OpenActions {
			busy = busy || e.isInflight(&e.inflightActions, a.ID)
		}
		if busy {
			continue // a call of this process is still waiting for its answer
		}
		for _, a := range s.OpenActions {
			if a.Kind != journal.ActionPay {
				add(e.reconcileAction(ctx, a, s))
			}
		}
		if s.Flow == journal.FlowSession {
			if rc, ok := e.reconcileSession(ctx, s); ok {
				add(rc)
			}
			continue
		}
		if s.Unfinished() && !e.isInflight(&e.inflightSales, s.ID) {
			add(e.reconcileDirect(ctx, s))
		}
	}
	if aerr != nil {
		errs = append(errs, fmt.Errorf("flows: reading unfinished actions from the journal: %w", aerr))
	}
	for _, a := range acts {
		if done[a.ID] || e.isInflight(&e.inflightActions, a.ID) || a.Kind == journal.ActionPay {
			continue
		}
		if err := e.rec.ClaimAction(ctx, a.ID); err != nil {
			if !errors.Is(err, journal.ErrOwned) {
				errs = append(errs, err)
			}
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

// fencePassed reports whether the fence after t (the last send) has passed.
func (e *Engine) fencePassed(t *time.Time) bool {
	return t != nil && !e.now().Before(t.Add(e.fenceNow()))
}

func (e *Engine) fenceNow() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fence
}

// notCharged writes the proven "not charged" result of a sale (and of its
// open pay attempts) and says why (a say_rc_why_ id of the words table).
func (e *Engine) notCharged(ctx context.Context, s *journal.Sale, rc Recovery, why string) Recovery {
	rc.Resolved = true
	rc.Outcome = Outcome{Kind: OutcomeError, OrderNum: s.OrderNum, SessionID: s.SessionID, Actions: []Action{ActionRefresh}}
	rc.say("say_rc_not_charged_s_s", s.OrderNum, words.T(why))
	rc.Outcome.Message, rc.Outcome.Text = rc.Message, rc.Text
	e.payAttemptsNotCharged(ctx, s, rc.Outcome)
	if s.Unfinished() || s.Flow == journal.FlowSession {
		r := saleResult(rc.Outcome)
		r.ErrorCode = codeNotCharged
		e.finishSale(ctx, s.ID, r)
	}
	return rc
}

// payAttemptsNotCharged closes a sale's open pay attempts as proven not
// charged.
func (e *Engine) payAttemptsNotCharged(ctx context.Context, s *journal.Sale, o Outcome) {
	for _, a := range s.OpenActions {
		if a.Kind == journal.ActionPay {
			r := actionResult(OpPay, o)
			r.ErrorCode = codeNotCharged
			e.finishAction(ctx, a.ID, r)
		}
	}
}

// adopted writes a sale's own payment as its result.
func (e *Engine) adopted(ctx context.Context, s *journal.Sale, rc Recovery, p *komoju.Payment) Recovery {
	rc.Resolved = true
	rc.Outcome = OutcomeFromPayment(p)
	if s.SessionID != "" {
		rc.Outcome.SessionID = s.SessionID
	}
	rc.PaymentID = p.ID
	rc.Charged = chargedKind(rc.Outcome.Kind)
	rc.say("say_rc_recovered_s_s", s.OrderNum, OutcomeWords(rc.Outcome))
	for _, a := range s.OpenActions {
		if a.Kind == journal.ActionPay {
			e.finishAction(ctx, a.ID, actionResult(OpPay, rc.Outcome))
		}
	}
	e.finishSale(ctx, s.ID, saleResult(rc.Outcome))
	e.recordStatus(ctx, p, SourceReconcile)
	return rc
}

// stillUnknown is a sale that cannot be settled yet: KOMOJU has no payment
// for it, but a request may still be running there.
func (e *Engine) stillUnknown(s *journal.Sale, rc Recovery, sent *time.Time) Recovery {
	rc.Outcome = Outcome{Kind: OutcomeUnknown, OrderNum: s.OrderNum, SessionID: s.SessionID, Actions: []Action{ActionRefresh}}
	if sent != nil {
		rc.say("say_rc_still_unknown_at_s_s", s.OrderNum, sent.Add(e.fenceNow()).In(journal.JST).Format("15:04:05"))
	} else {
		rc.say("say_rc_still_unknown_s", s.OrderNum)
	}
	rc.Outcome.Message, rc.Outcome.Text = rc.Message, rc.Text
	return rc
}

// reconcileSession settles a Method 1 sale and its open pay attempts. ok
// is false when there was nothing to settle.
func (e *Engine) reconcileSession(ctx context.Context, s *journal.Sale) (Recovery, bool) {
	rc := saleRecovery(s)
	openPay := false
	var lastSent *time.Time
	for _, a := range s.OpenActions {
		if a.Kind == journal.ActionPay {
			openPay = true
			rc.ActionID = a.ID
			if a.SentAt != nil && (lastSent == nil || a.SentAt.After(*lastSent)) {
				lastSent = a.SentAt
			}
		}
	}
	if !openPay && !s.Unfinished() {
		return rc, false
	}
	if !openPay && !s.OwnerGone {
		// The clerk's own open session with no attempt running: it is
		// still the clerk's sale, and nothing can have been charged on it
		// that the session will not show when they look.
		return rc, false
	}
	if s.SessionID == "" {
		return e.notCharged(ctx, s, rc, "say_rc_why_no_session"), true
	}
	sess, err := e.client.Sessions.Get(ctx, s.SessionID)
	if komoju.IsNotFound(err) {
		// KOMOJU does not know the session: nobody can pay it.
		return e.notCharged(ctx, s, rc, "say_rc_why_unknown_session"), true
	}
	if err != nil {
		return unreachable(rc, err), true
	}
	if sess.Payment != nil {
		return e.adopted(ctx, s, rc, sess.Payment), true
	}
	switch {
	case sess.Status == komoju.SessionCancelled || sess.Expired:
		return e.notCharged(ctx, s, rc, "say_rc_why_session_closed"), true
	case s.OwnerGone:
		// The till that showed this sale is gone. Close the payment page
		// before saying "not charged": a customer could still pay an open
		// session.
		c, err := e.client.Sessions.Cancel(ctx, s.SessionID)
		if err != nil || c == nil {
			if again, gerr := e.client.Sessions.Get(ctx, s.SessionID); gerr == nil && again.Payment != nil {
				return e.adopted(ctx, s, rc, again.Payment), true
			}
			if err == nil {
				err = errors.New("no session in the answer")
			}
			return unreachable(rc, fmt.Errorf("cancelling the abandoned session: %w", err)), true
		}
		if c.Payment != nil {
			return e.adopted(ctx, s, rc, c.Payment), true
		}
		return e.notCharged(ctx, s, rc, "say_rc_why_page_closed"), true
	case openPay && e.fencePassed(lastSent):
		// The clerk's own session: the attempt did nothing (the fence has
		// passed), and the session stays payable for another try.
		rc.Resolved = true
		rc.Outcome = SessionOutcome(sess)
		rc.Outcome.Kind = OutcomeError
		rc.Outcome.CanRetry = true
		rc.say("say_rc_not_charged_retry_s", s.OrderNum)
		rc.Outcome.Message, rc.Outcome.Text = rc.Message, rc.Text
		e.payAttemptsNotCharged(ctx, s, rc.Outcome)
		return rc, true
	}
	return e.stillUnknown(s, rc, lastSent), true
}

// reconcileDirect settles a Method 2 sale whose create has no result.
func (e *Engine) reconcileDirect(ctx context.Context, s *journal.Sale) Recovery {
	rc := saleRecovery(s)
	p, err := e.findOwnPayment(ctx, s.OrderNum, s.Currency, s.Amount, s.Tax)
	if err != nil {
		return unreachable(rc, err)
	}
	if p != nil {
		return e.adopted(ctx, s, rc, p)
	}
	sent := s.SentAt
	if sent == nil {
		sent = &s.CreatedAt
	}
	if e.fencePassed(sent) {
		return e.notCharged(ctx, s, rc, "say_rc_why_no_payment")
	}
	return e.stillUnknown(s, rc, sent)
}

// reconcileAction resolves a capture, cancel, refund or refund request by
// Payment: Show, compared with the payment's state before the call.
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
	what := actionWords(a.Kind)
	if rc.PaymentID == "" {
		rc.Resolved = true
		rc.Outcome = Outcome{Kind: OutcomeError, Message: "No payment to check."}
		rc.say("say_rc_act_no_payment_s_s", label, what)
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
		rc.say("say_rc_act_unknown_payment_s_s_s", label, rc.PaymentID, what)
		r := actionResult(rc.Op, rc.Outcome)
		r.ErrorCode = codeNotDone
		e.finishAction(ctx, a.ID, r)
		return rc
	}
	if rc.OrderNum == "" && p.OrderNum() != "" {
		rc.OrderNum, label = p.OrderNum(), p.OrderNum()
	}
	rc.Outcome = OutcomeFromPayment(p)
	rc.Charged = chargedKind(rc.Outcome.Kind)
	r := actionResult(rc.Op, rc.Outcome)
	sent := a.SentAt
	if sent == nil {
		sent = &a.CreatedAt
	}
	switch {
	case opDone(rc.Op, p, a.Amount, before{refunded: a.BeforeRefunded, count: a.BeforeCount}):
		rc.Resolved = true
		rc.say("say_rc_act_done_s_s_s", label, what, OutcomeWords(rc.Outcome))
	case e.fencePassed(sent):
		rc.Resolved = true
		rc.say("say_rc_act_not_done_s_s_s", label, what, OutcomeWords(rc.Outcome))
		r.Outcome = string(OutcomeError)
		r.ErrorCode = codeNotDone
	default:
		rc.Outcome = Outcome{Kind: OutcomeUnknown, OrderNum: rc.OrderNum, Payment: p, Actions: []Action{ActionRefresh}}
		rc.say("say_rc_act_unknown_s_s_s", label, what, sent.Add(e.fenceNow()).In(journal.JST).Format("15:04:05"))
		rc.Outcome.Message, rc.Outcome.Text = rc.Message, rc.Text
		e.recordStatus(ctx, p, SourceReconcile)
		return rc
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
	rc.say("say_rc_unreachable_s_v", label, err)
	return rc
}

// Say is what the recovery found in lang (Message when Text is empty).
func (rc Recovery) Say(lang string) string { return saidIn(rc.Text, rc.Message, lang) }

// say sets what the recovery found: Text in words, Message its English.
func (rc *Recovery) say(id string, args ...any) {
	rc.Text = words.T(id, args...)
	rc.Message = rc.Text.In("en")
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

// actionWords names an action ("refund request") in words.
func actionWords(k journal.ActionKind) words.Text {
	switch k {
	case journal.ActionPay:
		return words.T("say_act_pay")
	case journal.ActionCapture:
		return words.T("say_act_capture")
	case journal.ActionCancel:
		return words.T("say_act_cancel")
	case journal.ActionRefund:
		return words.T("say_act_refund")
	case journal.ActionRefundRequest:
		return words.T("say_act_refund_request")
	}
	return words.T("", strings.ReplaceAll(string(k), "_", " "))
}
