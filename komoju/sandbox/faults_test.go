package sandbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The slow fault is KOMOJU under a slow card processor: the client gives up,
// a lookup by order number finds nothing, and the payment is captured a
// moment later anyway. This is issue 10's double-charge scenario; the flows
// reconcile code is tested against it.
func TestSlowFaultFinishesTheWorkAfterTheClientGaveUp(t *testing.T) {
	gate := make(chan struct{})
	sb := startSandbox(t, Options{Slow: time.Minute, SlowOnly: "POST /payments", slowGate: gate})
	c := newRaw(t, sb)
	body := `{"amount":1000,"currency":"JPY","tax":0,"external_order_num":"SLOW-1","payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123"}}`

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, sb.URL()+"/payments", strings.NewReader(body))
		req.SetBasicAuth(sb.SecretKey(), "")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-KOMOJU-IDEMPOTENCY", "slow-1")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	// The request is held: a retry with the same key is told it is still running.
	waitFor(t, "the create to be held", func() bool {
		sb.mu.Lock()
		defer sb.mu.Unlock()
		e := sb.st.idem[idemKey{key: "slow-1"}]
		return e != nil && e.inFlight
	})
	mustErr(t, c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", "slow-1"), http.StatusConflict, "conflict")
	cancel() // the client gives up
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	// An empty lookup right after the timeout proves nothing.
	if l := must(t, c.getr("/payments?external_order_num=SLOW-1"), 200); l.num("total") != 0 {
		t.Fatalf("payment visible before the slow processor finished: %s", l.body)
	}
	close(gate) // the processor finishes
	var l resp
	waitFor(t, "the held payment to be captured", func() bool {
		l = must(t, c.getr("/payments?external_order_num=SLOW-1"), 200)
		return l.num("total") == 1
	})
	p := l.get("data").([]any)[0].(map[string]any)
	if p["status"] != "captured" {
		t.Errorf("held payment status %v, want captured", p["status"])
	}
	if n := eventCounts(t, c)["payment.captured"]; n != 1 {
		t.Errorf("payment.captured events = %d", n)
	}
	// The idempotent retry now replays the payment instead of charging
	// again, once the held request has finished: the payment is listed
	// while its handler still holds the key (a retry in that instant is
	// told 409, as one during the hold was).
	waitFor(t, "the held request to finish", func() bool {
		sb.mu.Lock()
		defer sb.mu.Unlock()
		e := sb.st.idem[idemKey{key: "slow-1"}]
		return e != nil && !e.inFlight
	})
	sb.SetFaults(Faults{})
	if r := must(t, c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", "slow-1"), 200); r.str("id") != p["id"] {
		t.Errorf("retry answered %s, want the held payment %v", r.str("id"), p["id"])
	}
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 1 {
		t.Errorf("payments = %d, want 1", l.num("total"))
	}
}

func TestSlowFaultChoosesRequests(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 9})
	req := func(method, path string) *http.Request { return httptest.NewRequest(method, "http://sb"+path, nil) }
	for _, tc := range []struct {
		only, method, path string
		want               bool
	}{
		{"", "GET", "/api/v1/payments", true},
		{"POST /payments", "POST", "/api/v1/payments", true},
		{"post /api/v1/payments", "POST", "/api/v1/payments", true},
		{"POST /payments", "GET", "/api/v1/payments", false},
		{"POST /payments", "POST", "/api/v1/payments/abc/capture", false},
		{"/payments/*/capture", "POST", "/api/v1/payments/abc/capture", true},
		{"POST /sessions/*/pay", "POST", "/api/v1/sessions/s1/pay", true},
		{"POST /sessions/*/pay", "POST", "/api/v1/sessions/s1/cancel", false},
	} {
		f := Faults{Slow: time.Second, SlowOnly: tc.only}.normalized()
		if got := sb.slowFor(f, req(tc.method, tc.path)) > 0; got != tc.want {
			t.Errorf("slow_only %q, %s %s: slow=%v, want %v", tc.only, tc.method, tc.path, got, tc.want)
		}
	}
	// "A third of creates take 3 s".
	f := Faults{Slow: 3 * time.Second, SlowRate: 1.0 / 3, SlowOnly: "POST /payments"}
	slow := 0
	for range 3000 {
		if sb.slowFor(f, req("POST", "/api/v1/payments")) == 3*time.Second {
			slow++
		}
	}
	if slow < 900 || slow > 1100 {
		t.Errorf("%d of 3000 creates slow, want about 1000", slow)
	}
}

func TestSlowFaultControl(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	r := must(t, c.post("/sandbox/faults", map[string]any{"slow": "3s", "slow_rate": 0.33, "slow_only": "POST /payments"}), 200)
	if r.str("slow") != "3s" || r.get("slow_rate") != 0.33 || r.str("slow_only") != "POST /payments" {
		t.Errorf("faults: %s", r.body)
	}
	if f := sb.CurrentFaults(); f.Slow != 3*time.Second || f.SlowRate != 0.33 || f.SlowOnly != "POST /payments" {
		t.Errorf("CurrentFaults = %+v", f)
	}
	// slow without a rate holds every matching request.
	must(t, c.post("/sandbox/faults", map[string]any{"slow": "1s", "slow_rate": 0, "slow_only": ""}), 200)
	if f := sb.CurrentFaults(); f.SlowRate != 1 || f.SlowOnly != "" {
		t.Errorf("CurrentFaults = %+v", f)
	}
	mustErr(t, c.post("/sandbox/faults", map[string]any{"slow_only": "FETCH /payments"}), 422, "invalid_parameter")
	mustErr(t, c.post("/sandbox/faults", map[string]any{"slow_only": "payments"}), 422, "invalid_parameter")
	mustErr(t, c.post("/sandbox/faults", map[string]any{"slow": "2m"}), 422, "invalid_parameter")
	mustErr(t, c.post("/sandbox/faults", map[string]any{"slow_rate": 1.5}), 422, "invalid_parameter")
	must(t, c.post("/sandbox/faults", map[string]any{"slow": "0s"}), 200)
}
