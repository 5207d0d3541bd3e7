package journal

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// The history screen pages through a day of sales from the database,
// newest first, instead of loading the day: with 100k sales a day the
// whole day costs seconds and hundreds of megabytes, a page of the
// visible rows and a margin costs about a millisecond and a few
// kilobytes. Pages are keyset pages (a sale's (created_at, id) bounds the
// next page), so paging deeper costs no more than the first page, and a
// sale written while the clerk scrolls neither repeats nor skips a row
// as OFFSET paging would. Filters are WHERE clauses read through an
// index (sales_created, sales_status_created, sales_till_created). The
// day's totals under the list are SummaryOf's.

// PageFilter selects the sales History pages through. The zero value is
// every sale in the journal.
type PageFilter struct {
	// Day, when not zero, keeps the sales created on that calendar day in
	// Loc (or Day's own location when Loc is nil).
	Day time.Time
	Loc *time.Location
	// Status keeps the sales whose current payment status is Status.
	Status komoju.PaymentStatus
	// Method keeps the sales paid (or being paid) with Method.
	Method komoju.PaymentType
	// Till keeps the sales begun by that till; empty means the store's.
	Till string
}

// PageKey is a sale's place in history order: newest first by creation
// time, then by id (several sales may share a millisecond).
type PageKey struct {
	CreatedAt int64 // Unix ms
	ID        int64
}

// KeyOf returns the place of s in history order.
func KeyOf(s *Sale) PageKey { return PageKey{CreatedAt: ms(s.CreatedAt), ID: s.ID} }

// MaxPage is the most sales one page may hold.
const MaxPage = 5000

// where returns f as a WHERE clause (after "WHERE 1=1") with its
// arguments, and the location the rows' times are given in.
func (f PageFilter) where() (string, []any, *time.Location) {
	return f.whereFrom(nil, false)
}

// whereFrom is where for a page that starts at from. SQLite ranges an
// index by one bound on each side, and given both the day's end and the
// key as upper bounds it may take the day's and walk every sale between
// the end of the day and the key; so the side the page starts from has
// one bound, the tighter of the day's and the key's.
func (f PageFilter) whereFrom(from *PageKey, older bool) (string, []any, *time.Location) {
	lo, hi, loc := f.span()
	if from != nil {
		if older {
			hi = min(hi, from.CreatedAt)
		} else {
			lo = max(lo, from.CreatedAt)
		}
	}
	q := ``
	var args []any
	if lo != math.MinInt64 {
		q += ` AND created_at >= ?`
		args = append(args, lo)
	}
	if hi != math.MaxInt64 {
		q += ` AND created_at <= ?`
		args = append(args, hi)
	}
	cq, cargs := f.columns()
	return q + cq, append(args, cargs...), loc
}

// span is the filter's range of created_at, lo <= created_at <= hi
// (math.MinInt64 / MaxInt64 for no bound), and the day's location.
func (f PageFilter) span() (lo, hi int64, loc *time.Location) {
	loc = f.Loc
	if loc == nil {
		if !f.Day.IsZero() {
			loc = f.Day.Location()
		} else {
			loc = time.Local
		}
	}
	lo, hi = math.MinInt64, math.MaxInt64
	if !f.Day.IsZero() {
		start, end := dayRange(f.Day, loc)
		lo, hi = ms(start), ms(end)-1
	}
	return lo, hi, loc
}

// columns is the filter's conditions on status, method and till: columns
// of the same name and meaning in sales and in sales_totals.
func (f PageFilter) columns() (string, []any) {
	q := ``
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.Method != "" {
		q += ` AND method = ?`
		args = append(args, string(f.Method))
	}
	if f.Till != "" {
		q += ` AND till = ?`
		args = append(args, f.Till)
	}
	return q, args
}

// pageQuery builds Older's (older set) or Newer's query.
func pageQuery(f PageFilter, from *PageKey, older bool, limit int) (string, []any, *time.Location, error) {
	if limit <= 0 || limit > MaxPage {
		return "", nil, nil, fmt.Errorf("journal: page of %d sales: a page holds 1 to %d: %w", limit, MaxPage, ErrInvalid)
	}
	w, args, loc := f.whereFrom(from, older)
	q := `SELECT ` + saleColumns + ` FROM sales WHERE 1=1` + w
	order := ` ORDER BY created_at DESC, id DESC`
	if from != nil {
		// whereFrom's bound on created_at lets the index range start at
		// the key; this drops the sales of that millisecond already seen.
		if older {
			q += ` AND (created_at < ? OR id < ?)`
		} else {
			q += ` AND (created_at > ? OR id > ?)`
			order = ` ORDER BY created_at, id`
		}
		args = append(args, from.CreatedAt, from.ID)
	}
	return q + order + ` LIMIT ` + strconv.Itoa(limit), args, loc, nil
}

