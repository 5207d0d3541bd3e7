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
	Day        time.Time         `json:"day"` // local midnight the summary starts at
	Currencies []CurrencySummary `json:"currencies"`
}

// CurrencySummary is a day's takings in one currency. All amounts are minor
// units.
type CurrencySummary struct {
	Currency string `json:"currency"`
	Sales    int64  `json:"sales"` // every sale begun that day, whatever came of it
	// Captured is the gross of sales whose money was captured (status
	// captured or refunded); Refunded what was refunded of them; Net is
	// Captured - Refunded.
	Captured int64 `json:"captured"`
	Refunded int64 `json:"refunded"`
	Net      int64 `json:"net"`
	// Authorized is held but not yet captured: two-step card payments
	// awaiting capture and cash payments awaiting the customer.
	Authorized int64    `json:"authorized"`
	ByMethod   []Bucket `json:"by_method"` // sorted by key
	ByStatus   []Bucket `json:"by_status"` // sorted by key
}

// Bucket is the sales of one method or status.
type Bucket struct {
	Key      string `json:"key"`
	Count    int64  `json:"count"`
	Gross    int64  `json:"gross"` // sum of the sales' totals, whatever their status
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
// means day's own location). Refunds are netted against captured totals:
// a refund counts against the day of the sale it refunds, whenever it was
// made, so a day's net only ever shrinks as refunds come in.
func (j *Journal) Summary(ctx context.Context, day time.Time, loc *time.Location) (Summary, error) {
	if loc == nil {
		loc = day.Location()
	}
	if day.IsZero() {
		return Summary{}, fmt.Errorf("journal: summary: no day given: %w", ErrInvalid)
	}
	sales, err := j.Sales(ctx, Filter{Day: day, Loc: loc, Limit: -1})
	if err != nil {
		return Summary{}, err
	}
	start, _ := dayRange(day, loc)
	return Summarize(start, sales), nil
}

// Summarize builds a Summary of sales (already selected) labelled day.
func Summarize(day time.Time, sales []Sale) Summary {
	type acc struct {
		cs       CurrencySummary
		byMethod map[string]*Bucket
		byStatus map[string]*Bucket
	}
	per := map[string]*acc{}
	add := func(m map[string]*Bucket, key string, s *Sale) {
		b := m[key]
		if b == nil {
			b = &Bucket{Key: key}
			m[key] = b
		}
		b.Count++
		b.Gross += s.Gross()
		if s.Charged() {
			b.Captured += s.Gross()
			b.Refunded += s.AmountRefunded
			b.Net += s.Net()
		}
	}
	for i := range sales {
		s := &sales[i]
		a := per[s.Currency]
		if a == nil {
			a = &acc{cs: CurrencySummary{Currency: s.Currency}, byMethod: map[string]*Bucket{}, byStatus: map[string]*Bucket{}}
			per[s.Currency] = a
		}
		a.cs.Sales++
		if s.Charged() {
			a.cs.Captured += s.Gross()
			a.cs.Refunded += s.AmountRefunded
			a.cs.Net += s.Net()
		}
		if s.Status == komoju.PaymentAuthorized {
			a.cs.Authorized += s.Gross()
		}
		add(a.byMethod, s.MethodKey(), s)
		add(a.byStatus, s.StatusKey(), s)
	}
	out := Summary{Day: day}
	for _, a := range per {
		a.cs.ByMethod = sortedBuckets(a.byMethod)
		a.cs.ByStatus = sortedBuckets(a.byStatus)
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
