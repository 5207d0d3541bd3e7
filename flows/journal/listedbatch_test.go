package journal

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// smallWindows lets a day of a few dozen sales take the windowed path,
// cut into windows of about rows sales.
func smallWindows(t *testing.T, from, rows int64) {
	t.Helper()
	pf, wr := listedParallelFrom, listedWindowRows
	listedParallelFrom, listedWindowRows = from, rows
	t.Cleanup(func() { listedParallelFrom, listedWindowRows = pf, wr })
}

// busyDay writes n sales on 24 November (JST), several to a second and
// some sharing their created_at exactly, of every kind buildDay makes.
func busyDay(t *testing.T, j *Journal, c *clock, n int) {
	t.Helper()
	kinds := []daySale{
		{method: komoju.TypeCreditCard, currency: "JPY", amount: 1000, tax: 100, status: komoju.PaymentCaptured, outcome: OutcomePaid},
		{method: komoju.TypeKonbini, currency: "JPY", amount: 2480, status: komoju.PaymentAuthorized, outcome: OutcomeAwaiting},
		{method: komoju.TypeCreditCard, currency: "USD", amount: 1250, status: komoju.PaymentRefunded, outcome: OutcomePaid, refunded: 1250},
		{method: komoju.TypeCreditCard, currency: "JPY", amount: 500, outcome: "declined"},
		{method: komoju.TypePayPay, currency: "JPY", amount: 800},
	}
	var day []daySale
	for i := range n {
		d := kinds[i%len(kinds)]
		// Three sales to each instant: windows must never split a tie.
		d.at = at(24, 9, 0, 0, jst).Add(time.Duration(i/3) * 7 * time.Minute)
		d.order = fmt.Sprintf("POS-20261124-%04d", i+1)
		day = append(day, d)
	}
	buildDay(t, j, c, day)
	// buildDay moves the clock on while it finishes a sale: put every
	// sale of an instant back on that instant.
	if _, err := j.db.Exec(`UPDATE sales SET created_at = created_at - created_at % 60000`); err != nil {
		t.Fatal(err)
	}
}

