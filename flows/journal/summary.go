package journal

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Summary is a day's takings, one entry per currency (amounts in different
// currencies are never added together).
type Summary struct {
	Day  time.Time `json:"day"`            // local midnight the summary starts at
	Till string    `json:"till,omitempty"` // the till summarised; "" the whole journal
	// Open counts the sales KOMOJU may still move (pending, authorized,
	// waiting for the customer, unknown): what Unsettled lists.
	Open       int64             `json:"open"`
	Currencies []CurrencySummary `json:"currencies"`
}

// CurrencySummary is a day's takings in one currency. All amounts are minor
// units.
type CurrencySummary struct {
	Currency string `json:"currency"`
	Sales    int64  `json:"sales"` // every sale begun that day, whatever came of it
	// Paid counts the sales whose money was captured (status captured or
	// refunded); Captured is their gross, Refunded what was refunded of
	// them (in Refunds sales); Net is Captured - Refunded: the takings.
	// Failed, cancelled, expired and unfinished sales are in none of these.
	Paid     int64 `json:"paid"`
	Captured int64 `json:"captured"`
	Refunds  int64 `json:"refunds"`
	Refunded int64 `json:"refunded"`
	Net      int64 `json:"net"`
	// Authorized is held but not yet captured: two-step card payments
	// awaiting capture and cash payments awaiting the customer.
	Authorized int64    `json:"authorized"`
	ByMethod   []Bucket `json:"by_method"`         // sorted by key
	ByStatus   []Bucket `json:"by_status"`         // sorted by key
	ByTill     []Bucket `json:"by_till,omitempty"` // sorted by key ("" for sales no till name was kept for)
}

// Bucket is the sales of one method, status or till. Gross is what they
// asked for whatever came of it; Paid, Captured, Refunded and Net count
// only the sales whose money was captured, so a bucket's takings are its
// Net, never its Gross.
type Bucket struct {
	Key      string `json:"key"`
	Count    int64  `json:"count"`
	Gross    int64  `json:"gross"`
	Paid     int64  `json:"paid"`
	Captured int64  `json:"captured"`
	Refunded int64  `json:"refunded"`
	Net      int64  `json:"net"`
}

// StatusKey is the key a sale is summarised under by status: its payment
// status, else its outcome ("error", "unknown"), else "unfinished".
func (s *Sale) StatusKey() string {
	switch {
	case s.Status != "":
		return string(s.Status)
	case s.FinishedAt == nil:
		return "unfinished"
	case s.Outcome != "":
		return s.Outcome
	}
	return "unfinished"
}

// MethodKey is the key a sale is summarised under by method ("none" before
// a Method 1 customer picked one).
func (s *Sale) MethodKey() string {
	if s.Method == "" {
		return "none"
	}
	return string(s.Method)
}

// Summary summarises the sales created on day's calendar day in loc (nil
// means day's own location), every till's. Refunds are netted against
// captured totals: a refund counts against the day of the sale it refunds,
// whenever it was made, so a day's net only ever shrinks as refunds come
// in. The database adds up (SummaryOf).
func (j *Journal) Summary(ctx context.Context, day time.Time, loc *time.Location) (Summary, error) {
	if day.IsZero() {
		return Summary{}, fmt.Errorf("journal: summary: no day given: %w", ErrInvalid)
	}
	return j.SummaryOf(ctx, Scope{Day: day, Loc: loc})
}

// Summarize builds a Summary of sales (already selected) labelled day: the
// same figures SummaryOf gets from the database.
func Summarize(day time.Time, sales []Sale) Summary {
	gs := make([]Group, len(sales))
	for i := range sales {
		gs[i] = groupOf(&sales[i])
	}
	return SummarizeGroups(day, gs)
}

// SummarizeGroups builds a Summary labelled day from aggregate rows.
func SummarizeGroups(day time.Time, groups []Group) Summary {
	type acc struct {
		cs                         CurrencySummary
		byMethod, byStatus, byTill map[string]*Bucket
	}
	per := map[string]*acc{}
	out := Summary{Day: day}
	add := func(m map[string]*Bucket, key string, g *Group) {
		b := m[key]
		if b == nil {
			b = &Bucket{Key: key}
			m[key] = b
		}
		b.Count += g.Count
		b.Gross += g.Gross
		b.Paid += g.Paid
		b.Captured += g.Captured
		b.Refunded += g.Refunded
		b.Net += g.Captured - g.Refunded
	}
	for i := range groups {
		g := &groups[i]
		out.Open += g.Open
		a := per[g.Currency]
		if a == nil {
			a = &acc{cs: CurrencySummary{Currency: g.Currency}, byMethod: map[string]*Bucket{}, byStatus: map[string]*Bucket{}, byTill: map[string]*Bucket{}}
			per[g.Currency] = a
		}
		a.cs.Sales += g.Count
		a.cs.Paid += g.Paid
		a.cs.Captured += g.Captured
		a.cs.Refunds += g.Refunds
		a.cs.Refunded += g.Refunded
		a.cs.Net += g.Captured - g.Refunded
		if g.Status == string(komoju.PaymentAuthorized) {
			a.cs.Authorized += g.Gross
		}
		add(a.byMethod, g.Method, g)
		add(a.byStatus, g.Status, g)
		add(a.byTill, g.Till, g)
	}
	for _, a := range per {
		a.cs.ByMethod = sortedBuckets(a.byMethod)
		a.cs.ByStatus = sortedBuckets(a.byStatus)
		a.cs.ByTill = sortedBuckets(a.byTill)
		out.Currencies = append(out.Currencies, a.cs)
	}
	sort.Slice(out.Currencies, func(i, k int) bool { return out.Currencies[i].Currency < out.Currencies[k].Currency })
	return out
}

func sortedBuckets(m map[string]*Bucket) []Bucket {
	out := make([]Bucket, 0, len(m))
	for _, b := range m {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Key < out[k].Key })
	return out
}
