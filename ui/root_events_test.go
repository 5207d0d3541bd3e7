package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// rootEventsSource is a fixed list of deliveries for the root's inspector
// routing test.
type rootEventsSource struct {
	mu  sync.Mutex
	evs []webhooks.Event
}

func (s *rootEventsSource) List(context.Context, int) ([]webhooks.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]webhooks.Event(nil), s.evs...), nil
}
func (s *rootEventsSource) Replay(context.Context, string) (webhooks.ForwardResult, error) {
	return webhooks.ForwardResult{}, nil
}
func (s *rootEventsSource) Forward(context.Context, string) (webhooks.ForwardResult, error) {
	return webhooks.ForwardResult{}, nil
}

// TestRootOpensEventInspectorLive: w opens the inspector from the amount
// screen, a new delivery shows up live, esc returns where the clerk was.
func TestRootOpensEventInspectorLive(t *testing.T) {
	env := newEnv(t, envOpt{})
	src := &rootEventsSource{evs: []webhooks.Event{{Seq: 1, EventID: "ev1", Type: "payment.captured", PaymentID: "pay1", Amount: 1000, Currency: "JPY", PaymentStatus: komoju.PaymentCaptured, Verified: true, Deliveries: 1, CreatedAt: fixedNow, ReceivedAt: fixedNow, LastAt: fixedNow}}}
	ch := make(chan webhooks.Delivery, 1)
	o := env.options()
	o.Events = src
	o.Webhooks = ch
	h := newHarness(t, o, 120, 40)
	h.keys("w")
	if h.m.screen != screenEvents {
		t.Fatalf("w opened %s", h.m.Screen())
	}
	h.waitText("Webhook events (1)", "payment.captured")
	h.mustContain("SANDBOX") // the header stays
	src.mu.Lock()
	src.evs = append([]webhooks.Event{{Seq: 2, EventID: "ev2", Type: "payment.refunded", PaymentID: "pay1", Amount: 1000, Currency: "JPY", Verified: true, Deliveries: 1, CreatedAt: fixedNow, ReceivedAt: fixedNow, LastAt: fixedNow}}, src.evs...)
	src.mu.Unlock()
	ch <- webhooks.Delivery{Event: src.evs[0]}
	h.waitText("Webhook events (2)", "payment.refunded")
	h.keys("esc")
	h.waitFor("back to amount", func(m Model) bool { return m.screen == screenAmount })
}

// TestPaymentTimelineShowsWebhooks: the payment screen's timeline lists
// the webhook events received for that payment.
func TestPaymentTimelineShowsWebhooks(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	src := &rootEventsSource{}
	o := env.options()
	o.Events = src
	h := newHarness(t, o, 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	id := h.m.outcome.PaymentID()
	src.mu.Lock()
	src.evs = []webhooks.Event{
		{Seq: 2, EventID: "ev2", Type: "payment.captured", PaymentID: id, Verified: true, ReceivedAt: fixedNow.Add(2e9)},
		{Seq: 1, EventID: "ev0", Type: "payment.captured", PaymentID: "someone-else", Verified: true, ReceivedAt: fixedNow},
	}
	src.mu.Unlock()
	h.keys("d")
	// One line per capture, naming where it was seen (issue 13 item 4:
	// a capture was listed once per source before).
	h.waitText("Timeline", "captured (result, webhook)")
	if v := h.view(); strings.Count(v, "captured") != 1+strings.Count(v, "Status        captured") {
		t.Errorf("the capture is listed more than once:\n%s", v)
	}
	h.mustNotContain("someone-else")
}

// healthSource is a rootEventsSource that also reports receiver health.
type healthSource struct {
	rootEventsSource
	h webhooks.Health
}

func (s *healthSource) Health() webhooks.Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h
}

// TestHeaderShowsWebhookHealth: every screen's header says whether the
// receiver listens, how many events it accepted and rejected, and never
// claims "ready" for a receiver that is down.
func TestHeaderShowsWebhookHealth(t *testing.T) {
	env := newEnv(t, envOpt{})
	src := &healthSource{h: webhooks.Health{Listening: true, SecretSet: true, Accepted: 2, Rejected: 1, LastEventAt: fixedNow}}
	o := env.options()
	o.Events = src
	h := newHarness(t, o, 120, 40)
	want := "webhooks ● 2✓ 1✗ " + fixedNow.In(journal.JST).Format("15:04:05")
	h.waitText(want)
	// Without a secret every delivery is refused: the header says why.
	src.mu.Lock()
	src.h.SecretSet = false
	src.mu.Unlock()
	h.keys("1")
	h.waitText("webhooks ● no secret (KOMOJU_WEBHOOK_SECRET)")
	src.mu.Lock()
	src.h = webhooks.Health{Listening: false}
	src.mu.Unlock()
	h.keys("1") // any message re-renders the header
	h.waitText("webhooks down")
	h.mustNotContain("webhooks ●")
}

// TestHeaderFitsNarrowTerminal: at 80 columns a busy webhook line is cut,
// not wrapped, so the screen below does not move.
func TestHeaderFitsNarrowTerminal(t *testing.T) {
	env := newEnv(t, envOpt{})
	src := &healthSource{h: webhooks.Health{Listening: true, SecretSet: true, Accepted: 12345, Rejected: 678, LastEventAt: fixedNow}}
	o := env.options()
	o.Events = src
	h := newHarness(t, o, 80, 24)
	h.waitText("SANDBOX")
	first := strings.SplitN(ansi.Strip(h.m.View()), "\n", 2)[0]
	if w := ansi.StringWidth(first); w > 80 {
		t.Fatalf("header is %d columns wide at 80: %q", w, first)
	}
	if !strings.HasSuffix(first, "…") {
		t.Fatalf("a cut header should say so: %q", first)
	}
}

// The Japanese console's inspector is in Japanese (it was English).
func TestRootEventInspectorInJapanese(t *testing.T) {
	env := newEnv(t, envOpt{})
	src := &rootEventsSource{evs: []webhooks.Event{{Seq: 1, EventID: "ev1", Type: "payment.captured", PaymentID: "pay1", Amount: 1000, Currency: "JPY", PaymentStatus: komoju.PaymentCaptured, Verified: true, Deliveries: 1, CreatedAt: fixedNow, ReceivedAt: fixedNow, LastAt: fixedNow}}}
	o := env.options()
	o.Events = src
	o.Lang = "ja"
	h := newHarness(t, o, 120, 40)
	h.keys("w")
	h.waitText("Webhookイベント (1)", "payment.captured")
	h.mustNotContain("Webhook events", "VERDICT")
}
