package sandbox

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// typesOf lists the event types a receiver got, in order.
func typesOf(got []received) []string {
	var out []string
	for _, g := range got {
		out = append(out, g.header.Get("X-Komoju-Event"))
	}
	return out
}

// Each webhook gets only the event types selected for it (KOMOJU makes the
// merchant select them), a ping when it is registered, and a payment's own
// webhooks get that payment's events in addition to the account's.
func TestWebhookEventSelectionPingAndPerPaymentWebhooks(t *testing.T) {
	all, captured, own := &receiver{}, &receiver{}, &receiver{}
	hAll, hCaptured, hOwn := httptest.NewServer(all), httptest.NewServer(captured), httptest.NewServer(own)
	defer hAll.Close()
	defer hCaptured.Close()
	defer hOwn.Close()
	sb := startSandbox(t, Options{WebhookURLs: []string{hAll.URL}})
	c := newRaw(t, sb)
	must(t, c.post("/sandbox/webhooks", map[string]any{"url": hCaptured.URL, "events": []string{"payment.captured"}}), 200)
	l := must(t, c.getr("/sandbox/webhooks"), 200)
	if !strings.Contains(string(l.body), `{"url":"`+hCaptured.URL+`","events":["payment.captured"]}`) {
		t.Errorf("webhooks list: %s", l.body)
	}

	// Both got a signed ping with an empty object, not listed as an event.
	waitFor(t, "pings", func() bool {
		all.mu.Lock()
		captured.mu.Lock()
		defer all.mu.Unlock()
		defer captured.mu.Unlock()
		return len(all.pings) == 1 && len(captured.pings) == 1
	})
	ping := captured.pings[0]
	ev, err := komoju.ParseEvent(ping.body)
	if err != nil || ev.Type != "ping" || string(ev.Data) != "{}" || ev.ID == "" ||
		komoju.VerifyWebhook(ping.body, ping.header.Get("X-Komoju-Signature"), sb.WebhookSecret()) != nil {
		t.Errorf("ping %s: %+v %v", ping.body, ev, err)
	}
	if n := eventCounts(t, c)["ping"]; n != 0 {
		t.Errorf("GET /events lists %d pings", n)
	}

	// An authorization, its capture, and a payment with its own webhook.
	p := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200)
	must(t, c.post("/payments/"+p.str("id")+"/capture", nil), 200)
	q := must(t, c.post("/payments", cardPayment("4111111111111111", "webhooks", []any{
		map[string]any{"url": hOwn.URL, "events": []string{"payment.refunded"}}})), 200)
	must(t, c.post("/payments/"+q.str("id")+"/refund", nil), 200)

	// all: authorized, captured, captured, refund.created, refunded
	waitFor(t, "all events", func() bool { return len(all.snapshot()) == 5 })
	waitFor(t, "captured events", func() bool { return len(captured.snapshot()) == 2 })
	waitFor(t, "the payment's own webhook", func() bool { return len(own.snapshot()) == 1 })
	time.Sleep(20 * time.Millisecond) // nothing else may arrive
	if got := typesOf(captured.snapshot()); strings.Join(got, ",") != "payment.captured,payment.captured" {
		t.Errorf("captured-only webhook got %v", got)
	}
	if got := own.snapshot(); len(got) != 1 || got[0].header.Get("X-Komoju-Event") != "payment.refunded" || !strings.Contains(string(got[0].body), q.str("id")) {
		t.Errorf("per-payment webhook got %v", typesOf(got))
	}
	if len(all.snapshot()) != 5 {
		t.Errorf("all-events webhook got %v", typesOf(all.snapshot()))
	}

	// Bad selections and targets change nothing.
	mustErr(t, c.post("/sandbox/webhooks", map[string]any{"url": hCaptured.URL, "events": []string{"payment.nope"}}), 422, "invalid_parameter")
	mustErr(t, c.post("/payments", cardPayment("4111111111111111", "webhooks", []any{"ftp://x"})), 422, "invalid_parameter")
	mustErr(t, c.post("/payments", cardPayment("4111111111111111", "webhooks", []any{map[string]any{"url": hOwn.URL, "events": []string{"nope"}}})), 422, "invalid_parameter")
	mustErr(t, c.post("/payments", cardPayment("4111111111111111", "webhooks", []any{"http://169.254.169.254/latest/meta-data/"})), 422, "invalid_parameter")
}

