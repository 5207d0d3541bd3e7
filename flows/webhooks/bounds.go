package webhooks

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/komoju-tui/komoju-tui/flows/termtext"
)

// What an unauthenticated sender can make the receiver keep is bounded:
// anyone who can reach the receiver (through the tunnel KOMOJU needs) can
// post a rejected delivery, and the journal the deliveries go to is the
// sale journal.
//
//   - A rejected delivery is summarised, never stored whole: its reason,
//     size (the Received-Bytes pseudo-header), the headers worth showing
//     cut to RejectedHeaderPrefix bytes and the first RejectedBodyPrefix
//     bytes of its body, made inert (termtext.Line).
//   - Rejected deliveries are recorded at most DefaultRejectRate a second
//     on average, in bursts of DefaultRejectBurst; beyond that a flood is
//     only counted (Health.RejectedUnrecorded), and a request without a
//     signature header is answered 429 before its body is read.
//   - The journal keeps at most journal.MaxRejectedEvents of them (its own
//     bound, whatever the caller), and verified events are pruned on
//     start and every PruneEvery deliveries: older than
//     journal.VerifiedEventsMaxAge, or beyond journal.VerifiedEventsMax.
const (
	RejectedBodyPrefix   = 256
	RejectedHeaderPrefix = 128
	DefaultRejectRate    = 2.0
	DefaultRejectBurst   = 20
	PruneEvery           = 1000
)

// HeaderReceivedBytes is the pseudo-header (like Remote-Addr) that records
// how many body bytes a delivery had.
const HeaderReceivedBytes = "Received-Bytes"

// ReasonFlood answers a delivery without a signature while rejected
// deliveries arrive faster than the receiver records them.
const ReasonFlood = "too many rejected deliveries: slow down"

// tokenBucket is a rate limiter on an injected clock.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(rate float64, burst int) tokenBucket {
	return tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

func (b *tokenBucket) refill(now time.Time) {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
}

// take spends a token if there is one.
func (b *tokenBucket) take(now time.Time) bool {
	b.refill(now)
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// empty reports that take would fail.
func (b *tokenBucket) empty(now time.Time) bool {
	b.refill(now)
	return b.tokens < 1
}

// summarise cuts a rejected delivery down to what is kept of it. size is
// the body length received (for an oversize body, what was read).
func summarise(d *Delivery, size int) {
	d.Body = []byte(inertPrefix(d.Body, RejectedBodyPrefix))
	h := make(map[string]string, len(d.Headers)+1)
	for k, v := range d.Headers {
		h[k] = inertPrefix([]byte(v), RejectedHeaderPrefix)
	}
	h[HeaderReceivedBytes] = strconv.Itoa(size)
	d.Headers = h
	// The fields peeked from the body are for display; they are cut like
	// the headers (the journal would cut them to 200 bytes anyway).
	for _, f := range []*string{&d.EventID, &d.DeliveryID, &d.Type, &d.PaymentID, &d.Currency} {
		*f = inertPrefix([]byte(*f), RejectedHeaderPrefix)
	}
}

// inertPrefix is the start of b, at most n bytes after termtext.Line.
func inertPrefix(b []byte, n int) string {
	if len(b) > 4*n {
		b = b[:4*n] // Line at most triples a byte; no need to read more
	}
	s := termtext.Line(string(b))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// eventPruner is implemented by a journal that can apply the retention
// policy (journal.Journal does; test wrappers need not).
type eventPruner interface {
	PruneVerifiedEvents(ctx context.Context, now time.Time, maxAge time.Duration, keep int) (int64, error)
}

// prune applies the retention policy to verified events, off the request
// path; at most one runs at a time.
func (r *Receiver) prune() {
	p, ok := r.journal.(eventPruner)
	if !ok {
		return
	}
	r.mu.Lock()
	if r.pruning || r.closed {
		r.mu.Unlock()
		return
	}
	r.pruning = true
	r.bg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), journalTimeout)
		defer cancel()
		n, err := p.PruneVerifiedEvents(ctx, r.now(), 0, 0)
		r.mu.Lock()
		r.pruning = false
		r.mu.Unlock()
		if err != nil {
			r.setError("pruning old events: " + err.Error())
			return
		}
		if n > 0 {
			r.log.Info("webhooks: pruned old events", "count", n)
		}
	}()
}

// HeaderForwarded marks a delivery forwarded by a komoju-tui receiver
// (--forward-to, or f in the inspector). A receiver never auto-forwards
// such a delivery again: pointed at itself, or at a peer that forwards
// back, one event would otherwise circle for ever (4,001 deliveries in
// 4 s before this header existed).
const HeaderForwarded = "X-Komoju-Tui-Forwarded"

// DefaultForwardAttempts bounds the tries of one forward.
const DefaultForwardAttempts = 3

// MaxAutoForwards bounds the auto-forwards of one event id, a backstop
// for a loop through a forwarder that drops HeaderForwarded: KOMOJU's own
// redeliveries of an event are few.
const MaxAutoForwards = 5

// loopCheck says why auto-forwarding d would loop, or "". Called with
// r.mu held.
func (r *Receiver) loopCheck(d Delivery) string {
	if d.Forwarded {
		return "not forwarded: the delivery was itself forwarded (" + HeaderForwarded + ")"
	}
	if d.EventID == "" {
		return ""
	}
	if len(r.autoFwd) > 10000 {
		clear(r.autoFwd) // bounded memory; the cap only needs recent ids
	}
	r.autoFwd[d.EventID]++
	if r.autoFwd[d.EventID] > MaxAutoForwards {
		return fmt.Sprintf("not forwarded: event forwarded %d times already (a forward loop?)", MaxAutoForwards)
	}
	return ""
}
