package journal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// A day of sales, several in the same millisecond, paged forwards and
// backwards in every page size, gives exactly the day's list: no sale
// twice, none skipped, in Sales' order.
func TestPagesWalkTheDay(t *testing.T) { both(t, testPagesWalkTheDay) }

func testPagesWalkTheDay(t *testing.T) {
	j, c := openTest(t)
	ctx := context.Background()
	c.set(at(24, 9, 0, 0, jst))
	for i := 0; i < 23; i++ {
		if i%3 == 0 {
			c.advance(time.Second) // the rest share a millisecond with it
		}
		id, err := j.BeginSale(ctx, intent(fmt.Sprintf("POS-%04d", i)))
		if err != nil {
			t.Fatal(err)
		}
		st := komoju.PaymentCaptured
		if i%4 == 1 {
			st = komoju.PaymentFailed
		}
		if err := j.FinishSale(ctx, id, ResultFromPayment(payment(fmt.Sprintf("pay_%d", i), fmt.Sprintf("POS-%04d", i), st, 1000, 0), OutcomePaid)); err != nil {
			t.Fatal(err)
		}
	}
	day := at(24, 12, 0, 0, jst)
	for _, status := range []komoju.PaymentStatus{"", komoju.PaymentFailed, komoju.PaymentRefunded} {
		want, err := j.Sales(ctx, Filter{Day: day, Status: status, Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		f := PageFilter{Day: day, Status: status}
		if n, err := j.CountSales(ctx, f); err != nil || n != int64(len(want)) {
			t.Fatalf("CountSales(%q) = %d, %v; want %d", status, n, err, len(want))
		}
		for size := 1; size <= 7; size++ {
			var got []Sale
			var after *PageKey
			for {
				p, err := j.Older(ctx, f, after, size)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, p...)
				if len(p) < size {
					break
				}
				k := KeyOf(&p[len(p)-1])
				after = &k
			}
			if orders(got) != orders(want) {
				t.Fatalf("status %q, pages of %d, older:\n got %s\nwant %s", status, size, orders(got), orders(want))
			}
			if len(want) == 0 {
				continue
			}
			// Back up from the oldest sale to the newest.
			back := []Sale{want[len(want)-1]}
			for {
				p, err := j.Newer(ctx, f, KeyOf(&back[0]), size)
				if err != nil {
					t.Fatal(err)
				}
				back = append(p, back...)
				if len(p) < size {
					break
				}
			}
			if orders(back) != orders(want) {
				t.Fatalf("status %q, pages of %d, newer:\n got %s\nwant %s", status, size, orders(back), orders(want))
			}
		}
	}
	if _, err := j.Older(ctx, PageFilter{}, nil, 0); err == nil || !strings.Contains(err.Error(), "a page holds 1 to") {
		t.Errorf("a page of 0 sales: %v", err)
	}
}

// A konbini sale keeps the store its slip was issued for, from the answer
// to our call and from any later look-up.
func TestKonbiniStoreIsJournaled(t *testing.T) { both(t, testKonbiniStoreIsJournaled) }

func testKonbiniStoreIsJournaled(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	in := intent("POS-K1")
	in.Method, in.CardBrand, in.CardLast4 = komoju.TypeKonbini, "", ""
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	p := payment("pay_k1", "POS-K1", komoju.PaymentAuthorized, 1000, 0)
	p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeKonbini, Konbini: &komoju.KonbiniDetails{Store: komoju.StoreLawson}}
	if err := j.FinishSale(ctx, id, ResultFromPayment(p, OutcomeAwaiting)); err != nil {
		t.Fatal(err)
	}
	s, err := j.Sale(ctx, id)
	if err != nil || s.Store != komoju.StoreLawson {
		t.Fatalf("store %q, %v; want lawson", s.Store, err)
	}
	// Paid at the store: the webhook's payment carries the store again,
	// a look-up without details leaves it.
	p.Status = komoju.PaymentCaptured
	p.PaymentDetails = nil
	if err := j.RecordPayment(ctx, p, SourceWebhook); err != nil {
		t.Fatal(err)
	}
	page, err := j.Older(ctx, PageFilter{}, nil, 10)
	if err != nil || len(page) != 1 || page[0].Store != komoju.StoreLawson || page[0].Status != komoju.PaymentCaptured {
		t.Fatalf("page %+v, %v", page, err)
	}
}