// A 4xx is final (the receiver says the event is wrong); a 5xx is retried
// on a schedule of minutes, and POST /sandbox/webhooks/retry sends the
// pending retries at once so tests stay fast.
func TestWebhookRetriesOnlyServerErrorsOnARealisticSchedule(t *testing.T) {
	bad, down := &receiver{failFirst: 100, status: 400}, &receiver{failFirst: 1}
	hBad, hDown := httptest.NewServer(bad), httptest.NewServer(down)
	defer hBad.Close()
	defer hDown.Close()
	sb := startSandbox(t, Options{WebhookURLs: []string{hBad.URL, hDown.URL}, WebhookRetrySchedule: DefaultWebhookRetrySchedule})
	c := newRaw(t, sb)
	must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	var d []Delivery
	waitFor(t, "first attempts", func() bool { d = payEvents(sb.Deliveries()); return len(d) == 2 })
	for _, x := range d {
		switch x.URL {
		case hBad.URL:
			if x.Status != 400 || !x.Final || x.NextAttemptAt != nil {
				t.Errorf("400 answer: %+v, want final", x)
			}
		case hDown.URL:
			if x.Status != 500 || x.Final || x.NextAttemptAt == nil || x.NextAttemptAt.Sub(x.At) != time.Minute {
				t.Errorf("500 answer: %+v, want a retry in 1m", x)
			}
		}
	}
	r := must(t, c.post("/sandbox/webhooks/retry", nil), 200)
	if r.num("retried") != 1 {
		t.Errorf("retried %s, want 1", r.body)
	}
	waitFor(t, "the retry", func() bool { return len(down.snapshot()) == 2 })
	waitFor(t, "its log entry", func() bool { return len(payEvents(sb.Deliveries())) == 3 })
	last := payEvents(sb.Deliveries())[2]
	if last.URL != hDown.URL || !last.Success || last.Attempt != 2 || !last.Final {
		t.Errorf("retry: %+v", last)
	}
	if n := len(bad.snapshot()); n != 1 {
		t.Errorf("the 400 receiver was tried %d times, want 1", n)
	}
	if n := sb.RetryWebhooksNow(); n != 0 {
		t.Errorf("%d retries pending after everything settled", n)
	}
}

func TestRetrySchedule(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want []time.Duration
	}{
		{Options{}, DefaultWebhookRetrySchedule},
		{Options{WebhookMaxAttempts: 3}, DefaultWebhookRetrySchedule[:2]},
		{Options{WebhookMaxAttempts: 1}, []time.Duration{}},
		{Options{WebhookMaxAttempts: 8}, append(append([]time.Duration{}, DefaultWebhookRetrySchedule...), 6*time.Hour, 6*time.Hour)},
		{Options{WebhookBackoff: time.Second, WebhookMaxAttempts: 4}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{Options{WebhookRetrySchedule: []time.Duration{time.Second}, WebhookBackoff: time.Hour}, []time.Duration{time.Second}},
	} {
		got := retrySchedule(tc.opts)
		if len(got) != len(tc.want) || (len(got) > 0 && !equalDurations(got, tc.want)) {
			t.Errorf("retrySchedule(%+v) = %v, want %v", tc.opts, got, tc.want)
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// Webhook targets are limited to what a tester needs.
func TestWebhookTargetsAreLimited(t *testing.T) {
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://100.100.100.200/", "http://[fd00:ec2::254]/",
		"http://0.0.0.0:8080/", "http://0.1.2.3/", "http://224.0.0.1/", "http://255.255.255.255/", "http://[::ffff:169.254.169.254]/",
		"file:///etc/passwd", "gopher://x/", "http:///nohost", "/relative",
	} {
		if err := checkWebhookURL(u); err == nil {
			t.Errorf("checkWebhookURL(%q) accepted it", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:9/hook", "http://localhost:8080/", "http://192.168.1.20/hook", "http://10.0.0.5/",
		"http://100.64.1.2/", "https://example.com/komoju", "http://[::1]:9/"} {
		if err := checkWebhookURL(u); err != nil {
			t.Errorf("checkWebhookURL(%q): %v", u, err)
		}
	}
	// A host name resolving to a refused address is refused when connecting.
	for _, a := range []string{"169.254.169.254", "fe80::1", "0.0.0.0"} {
		if refusedTarget(netip.MustParseAddr(a)) == "" {
			t.Errorf("%s not refused", a)
		}
	}
	hc := &http.Client{Transport: guardedTransport(), Timeout: 2 * time.Second}
	_, err := hc.Post("http://169.254.169.254/latest/meta-data/", "application/json", nil)
	if err == nil || !errorsIsRefused(err) {
		t.Errorf("guarded dial to the metadata address: %v", err)
	}
}

func TestParseWebhookFlag(t *testing.T) {
	h, err := ParseWebhookFlag("http://127.0.0.1:9000/hook payment.captured,payment.failed")
	if err != nil || h.URL != "http://127.0.0.1:9000/hook" || strings.Join(h.Events, ",") != "payment.captured,payment.failed" {
		t.Errorf("got %+v %v", h, err)
	}
	if h, err := ParseWebhookFlag("http://127.0.0.1:9000/hook"); err != nil || len(h.Events) != 0 {
		t.Errorf("got %+v %v", h, err)
	}
	for _, bad := range []string{"", "http://x/ payment.nope", "a b c", "http://169.254.169.254/"} {
		if _, err := ParseWebhookFlag(bad); err == nil {
			t.Errorf("ParseWebhookFlag(%q) accepted it", bad)
		}
	}
}
