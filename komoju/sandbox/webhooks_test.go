package sandbox

import (
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// receiver records webhook posts; it answers failFirst 500s before 200s.
// Pings (sent when a webhook is registered) are answered 200 and kept
// apart.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	status    int // the failure status (default 500)
	calls     int
	got       []received
	pings     []received
}

type received struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	if r.Header.Get("X-Komoju-Event") == komoju.EventPing {
		rc.pings = append(rc.pings, received{r.Header.Clone(), b})
		rc.mu.Unlock()
		return
	}
	rc.calls++
	n := rc.calls
	rc.got = append(rc.got, received{r.Header.Clone(), b})
	rc.mu.Unlock()
	if n <= rc.failFirst {
		w.WriteHeader(cmp.Or(rc.status, http.StatusInternalServerError))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// payEvents drops the pings from a delivery log.
func payEvents(d []Delivery) []Delivery {
	out := d[:0:0]
	for _, x := range d {
		if x.EventType != komoju.EventPing {
			out = append(out, x)
		}
	}
	return out
}

func (rc *receiver) snapshot() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received{}, rc.got...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWebhookSignedAndRetried(t *testing.T) {
	rc := &receiver{failFirst: 2}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	sb := startSandbox(t, Options{WebhookURLs: []string{hook.URL}})
	c := newRaw(t, sb)
	p := must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	waitFor(t, "three attempts", func() bool { return len(rc.snapshot()) >= 3 })
	got := rc.snapshot()
	for i, g := range got {
		if err := komoju.VerifyWebhook(g.body, g.header.Get("X-Komoju-Signature"), sb.WebhookSecret()); err != nil {
			t.Errorf("attempt %d: signature: %v", i+1, err)
		}
		if g.header.Get("User-Agent") != "Komoju-Webhook" || g.header.Get("X-Komoju-Event") != "payment.captured" ||
			g.header.Get("Content-Type") != "application/json" || g.header.Get("X-Komoju-ID") == "" {
			t.Errorf("attempt %d headers: %v", i+1, g.header)
		}
		if string(g.body) != string(got[0].body) {
			t.Errorf("retry %d sent different bytes", i+1)
		}
	}
	ev, err := komoju.ParseEvent(got[0].body)
	if err != nil {
		t.Fatal(err)
	}
	pay, err := ev.Payment()
	if err != nil || pay.ID != p.str("id") || ev.Type != "payment.captured" {
		t.Errorf("event: %+v %v", ev, err)
	}
	// X-Komoju-ID is "Unique ID of the webhook delivery": fresh on every
	// attempt, never the event id (receivers de-duplicate on the body's id).
	seen := map[string]bool{}
	for i, g := range got {
		id := g.header.Get("X-Komoju-ID")
		if id == "" || id == ev.ID || seen[id] {
			t.Errorf("attempt %d: X-Komoju-ID %q repeats or is the event id %s", i+1, id, ev.ID)
		}
		seen[id] = true
	}
	var d resp
	waitFor(t, "delivery log", func() bool {
		d = must(t, c.getr("/sandbox/webhook_deliveries?event_id="+ev.ID), 200)
		return d.num("total") == 3
	})
	data := d.get("data").([]any)
	for i, want := range []float64{500, 500, 200} {
		e := data[i].(map[string]any)
		if e["status"] != want || e["attempt"] != float64(i+1) || e["event_id"] != ev.ID || e["id"] != got[i].header.Get("X-Komoju-ID") {
			t.Errorf("delivery %d: %v", i+1, e)
		}
	}
	if last := data[2].(map[string]any); last["success"] != true || last["final"] != true {
		t.Errorf("last delivery: %v", last)
	}
	if f := must(t, c.getr("/sandbox/webhook_deliveries?final=true&event_id="+ev.ID), 200); f.num("total") != 1 {
		t.Errorf("filtered deliveries: %s", f.body)
	}
	if f := must(t, c.getr("/sandbox/webhook_deliveries?event_id=nope"), 200); f.num("total") != 0 {
		t.Errorf("filtered deliveries: %s", f.body)
	}
}

func TestWebhookGivesUpAfterMaxAttempts(t *testing.T) {
	rc := &receiver{failFirst: 100}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	sb := startSandbox(t, Options{WebhookMaxAttempts: 5})
	if err := sb.AddWebhook(hook.URL); err != nil {
		t.Fatal(err)
	}
	c := newRaw(t, sb)
	must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200)
	waitFor(t, "final attempt", func() bool {
		d := payEvents(sb.Deliveries())
		return len(d) == 5 && d[4].Final
	})
	time.Sleep(50 * time.Millisecond)
	if n := len(rc.snapshot()); n != 5 {
		t.Errorf("attempts = %d, want 5", n)
	}
}

func TestWebhookAddedAtRuntimeAndNonBlocking(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-block
	}))
	defer slow.Close()
	defer close(block)
	sb := startSandbox(t, Options{WebhookTimeout: 10 * time.Second})
	c := newRaw(t, sb)
	must(t, c.post("/sandbox/webhooks", map[string]any{"url": slow.URL}), 200)
	if l := must(t, c.getr("/sandbox/webhooks"), 200); len(l.get("webhooks").([]any)) != 1 {
		t.Errorf("webhooks: %s", l.body)
	}
	start := time.Now()
	for i := 0; i < 20; i++ {
		must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a stuck receiver slowed the API: %s for 20 payments", d)
	}
}

func TestWebhookTimeoutIsRetried(t *testing.T) {
	var calls sync.Mutex
	n := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Komoju-Event") == komoju.EventPing {
			return
		}
		calls.Lock()
		n++
		first := n == 1
		calls.Unlock()
		if first {
			time.Sleep(300 * time.Millisecond) // longer than the sandbox waits
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	sb := startSandbox(t, Options{WebhookURLs: []string{hook.URL}, WebhookTimeout: 50 * time.Millisecond})
	c := newRaw(t, sb)
	must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	waitFor(t, "a successful retry", func() bool {
		d := payEvents(sb.Deliveries())
		return len(d) >= 2 && d[len(d)-1].Success
	})
	d := payEvents(sb.Deliveries())
	if d[0].Success || d[0].Status != 0 || d[0].Error == "" || d[0].Final || d[len(d)-1].Attempt != len(d) {
		t.Errorf("timed-out attempt: %+v", d)
	}
}

func TestDeliveryLogIsBounded(t *testing.T) {
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	sb := startSandbox(t, Options{WebhookURLs: []string{hook.URL}, DeliveryLogLimit: 4})
	c := newRaw(t, sb)
	for i := 0; i < 7; i++ {
		must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	}
	waitFor(t, "7 deliveries", func() bool { return len(rc.snapshot()) == 7 })
	d := sb.Deliveries()
	if len(d) > 4 || len(d) < 2 {
		t.Fatalf("delivery log holds %d attempts with a limit of 4", len(d))
	}
}