// Older returns up to limit sales matching f, newest first: the newest of
// all when after is nil, else those that come after *after in history
// order (older ones).
func (j *Journal) Older(ctx context.Context, f PageFilter, after *PageKey, limit int) ([]Sale, error) {
	q, args, loc, err := pageQuery(f, after, true, limit)
	if err != nil {
		return nil, err
	}
	return j.querySales(ctx, "page of sales", loc, q, args...)
}

// Newer returns up to limit sales matching f that come before before in
// history order (newer ones), the closest to it; newest first, like
// Older.
func (j *Journal) Newer(ctx context.Context, f PageFilter, before PageKey, limit int) ([]Sale, error) {
	q, args, loc, err := pageQuery(f, &before, false, limit)
	if err != nil {
		return nil, err
	}
	out, err := j.querySales(ctx, "page of sales", loc, q, args...)
	slices.Reverse(out)
	return out, err
}

// CountSales counts the sales matching f.
// It reads the day's totals (sales_totals), not the sales, so counting a
// day of 100,000 costs what counting a day of ten does.
func (j *Journal) CountSales(ctx context.Context, f PageFilter) (int64, error) {
	lo, hi, _ := f.span()
	if hi != math.MaxInt64 {
		hi++ // the span's end is inclusive, a totals span's is not
	}
	cq, cargs := f.columns()
	span := totalsSpanOf(lo, hi)
	var total int64
	if span.from < span.to {
		q, args := `SELECT CAST(coalesce(sum(sales), 0) AS BIGINT) FROM sales_totals WHERE 1=1`, []any(nil)
		if span.from != math.MinInt64 {
			q += ` AND bucket >= ?`
			args = append(args, span.from)
		}
		if span.to != math.MaxInt64 {
			q += ` AND bucket < ?`
			args = append(args, span.to)
		}
		if err := j.db.QueryRowContext(ctx, q+cq, append(args, cargs...)...).Scan(&total); err != nil {
			return 0, j.wrap("count sales", err)
		}
	}
	for _, e := range span.edges {
		var n int64
		if err := j.db.QueryRowContext(ctx, `SELECT count(*) FROM sales WHERE created_at >= ? AND created_at < ?`+cq,
			append([]any{e[0], e[1]}, cargs...)...).Scan(&n); err != nil {
			return 0, j.wrap("count sales", err)
		}
		total += n
	}
	return total, nil
}

// EachSale calls fn with every sale matching f, newest first, reading a
// page at a time, so an export of a busy day never holds the day in
// memory. fn must not keep the *Sale.
func (j *Journal) EachSale(ctx context.Context, f PageFilter, fn func(*Sale) error) error {
	var after *PageKey
	for {
		page, err := j.Older(ctx, f, after, 1000)
		if err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < 1000 {
			return nil
		}
		k := KeyOf(&page[len(page)-1])
		after = &k
	}
}

// Listed is the part of a sale a history listing shows: what EachListed
// reads instead of a whole Sale. A day's listing is a row dump, and with
// 100k sales the driver's scanning of every column of every row was most
// of its time (issue 13: history --limit 0 at 6× the sqlite3 shell); the
// keys and the gross are worked out by the database, with the same
// expressions as the day's totals (aggregate.go), so a row reads 8
// columns, not 34.
type Listed struct {
	CreatedAt time.Time
	OrderNum  string
	// Method is Sale.MethodKey, and for a card its brand and last four:
	// "credit_card visa •••• 1111" (one column read, not three).
	Method         string
	StatusKey      string // Sale.StatusKey
	Currency       string
	Gross          int64 // Sale.Gross
	AmountRefunded int64
	PaymentID      string
}

// listedColumns are Listed's columns, in its order.
const listedColumns = `created_at, order_num,
	CASE WHEN card_last4 <> '' THEN ` + methodKeySQL + ` || ' ' || card_brand || ' •••• ' || card_last4 ELSE ` + methodKeySQL + ` END,
	` + statusKeySQL + `, currency, ` + grossSQL + `, amount_refunded, payment_id`