func listAll(t *testing.T, j *Journal, f Filter) []Listed {
	t.Helper()
	var out []Listed
	if err := j.EachListed(context.Background(), f, func(l *Listed) error { out = append(out, *l); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameListing(t *testing.T, what string, got, want []Listed) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, the listing has %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] || got[i].CreatedAt.Location() != want[i].CreatedAt.Location() {
			t.Fatalf("%s: row %d\n got %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

// A listing read in windows on several connections is the listing, row
// for row and in order, whatever the filter, the number of readers and
// the windows: ties of created_at are never split or repeated.
func TestListedBatchesAreTheListing(t *testing.T) { both(t, testListedBatchesAreTheListing) }

func testListedBatchesAreTheListing(t *testing.T) {
	j, c := openTest(t)
	busyDay(t, j, c, 90)
	smallWindows(t, 10, 7)
	ctx := context.Background()
	day := at(24, 12, 0, 0, jst)
	for _, f := range []Filter{
		{Limit: -1},
		{Day: day, Loc: jst, Limit: -1},
		{Day: day, Loc: time.UTC, Limit: -1},
		{Day: day, Loc: jst, Status: komoju.PaymentCaptured, Limit: -1},
		{Day: day, Loc: jst, Method: komoju.TypeKonbini, Limit: -1},
		{Day: day, Loc: jst, Till: "nobody", Limit: -1},
		{Day: at(23, 12, 0, 0, jst), Loc: jst, Limit: -1}, // no sale that day
		{Limit: 25},
		{Limit: 10, Offset: 30},
	} {
		want := listAll(t, j, f)
		var got []Listed
		batches := 0
		err := EachListedBatch(ctx, j, f, slices.Clone, func(b []Listed) error {
			batches++
			got = append(got, b...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sameListing(t, fmt.Sprintf("%+v", f), got, want)
		if f.Limit < 0 && len(want) >= 30 && runtime.GOMAXPROCS(0) > 1 && batches < 4 {
			t.Errorf("%+v: %d rows came in %d batches: not read in windows", f, len(want), batches)
		}
		if f.Limit < 0 && len(want) > 0 {
			n, lo, hi, err := j.listedSpan(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for readers := 1; readers <= 3; readers++ {
				got = got[:0]
				err := eachListedWindows(ctx, j, f, n, windowsOf(n, lo, hi), readers, slices.Clone, func(b []Listed) error {
					got = append(got, b...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				sameListing(t, fmt.Sprintf("%+v, %d readers", f, readers), got, want)
			}
		}
	}
}

// The windows cover the span exactly, newest first, without overlap.
func TestWindowsCoverTheSpan(t *testing.T) {
	for _, tc := range []struct{ n, lo, hi int64 }{
		{100_000, 1_795_424_400_000, 1_795_467_599_568},
		{5_000, 1000, 1001}, // a span shorter than the windows wanted
		{5_000, 7, 7 + 4_999},
		{1 << 40, 0, 1 << 50},
	} {
		w := windowsOf(tc.n, tc.lo, tc.hi)
		if len(w) < 1 || int64(len(w)) > listedMaxWindows {
			t.Fatalf("%+v: %d windows", tc, len(w))
		}
		if w[0].to != tc.hi+1 || w[len(w)-1].from != tc.lo {
			t.Errorf("%+v: windows span [%d, %d)", tc, w[len(w)-1].from, w[0].to)
		}
		for i := range w {
			if w[i].from >= w[i].to || (i > 0 && w[i].to != w[i-1].from) {
				t.Errorf("%+v: window %d is [%d, %d) after [%d, %d)", tc, i, w[i].from, w[i].to, w[max(i-1, 0)].from, w[max(i-1, 0)].to)
			}
		}
	}
}

// consume's error, or a cancelled context, ends the listing: the error
// comes back as it is and every reader has stopped.
func TestListedBatchesStop(t *testing.T) { both(t, testListedBatchesStop) }

func testListedBatchesStop(t *testing.T) {
	j, c := openTest(t)
	busyDay(t, j, c, 60)
	smallWindows(t, 10, 3)
	before := runtime.NumGoroutine()
	stop := errors.New("stop")
	n := 0
	err := EachListedBatch(context.Background(), j, Filter{Limit: -1}, slices.Clone, func([]Listed) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("consume's error: %v after %d batches", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = EachListedBatch(ctx, j, Filter{Limit: -1}, slices.Clone, func([]Listed) error {
		if n++; n == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled after 2 batches: %v (%d batches)", err, n)
	}
	// Readers end before EachListedBatch returns; the driver's own
	// goroutines settle shortly after.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines after the listings, %d before", g, before)
	}
	// The journal is still whole for the next reader.
	if got := listAll(t, j, Filter{Limit: -1}); len(got) != 60 {
		t.Errorf("after the stopped listings: %d rows, want 60", len(got))
	}
}

// A journal whose text holds the packed row's separator (damaged, or
// written by something hostile) is still listed, that row read again as
// separate columns: the order number and payment id come back whole.
func TestListedRowWithTheSeparator(t *testing.T) { both(t, testListedRowWithTheSeparator) }

func testListedRowWithTheSeparator(t *testing.T) {
	j, c := openTest(t)
	busyDay(t, j, c, 12)
	if _, err := j.db.Exec(`UPDATE sales SET order_num = 'POS` + "\x1f" + `X', payment_id = 'pay` + "\x1f\x1f" + `' WHERE order_num = 'POS-20261124-0001'`); err != nil {
		t.Fatal(err)
	}
	smallWindows(t, 5, 2)
	for _, read := range []func() []Listed{
		func() []Listed { return listAll(t, j, Filter{Limit: -1}) },
		func() []Listed {
			var out []Listed
			if err := EachListedBatch(context.Background(), j, Filter{Limit: -1}, slices.Clone, func(b []Listed) error { out = append(out, b...); return nil }); err != nil {
				t.Fatal(err)
			}
			return out
		},
	} {
		got := read()
		if len(got) != 12 {
			t.Fatalf("%d rows, want 12", len(got))
		}
		last := got[len(got)-1] // the oldest sale
		if last.OrderNum != "POS\x1fX" || last.PaymentID != "pay\x1f\x1f" || last.Gross != 1100 || last.StatusKey != "captured" {
			t.Errorf("the row with separators: %+v", last)
		}
	}
}
