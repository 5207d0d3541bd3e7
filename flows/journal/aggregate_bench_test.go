package journal_test

import (
	"context"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
)

// BenchmarkDaySummary is a day's summary of 1k, 10k and 100k sales (all
// on that day) two ways: "rows", as summary did before (every sale of the
// day read into memory, added up in Go), and "aggregate", the database's
// GROUP BY (SummaryOf, what summary and close use now).
//
//	go test -run '^$' -bench DaySummary -benchtime 10x ./flows/journal/
func BenchmarkDaySummary(b *testing.B) {
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	day := end.Add(-12 * time.Hour)
	for _, n := range []struct {
		name  string
		sales int
	}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}} {
		path := journaltest.Cached(b, journaltest.Options{Sales: n.sales, PerDay: n.sales, End: end, Outstanding: 5})
		j, err := journal.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(n.name+"/rows", func(b *testing.B) {
			for b.Loop() {
				sales, err := j.Sales(ctx, journal.Filter{Day: day, Loc: time.UTC, Limit: -1})
				if err != nil || len(sales) != n.sales {
					b.Fatalf("%d sales, %v", len(sales), err)
				}
				_ = journal.Summarize(day, sales)
			}
		})
		b.Run(n.name+"/aggregate", func(b *testing.B) {
			for b.Loop() {
				s, err := j.SummaryOf(ctx, journal.Scope{Day: day, Loc: time.UTC})
				if err != nil || s.Currencies[0].Sales != int64(n.sales) {
					b.Fatalf("%+v, %v", s, err)
				}
			}
		})
		j.Close()
	}
}
