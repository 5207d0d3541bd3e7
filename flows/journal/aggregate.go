package journal

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Scope selects the sales a report covers: one local calendar day, of one
// till or of the whole store.
type Scope struct {
	// Day is any instant of the calendar day in Loc (required).
	Day time.Time
	// Loc is the day's time zone; nil means Day's own location.
	Loc *time.Location
	// Till keeps the sales begun by that till (Sale.Till); "" means every
	// till on the journal.
	Till string
}

func (sc Scope) bounds() (start, end time.Time, loc *time.Location, err error) {
	if sc.Day.IsZero() {
		return time.Time{}, time.Time{}, nil, fmt.Errorf("journal: no day given: %w", ErrInvalid)
	}
	loc = sc.Loc
	if loc == nil {
		loc = sc.Day.Location()
	}
	start, end = dayRange(sc.Day, loc)
	return start, end, loc, nil
}

// where is the WHERE clause (and its arguments) of the scope's sales: a
// range of sales_created, so a day costs its own sales, never the history.
func (sc Scope) where() (string, []any, error) {
	start, end, _, err := sc.bounds()
	if err != nil {
		return "", nil, err
	}
	q := ` WHERE created_at >= ? AND created_at < ?`
	args := []any{ms(start), ms(end)}
	if sc.Till != "" {
		q += ` AND till = ?`
		args = append(args, sc.Till)
	}
	return q, args, nil
}

// Group is the sales of one currency, till, method and status key: one
// row of the journal's GROUP BY. Amounts are minor units.
type Group struct {
	Currency string
	Till     string
	Method   string // Sale.MethodKey
	Status   string // Sale.StatusKey
	Count    int64
	// Gross is the sum of the sales' totals whatever came of them: what
	// was asked for, not what was taken.
	Gross int64
	// Paid counts the sales whose money was captured (status captured or
	// refunded); Captured is their gross, Refunded what was refunded of
	// them, Refunds how many of them had a refund.
	Paid     int64
	Captured int64
	Refunded int64
	Refunds  int64
	// Open counts the sales Unsettled lists (KOMOJU may still move them).
	Open int64
}

