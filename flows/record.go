package flows

import (
	"context"
	"errors"
	"log/slog"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Op is a money-moving operation recorded in the journal.
type Op string

// Journaled operations (the journal's action kinds).
const (
	OpPay           Op = "pay"
	OpCapture       Op = "capture"
	OpCancel        Op = "cancel"
	OpRefund        Op = "refund"
	OpRefundRequest Op = "refund_request"
)

// Source says where a payment status came from.
type Source string

// Status sources, as recorded in the journal's status history.
const (
	SourceAPI       Source = journal.SourceAPI       // the answer to a refresh
	SourcePoll      Source = journal.SourcePoll      // Watch polling
	SourceWebhook   Source = journal.SourceWebhook   // a verified webhook event
	SourceReturnURL Source = journal.SourceReturnURL // the customer came back through the return URL
	SourceReconcile Source = journal.SourceReconcile // found by Reconcile after a crash or a lost answer
)

// Recorder is the sale journal as the engine uses it; *journal.Journal
// implements it. Tests may supply their own.
//
// The engine writes, in order: BeginSale before the call that creates the
// sale (Session: Create for Method 1, Payment: Create for Method 2) and
// SetSession/FinishSale after it; BeginAction before every pay attempt on
// a session and every capture, cancel, refund and refund request, and
// FinishAction after it. A lost answer is finished with outcome "unknown",
// which keeps it Unfinished for Reconcile. Card numbers and CVCs never
// reach the recorder: brand and last four digits only.
type Recorder interface {
	BeginSale(ctx context.Context, in journal.Intent) (int64, error)
	SetSession(ctx context.Context, saleID int64, sessionID string) error
	FinishSale(ctx context.Context, saleID int64, r journal.Result) error
	BeginAction(ctx context.Context, a journal.Action) (int64, error)
	FinishAction(ctx context.Context, id int64, r journal.ActionResult) error
	RecordPayment(ctx context.Context, p *komoju.Payment, source string) error
	Unfinished(ctx context.Context) ([]journal.Sale, error)
	UnfinishedActions(ctx context.Context) ([]journal.Action, error)
	LastOrderNum(ctx context.Context, prefix string) (string, error)
	OrderNumUsed(ctx context.Context, orderNum string) (bool, error)

	// Several processes on one journal (see the journal package doc):
	// order numbers reserved with the intent, only orphaned or own sales
	// reconciled, an orphan claimed before it is settled, and the time of
	// each (re)send kept as the fence for "not charged".
	ReserveSale(ctx context.Context, in journal.Intent, dayPrefix, want string) (int64, string, error)
	Reconcilable(ctx context.Context) ([]journal.Sale, error)
	ReconcilableActions(ctx context.Context) ([]journal.Action, error)
	Claim(ctx context.Context, saleID int64) error
	ClaimAction(ctx context.Context, id int64) error
	MarkSaleSent(ctx context.Context, saleID int64) error
	MarkActionSent(ctx context.Context, id int64) error
	Outstanding(ctx context.Context) ([]journal.Sale, error)
	Sale(ctx context.Context, id int64) (journal.Sale, error)
	SaleByOrder(ctx context.Context, orderNum string) (journal.Sale, error)
	SaleBySession(ctx context.Context, sessionID string) (journal.Sale, error)
	SaleByPayment(ctx context.Context, paymentID string) (journal.Sale, error)

	// The end-of-day close's totals and open sales (close.go).
	Reports
}

// ErrJournal marks a failure to write the intent of a call: the call is
// then not made, because a sale the journal cannot record could be lost.
// Classify reports it as ClassLocal.
var ErrJournal = errors.New("the sale journal could not record it, so nothing was sent to KOMOJU")

// journalErr wraps a failed intent write for the clerk.
func journalErr(err error) error { return errors.Join(ErrJournal, err) }

// beginSale writes a sale's intent; an error means the call must not be
// made. A generated order number (the checkout had none) is reserved in the
// journal in the same transaction, so no other process on the journal can
// use it: in.OrderNum is then the number the till showed, kept when still
// free. It returns the sale id (0 without a journal) and the order number.
func (e *Engine) beginSale(ctx context.Context, in journal.Intent, generated bool) (int64, string, error) {
	if e.rec == nil {
		return 0, in.OrderNum, nil
	}
	e.beginGate.RLock()
	defer e.beginGate.RUnlock()
	var id int64
	var err error
	num := in.OrderNum
	if generated {
		id, num, err = e.rec.ReserveSale(context.WithoutCancel(ctx), in, e.orders.DayPrefix(), in.OrderNum)
	} else {
		id, err = e.rec.BeginSale(context.WithoutCancel(ctx), in)
	}
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: begin sale", slog.String("order", in.OrderNum), slog.String("error", err.Error()))
		if errors.Is(err, journal.ErrDuplicateOrder) {
			return 0, num, FieldErrors{{Field: FieldOrderNum, Message: in.OrderNum + " is already used by another sale; nothing was charged; use a new order number"}}
		}
		return 0, num, journalErr(err)
	}
	e.mark(&e.inflightSales, id, true)
	return id, num, nil
}

