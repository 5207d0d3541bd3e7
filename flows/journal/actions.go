package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// ActionKind is a money-moving call on an existing sale or payment.
type ActionKind string

// Action kinds. ActionPay is a pay attempt on a Method 1 session (the
// session's sale was begun with BeginSale); the others act on a payment.
const (
	ActionPay           ActionKind = "pay"
	ActionCapture       ActionKind = "capture"
	ActionCancel        ActionKind = "cancel"
	ActionRefund        ActionKind = "refund"
	ActionRefundRequest ActionKind = "refund_request"
)

func (k ActionKind) valid() bool {
	switch k {
	case ActionPay, ActionCapture, ActionCancel, ActionRefund, ActionRefundRequest:
		return true
	}
	return false
}

// Action is a money-moving call: its intent (written by BeginAction before
// the call) and its result (FinishAction, after).
type Action struct {
	ID             int64              `json:"id"`
	SaleID         int64              `json:"sale_id"` // 0 when the payment is not one of the journal's sales
	PaymentID      string             `json:"payment_id"`
	Kind           ActionKind         `json:"kind"`
	IdempotencyKey string             `json:"idempotency_key"`
	Amount         int64              `json:"amount"` // minor units; 0 means the full amount
	Currency       string             `json:"currency"`
	Method         komoju.PaymentType `json:"method"` // pay attempts
	CardBrand      string             `json:"card_brand"`
	CardLast4      string             `json:"card_last4"`
	Description    string             `json:"description"` // e.g. a refund reason
	CreatedAt      time.Time          `json:"created_at"`
	// BeforeRefunded and BeforeCount are the payment's refunded amount and
	// number of refunds (refund requests for a refund request) just before
	// the call, or -1 when unknown: "did the interrupted refund happen?" is
	// answered by comparing with them, never by "anything was refunded".
	BeforeRefunded int64 `json:"before_refunded"`
	BeforeCount    int   `json:"before_count"`
	// Owner is the process that began the action (see Owner).
	Owner string `json:"owner,omitempty"`
	// SentAt is when the call was last sent.
	SentAt *time.Time `json:"sent_at,omitempty"`

	FinishedAt     *time.Time           `json:"finished_at"`
	Outcome        string               `json:"outcome"`
	Status         komoju.PaymentStatus `json:"status"` // the payment's status after the call
	AmountRefunded int64                `json:"amount_refunded"`
	Reference      string               `json:"reference"` // refund or refund request id
	ErrorCode      string               `json:"error_code"`
	ErrorMessage   string               `json:"error_message"`
}

// Unfinished reports whether the action still lacks a definite result.
func (a *Action) Unfinished() bool { return a.FinishedAt == nil || a.Outcome == OutcomeUnknown }

// ActionResult is what came of an action.
type ActionResult struct {
	Outcome string // "ok", "error", "unknown", or a flows outcome kind for pay attempts
	// Payment is the payment as the call answered it (nil on errors). It
	// updates the sale's status and amounts (source "action"), and for a pay
	// attempt it becomes the sale's result.
	Payment        *komoju.Payment
	Status         komoju.PaymentStatus // used when Payment is nil
	AmountRefunded int64
	Reference      string
	ErrorCode      string
	ErrorMessage   string
	// InstructionsURL, RedirectURL and Deadline complete a pay attempt's
	// result when the Payment does not carry them.
	InstructionsURL string
	RedirectURL     string
	Deadline        *time.Time
}

