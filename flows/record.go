package flows

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Op is a money-moving operation recorded as a journal intent.
type Op string

// Journaled operations.
const (
	OpPay           Op = "pay"
	OpCapture       Op = "capture"
	OpCancel        Op = "cancel"
	OpRefund        Op = "refund"
	OpRefundRequest Op = "refund_request"
)

// Source says where a payment status came from.
type Source string

// Status sources, as recorded in the journal.
const (
	SourceAPI       Source = "api"        // the answer to our own call or a refresh
	SourcePoll      Source = "poll"       // Watch polling
	SourceWebhook   Source = "webhook"    // a verified webhook event
	SourceReturnURL Source = "return_url" // the customer came back through the return URL
	SourceReconcile Source = "reconcile"  // found by Reconcile after a crash or lost answer
)

// Intent is what the engine is about to do, written before the call so a
// crash leaves a trace. It never holds card numbers or CVCs: brand and
// last four digits only.
type Intent struct {
	ID             int64 // assigned by the recorder
	SaleID         int64
	Op             Op
	Flow           Flow
	Method         komoju.PaymentType
	OrderNum       string
	SessionID      string
	PaymentID      string // capture, cancel, refund, refund_request
	IdempotencyKey string
	Amount         int64
	Tax            int64
	Currency       string
	CardBrand      string
	CardLast4      string
	CreatedAt      time.Time
}

// Result is what came of an intent.
type Result struct {
	Kind      OutcomeKind
	Payment   *komoju.Payment // nil when none is known
	ErrorCode string
	Message   string
	Source    Source
}

// Recorder is the journal as the engine uses it. The SQLite journal
// (flows/journal) is adapted to it; tests may supply their own. Writes
// happen on the payment path, so implementations should be quick.
type Recorder interface {
	// BeginSale records a new sale (its checkout) and returns its id.
	BeginSale(ctx context.Context, co Checkout) (int64, error)
	// SaleSession attaches the Method 1 session id to a sale.
	SaleSession(ctx context.Context, saleID int64, sessionID string) error
	// RecordIntent writes an intent before the API call and returns its id.
	RecordIntent(ctx context.Context, in Intent) (int64, error)
	// RecordResult writes the result of intent id after the call.
	RecordResult(ctx context.Context, id int64, r Result) error
	// RecordStatus records a payment's status as seen from src; recorders
	// keep only changes.
	RecordStatus(ctx context.Context, p *komoju.Payment, src Source) error
	// OpenIntents lists intents without a result (oldest first).
	OpenIntents(ctx context.Context) ([]Intent, error)
	// LastOrderNum returns the highest order number starting with prefix,
	// or "".
	LastOrderNum(ctx context.Context, prefix string) (string, error)
	// OrderNumUsed reports whether a sale already uses orderNum.
	OrderNumUsed(ctx context.Context, orderNum string) (bool, error)
}

// errJournal wraps a failure to write the intent of a money-moving call:
// the call is then not made, because a sale the journal cannot record is
// a sale that could be lost.
var errJournal = errors.New("flows: the sale journal could not record the payment; nothing was sent to KOMOJU")

func (e *Engine) recordSale(ctx context.Context, co Checkout) int64 {
	if e.rec == nil {
		return 0
	}
	id, err := e.rec.BeginSale(ctx, co)
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "journal: begin sale", slog.String("order", co.OrderNum), slog.String("error", err.Error()))
	}
	return id
}

func (e *Engine) recordSaleSession(ctx context.Context, saleID int64, sessionID string) {
	if e.rec == nil || saleID == 0 {
		return
	}
	if err := e.rec.SaleSession(ctx, saleID, sessionID); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "journal: sale session", slog.String("error", err.Error()))
	}
}

// recordIntent writes the intent; an error means the call must not be made.
func (e *Engine) recordIntent(ctx context.Context, in Intent) (int64, error) {
	if e.rec == nil {
		return 0, nil
	}
	if in.CreatedAt.IsZero() {
		in.CreatedAt = e.now()
	}
	id, err := e.rec.RecordIntent(context.WithoutCancel(ctx), in)
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: intent", slog.String("op", string(in.Op)), slog.String("error", err.Error()))
		return 0, errors.Join(errJournal, err)
	}
	e.mu.Lock()
	e.inflight[id] = true
	e.mu.Unlock()
	return id, nil
}

// recordResult writes the result even when ctx was cancelled: the answer
// arrived and must not be lost.
func (e *Engine) recordResult(ctx context.Context, id int64, o Outcome, cause error) {
	if e.rec == nil || id == 0 {
		return
	}
	e.mu.Lock()
	delete(e.inflight, id)
	e.mu.Unlock()
	if o.Kind == OutcomeUnknown {
		return // leave the intent open for Reconcile
	}
	r := Result{Kind: o.Kind, Payment: o.Payment, Message: o.Message, Source: SourceAPI}
	if o.Err != nil {
		r.ErrorCode = o.Err.Code
	} else if cause != nil && o.Kind == OutcomeError {
		r.ErrorCode = "invalid_input"
	}
	if err := e.rec.RecordResult(context.WithoutCancel(ctx), id, r); err != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "journal: result", slog.Int64("intent", id), slog.String("error", err.Error()))
	}
}

func (e *Engine) recordStatus(ctx context.Context, p *komoju.Payment, src Source) {
	if e.rec == nil || p == nil {
		return
	}
	if err := e.rec.RecordStatus(context.WithoutCancel(ctx), p, src); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "journal: status", slog.String("payment", p.ID), slog.String("error", err.Error()))
	}
}

// inFlight reports whether this engine is still waiting for intent id.
func (e *Engine) inFlight(id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inflight[id]
}