// listedPacked is listedColumns as one text column, for SQLite, with
// the sale's id first: the pure-Go driver's cost is per column read (a
// type, a copy and a lock each), and one column costs about a fifth less
// to read than eight. Cells are separated by U+001F; a row whose text
// holds one (a damaged or hostile journal) splits into more than nine
// cells and is read again by its id as eight columns (see unpack).
const listedPacked = `id || char(31) || created_at || char(31) || ` + grossSQL + ` || char(31) || amount_refunded || char(31) || order_num || char(31) ||
	CASE WHEN card_last4 <> '' THEN ` + methodKeySQL + ` || ' ' || card_brand || ' •••• ' || card_last4 ELSE ` + methodKeySQL + ` END || char(31) ||
	` + statusKeySQL + ` || char(31) || currency || char(31) || payment_id`

// listedSelect is what a listing selects on j's backend.
func (j *Journal) listedSelect() string {
	if j.pg {
		return listedColumns
	}
	return listedPacked
}

// ListedQuery returns the 8-column SQL of EachListed for f, with its
// arguments: what a person would run in the sqlite3 shell to list the
// same rows (the benchmark against the shell runs it).
func ListedQuery(f Filter) (string, []any) {
	q, args, _ := salesQueryOf(listedColumns, f)
	return q, args
}

// EachListed calls fn with the Listed row of every sale Sales(f) would
// return, in the same order, from one query read row by row, so a listing
// of a busy day never holds the day. fn must not keep the *Listed.
func (j *Journal) EachListed(ctx context.Context, f Filter, fn func(*Listed) error) error {
	q, args, loc := salesQueryOf(j.listedSelect(), f)
	return j.eachListedRow(ctx, loc, q, args, fn)
}

// eachListedRow runs q, a query of listedSelect, and calls fn with each
// row read.
func (j *Journal) eachListedRow(ctx context.Context, loc *time.Location, q string, args []any, fn func(*Listed) error) error {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return j.wrap("list sales", err)
	}
	return j.scanListed(ctx, loc, rows, fn)
}

// scanListed calls fn with each row of rows (a query of listedSelect) and
// closes them.
func (j *Journal) scanListed(ctx context.Context, loc *time.Location, rows *sql.Rows, fn func(*Listed) error) error {
	const op = "list sales"
	defer rows.Close()
	var err error
	var l Listed
	var created int64
	var packed string
	for rows.Next() {
		if j.pg {
			err = rows.Scan(&created, &l.OrderNum, &l.Method, &l.StatusKey, &l.Currency, &l.Gross, &l.AmountRefunded, &l.PaymentID)
		} else if err = rows.Scan(&packed); err == nil {
			created, err = j.unpackListed(ctx, packed, &l)
		}
		if err != nil {
			return j.wrap(op, err)
		}
		l.CreatedAt = fromMS(created, loc)
		if err := fn(&l); err != nil {
			return err
		}
	}
	return j.wrap(op, rows.Err())
}

// unpackListed fills l from a row of listedPacked and returns its
// created_at. A row with a separator inside its text is read again, by
// its id, as listedColumns.
func (j *Journal) unpackListed(ctx context.Context, row string, l *Listed) (created int64, err error) {
	var cell [9]string
	if strings.Count(row, "\x1f") != len(cell)-1 {
		id, _, _ := strings.Cut(row, "\x1f")
		err := j.db.QueryRowContext(ctx, `SELECT `+listedColumns+` FROM sales WHERE id = ?`, id).Scan(
			&created, &l.OrderNum, &l.Method, &l.StatusKey, &l.Currency, &l.Gross, &l.AmountRefunded, &l.PaymentID)
		return created, err
	}
	for i := range len(cell) - 1 {
		k := strings.IndexByte(row, 0x1f)
		cell[i], row = row[:k], row[k+1:]
	}
	cell[8] = row
	var n [4]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(cell[i], 10, 64); err != nil {
			return 0, fmt.Errorf("sale %q: a listed row's cell %d is not a whole number: %w", cell[0], i+1, ErrInvalid)
		}
	}
	l.Gross, l.AmountRefunded = n[2], n[3]
	l.OrderNum, l.Method, l.StatusKey, l.Currency, l.PaymentID = cell[4], cell[5], cell[6], cell[7], cell[8]
	return n[1], nil
}