// BeginAction writes an action's intent before the call and returns its id.
// When SaleID is 0 the sale is looked up by PaymentID (and left 0 when the
// payment is not in the journal: actions on foreign payments are journaled
// too). A pay attempt needs its SaleID and reopens the sale: until
// FinishAction the sale is Unfinished again.
func (j *Journal) BeginAction(ctx context.Context, a Action) (int64, error) {
	if err := a.validate(); err != nil {
		return 0, fmt.Errorf("journal: begin %s: %w", a.Kind, err)
	}
	now := ms(j.now())
	var id int64
	err := j.write(ctx, "begin "+string(a.Kind), func(tx *sql.Tx) error {
		var saleID sql.NullInt64
		if a.SaleID != 0 {
			var pid string
			err := tx.QueryRowContext(ctx, `SELECT payment_id FROM sales WHERE id = ?`, a.SaleID).Scan(&pid)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sale %d: %w", a.SaleID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			saleID = sql.NullInt64{Int64: a.SaleID, Valid: true}
			if a.PaymentID == "" {
				a.PaymentID = pid
			}
		} else if a.PaymentID != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM sales WHERE payment_id = ? ORDER BY id DESC LIMIT 1`, a.PaymentID).Scan(&saleID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if err := j.registerTx(ctx, tx); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO actions (sale_id, payment_id, kind, idempotency_key, amount, currency, method,
			card_brand, card_last4, description, created_at, before_refunded, before_count, owner, sent_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			RETURNING id`,
			saleID, a.PaymentID, string(a.Kind), a.IdempotencyKey, a.Amount, a.Currency, string(a.Method),
			a.CardBrand, a.CardLast4, a.Description, now, a.BeforeRefunded, a.BeforeCount, j.owner, now).Scan(&id)
		if err != nil {
			return err
		}
		if a.Kind == ActionPay {
			// A new pay attempt: the previous attempt's result no longer
			// answers "was the customer charged?".
			_, err = tx.ExecContext(ctx, `UPDATE sales SET finished_at = NULL, attempts = attempts + 1, updated_at = ?,
				idempotency_key = ?, owner = ?, sent_at = ?,
				method = CASE WHEN ? <> '' THEN ? ELSE method END,
				card_brand = ?, card_last4 = ? WHERE id = ?`,
				now, a.IdempotencyKey, j.owner, now, string(a.Method), string(a.Method), a.CardBrand, a.CardLast4, a.SaleID)
			if err == nil {
				err = j.changedTx(ctx, tx, a.SaleID, "")
			}
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	j.markRegistered()
	return id, nil
}

func (a *Action) validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalid))
	}
	if !a.Kind.valid() {
		bad("kind", "%q is not pay, capture, cancel, refund or refund_request", a.Kind)
	}
	if a.Kind == ActionPay && a.SaleID == 0 {
		bad("sale", "a pay attempt needs the sale id from BeginSale")
	}
	if a.Kind != ActionPay && a.SaleID == 0 && a.PaymentID == "" {
		bad("payment id", "is required")
	}
	if a.IdempotencyKey == "" {
		bad("idempotency key", "is required")
	}
	if a.Amount < 0 || a.Amount > komoju.MaxAmount {
		bad("amount", "must be between 0 and %d, got %d", komoju.MaxAmount, a.Amount)
	}
	a.Currency = strings.ToUpper(strings.TrimSpace(a.Currency))
	if a.Currency != "" && !isCurrencyCode(a.Currency) {
		bad("currency", "%q is not a three-letter currency code", a.Currency)
	}
	if err := checkSlug(string(a.Method)); err != nil {
		bad("method", "%v", err)
	}
	if a.CardLast4 != "" && !isLast4(a.CardLast4) {
		if longestDigitRun(a.CardLast4) >= 12 {
			errs = append(errs, fmt.Errorf("card last 4: %w", ErrCardData))
		} else {
			bad("card last 4", "must be exactly four digits")
		}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"payment id", a.PaymentID, maxShort}, {"idempotency key", a.IdempotencyKey, maxShort},
		{"card brand", a.CardBrand, 40}, {"description", a.Description, maxLong}} {
		if len(f.v) > f.max {
			bad(f.name, "is longer than %d characters", f.max)
		}
	}
	for _, f := range [][2]string{{"card brand", a.CardBrand}, {"description", a.Description}} {
		if err := checkText(f[0], f[1]); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range [][2]string{{"payment id", a.PaymentID}, {"idempotency key", a.IdempotencyKey}} {
		if err := checkID(f[0], f[1]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// FinishAction writes an action's result. With a Payment it also records
// the payment on the sale (source "action"); for a pay attempt the result
// becomes the sale's result, as FinishSale would write it. Outcome
// "unknown" keeps the action (and a pay attempt's sale) in Unfinished.
func (j *Journal) FinishAction(ctx context.Context, id int64, r ActionResult) error {
	r.Outcome = strings.TrimSpace(r.Outcome)
	if r.Outcome == "" || len(r.Outcome) > 40 {
		return fmt.Errorf("journal: finish action %d: outcome is required (ok, error, unknown, ...): %w", id, ErrInvalid)
	}
	if r.AmountRefunded < 0 {
		return fmt.Errorf("journal: finish action %d: amount refunded must not be negative: %w", id, ErrInvalid)
	}
	status, refunded := r.Status, r.AmountRefunded
	if r.Payment != nil {
		status, refunded = r.Payment.Status, r.Payment.AmountRefunded
	}
	return j.write(ctx, fmt.Sprintf("finish action %d", id), func(tx *sql.Tx) error {
		var saleID sql.NullInt64
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT sale_id, kind FROM actions WHERE id = ?`, id).Scan(&saleID, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("action %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		now := ms(j.now())
		if err := expectOne(tx.ExecContext(ctx, `UPDATE actions SET finished_at = ?, outcome = ?, status = ?, amount_refunded = ?,
			reference = ?, error_code = ?, error_message = ? WHERE id = ?`,
			now, r.Outcome, scrub(string(status), 40), refunded, scrubAll(r.Reference, maxShort),
			scrubAll(r.ErrorCode, maxShort), scrubAll(r.ErrorMessage, maxLong), id)); err != nil {
			return err
		}
		if !saleID.Valid {
			return nil
		}
		if ActionKind(kind) == ActionPay {
			res := ResultFromPayment(r.Payment, r.Outcome)
			if r.Payment == nil {
				res.Status, res.AmountRefunded = r.Status, r.AmountRefunded
			}
			res.ErrorCode, res.ErrorMessage = r.ErrorCode, r.ErrorMessage
			if res.InstructionsURL == "" {
				res.InstructionsURL = r.InstructionsURL
			}
			if res.RedirectURL == "" {
				res.RedirectURL = r.RedirectURL
			}
			if res.Deadline == nil {
				res.Deadline = r.Deadline
			}
			if err := res.validate(); err != nil {
				return err
			}
			if err := j.finishSaleTx(ctx, tx, saleID.Int64, res, SourceResult); err != nil {
				return err
			}
			if r.Payment != nil {
				return j.applyPaymentTx(ctx, tx, saleID.Int64, r.Payment, SourceResult, true)
			}
			return nil
		}
		if r.Payment != nil {
			return j.applyPaymentTx(ctx, tx, saleID.Int64, r.Payment, SourceAction, false)
		}
		if status != "" {
			cur, err := currentState(ctx, tx, saleID.Int64)
			if err != nil {
				return err
			}
			var pid string
			if err := tx.QueryRowContext(ctx, `SELECT payment_id FROM actions WHERE id = ?`, id).Scan(&pid); err != nil {
				return err
			}
			next, ours := cur.next(pid, status, refunded, false)
			if !ours {
				return addOtherHistory(ctx, tx, saleID.Int64, pid, status, refunded, now, SourceAction)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sales SET payment_id = ?, status = ?, amount_refunded = ?, updated_at = ? WHERE id = ?`,
				next.paymentID, string(next.status), next.refunded, now, saleID.Int64); err != nil {
				return err
			}
			if err := j.changedTx(ctx, tx, saleID.Int64, ""); err != nil {
				return err
			}
			return addHistory(ctx, tx, saleID.Int64, cur, next, now, SourceAction)
		}
		return nil
	})
}

const actionColumns = `id, COALESCE(sale_id, 0), payment_id, kind, idempotency_key, amount, currency, method, card_brand, card_last4,
	description, created_at, finished_at, outcome, status, amount_refunded, reference, error_code, error_message,
	before_refunded, before_count, owner, sent_at`

func scanAction(sc interface{ Scan(...any) error }, loc *time.Location) (Action, error) {
	var a Action
	var kind, method, status string
	var created int64
	var finished, sent sql.NullInt64
	err := sc.Scan(&a.ID, &a.SaleID, &a.PaymentID, &kind, &a.IdempotencyKey, &a.Amount, &a.Currency, &method,
		&a.CardBrand, &a.CardLast4, &a.Description, &created, &finished, &a.Outcome, &status, &a.AmountRefunded,
		&a.Reference, &a.ErrorCode, &a.ErrorMessage, &a.BeforeRefunded, &a.BeforeCount, &a.Owner, &sent)
	a.SentAt = fromNullMS(sent, loc)
	a.Kind, a.Method, a.Status = ActionKind(kind), komoju.PaymentType(method), komoju.PaymentStatus(status)
	a.CreatedAt = fromMS(created, loc)
	a.FinishedAt = fromNullMS(finished, loc)
	return a, err
}

// UnfinishedActions lists actions whose intent has no definite result,
// oldest first, including actions on payments that are not journal sales.
func (j *Journal) UnfinishedActions(ctx context.Context) ([]Action, error) {
	return j.queryActions(ctx, "unfinished actions", unfinishedActionsSQL)
}

// Actions lists a sale's actions, oldest first.
func (j *Journal) Actions(ctx context.Context, saleID int64) ([]Action, error) {
	return j.queryActions(ctx, fmt.Sprintf("actions of sale %d", saleID),
		`SELECT `+actionColumns+` FROM actions WHERE sale_id = ? ORDER BY id`, saleID)
}

// Action returns one action.
func (j *Journal) Action(ctx context.Context, id int64) (Action, error) {
	as, err := j.queryActions(ctx, fmt.Sprintf("action %d", id), `SELECT `+actionColumns+` FROM actions WHERE id = ?`, id)
	if err != nil {
		return Action{}, err
	}
	if len(as) == 0 {
		return Action{}, fmt.Errorf("journal: action %d: %w", id, ErrNotFound)
	}
	return as[0], nil
}

func (j *Journal) queryActions(ctx context.Context, op, q string, args ...any) ([]Action, error) {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, j.wrap(op, err)
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		a, err := scanAction(rows, time.Local)
		if err != nil {
			return nil, j.wrap(op, err)
		}
		out = append(out, a)
	}
	return out, j.wrap(op, rows.Err())
}