// markSaleSent restarts a sale's fence just before a (re)send.
func (e *Engine) markSaleSent(ctx context.Context, saleID int64) {
	if e.rec == nil || saleID == 0 {
		return
	}
	if err := e.rec.MarkSaleSent(context.WithoutCancel(ctx), saleID); err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: mark sent", slog.Int64("sale", saleID), slog.String("error", err.Error()))
	}
}

// markActionSent restarts an action's fence just before a (re)send.
func (e *Engine) markActionSent(ctx context.Context, id int64) {
	if e.rec == nil || id == 0 {
		return
	}
	if err := e.rec.MarkActionSent(context.WithoutCancel(ctx), id); err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: mark sent", slog.Int64("action", id), slog.String("error", err.Error()))
	}
}

func (e *Engine) setSession(ctx context.Context, saleID int64, sessionID string) {
	if e.rec == nil || saleID == 0 {
		return
	}
	if err := e.rec.SetSession(context.WithoutCancel(ctx), saleID, sessionID); err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: set session", slog.Int64("sale", saleID), slog.String("error", err.Error()))
	}
}

// finishSale writes the result of a sale's creating call, even when ctx
// was cancelled: an answer that arrived must not be lost.
func (e *Engine) finishSale(ctx context.Context, saleID int64, r journal.Result) {
	if e.rec == nil || saleID == 0 {
		return
	}
	e.mark(&e.inflightSales, saleID, false)
	if err := e.rec.FinishSale(context.WithoutCancel(ctx), saleID, r); err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: finish sale", slog.Int64("sale", saleID), slog.String("error", err.Error()))
	}
}

// beginAction writes an action's intent; an error means the call must
// not be made.
func (e *Engine) beginAction(ctx context.Context, a journal.Action) (int64, error) {
	if e.rec == nil {
		return 0, nil
	}
	e.beginGate.RLock()
	defer e.beginGate.RUnlock()
	id, err := e.rec.BeginAction(context.WithoutCancel(ctx), a)
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: begin action", slog.String("kind", string(a.Kind)), slog.String("error", err.Error()))
		return 0, journalErr(err)
	}
	e.mark(&e.inflightActions, id, true)
	return id, nil
}

func (e *Engine) finishAction(ctx context.Context, id int64, r journal.ActionResult) {
	if e.rec == nil || id == 0 {
		return
	}
	e.mark(&e.inflightActions, id, false)
	if err := e.rec.FinishAction(context.WithoutCancel(ctx), id, r); err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: finish action", slog.Int64("action", id), slog.String("error", err.Error()))
	}
}

// recordStatus records a payment status seen from src; payments that are
// not journal sales are ignored.
func (e *Engine) recordStatus(ctx context.Context, p *komoju.Payment, src Source) {
	if e.rec == nil || p == nil {
		return
	}
	if err := e.rec.RecordPayment(context.WithoutCancel(ctx), p, string(src)); err != nil && !errors.Is(err, journal.ErrNotFound) {
		e.log.LogAttrs(ctx, slog.LevelWarn, "journal: record payment", slog.String("payment", p.ID), slog.String("error", err.Error()))
	}
}

// saleResult is the journal result of an outcome.
func saleResult(o Outcome) journal.Result {
	r := journal.ResultFromPayment(o.Payment, string(o.Kind))
	if o.Err != nil {
		r.ErrorCode, r.ErrorMessage = o.Err.Code, o.Err.Message
	} else if o.Kind == OutcomeError || o.Kind == OutcomeUnknown {
		r.ErrorMessage = o.Message
	}
	if r.InstructionsURL == "" {
		r.InstructionsURL = o.InstructionsURL
	}
	if r.RedirectURL == "" {
		r.RedirectURL = o.RedirectURL
	}
	if r.Deadline == nil {
		r.Deadline = o.Deadline
	}
	return r
}

// actionResult is the journal result of an action's outcome. Pay attempts
// store the outcome kind; other actions store ok, error or unknown.
func actionResult(op Op, o Outcome) journal.ActionResult {
	r := journal.ActionResult{Outcome: string(o.Kind), Payment: o.Payment,
		InstructionsURL: o.InstructionsURL, RedirectURL: o.RedirectURL, Deadline: o.Deadline}
	if op != OpPay {
		switch o.Kind {
		case OutcomeError, OutcomeUnknown:
		default:
			r.Outcome = "ok"
		}
	}
	if o.Err != nil {
		r.ErrorCode, r.ErrorMessage = o.Err.Code, o.Err.Message
	} else if o.Kind == OutcomeError || o.Kind == OutcomeUnknown {
		r.ErrorMessage = o.Message
	}
	if p := o.Payment; p != nil {
		switch op {
		case OpRefund:
			if n := len(p.Refunds); n > 0 {
				r.Reference = p.Refunds[n-1].ID
			}
		case OpRefundRequest:
			if n := len(p.RefundRequests); n > 0 {
				r.Reference = p.RefundRequests[n-1].ID
			}
		}
	}
	return r
}

// mark adds or removes id from one of the in-flight sets, which keep
// Reconcile off the calls this engine is still waiting for.
func (e *Engine) mark(set *map[int64]bool, id int64, on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if *set == nil {
		*set = map[int64]bool{}
	}
	if on {
		(*set)[id] = true
	} else {
		delete(*set, id)
	}
}

func (e *Engine) isInflight(set *map[int64]bool, id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return (*set)[id]
}
