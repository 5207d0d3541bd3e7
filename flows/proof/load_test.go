package proof

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// hookReceiver is a webhook endpoint that verifies signatures, refuses
// some events for good (500 on every attempt) and some only on their first
// attempt, and counts what it accepted.
type hookReceiver struct {
	secret string

	mu       sync.Mutex
	accepted map[string]int // event id → 2xx answers given
	attempts map[string]int // event id → requests seen
	bad      []string       // problems: bad signature, body/header mismatch
}

// fate decides an event's treatment from its id: 1 in 10 is refused on
// every attempt, 1 in 10 only on the first.
func fate(id string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % 10)
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	// X-Komoju-ID is fresh per attempt; the event is the body's id.
	var ev komoju.Event
	jerr := json.Unmarshal(body, &ev)
	id := ev.ID
	if r.Header.Get("X-Komoju-Event") == komoju.EventPing {
		return // sent when the webhook was registered
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || komoju.VerifyWebhook(body, r.Header.Get("X-Komoju-Signature"), h.secret) != nil {
		h.bad = append(h.bad, fmt.Sprintf("event %s: bad signature or body (%v)", id, err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if jerr != nil || id == "" || r.Header.Get("X-Komoju-ID") == id || ev.Type != r.Header.Get("X-Komoju-Event") {
		h.bad = append(h.bad, fmt.Sprintf("event %s: delivery id %q type %q header type %q (%v)", id, r.Header.Get("X-Komoju-ID"), ev.Type, r.Header.Get("X-Komoju-Event"), jerr))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.attempts[id]++
	switch f := fate(id); {
	case f == 0, f == 1 && h.attempts[id] == 1:
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.accepted[id]++
	w.WriteHeader(http.StatusOK)
}

// expectedEvents counts the events the load should have caused, by type and
// by payment, from the answers the clients got.
type expectedEvents struct {
	mu        sync.Mutex
	byType    map[string]int
	byPayment map[string]int
	total     int
}

func (x *expectedEvents) add(paymentID string, types ...string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, ty := range types {
		x.byType[ty]++
		x.byPayment[paymentID]++
		x.total++
	}
}

// TestLoad32Clients: 32 concurrent API clients run card sales (immediate
// capture; two-step with full and partial capture; partial then full
// refund; cancel; description updates) and konbini sales against one
// sandbox for a bounded time (1 s, 30 s with KOMOJU_TUI_LONG=1), while the
// sandbox delivers every event to a receiver that refuses some deliveries.
// Proven: zero API errors; GET /events lists exactly one event per state
// change the clients caused (by type and by payment, no duplicate ids);
// every event is delivered to the receiver exactly once, or listed in
// GET /sandbox/webhook_deliveries as failed after its last retry — none is
// lost.
func TestLoad32Clients(t *testing.T) {
	const clients, maxAttempts = 32, 3
	dur := time.Second
	if longMode() {
		dur = 30 * time.Second
	}
	recv := &hookReceiver{secret: sandbox.DefaultWebhookSecret, accepted: map[string]int{}, attempts: map[string]int{}}
	hs := httptest.NewServer(recv)
	t.Cleanup(hs.Close)
	sb := startSandbox(t, sandbox.Options{WebhookURLs: []string{hs.URL + "/hooks"}, WebhookBackoff: time.Millisecond, WebhookMaxAttempts: maxAttempts})
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	c := fastClient(sb, komoju.WithMaxRetries(0), komoju.WithHTTPClient(hc))
	exp := &expectedEvents{byType: map[string]int{}, byPayment: map[string]int{}}
	ctx := testCtx(t, dur+2*time.Minute)

	var ops, apiErrors atomic.Int64
	errs := make(chan error, clients)
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				n, err := loadIteration(ctx, c, exp, w, i)
				ops.Add(int64(n))
				if err != nil {
					apiErrors.Add(1)
					select {
					case errs <- fmt.Errorf("client %d iteration %d: %w", w, i, err):
					default:
					}
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if apiErrors.Load() > 0 {
		t.Fatalf("%d API errors under load", apiErrors.Load())
	}
	t.Logf("%d API calls by %d clients in %s (%.0f calls/s); %d events expected", ops.Load(), clients, dur, float64(ops.Load())/dur.Seconds(), exp.total)

	// Events: exactly one per state change.
	events := allEvents(t, c)
	gotType, gotPayment, ids := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, ev := range events {
		if ids[ev.ID] {
			t.Errorf("event id %s listed twice", ev.ID)
		}
		ids[ev.ID] = true
		gotType[ev.Type]++
		gotPayment[eventPayment(t, ev)]++
	}
	if len(events) != exp.total {
		t.Errorf("GET /events lists %d events; the clients caused %d state changes", len(events), exp.total)
	}
	for ty, n := range exp.byType {
		if gotType[ty] != n {
			t.Errorf("%s: %d events, want %d", ty, gotType[ty], n)
		}
	}
	for ty, n := range gotType {
		if _, ok := exp.byType[ty]; !ok {
			t.Errorf("%d unexpected %s events", n, ty)
		}
	}
	wrong := 0
	for id, n := range exp.byPayment {
		if gotPayment[id] != n {
			if wrong++; wrong <= 5 {
				t.Errorf("payment %s: %d events, want %d", id, gotPayment[id], n)
			}
		}
	}
	if wrong > 5 {
		t.Errorf("... %d payments with the wrong number of events", wrong)
	}

	// Webhooks: every event delivered once or listed as failed after its
	// retries. Retries take a few milliseconds each; allow 60 s to settle.
	var final map[string]sandbox.Delivery
	var all []sandbox.Delivery
	var pending []string
	settle := time.Now().Add(60 * time.Second)
	for {
		final = map[string]sandbox.Delivery{}
		all = sb.Deliveries()
		for _, d := range all {
			if d.Final {
				final[d.EventID] = d
			}
		}
		pending = pending[:0]
		for id := range ids {
			if _, ok := final[id]; !ok {
				pending = append(pending, id)
			}
		}
		if len(pending) == 0 || time.Now().After(settle) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(pending) > 0 {
		sort.Strings(pending)
		t.Fatalf("%d of %d events have no final delivery record after 60 s (first: %s); the delivery log holds %d attempts",
			len(pending), len(ids), pending[0], len(sb.Deliveries()))
	}
	// The HTTP answers also list them: same count of final records.
	var listed struct {
		Total int                `json:"total"`
		Data  []sandbox.Delivery `json:"data"`
	}
	status, body := rawCall(t, http.MethodGet, sb.BaseURL()+"/sandbox/webhook_deliveries", sb.SecretKey(), "", nil)
	if status != 200 || json.Unmarshal(body, &listed) != nil || listed.Total != len(listed.Data) || listed.Total < len(ids) {
		t.Errorf("GET /sandbox/webhook_deliveries: HTTP %d, %d of %d entries for %d events", status, len(listed.Data), listed.Total, len(ids))
	}

	recv.mu.Lock()
	defer recv.mu.Unlock()
	for _, b := range recv.bad {
		t.Error("receiver:", b)
	}
	// Attempts whose answer the sandbox never got (a timeout under load):
	// the receiver may have accepted them, so a redelivery is a legitimate
	// duplicate (webhooks are at-least-once; receivers dedupe by
	// the body's event id). Any other duplicate is a bug.
	lostAnswers := map[string]int{}
	for _, d := range all {
		if !d.Success && d.Status == 0 {
			lostAnswers[d.EventID]++
		}
	}
	delivered, failed, queueDrops, redelivered := 0, 0, 0, 0
	for id := range ids {
		d := final[id]
		switch {
		case d.Success:
			delivered++
			if n := recv.accepted[id]; n != 1 {
				if n < 1 || n-1 > lostAnswers[id] {
					t.Errorf("event %s: listed as delivered, receiver accepted it %d times (%d earlier answers lost)", id, n, lostAnswers[id])
				} else {
					redelivered++
				}
			}
			if d.Attempt != recv.attempts[id] {
				t.Errorf("event %s delivered on attempt %d, but the receiver saw %d attempts", id, d.Attempt, recv.attempts[id])
			}
			if fate(id) == 1 && d.Attempt < 2 {
				t.Errorf("event %s delivered on attempt %d although the receiver refused the first", id, d.Attempt)
			}
		default:
			failed++
			if recv.accepted[id] > lostAnswers[id] {
				t.Errorf("event %s: listed as failed, but the receiver accepted it %d times (%d answers lost)", id, recv.accepted[id], lostAnswers[id])
			}
			if d.Attempt < maxAttempts {
				// The sandbox gave up early: only a full queue does that.
				queueDrops++
				t.Errorf("event %s (%s) failed after %d attempts (max %d): %s", id, d.EventType, d.Attempt, maxAttempts, d.Error)
			} else if fate(id) != 0 && lostAnswers[id] == 0 {
				t.Errorf("event %s failed after %d attempts, but the receiver would have accepted it: %s", id, d.Attempt, d.Error)
			}
		}
	}
	for id := range recv.accepted {
		if !ids[id] {
			t.Errorf("receiver accepted event %s that GET /events does not list", id)
		}
	}
	t.Logf("webhooks: %d delivered (%d of them twice after a timed-out attempt), %d listed as failed after %d attempts, %d dropped early",
		delivered, redelivered, failed, maxAttempts, queueDrops)
	if failed == 0 || delivered == 0 {
		t.Errorf("delivered %d, failed %d: the receiver's refusals were not exercised", delivered, failed)
	}
}

// card returns card payment details for a success card.
func cardParams() *komoju.PaymentDetailsParams {
	return &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: cardYear, VerificationValue: "123"}
}

// loadIteration runs one of five scripted sales and records the events
// each successful answer implies. It returns the number of API calls made.
func loadIteration(ctx context.Context, c *komoju.Client, exp *expectedEvents, w, i int) (int, error) {
	amount := int64(1000 + w*100 + i%100)
	no := false
	check := func(p *komoju.Payment, err error, want komoju.PaymentStatus) error {
		if err != nil {
			return err
		}
		if p.Status != want {
			return fmt.Errorf("payment %s is %s, want %s", p.ID, p.Status, want)
		}
		return nil
	}
	switch i % 5 {
	case 0: // card, captured at once; then read it back
		p, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: amount, Currency: "JPY", PaymentDetails: cardParams()})
		if err := check(p, err, komoju.PaymentCaptured); err != nil {
			return 1, err
		}
		exp.add(p.ID, komoju.EventPaymentCaptured)
		g, err := c.Payments.Get(ctx, p.ID)
		return 2, check(g, err, komoju.PaymentCaptured)
	case 1: // two-step: authorize, partial capture, partial refund, full refund
		p, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: amount, Currency: "JPY", Capture: &no, PaymentDetails: cardParams()})
		if err := check(p, err, komoju.PaymentAuthorized); err != nil {
			return 1, err
		}
		exp.add(p.ID, komoju.EventPaymentAuthorized)
		p, err = c.Payments.Capture(ctx, p.ID, &komoju.CaptureParams{Amount: amount - 100})
		if err := check(p, err, komoju.PaymentCaptured); err != nil {
			return 2, err
		}
		exp.add(p.ID, komoju.EventPaymentCaptured)
		p, err = c.Payments.Refund(ctx, p.ID, &komoju.RefundParams{Amount: 100})
		if err := check(p, err, komoju.PaymentCaptured); err != nil {
			return 3, err
		}
		exp.add(p.ID, komoju.EventPaymentRefundCreated)
		p, err = c.Payments.Refund(ctx, p.ID, nil)
		if err := check(p, err, komoju.PaymentRefunded); err != nil {
			return 4, err
		}
		if p.AmountRefunded != amount-100 {
			return 4, fmt.Errorf("payment %s refunded %d, want %d", p.ID, p.AmountRefunded, amount-100)
		}
		exp.add(p.ID, komoju.EventPaymentRefundCreated, komoju.EventPaymentRefunded)
		return 4, nil
	case 2: // two-step cancelled
		p, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: amount, Currency: "JPY", Capture: &no, PaymentDetails: cardParams()})
		if err := check(p, err, komoju.PaymentAuthorized); err != nil {
			return 1, err
		}
		exp.add(p.ID, komoju.EventPaymentAuthorized)
		p, err = c.Payments.Cancel(ctx, p.ID)
		if err := check(p, err, komoju.PaymentCancelled); err != nil {
			return 2, err
		}
		exp.add(p.ID, komoju.EventPaymentCancelled)
		return 2, nil
	case 3: // captured, then the description updated
		p, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: amount, Currency: "JPY", PaymentDetails: cardParams()})
		if err := check(p, err, komoju.PaymentCaptured); err != nil {
			return 1, err
		}
		exp.add(p.ID, komoju.EventPaymentCaptured)
		d := fmt.Sprintf("load %d/%d", w, i)
		p, err = c.Payments.Update(ctx, p.ID, &komoju.PaymentUpdateParams{Description: &d})
		if err := check(p, err, komoju.PaymentCaptured); err != nil {
			return 2, err
		}
		exp.add(p.ID, komoju.EventPaymentUpdated)
		return 2, nil
	default: // konbini, awaiting the customer
		p, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: amount, Currency: "JPY", PaymentDetails: &komoju.PaymentDetailsParams{
			Type: komoju.TypeKonbini, Store: "lawson", Email: "load@example.com", Phone: "0312345678"}})
		if err := check(p, err, komoju.PaymentAuthorized); err != nil {
			return 1, err
		}
		exp.add(p.ID, komoju.EventPaymentAuthorized)
		return 1, nil
	}
}
