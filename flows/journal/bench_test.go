package journal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// BenchmarkBeginFinishSale measures the journal's cost on the payment path:
// the intent before the call and the result after (two fsynced commits
// with synchronous=FULL).
// On PostgreSQL the commits wait for the server (and its WAL flush, which
// the throwaway test cluster of scripts/test.sh turns off).
func BenchmarkBeginFinishSale(b *testing.B) { bothB(b, benchBeginFinishSale) }

func benchBeginFinishSale(b *testing.B) {
	j, err := Open(testPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		order := fmt.Sprintf("POS-B-%08d", i)
		id, err := j.BeginSale(ctx, intent(order))
		if err != nil {
			b.Fatal(err)
		}
		if err := j.FinishSale(ctx, id, ResultFromPayment(payment("pay_"+order, order, komoju.PaymentCaptured, 1000, 0), OutcomePaid)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSales1000 lists a day of 1,000 sales (the history screen and
// the summary).
func BenchmarkSales1000(b *testing.B) { bothB(b, benchSales1000) }

func benchSales1000(b *testing.B) {
	c := &clock{t: time.Date(2026, 11, 24, 0, 0, 0, 0, jst)}
	j, err := OpenWith(testPath(b), Options{Now: c.now})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		c.advance(time.Minute)
		order := fmt.Sprintf("POS-B-%08d", i)
		id, err := j.BeginSale(ctx, intent(order))
		if err != nil {
			b.Fatal(err)
		}
		if err := j.FinishSale(ctx, id, ResultFromPayment(payment("pay_"+order, order, komoju.PaymentCaptured, 1000, 0), OutcomePaid)); err != nil {
			b.Fatal(err)
		}
	}
	day := time.Date(2026, 11, 24, 12, 0, 0, 0, jst)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ss, err := j.Sales(ctx, Filter{Day: day, Limit: -1})
		if err != nil || len(ss) != 1000 {
			b.Fatalf("%d sales, %v", len(ss), err)
		}
	}
}
