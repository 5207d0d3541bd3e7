package journal

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

const saleColumns = `id, order_num, idempotency_key, flow, method, amount, tax, currency, capture, email, name, description,
	session_id, card_brand, card_last4, created_at, updated_at, attempts, finished_at, outcome, payment_id, status, total,
	amount_refunded, error_code, error_message, instructions_url, redirect_url, deadline, captured_at, owner, sent_at, till, store`

// saleScan holds the scan destinations of one sale row, reused across rows
// to keep Sales cheap.
type saleScan struct {
	flow, method, capture, status string
	created, updated              int64
	finished, deadline, captured  sql.NullInt64
	sent                          sql.NullInt64
}

func (ss *saleScan) scan(sc interface{ Scan(...any) error }, s *Sale, loc *time.Location) error {
	err := sc.Scan(&s.ID, &s.OrderNum, &s.IdempotencyKey, &ss.flow, &ss.method, &s.Amount, &s.Tax, &s.Currency, &ss.capture,
		&s.Email, &s.Name, &s.Description, &s.SessionID, &s.CardBrand, &s.CardLast4, &ss.created, &ss.updated,
		&s.Attempts, &ss.finished, &s.Outcome, &s.PaymentID, &ss.status, &s.Total, &s.AmountRefunded,
		&s.ErrorCode, &s.ErrorMessage, &s.InstructionsURL, &s.RedirectURL, &ss.deadline, &ss.captured, &s.Owner, &ss.sent, &s.Till, &s.Store)
	if err != nil {
		return err
	}
	s.Flow, s.Method, s.Capture, s.Status = Flow(ss.flow), komoju.PaymentType(ss.method), komoju.CaptureMode(ss.capture), komoju.PaymentStatus(ss.status)
	s.CreatedAt, s.UpdatedAt = fromMS(ss.created, loc), fromMS(ss.updated, loc)
	s.FinishedAt, s.Deadline, s.CapturedAt = fromNullMS(ss.finished, loc), fromNullMS(ss.deadline, loc), fromNullMS(ss.captured, loc)
	s.SentAt = fromNullMS(ss.sent, loc)
	return nil
}

