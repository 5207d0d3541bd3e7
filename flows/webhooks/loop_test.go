package webhooks

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestForwardToItselfDoesNotLoop: --forward-to pointed at the receiver's
// own URL turned one event into 4,001 deliveries in 4 s. Now the forwarded
// delivery carries HeaderForwarded and is not forwarded again.
func TestForwardToItselfDoesNotLoop(t *testing.T) {
	r, err := New(Options{Secret: testSecret, ForwardBackoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	u, err := r.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetForwardTo(u); err != nil {
		t.Fatal(err)
	}
	body := eventBody(t, "evt_loop", komoju.EventPaymentCaptured, "pay_loop", komoju.PaymentCaptured, 100)
	if s := post(t, u, body, signed(body, testSecret)); s != 200 {
		t.Fatalf("delivery: %d", s)
	}
	waitLoopCut(t, r)
	r.Close()
	h := r.Health()
	t.Logf("forward to itself: %d deliveries (%d accepted, %d duplicates), %d forwarded, %d loops cut", h.Accepted+h.Duplicates, h.Accepted, h.Duplicates, h.Forwarded, h.ForwardLoops)
	if h.Accepted != 1 || h.Duplicates != 1 || h.Forwarded != 1 || h.ForwardLoops != 1 {
		t.Errorf("health %+v: want the event, one forward back to itself, one loop cut", h)
	}
}

// TestForwardBetweenPeersDoesNotLoop: two receivers forwarding to each
// other deliver one event once to each.
func TestForwardBetweenPeersDoesNotLoop(t *testing.T) {
	a, _ := New(Options{Secret: testSecret})
	b, _ := New(Options{Secret: testSecret})
	ua, err := a.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ub, err := b.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.SetForwardTo(ub)
	b.SetForwardTo(ua)
	body := eventBody(t, "evt_peer", komoju.EventPaymentCaptured, "pay_peer", komoju.PaymentCaptured, 100)
	post(t, ua, body, signed(body, testSecret))
	waitLoopCut(t, b)
	a.Close()
	b.Close()
	ha, hb := a.Health(), b.Health()
	if n := ha.Accepted + ha.Duplicates + hb.Accepted + hb.Duplicates; n != 2 || hb.ForwardLoops != 1 {
		t.Errorf("%d deliveries in all (a %+v, b %+v), want 2", n, ha, hb)
	}
}

// TestForwardThroughAHeaderDroppingPeer: a forwarder that drops the hop
// header is cut off by the per-event cap.
func TestForwardThroughAHeaderDroppingPeer(t *testing.T) {
	r, _ := New(Options{Secret: testSecret})
	u, err := r.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var hops atomic.Int64
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hops.Add(1)
		fwd, _ := http.NewRequest(http.MethodPost, u, req.Body)
		fwd.Header.Set("X-Komoju-Signature", req.Header.Get("X-Komoju-Signature")) // but not the hop header
		if resp, err := http.DefaultClient.Do(fwd); err == nil {
			resp.Body.Close()
		}
	}))
	defer peer.Close()
	r.SetForwardTo(peer.URL)
	body := eventBody(t, "evt_naive", komoju.EventPaymentCaptured, "pay_naive", komoju.PaymentCaptured, 100)
	post(t, u, body, signed(body, testSecret))
	waitLoopCut(t, r)
	r.Close()
	if n := hops.Load(); n != MaxAutoForwards {
		t.Errorf("the peer saw %d forwards, want %d", n, MaxAutoForwards)
	}
}

// TestForwardRetryIsBounded: a target that keeps failing gets
// DefaultForwardAttempts requests, no more.
func TestForwardRetryIsBounded(t *testing.T) {
	var n atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	r, _ := New(Options{Secret: testSecret, ForwardTo: down.URL, ForwardBackoff: func(int) time.Duration { return 0 }})
	body := eventBody(t, "evt_retry", komoju.EventPaymentCaptured, "pay_retry", komoju.PaymentCaptured, 100)
	deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	r.Close()
	if got := n.Load(); got != DefaultForwardAttempts {
		t.Errorf("%d forward requests, want %d", got, DefaultForwardAttempts)
	}
	if f, ok := r.LastForward("evt_retry"); !ok || f.Tries != DefaultForwardAttempts || f.Status != 503 {
		t.Errorf("last forward %+v", f)
	}
}

// KOMOJU's X-Komoju-ID names one delivery attempt ("Unique ID of the
// webhook delivery", doc.komoju.com/docs/webhooks): a forward that is
// retried sends a fresh one on every try, and never the event's id, so a
// target that de-duplicates on the header instead of the body's id is
// caught here as it would be by KOMOJU's own retries.
func TestForwardSendsAFreshDeliveryIDPerTry(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		ids = append(ids, req.Header.Get("X-Komoju-ID"))
		n := len(ids)
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer flaky.Close()
	r, _ := New(Options{Secret: testSecret, ForwardTo: flaky.URL, ForwardBackoff: func(int) time.Duration { return 0 }})
	body := eventBody(t, "evt_ids", komoju.EventPaymentCaptured, "pay_ids", komoju.PaymentCaptured, 100)
	deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	r.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 3 {
		t.Fatalf("%d forward tries, want 3 (two 503s, then 200)", len(ids))
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || id == "evt_ids" || seen[id] {
			t.Errorf("try %d: X-Komoju-ID %q (all: %q): want a fresh id per try, never the event id", i+1, id, ids)
		}
		seen[id] = true
	}
}

// waitLoopCut waits until r has cut a forward loop (without the cut, a
// loop goes on until the deadline and the counts show it).
func waitLoopCut(t *testing.T, r *Receiver) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for r.Health().ForwardLoops == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}
