package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestConcurrentCreateCaptureRefund hammers one sandbox from many goroutines
// and checks that money and events add up exactly.
func TestConcurrentCreateCaptureRefund(t *testing.T) {
	sb := startSandbox(t, Options{})
	cl := newClient(sb, komoju.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}))
	ctx := context.Background()
	const workers, per = 16, 12
	var refunded, captured atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers*per)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				f := false
				p, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 1000, Currency: "JPY", Capture: &f,
					PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "30", VerificationValue: "123"}})
				if err != nil {
					errs <- err
					return
				}
				if _, err := cl.Payments.Capture(ctx, p.ID, nil); err != nil {
					errs <- err
					return
				}
				captured.Add(1000)
				// Two refunds race on the same payment: 400 + 600 = total.
				var rw sync.WaitGroup
				for _, amt := range []int64{400, 600} {
					rw.Add(1)
					go func(amt int64) {
						defer rw.Done()
						if _, err := cl.Payments.Refund(ctx, p.ID, &komoju.RefundParams{Amount: amt}); err != nil {
							errs <- err
							return
						}
						refunded.Add(amt)
					}(amt)
				}
				rw.Wait()
				// A third refund must fail: nothing is left.
				var kerr *komoju.Error
				if _, err := cl.Payments.Refund(ctx, p.ID, &komoju.RefundParams{Amount: 1}); !errors.As(err, &kerr) || kerr.HTTPStatus != 422 {
					errs <- errors.New("over-refund was not rejected")
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n := workers * per
	if captured.Load() != int64(n)*1000 || refunded.Load() != int64(n)*1000 {
		t.Errorf("captured %d refunded %d", captured.Load(), refunded.Load())
	}
	list, err := cl.Payments.List(ctx, &komoju.PaymentListParams{Status: []komoju.PaymentStatus{komoju.PaymentRefunded}, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != n {
		t.Errorf("refunded payments = %d, want %d", list.Total, n)
	}
	var sum int64
	for page := 1; page <= list.LastPage; page++ {
		l, err := cl.Payments.List(ctx, &komoju.PaymentListParams{Page: page, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range l.Data {
			sum += p.AmountRefunded
			if p.AmountRefunded != p.Total || len(p.Refunds) != 2 {
				t.Errorf("payment %s: refunded %d of %d in %d refunds", p.ID, p.AmountRefunded, p.Total, len(p.Refunds))
			}
		}
	}
	if sum != int64(n)*1000 {
		t.Errorf("sum of amount_refunded = %d", sum)
	}
	c := newRaw(t, sb)
	counts := eventCounts(t, c)
	want := map[string]int{
		komoju.EventPaymentAuthorized:    n,
		komoju.EventPaymentCaptured:      n,
		komoju.EventPaymentRefundCreated: 2 * n,
		komoju.EventPaymentRefunded:      n,
	}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s events = %d, want %d", k, counts[k], v)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("unexpected events: %v", counts)
	}
}

// TestPooledBodiesAreNotShared: answers are written from recycled buffers
// (respBufs) and request bodies decoded into recycled maps (objPool); under
// concurrent POSTs, replays and reads every answer must still be its own
// payment's or session's.
func TestPooledBodiesAreNotShared(t *testing.T) {
	sb := startSandbox(t, Options{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newRaw(t, sb)
			for i := range 40 {
				n := fmt.Sprintf("POOL-%d-%d", g, i)
				body := cardPayment("4111111111111111", "external_order_num", n)
				r := c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", n)
				again := c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", n)
				get := c.getr("/payments/" + r.str("id"))
				for _, x := range []resp{r, again, get} {
					if x.status != 200 || x.str("external_order_num") != n || x.str("id") != r.str("id") {
						t.Errorf("%s: answer %d %s", n, x.status, x.body)
						return
					}
				}
				// Sessions: pooled answers, and decoded maps recycled
				// between requests (objPool); what a session keeps
				// (order number, metadata, name) must stay its own.
				sess := c.post("/sessions", map[string]any{"amount": 1000 + i, "currency": "JPY",
					"metadata": map[string]any{"till": n}, "payment_data": map[string]any{"external_order_num": n, "name": "N " + n}})
				id := sess.str("id")
				pay := c.post("/sessions/"+id+"/pay", map[string]any{"payment_details": card("4111111111111111")})
				shown := c.getr("/sessions/" + id)
				for _, x := range []resp{sess, shown} {
					if x.status != 200 || x.str("id") != id || x.str("payment_data", "external_order_num") != n ||
						x.str("payment_data", "name") != "N "+n || x.str("metadata", "till") != n || x.num("amount") != int64(1000+i) {
						t.Errorf("%s: session answer %d %s", n, x.status, x.body)
						return
					}
				}
				if pay.status != 200 || shown.str("payment", "external_order_num") != n || shown.str("status") != "completed" {
					t.Errorf("%s: pay %d %s; session %s", n, pay.status, pay.body, shown.body)
					return
				}
			}
		}()
	}
	wg.Wait()
}
