package journal_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// BenchmarkStartup measures what every process start asks of the journal,
// with 0, 10k, 100k and 1M sales of history (each journal also holds the
// same handful of open work: journaltest.WithOpenWork). Issue 10: each
// figure must stay within 1.2x of the empty journal's.
//
//   - Open: OpenWith (schema, migrations, damage probe; no full-file
//     check), Close untimed.
//   - Reconcile: Reconcilable, ReconcilableActions and Outstanding, as a
//     start-up reconcile reads them.
//   - Reserve: ReserveSale for today's next order number (the result
//     written after it untimed).
//   - Start: all of it as one headless sale does it: open, the reconcile
//     reads, reserve, finish, close.
//
// Each iteration runs the operation once on every journal size, in turn
// (starting with a different size each time), so the machine's load at
// any moment weighs on all sizes alike. The metrics are the median
// milliseconds per size ("ms-100k") and its ratio to the empty journal's
// ("x-100k"); ns/op is the sum over the sizes.
//
//	go test -run '^$' -bench Startup -benchtime 100x ./flows/journal/
//
// KOMOJU_TUI_BENCH_SIZES=0,100k narrows the sizes (building 1M takes ~25 s,
// once per run).
func BenchmarkStartup(b *testing.B) {
	ctx := context.Background()
	today := journaltest.DefaultEnd.Add(10 * time.Hour)
	opts := journal.Options{Now: func() time.Time { return today }}
	sizes := journaltest.Sizes(b)
	paths := make([]string, len(sizes))
	for i, s := range sizes {
		paths[i] = journaltest.Cached(b, journaltest.WithOpenWork(s.Sales))
	}
	seq := 0
	reserve := func(b *testing.B, j *journal.Journal, timer *time.Duration) {
		seq++
		in := journal.Intent{IdempotencyKey: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), seq), Flow: journal.FlowDirect,
			Method: komoju.TypeCreditCard, Amount: 1000, Currency: "JPY", Capture: komoju.CaptureAuto, CardBrand: "Visa", CardLast4: "1111"}
		t0 := time.Now()
		id, num, err := j.ReserveSale(ctx, in, "POS-BNCH-20261124-", "")
		if timer != nil {
			*timer += time.Since(t0)
		}
		if err != nil {
			b.Fatal(err)
		}
		p := &komoju.Payment{ID: "pay_" + num, Status: komoju.PaymentCaptured, Amount: 1000, Total: 1000, Currency: "JPY"}
		if err := j.FinishSale(ctx, id, journal.ResultFromPayment(p, journal.OutcomePaid)); err != nil {
			b.Fatal(err)
		}
	}
	reads := func(b *testing.B, j *journal.Journal) {
		s, err := j.Reconcilable(ctx)
		if err != nil || len(s) != 7 {
			b.Fatalf("Reconcilable: %d sales, %v; want the 5 open ones and the 2 with an open refund", len(s), err)
		}
		a, err := j.ReconcilableActions(ctx)
		if err != nil || len(a) != 2 {
			b.Fatalf("ReconcilableActions: %d, %v; want 2", len(a), err)
		}
		o, err := j.Outstanding(ctx)
		if err != nil || len(o) != 5 {
			b.Fatalf("Outstanding: %d, %v; want 5", len(o), err)
		}
	}
	open := func(b *testing.B, path string) *journal.Journal {
		j, err := journal.OpenWith(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		return j
	}
	// interleaved runs op on each size per iteration and reports medians.
	interleaved := func(b *testing.B, op func(b *testing.B, size int) time.Duration) {
		samples := make([][]time.Duration, len(sizes))
		i := 0
		for b.Loop() {
			for k := range sizes {
				s := (i + k) % len(sizes)
				samples[s] = append(samples[s], op(b, s))
			}
			i++
		}
		med := make([]float64, len(sizes))
		for s := range sizes {
			slices.Sort(samples[s])
			med[s] = float64(samples[s][len(samples[s])/2].Microseconds()) / 1000
			b.ReportMetric(med[s], "ms-"+sizes[s].Name)
		}
		for s := 1; s < len(sizes); s++ {
			b.ReportMetric(med[s]/med[0], "x-"+sizes[s].Name)
		}
	}
	b.Run("Open", func(b *testing.B) {
		interleaved(b, func(b *testing.B, s int) time.Duration {
			t0 := time.Now()
			j := open(b, paths[s])
			d := time.Since(t0)
			j.Close()
			return d
		})
	})
	b.Run("Reconcile", func(b *testing.B) {
		js := make([]*journal.Journal, len(sizes))
		for s := range sizes {
			js[s] = open(b, paths[s])
			defer js[s].Close()
		}
		interleaved(b, func(b *testing.B, s int) time.Duration {
			t0 := time.Now()
			reads(b, js[s])
			return time.Since(t0)
		})
	})
	b.Run("Reserve", func(b *testing.B) {
		js := make([]*journal.Journal, len(sizes))
		for s := range sizes {
			js[s] = open(b, paths[s])
			defer js[s].Close()
		}
		interleaved(b, func(b *testing.B, s int) time.Duration {
			var d time.Duration
			reserve(b, js[s], &d)
			return d
		})
	})
	b.Run("Start", func(b *testing.B) {
		interleaved(b, func(b *testing.B, s int) time.Duration {
			t0 := time.Now()
			j := open(b, paths[s])
			reads(b, j)
			reserve(b, j, nil)
			if err := j.Close(); err != nil {
				b.Fatal(err)
			}
			return time.Since(t0)
		})
	})
}

// BenchmarkCheckIntegrity is the whole-file check that Open no longer runs
// (the console runs it in the background, once a day): its cost grows with
// the journal, which is why it is off the start-up path.
//
//	go test -run '^$' -bench CheckIntegrity -benchtime 3x ./flows/journal/
func BenchmarkCheckIntegrity(b *testing.B) {
	for _, size := range journaltest.Sizes(b) {
		path := journaltest.Cached(b, journaltest.WithOpenWork(size.Sales))
		b.Run("sales="+size.Name, func(b *testing.B) {
			j, err := journal.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			for b.Loop() {
				if err := j.CheckIntegrity(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
