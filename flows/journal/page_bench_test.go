package journal

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// bulkDay writes n finished sales on one day (09:00 onwards, one every
// 400 ms, in jst) straight into the sales table, on either backend: 90%
// captured cards, 5% failed, 5% refunded, every fifth a konbini slip; two
// tills take turns.
func bulkDay(b *testing.B, j *Journal, n int, day time.Time) {
	b.Helper()
	start := ms(time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, jst))
	series := `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?)`
	if j.pg {
		series = `WITH s(i) AS (SELECT generate_series(0, ? - 1))`
	}
	q := series + `
		INSERT INTO sales (order_num, idempotency_key, flow, method, amount, tax, currency, capture, card_brand, card_last4,
			created_at, updated_at, attempts, finished_at, outcome, payment_id, status, total, amount_refunded, till, store)
		SELECT 'BULK-' || CAST(i AS TEXT), 'bulk-idem-' || CAST(i AS TEXT), 'direct',
			CASE WHEN i % 5 = 4 THEN 'konbini' ELSE 'credit_card' END, 100 + i % 1000, 0, 'JPY', 'auto',
			CASE WHEN i % 5 = 4 THEN '' ELSE 'Visa' END, CASE WHEN i % 5 = 4 THEN '' ELSE '1111' END,
			CAST(? AS BIGINT) + i * 400, CAST(? AS BIGINT) + i * 400 + 500, 1, CAST(? AS BIGINT) + i * 400 + 500, 'paid', 'bulkpay' || CAST(i AS TEXT),
			CASE WHEN i % 20 = 7 THEN 'failed' WHEN i % 20 = 13 THEN 'refunded' ELSE 'captured' END,
			100 + i % 1000, CASE WHEN i % 20 = 13 THEN 100 + i % 1000 ELSE 0 END,
			CASE WHEN i % 2 = 0 THEN 'T1' ELSE 'T2' END, CASE WHEN i % 5 = 4 THEN 'lawson' ELSE '' END
		FROM s`
	if _, err := j.db.ExecContext(context.Background(), q, n, start, start, start); err != nil {
		b.Fatal(err)
	}
	if j.pg {
		if _, err := j.db.ExecContext(context.Background(), `ANALYZE sales`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHistoryPages measures the journal's side of each History
// keypress on both backends, with 1k, 10k and 100k sales on the day
// (KOMOJU_TUI_BENCH_SIZES=1k,10k narrows it):
//
//   - first: the newest page of 60 (opening the screen).
//
//   - deep: the page after the sale half-way through the day (scrolling
//     far down costs what the first page costs).
//
//   - newer: the page before that sale (scrolling back up).
//
//   - failed: the first page of the "failed" filter (5% of the day).
//
//   - till: the first page of one till's sales (half of the day).
//
//   - count: counting the day (the "n of N" under the table).
//
//   - totals: SummaryOf the day (the totals under the table).
//
//     go test -run '^$' -bench HistoryPages -benchtime 20x ./flows/journal/
func BenchmarkHistoryPages(b *testing.B) { bothB(b, benchHistoryPages) }

func benchHistoryPages(b *testing.B) {
	sizes := []int{1_000, 10_000, 100_000}
	if v := os.Getenv("KOMOJU_TUI_BENCH_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			if k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(f), "k")); err == nil && k > 0 {
				sizes = append(sizes, k*1000)
			}
		}
	}
	day := time.Date(2026, 11, 24, 12, 0, 0, 0, jst)
	ctx := context.Background()
	for _, n := range sizes {
		name := fmt.Sprintf("%dk", n/1000)
		j, err := OpenWith(testPath(b), Options{Now: func() time.Time { return day }})
		if err != nil {
			b.Fatal(err)
		}
		bulkDay(b, j, n, day)
		f := PageFilter{Day: day, Loc: jst}
		mid, err := j.Older(ctx, f, &PageKey{CreatedAt: ms(time.Date(2026, 11, 24, 9, 0, 0, 0, jst)) + int64(n/2)*400, ID: 1 << 62}, 1)
		if err != nil || len(mid) != 1 {
			b.Fatalf("middle sale: %v", err)
		}
		k := KeyOf(&mid[0])
		page := func(b *testing.B, get func() ([]Sale, error)) {
			for b.Loop() {
				p, err := get()
				if err != nil || len(p) == 0 {
					b.Fatalf("%d sales, %v", len(p), err)
				}
			}
		}
		b.Run("first/"+name, func(b *testing.B) { page(b, func() ([]Sale, error) { return j.Older(ctx, f, nil, 60) }) })
		b.Run("deep/"+name, func(b *testing.B) { page(b, func() ([]Sale, error) { return j.Older(ctx, f, &k, 60) }) })
		b.Run("newer/"+name, func(b *testing.B) { page(b, func() ([]Sale, error) { return j.Newer(ctx, f, k, 60) }) })
		failed := f
		failed.Status = komoju.PaymentFailed
		b.Run("failed/"+name, func(b *testing.B) { page(b, func() ([]Sale, error) { return j.Older(ctx, failed, nil, 60) }) })
		till := f
		till.Till = "T2"
		b.Run("till/"+name, func(b *testing.B) { page(b, func() ([]Sale, error) { return j.Older(ctx, till, nil, 60) }) })
		b.Run("count/"+name, func(b *testing.B) {
			for b.Loop() {
				if c, err := j.CountSales(ctx, f); err != nil || c != int64(n) {
					b.Fatalf("%d, %v", c, err)
				}
			}
		})
		b.Run("totals/"+name, func(b *testing.B) {
			for b.Loop() {
				if s, err := j.SummaryOf(ctx, Scope{Day: f.Day, Loc: f.Loc}); err != nil || s.Currencies[0].Sales != int64(n) {
					b.Fatalf("%+v, %v", s, err)
				}
			}
		})
		j.Close()
	}
}
