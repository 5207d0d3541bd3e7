package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/webhooks"
)

// webhookLog is what a scenario's webhook expectations are checked
// against: the events the app's own receiver accepted (signature verified),
// each counted once on the body's event id however often it was
// delivered, as the console applies them.
type webhookLog struct {
	mu      sync.Mutex
	seen    map[string]bool
	events  []webhooks.Event
	changed chan struct{} // closed, and replaced, when an event arrives
}

// newWebhookLog collects recv's verified events until ctx ends.
func newWebhookLog(ctx context.Context, recv *webhooks.Receiver) *webhookLog {
	l := &webhookLog{seen: map[string]bool{}, changed: make(chan struct{})}
	deliveries := recv.Subscribe(ctx)
	go func() {
		for d := range deliveries {
			if !d.Verified || d.Replay || d.EventID == "" {
				continue
			}
			l.mu.Lock()
			if !l.seen[d.EventID] {
				l.seen[d.EventID] = true
				l.events = append(l.events, d.Event)
				close(l.changed)
				l.changed = make(chan struct{})
			}
			l.mu.Unlock()
		}
	}()
	return l
}

// wait waits up to d for a typ event of payment paymentID. got is typ when
// it came; otherwise note says what did come for the payment.
func (l *webhookLog) wait(ctx context.Context, typ, paymentID string, d time.Duration) (got, note string) {
	if paymentID == "" {
		return "(no payment)", "no payment was made before this expectation"
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		l.mu.Lock()
		var others []string
		for _, e := range l.events {
			if e.PaymentID != paymentID {
				continue
			}
			if e.Type == typ {
				l.mu.Unlock()
				return typ, ""
			}
			others = append(others, e.Type)
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
			continue
		case <-timer.C:
		case <-ctx.Done():
		}
		got := "none"
		if len(others) > 0 {
			got = strings.Join(others, ", ")
		}
		return "(not received)", fmt.Sprintf("no verified %s webhook for payment %s reached the receiver within %s (received for it: %s)", typ, paymentID, d, got)
	}
}