// The SQL forms of Sale.MethodKey, Sale.StatusKey, Sale.Gross and
// Sale.Charged: the aggregate must put each sale where Summarize does
// (TestGroupsMatchSummarize holds them together). The status key and
// unsettledCond come in two forms: over sales (finished_at IS NULL) and
// over sales_totals, which keeps only whether a sale has finished.
const (
	methodKeySQL       = `CASE WHEN method = '' THEN 'none' ELSE method END`
	statusKeyHead      = `CASE WHEN status <> '' THEN status WHEN `
	statusKeyTail      = ` THEN 'unfinished' WHEN outcome <> '' THEN outcome ELSE 'unfinished' END`
	statusKeySQL       = statusKeyHead + `finished_at IS NULL` + statusKeyTail
	statusKeyTotalsSQL = statusKeyHead + `finished = 0` + statusKeyTail
	grossSQL           = `CASE WHEN total > 0 THEN total ELSE amount + tax END`
	chargedSQL         = `status IN ('captured', 'refunded')`
	// groupsSQL adds up sales row by row: the edges of a range that does
	// not start and end on a quarter hour (see totals.go). PostgreSQL's
	// sum of a bigint is numeric: cast back so both backends scan into
	// int64.
	groupsSQL = `SELECT currency, till, ` + methodKeySQL + `, ` + statusKeySQL + `,
		count(*),
		CAST(sum(` + grossSQL + `) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` THEN 1 ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` THEN ` + grossSQL + ` ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` THEN amount_refunded ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` AND amount_refunded > 0 THEN 1 ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + unsettledCond + ` THEN 1 ELSE 0 END) AS BIGINT)
		FROM sales`
	// groupsTotalsSQL gives the same groups from sales_totals, whose rows
	// are already counts and sums per quarter hour and sale key.
	groupsTotalsSQL = `SELECT currency, till, ` + methodKeySQL + `, ` + statusKeyTotalsSQL + `,
		CAST(sum(sales) AS BIGINT),
		CAST(sum(gross) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` THEN sales ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` THEN gross ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` THEN refunded ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + chargedSQL + ` THEN refunds ELSE 0 END) AS BIGINT),
		CAST(sum(CASE WHEN ` + unsettledTotalsCond + ` THEN sales ELSE 0 END) AS BIGINT)
		FROM sales_totals`
	groupsTail       = ` GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`
	groupsTotalsTail = ` GROUP BY 1, 2, 3, 4 HAVING sum(sales) > 0 ORDER BY 1, 2, 3, 4`
)

// Groups returns the scope's sales counted and summed per currency, till,
// method and status key. The database keeps these sums per quarter hour
// as sales are written (sales_totals, totals.go), so a report reads a few
// hundred rows whatever the size of the day; only the edges of a range
// that does not fall on quarter hours are added up from the sales.
func (j *Journal) Groups(ctx context.Context, sc Scope) ([]Group, error) {
	qs, err := GroupsQueries(sc)
	if err != nil {
		return nil, err
	}
	var out []Group
	for _, q := range qs {
		gs, err := j.queryGroups(ctx, q.SQL, q.Args)
		if err != nil {
			return nil, err
		}
		out = mergeGroups(out, gs)
	}
	return out, nil
}

// Query is one SQL statement and its arguments.
type Query struct {
	SQL  string
	Args []any
}

// GroupsQueries returns the statements Groups runs for sc (the kept
// totals' quarter hours, then the unaligned edges from the sales): what a
// person would run in the sqlite3 shell to add up the same day (the
// benchmarks against the shell run them).
func GroupsQueries(sc Scope) ([]Query, error) {
	start, end, _, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	filter, fargs := ``, []any(nil)
	if sc.Till != "" {
		filter, fargs = ` AND till = ?`, []any{sc.Till}
	}
	span := totalsSpanOf(ms(start), ms(end))
	var out []Query
	if span.from < span.to {
		out = append(out, Query{groupsTotalsSQL + ` WHERE bucket >= ? AND bucket < ?` + filter + groupsTotalsTail,
			append([]any{span.from, span.to}, fargs...)})
	}
	for _, e := range span.edges {
		out = append(out, Query{groupsSQL + ` WHERE created_at >= ? AND created_at < ?` + filter + groupsTail,
			append([]any{e[0], e[1]}, fargs...)})
	}
	return out, nil
}

// GroupsFromSalesQuery is Groups as one aggregate over the scope's sales,
// without the kept totals: what Groups ran before schema 7, and what the
// day's report costs a database that keeps no totals (the benchmarks'
// second reference).
func GroupsFromSalesQuery(sc Scope) (Query, error) {
	start, end, _, err := sc.bounds()
	if err != nil {
		return Query{}, err
	}
	q := Query{groupsSQL + ` WHERE created_at >= ? AND created_at < ?`, []any{ms(start), ms(end)}}
	if sc.Till != "" {
		q.SQL += ` AND till = ?`
		q.Args = append(q.Args, sc.Till)
	}
	q.SQL += groupsTail
	return q, nil
}

// UnsettledQuery returns the statement Unsettled runs for sc.
func UnsettledQuery(sc Scope) (Query, error) {
	q, args, err := unsettledQuery(sc)
	return Query{q, args}, err
}

func (j *Journal) queryGroups(ctx context.Context, q string, args []any) ([]Group, error) {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, j.wrap("totals", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.Currency, &g.Till, &g.Method, &g.Status, &g.Count, &g.Gross, &g.Paid, &g.Captured, &g.Refunded, &g.Refunds, &g.Open); err != nil {
			return nil, j.wrap("totals", err)
		}
		out = append(out, g)
	}
	return out, j.wrap("totals", rows.Err())
}

// mergeGroups adds b's groups into a's, sorted by their key byte by byte.
func mergeGroups(a, b []Group) []Group {
	type key struct{ currency, till, method, status string }
	at := make(map[key]int, len(a))
	for i, g := range a {
		at[key{g.Currency, g.Till, g.Method, g.Status}] = i
	}
	for _, g := range b {
		i, ok := at[key{g.Currency, g.Till, g.Method, g.Status}]
		if !ok {
			at[key{g.Currency, g.Till, g.Method, g.Status}] = len(a)
			a = append(a, g)
			continue
		}
		m := &a[i]
		m.Count += g.Count
		m.Gross += g.Gross
		m.Paid += g.Paid
		m.Captured += g.Captured
		m.Refunded += g.Refunded
		m.Refunds += g.Refunds
		m.Open += g.Open
	}
	slices.SortFunc(a, func(x, y Group) int {
		return cmp.Or(strings.Compare(x.Currency, y.Currency), strings.Compare(x.Till, y.Till),
			strings.Compare(x.Method, y.Method), strings.Compare(x.Status, y.Status))
	})
	return a
}

// unsettledSQL selects the sales whose end is not known yet: a payment
// still pending or authorized, a result that is unknown, or no payment
// and a result that leaves the customer to act (a redirect or slip
// before the payment was seen), or no result at all.
const (
	unsettledHead       = `(status IN ('pending', 'authorized') OR outcome = 'unknown' OR (status = '' AND (`
	unsettledTail       = ` OR outcome IN ('redirect', 'awaiting', 'authorized'))))`
	unsettledCond       = unsettledHead + `finished_at IS NULL` + unsettledTail
	unsettledTotalsCond = unsettledHead + `finished = 0` + unsettledTail
	unsettledSQL        = ` AND ` + unsettledCond + ` ORDER BY created_at, id`
)

// Open reports whether Unsettled lists s (unsettledCond in Go).
func (s *Sale) Open() bool {
	switch {
	case s.Status == komoju.PaymentPending || s.Status == komoju.PaymentAuthorized || s.Outcome == OutcomeUnknown:
		return true
	case s.Status != "":
		return false
	}
	return s.FinishedAt == nil || s.Outcome == OutcomeRedirect || s.Outcome == OutcomeAwaiting || s.Outcome == OutcomeAuthorized
}

// Unsettled lists, oldest first, the scope's sales that KOMOJU may still
// move on: what the end-of-day close refreshes before it adds up.
//
// They are read through sales_to_settle, which holds only such sales.
// SQLite, without statistics, would take sales_till_created for one
// till's (an equality and a range, but every sale of the till's day);
// comparing till with an empty string appended is the same test on a
// value no index holds, so the planner keeps to the open sales and checks
// their till.
func (j *Journal) Unsettled(ctx context.Context, sc Scope) ([]Sale, error) {
	q, args, err := unsettledQuery(sc)
	if err != nil {
		return nil, err
	}
	_, _, loc, _ := sc.bounds()
	return j.querySales(ctx, "unsettled sales", loc, q, args...)
}

func unsettledQuery(sc Scope) (string, []any, error) {
	till := sc.Till
	sc.Till = ""
	where, args, err := sc.where()
	if err != nil {
		return "", nil, err
	}
	if till != "" {
		where += ` AND till || '' = ?`
		args = append(args, till)
	}
	return `SELECT ` + saleColumns + ` FROM sales` + where + unsettledSQL, args, nil
}

// SummaryOf summarises the scope's sales with the database's aggregates
// (see Groups); it is what Summary returns for one till or the store.
func (j *Journal) SummaryOf(ctx context.Context, sc Scope) (Summary, error) {
	start, _, _, err := sc.bounds()
	if err != nil {
		return Summary{}, fmt.Errorf("journal: summary: %w", err)
	}
	gs, err := j.Groups(ctx, sc)
	if err != nil {
		return Summary{}, err
	}
	s := SummarizeGroups(start, gs)
	s.Till = sc.Till
	return s, nil
}

// groupOf is one sale as a Group of one.
func groupOf(s *Sale) Group {
	g := Group{Currency: s.Currency, Till: s.Till, Method: s.MethodKey(), Status: s.StatusKey(), Count: 1, Gross: s.Gross()}
	if s.Open() {
		g.Open = 1
	}
	if s.Charged() {
		g.Paid, g.Captured, g.Refunded = 1, s.Gross(), s.AmountRefunded
		if s.AmountRefunded > 0 {
			g.Refunds = 1
		}
	}
	return g
}