func (j *Journal) querySales(ctx context.Context, op string, loc *time.Location, q string, args ...any) ([]Sale, error) {
	var out []Sale
	err := j.eachSaleRow(ctx, op, loc, q, args, func(s *Sale) error {
		out = append(out, *s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachSaleRow runs q, a query of saleColumns, and calls fn with each sale
// read; fn's error ends it and is returned as it is.
func (j *Journal) eachSaleRow(ctx context.Context, op string, loc *time.Location, q string, args []any, fn func(*Sale) error) error {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return j.wrap(op, err)
	}
	defer rows.Close()
	var ss saleScan
	for rows.Next() {
		var s Sale
		if err := ss.scan(rows, &s, loc); err != nil {
			return j.wrap(op, err)
		}
		if err := fn(&s); err != nil {
			return err
		}
	}
	return j.wrap(op, rows.Err())
}

// oneSale returns the single sale q selects, with its history and open
// actions.
func (j *Journal) oneSale(ctx context.Context, op, q string, arg any) (Sale, error) {
	ss, err := j.querySales(ctx, op, time.Local, `SELECT `+saleColumns+` FROM sales WHERE `+q+` ORDER BY id DESC LIMIT 1`, arg)
	if err != nil {
		return Sale{}, err
	}
	if len(ss) == 0 {
		return Sale{}, fmt.Errorf("journal: %s: %w", op, ErrNotFound)
	}
	s := ss[0]
	if s.History, err = j.History(ctx, s.ID); err != nil {
		return Sale{}, err
	}
	as, err := j.queryActions(ctx, op, `SELECT `+actionColumns+` FROM actions WHERE sale_id = ? AND (finished_at IS NULL OR outcome = 'unknown') ORDER BY id`, s.ID)
	if err != nil {
		return Sale{}, err
	}
	s.OpenActions = as
	return s, nil
}

// Sale returns sale id with its status history and open actions.
func (j *Journal) Sale(ctx context.Context, id int64) (Sale, error) {
	return j.oneSale(ctx, fmt.Sprintf("sale %d", id), `id = ?`, id)
}

// SaleByPayment returns the (latest) sale whose payment is paymentID.
func (j *Journal) SaleByPayment(ctx context.Context, paymentID string) (Sale, error) {
	if paymentID == "" {
		return Sale{}, fmt.Errorf("journal: sale by payment: empty payment id: %w", ErrInvalid)
	}
	return j.oneSale(ctx, "sale with payment "+paymentID, `payment_id = ?`, paymentID)
}

// SaleByOrder returns the sale with external order number orderNum.
func (j *Journal) SaleByOrder(ctx context.Context, orderNum string) (Sale, error) {
	if orderNum == "" {
		return Sale{}, fmt.Errorf("journal: sale by order: empty order number: %w", ErrInvalid)
	}
	return j.oneSale(ctx, "sale with order "+orderNum, `order_num = ?`, orderNum)
}

// SaleBySession returns the (latest) sale paid through session sessionID.
func (j *Journal) SaleBySession(ctx context.Context, sessionID string) (Sale, error) {
	if sessionID == "" {
		return Sale{}, fmt.Errorf("journal: sale by session: empty session id: %w", ErrInvalid)
	}
	return j.oneSale(ctx, "sale with session "+sessionID, `session_id = ?`, sessionID)
}

// History returns a sale's status history, oldest first.
func (j *Journal) History(ctx context.Context, saleID int64) ([]StatusChange, error) {
	op := fmt.Sprintf("history of sale %d", saleID)
	rows, err := j.db.QueryContext(ctx, `SELECT at, payment_id, status, amount_refunded, source FROM sale_status WHERE sale_id = ? ORDER BY id`, saleID)
	if err != nil {
		return nil, j.wrap(op, err)
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var c StatusChange
		var at int64
		var st string
		if err := rows.Scan(&at, &c.PaymentID, &st, &c.AmountRefunded, &c.Source); err != nil {
			return nil, j.wrap(op, err)
		}
		c.At, c.Status = fromMS(at, time.Local), komoju.PaymentStatus(st)
		out = append(out, c)
	}
	return out, j.wrap(op, rows.Err())
}

// Unfinished lists, oldest first, the sales whose intent has no definite
// result (no result written, or outcome "unknown") and the sales with an
// action in that state (in OpenActions). These are what the app reconciles
// with KOMOJU on start (Session: Show, or Payment: List by
// external_order_num) — never by sending the charge again. Actions on
// payments outside the journal are listed by UnfinishedActions.
func (j *Journal) Unfinished(ctx context.Context) ([]Sale, error) {
	sales, err := j.querySales(ctx, "unfinished sales", time.Local, unfinishedSQL)
	if err != nil || len(sales) == 0 {
		return sales, err
	}
	acts, err := j.UnfinishedActions(ctx)
	if err != nil {
		return nil, err
	}
	idx := make(map[int64]int, len(sales))
	for i := range sales {
		idx[sales[i].ID] = i
	}
	for _, a := range acts {
		if i, ok := idx[a.SaleID]; ok {
			sales[i].OpenActions = append(sales[i].OpenActions, a)
		}
	}
	return sales, nil
}

// Outstanding lists, oldest first, the sales whose payment is still
// pending (a redirect the customer has not completed) or authorized (a
// konbini slip not yet paid, a two-step payment not yet captured): the ones
// to keep watching after a restart. Unlike Unfinished, their intent has a
// result; only the customer or the clerk can move them on.
func (j *Journal) Outstanding(ctx context.Context) ([]Sale, error) {
	return j.querySales(ctx, "outstanding sales", time.Local, outstandingSQL)
}

// The queries every start runs. Each reads only open work through a
// partial index (sales_open, actions_open_sale, actions_open,
// sales_outstanding), never the history: TestStartupQueriesUseIndexes
// holds their plans to that.
const (
	unfinishedSQL = `SELECT ` + saleColumns + ` FROM sales
		WHERE id IN (
			SELECT id FROM sales WHERE finished_at IS NULL OR outcome = 'unknown'
			UNION
			SELECT sale_id FROM actions WHERE (finished_at IS NULL OR outcome = 'unknown') AND sale_id IS NOT NULL)
		ORDER BY id`
	outstandingSQL = `SELECT ` + saleColumns + ` FROM sales
		WHERE status IN ('pending', 'authorized') ORDER BY id`
	unfinishedActionsSQL = `SELECT ` + actionColumns + ` FROM actions WHERE finished_at IS NULL OR outcome = 'unknown' ORDER BY id`
)

// Filter selects sales for Sales. The zero value is every sale, newest
// first, up to DefaultLimit.
type Filter struct {
	// Day, when not zero, keeps the sales created on that calendar day in
	// Loc (or in Day's own location when Loc is nil): from local midnight
	// to the next local midnight, so DST days are 23 or 25 hours long.
	Day time.Time
	Loc *time.Location
	// Status keeps sales whose current payment status is Status.
	Status komoju.PaymentStatus
	// Method keeps sales paid (or being paid) with Method.
	Method komoju.PaymentType
	// Till keeps the sales begun by the till of that name (Options.Till);
	// empty means every till's.
	Till string
	// Limit caps the number of sales (0 means DefaultLimit, negative means
	// no limit).
	Limit int
	// Offset skips that many sales (for paging).
	Offset int
}

// DefaultLimit is how many sales Sales returns when Filter.Limit is 0.
const DefaultLimit = 500

// dayRange returns [start, end) of the local calendar day of t in loc.
func dayRange(t time.Time, loc *time.Location) (time.Time, time.Time) {
	t = t.In(loc)
	start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	end := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return start, end
}

// Sales lists sales matching f, newest first. Times are in f's location
// (Loc, else Day's location, else time.Local).
func (j *Journal) Sales(ctx context.Context, f Filter) ([]Sale, error) {
	q, args, loc := salesQuery(f)
	return j.querySales(ctx, "list sales", loc, q, args...)
}

// SalesEach calls fn with every sale Sales(f) would return, in the same
// order, read row by row from one query: an export of a busy day
// (history --csv/--json) never holds the day. fn must not keep the
// *Sale; its error ends the walk and is returned as it is.
func (j *Journal) SalesEach(ctx context.Context, f Filter, fn func(*Sale) error) error {
	q, args, loc := salesQuery(f)
	return j.eachSaleRow(ctx, "list sales", loc, q, args, fn)
}

// salesQuery builds Sales' query for f (TestStartupQueriesUseIndexes reads
// its plan: a day's history reads that day through sales_created).
func salesQuery(f Filter) (string, []any, *time.Location) {
	return salesQueryOf(saleColumns, f)
}

// salesQueryOf is salesQuery selecting columns.
func salesQueryOf(columns string, f Filter) (string, []any, *time.Location) {
	where, args, loc := f.where()
	q := `SELECT ` + columns + ` FROM sales WHERE 1=1` + where
	q += ` ORDER BY created_at DESC, id DESC`
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 0 {
		limit = math.MaxInt64 // no limit; PostgreSQL refuses SQLite's LIMIT -1
	}
	q += ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(max(f.Offset, 0))
	return q, args, loc
}

// where returns f's conditions (each starting " AND "), their arguments
// and the location its day is read in: History's page filter's, so a
// listing and a page of the same day select the same sales.
func (f Filter) where() (string, []any, *time.Location) {
	return PageFilter{Day: f.Day, Loc: f.Loc, Status: f.Status, Method: f.Method, Till: f.Till}.where()
}

// LastOrderNum returns the order number with the highest sequence among
// those starting with prefix (e.g. "POS-20261124-" → "POS-20261124-0012"),
// or "" when none does. The sequence is the leading digits after the
// prefix, compared as numbers, so "-10000" beats "-9999".
func (j *Journal) LastOrderNum(ctx context.Context, prefix string) (string, error) {
	if prefix == "" {
		return "", fmt.Errorf("journal: last order number: empty prefix: %w", ErrInvalid)
	}
	// order_num has a UNIQUE index, so this range scan is cheap.
	rows, err := j.db.QueryContext(ctx, `SELECT order_num FROM sales WHERE order_num >= ? AND order_num < ?`, prefix, prefix+prefixEnd)
	if err != nil {
		return "", j.wrap("last order number", err)
	}
	defer rows.Close()
	best, bestSeq := "", int64(-1)
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", j.wrap("last order number", err)
		}
		rest := s[len(prefix):]
		n := 0
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		seq, err := strconv.ParseInt(rest[:n], 10, 64)
		if err != nil {
			seq = -1
			if n == 0 && best == "" {
				best = s // no sequence at all: still better than nothing
			}
			continue
		}
		if seq > bestSeq || (seq == bestSeq && s > best) {
			best, bestSeq = s, seq
		}
	}
	return best, j.wrap("last order number", rows.Err())
}

// OrderNumUsed reports whether a sale already uses orderNum.
func (j *Journal) OrderNumUsed(ctx context.Context, orderNum string) (bool, error) {
	var n int
	err := j.db.QueryRowContext(ctx, `SELECT count(*) FROM sales WHERE order_num = ?`, orderNum).Scan(&n)
	return n > 0, j.wrap("order number in use", err)
}
