package proof

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// checkoutResult is what one clerk's checkout ended with.
type checkoutResult struct {
	amount int64
	order  string   // the order number that was finally paid
	failed []string // order numbers tried before and found not charged
	trace  []string // what the clerk saw, step by step (printed on failure)
}

// TestNoDoubleChargeUnderFaults runs N checkouts (100 short, 500 with
// KOMOJU_TUI_LONG=1) from 16 goroutines through one flows.Engine and one
// journal, while the sandbox answers 20% of API requests with 503 before
// doing anything and drops the connection on 30% after doing the work. The
// client does not retry by itself, so the engine meets every fault. Each
// clerk keeps trying as the console lets them (pay again on the same
// session; for Method 2 the engine's own checks, then Recheck, and a new
// order number only when KOMOJU says nothing was charged).
//
// Afterwards, counted through GET /payments paging: exactly N payments,
// all captured, one per sale, each with its own amount; exactly N
// payment.captured events; and the journal agrees: every sale once,
// charged with the right net amount, nothing unfinished, and every order
// number the clerks gave up on recorded as not charged.
func TestNoDoubleChargeUnderFaults(t *testing.T) {
	n, workers := 100, 16
	if longMode() {
		n = 500
	}
	sb := startSandbox(t, sandbox.Options{Seed: 20261124, FailRate: 0.2, DropRate: 0.3})
	ft := &faultCounter{base: http.DefaultTransport}
	c := fastClient(sb, komoju.WithMaxRetries(0), komoju.WithHTTPClient(&http.Client{Transport: ft, Timeout: 30 * time.Second}))
	j, err := journal.OpenWith(filepath.Join(t.TempDir(), "journal.db"), journal.Options{Now: sb.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	e := flows.NewEngine(flows.Deps{Client: c, Journal: j, Now: sb.Now, Timeout: 5 * time.Second,
		PollBackoff: func(int) time.Duration { return time.Millisecond }})
	ctx := testCtx(t, 5*time.Minute)

	card := flows.Details{CardNumber: "4111111111111111", CardExpiry: cardExpiry, CardCVC: "123", CardName: "TARO YAMADA"}
	results := make([]checkoutResult, n)
	var next atomic.Int64
	var faultsMet, attempts atomic.Int64
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				amount := int64(1000 + i)
				r := checkoutResult{amount: amount}
				var err error
				if i%2 == 0 {
					r.order, err = sellSession(ctx, e, amount, card, &faultsMet, &attempts)
				} else {
					r.order, r.failed, err = sellDirect(ctx, e, amount, card, &faultsMet, &attempts, &r.trace)
				}
				if err != nil {
					errs <- fmt.Errorf("checkout %d (%d JPY): %w", i, amount, err)
					return
				}
				results[i] = r
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d checkouts: %d pay attempts by clerks (%d without a definite answer); on the wire %d requests, %d answered 503, %d answers lost",
		n, attempts.Load(), faultsMet.Load(), ft.requests.Load(), ft.unavailable.Load(), ft.lost.Load())
	if ft.lost.Load() < int64(n)/4 || ft.unavailable.Load() < int64(n)/4 {
		t.Fatalf("only %d lost answers and %d 503s: the faults are not switched on, the test proves nothing", ft.lost.Load(), ft.unavailable.Load())
	}

	// Faults off; a new process's Reconcile settles whatever is left.
	sb.SetFaults(sandbox.Faults{})
	if _, err := flows.NewEngine(flows.Deps{Client: c, Journal: j, Now: sb.Now}).Reconcile(ctx); err != nil {
		t.Fatalf("reconcile: %v", err)
	}

	// The API's count.
	payments := allPayments(t, c, "")
	if len(payments) != n {
		t.Errorf("GET /payments lists %d payments for %d checkouts", len(payments), n)
	}
	byOrder := map[string][]komoju.Payment{}
	for _, p := range payments {
		byOrder[deref(p.ExternalOrderNum)] = append(byOrder[deref(p.ExternalOrderNum)], p)
		if p.Status != komoju.PaymentCaptured {
			t.Errorf("payment %s (%s) is %s, want captured", p.ID, deref(p.ExternalOrderNum), p.Status)
		}
	}
	captured := 0
	for _, ev := range allEvents(t, c) {
		if ev.Type == komoju.EventPaymentCaptured {
			captured++
		}
	}
	if captured != n {
		t.Errorf("%d payment.captured events for %d checkouts", captured, n)
	}

	// Per checkout: the API and the journal.
	seenPayment := map[string]string{}
	for i, r := range results {
		ps := byOrder[r.order]
		if len(ps) != 1 {
			t.Errorf("checkout %d order %s: %d payments, want 1", i, r.order, len(ps))
			continue
		}
		p := ps[0]
		if p.Amount != r.amount || p.Total != r.amount || p.Currency != "JPY" {
			t.Errorf("checkout %d order %s: amount %d total %d %s, want %d JPY", i, r.order, p.Amount, p.Total, p.Currency, r.amount)
		}
		s, err := j.SaleByOrder(ctx, r.order)
		if err != nil {
			t.Errorf("checkout %d: journal has no sale %s: %v", i, r.order, err)
			continue
		}
		if s.PaymentID != p.ID || s.Status != komoju.PaymentCaptured || !s.Charged() || s.Unfinished() || s.Net() != r.amount {
			t.Errorf("checkout %d journal %s: payment %s (API %s) status %s charged %v unfinished %v net %d, want %d",
				i, r.order, s.PaymentID, p.ID, s.Status, s.Charged(), s.Unfinished(), s.Net(), r.amount)
		}
		if other, dup := seenPayment[p.ID]; dup {
			t.Errorf("payment %s belongs to two sales: %s and %s", p.ID, other, r.order)
		}
		seenPayment[p.ID] = r.order
		for _, f := range r.failed {
			if ps := byOrder[f]; len(ps) != 0 {
				t.Errorf("checkout %d: order %s was given up as not charged but has %d payments (%s created %s); the clerk saw:\n  %s",
					i, f, len(ps), ps[0].ID, ps[0].CreatedAt.Format(time.RFC3339Nano), strings.Join(r.trace, "\n  "))
			}
			if fs, err := j.SaleByOrder(ctx, f); err != nil || fs.Charged() || fs.Unfinished() {
				t.Errorf("checkout %d: abandoned order %s in the journal: charged %v unfinished %v err %v", i, f, fs.Charged(), fs.Unfinished(), err)
			}
		}
	}
	// The journal as a whole: n charged sales, nothing left open.
	sales, err := j.Sales(ctx, journal.Filter{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	charged := 0
	for _, s := range sales {
		if s.Charged() {
			charged++
		}
	}
	if charged != n {
		t.Errorf("journal: %d charged sales (of %d rows), want %d", charged, len(sales), n)
	}
	if u, err := j.Unfinished(ctx); err != nil || len(u) != 0 {
		t.Errorf("journal: %d sales still unfinished (%v)", len(u), err)
	}
}

// maxTries bounds each clerk's patience; with 20%/30% faults a try fails
// about half the time, so 40 tries fail together with odds of 1e-12.
const maxTries = 40

// faulty reports whether an outcome is what a fault produces (nothing
// definite), counting it.
func countFault(o flows.Outcome, met *atomic.Int64) {
	if o.Kind == flows.OutcomeUnknown || o.Kind == flows.OutcomeError {
		met.Add(1)
	}
}

// sellSession is a Method 1 checkout: create the session (again while the
// create fails), then pay it until it is paid.
func sellSession(ctx context.Context, e *flows.Engine, amount int64, card flows.Details, met, attempts *atomic.Int64) (string, error) {
	var sale *flows.Sale
	var err error
	for try := 0; sale == nil; try++ {
		if try == maxTries {
			return "", fmt.Errorf("no session after %d tries: %v", try, err)
		}
		sale, err = e.StartSession(ctx, flows.Checkout{Amount: amount})
		if err != nil {
			met.Add(1)
		}
	}
	for try := 0; ; try++ {
		if try == maxTries {
			return "", fmt.Errorf("session %s not paid after %d tries", sale.SessionID(), try)
		}
		attempts.Add(1)
		o, _ := e.PaySession(ctx, sale, komoju.TypeCreditCard, card, flows.PayOptions{})
		countFault(o, met)
		if o.Kind == flows.OutcomePaid {
			return sale.OrderNum, nil
		}
		if o.Kind != flows.OutcomeUnknown && o.Kind != flows.OutcomeError {
			return "", fmt.Errorf("session %s: outcome %s with a success card", sale.SessionID(), o.Kind)
		}
	}
}

// sellDirect is a Method 2 checkout. After an attempt without a definite
// answer the clerk rechecks by order number; only when KOMOJU says the
// order was not charged does the next attempt get a new order number (the
// old one is then a not-charged sale in the journal).
func sellDirect(ctx context.Context, e *flows.Engine, amount int64, card flows.Details, met, attempts *atomic.Int64, trace *[]string) (string, []string, error) {
	order := e.NextOrderNum()
	step := func(what string, o flows.Outcome, err error) {
		*trace = append(*trace, fmt.Sprintf("%s %s %s: %s: %s (err %v)", time.Now().Format("15:04:05.000000"), what, order, o.Kind, o.Message, err))
	}
	var abandoned []string
	for try := 0; ; try++ {
		if try == maxTries {
			return "", nil, fmt.Errorf("order %s not paid after %d tries", order, try)
		}
		attempts.Add(1)
		o, err := e.PayDirect(ctx, flows.Checkout{Amount: amount, OrderNum: order, Flow: flows.FlowDirect}, komoju.TypeCreditCard, card, flows.PayOptions{})
		step("PayDirect", o, err)
		countFault(o, met)
		if o.Kind == flows.OutcomePaid {
			return order, abandoned, nil
		}
		if o.Kind != flows.OutcomeUnknown && o.Kind != flows.OutcomeError {
			return "", nil, fmt.Errorf("order %s: outcome %s with a success card", order, o.Kind)
		}
		// Ask KOMOJU until it answers definitely (the recheck meets faults too).
		for rc := 0; ; rc++ {
			if rc == maxTries {
				return "", nil, fmt.Errorf("order %s: no definite answer after %d rechecks", order, rc)
			}
			o, err = e.Recheck(ctx, flows.Outcome{Kind: flows.OutcomeUnknown, OrderNum: order})
			step("Recheck", o, err)
			if o.Kind != flows.OutcomeUnknown {
				break
			}
		}
		switch o.Kind {
		case flows.OutcomePaid:
			return order, abandoned, nil
		case flows.OutcomeError: // definitely not charged: a new attempt needs a new number
			abandoned = append(abandoned, order)
			order = e.NextOrderNum()
		default:
			return "", nil, fmt.Errorf("order %s: recheck says %s", order, o.Kind)
		}
	}
}

// faultCounter counts what the wire did: requests, 503 answers and answers
// lost (the connection dropped), to prove the faults were really met.
type faultCounter struct {
	base                        http.RoundTripper
	requests, unavailable, lost atomic.Int64
}

func (f *faultCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	f.requests.Add(1)
	res, err := f.base.RoundTrip(r)
	switch {
	case err != nil:
		f.lost.Add(1)
	case res.StatusCode == http.StatusServiceUnavailable:
		f.unavailable.Add(1)
	}
	return res, err
}