// TestPageQueriesUseIndexes holds History's pages to plans that read the
// day through an index in page order: no temporary B-tree sorting the day
// (which reads every matching sale before the first row comes back), and
// a status or till filter reads through its own index, so a filter that
// matches few sales of a busy day reads only those.
func TestPageQueriesUseIndexes(t *testing.T) {
	j, _ := openTest(t)
	day := at(24, 12, 0, 0, jst)
	k := &PageKey{CreatedAt: ms(at(24, 11, 0, 0, jst)), ID: 10}
	for _, c := range []struct {
		name  string
		f     PageFilter
		from  *PageKey
		older bool
		index string
	}{
		{"first page", PageFilter{Day: day}, nil, true, "sales_created"},
		{"older page", PageFilter{Day: day}, k, true, "sales_created"},
		{"newer page", PageFilter{Day: day}, k, false, "sales_created"},
		{"failed only", PageFilter{Day: day, Status: komoju.PaymentFailed}, k, true, "sales_status_created"},
		{"this till", PageFilter{Day: day, Till: "T1"}, nil, true, "sales_till_created"},
	} {
		q, args, _, err := pageQuery(c.f, c.from, c.older, 50)
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(queryPlan(t, j, q, args...), "\n")
		if strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, "USING INDEX "+c.index) {
			t.Errorf("%s: plan does not read %s in page order:\n%s", c.name, c.index, plan)
		}
	}
}

// EachListed gives, row for row, what Sales gives for the same filter,
// reduced to what a listing shows: the keys and the gross the database
// works out are the Sale methods' (an unfinished sale, a failure without
// a status, a sale with no method yet, refunds, two currencies).
func TestEachListedIsSalesNarrowed(t *testing.T) { both(t, testEachListedIsSalesNarrowed) }

func testEachListedIsSalesNarrowed(t *testing.T) {
	j, c := openTest(t)
	ctx := context.Background()
	buildDay(t, j, c, handBuiltDay)
	c.set(at(24, 18, 0, 0, jst))
	in := intent("POS-20261124-0011")
	in.Method = "" // a Method 2 customer who has not picked one
	if _, err := j.BeginSale(ctx, in); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Minute)
	id, err := j.BeginSale(ctx, intent("POS-20261124-0012"))
	if err != nil {
		t.Fatal(err)
	}
	p := payment("pay_card", "POS-20261124-0012", komoju.PaymentCaptured, 1200, 0)
	p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: &komoju.CreditCardDetails{Brand: "visa", LastFourDigits: "1111"}}
	if err := j.FinishSale(ctx, id, ResultFromPayment(p, OutcomePaid)); err != nil {
		t.Fatal(err)
	}
	day := at(24, 12, 0, 0, jst)
	for _, f := range []Filter{
		{Limit: -1},
		{Day: day, Loc: jst, Limit: -1},
		{Day: day, Loc: time.UTC, Limit: -1},
		{Day: day, Loc: jst, Status: komoju.PaymentCaptured, Limit: -1},
		{Day: day, Loc: jst, Method: komoju.TypeKonbini, Limit: -1},
		{Day: day, Loc: jst, Till: "nobody", Limit: -1},
		{Limit: 3, Offset: 2},
		{},
	} {
		sales, err := j.Sales(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var want, got []Listed
		for i := range sales {
			s := &sales[i]
			m := s.MethodKey()
			if s.CardLast4 != "" {
				m += " " + s.CardBrand + " •••• " + s.CardLast4
			}
			want = append(want, Listed{CreatedAt: s.CreatedAt, OrderNum: s.OrderNum, Method: m, StatusKey: s.StatusKey(), Currency: s.Currency,
				Gross: s.Gross(), AmountRefunded: s.AmountRefunded, PaymentID: s.PaymentID})
		}
		err = j.EachListed(ctx, f, func(l *Listed) error { got = append(got, *l); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if f.Limit < 0 && f.Day.IsZero() && !slices.ContainsFunc(got, func(l Listed) bool { return l.Method == "credit_card visa •••• 1111" }) {
			t.Errorf("no card row with its brand and last four: %+v", got)
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: %d rows, Sales gives %d", f, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] || got[i].CreatedAt.Location() != want[i].CreatedAt.Location() {
				t.Errorf("%+v row %d:\n got %+v\nwant %+v", f, i, got[i], want[i])
			}
		}
	}
	// fn's error ends the walk and comes back as it is.
	stop := fmt.Errorf("stop")
	n := 0
	if err := j.EachListed(ctx, Filter{Limit: -1}, func(*Listed) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn's error: %v after %d rows", err, n)
	}
}
