package flows

import (
	"context"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Push is a payment update that arrived without being asked for: a
// verified webhook event or the customer coming back through the return URL.
type Push struct {
	Payment *komoju.Payment
	Source  Source
}

// Hub fans pushed updates out to every Watch in progress. The zero value
// is not usable; use NewHub. Safe for concurrent use.
type Hub struct {
	mu   sync.Mutex
	subs map[int]chan Push
	next int
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int]chan Push{}} }

// hubBuffer is each subscriber's backlog. Publish never blocks: a watcher
// that falls this far behind misses pushes, and its polling catches up.
const hubBuffer = 64

// Subscribe returns a channel of every later Publish and a function that
// unsubscribes and closes it.
func (h *Hub) Subscribe() (<-chan Push, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	ch := make(chan Push, hubBuffer)
	h.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			close(ch)
		})
	}
}

// Publish sends p to every subscriber without blocking.
func (h *Hub) Publish(p Push) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- p:
		default:
		}
	}
}

// Target names what to watch: a payment, or a Method 1 session (whose
// payment may not exist yet, e.g. while the customer pays on their phone).
type Target struct {
	PaymentID string
	SessionID string
}

// WatchOptions tunes Watch.
type WatchOptions struct {
	// Poll asks KOMOJU (Payment or Session show) with backoff: fast at
	// first, slower later (Deps.PollBackoff). Without it only pushes count.
	Poll bool
	// Pushed adds a source of pushes besides the engine's Hub (which Watch
	// always follows).
	Pushed <-chan Push
	// StopWhen decides when watching is done; default Settled.
	StopWhen func(Outcome) bool
	// Background says nobody waits at the counter for this payment (the
	// clerk moved on; it is followed in the background): polling backs
	// off up to Deps.PollBackoff's longest delay. Without it the payment
	// is polled at least every CounterPoll, because a customer stands at
	// the till (the console's sale on screen, `pay --wait`).
	Background bool
}

// CounterPoll is the longest wait between two polls while a customer is at
// the counter: without webhooks (a TEST-mode till KOMOJU cannot reach) a
// backoff to 10 s kept a PayPay approval off the screen for 5.7 s.
const CounterPoll = 2 * time.Second

// pollDelay is the wait before poll number attempt (1-based).
func (e *Engine) pollDelay(attempt int, background bool) time.Duration {
	d := e.backoff(attempt)
	if !background {
		d = min(d, CounterPoll)
	}
	return d
}

// Update is one observation of the watched payment.
type Update struct {
	Outcome Outcome
	Source  Source
	// Err is a failed poll; watching goes on.
	Err error
	// Done marks the last update: the outcome is final or needs the clerk.
	Done bool
}

// Settled is Watch's default stop rule: stop once the outcome is final
// (paid, cancelled, expired, failed, refunded, error) or needs the clerk
// (authorized for capture). Redirect, awaiting and unknown keep watching.
func Settled(o Outcome) bool {
	switch o.Kind {
	case OutcomeRedirect, OutcomeAwaiting, OutcomeUnknown, "":
		return false
	}
	return true
}

// DefaultPollBackoff waits 500ms before the second poll, doubling up to 10s.
func DefaultPollBackoff(attempt int) time.Duration {
	d := 500 * time.Millisecond
	for i := 1; i < attempt && d < 10*time.Second; i++ {
		d *= 2
	}
	return min(d, 10*time.Second)
}

// Watch follows a payment or session until StopWhen says so or ctx ends,
// sending an Update whenever what the clerk sees changes (the first
// observation included). Pushed updates (webhooks, return URL) are merged
// with polling; status changes are recorded in the journal with their
// source. The channel is closed when watching stops; cancel ctx when you
// stop reading, or the watcher waits for you.
func (e *Engine) Watch(ctx context.Context, t Target, o WatchOptions) <-chan Update {
	out := make(chan Update, 8)
	stop := o.StopWhen
	if stop == nil {
		stop = Settled
	}
	hubCh, unsub := e.hub.Subscribe()
	go func() {
		defer close(out)
		defer unsub()
		w := watcher{e: e, t: t, out: out, stop: stop}
		var timerC <-chan time.Time
		attempt := 0
		poll := func() bool {
			attempt++
			return w.poll(ctx)
		}
		schedule := func() { timerC = e.after(e.pollDelay(attempt, o.Background)) }
		if o.Poll && e.client != nil {
			if poll() {
				return
			}
			schedule()
		}
		pushed := o.Pushed
		for {
			select {
			case <-ctx.Done():
				return
			case <-timerC:
				if poll() {
					return
				}
				schedule()
			case p, ok := <-hubCh:
				if !ok {
					hubCh = nil
					continue
				}
				// Engine.Push already journaled it.
				if w.push(ctx, p, false) {
					return
				}
			case p, ok := <-pushed:
				if !ok {
					pushed = nil
					continue
				}
				if w.push(ctx, p, true) {
					return
				}
			}
		}
	}()
	return out
}

// watcher holds one Watch's state.
type watcher struct {
	e    *Engine
	t    Target
	out  chan<- Update
	stop func(Outcome) bool
	last string // fingerprint of the last update sent
}

// matches reports whether p is the watched payment.
func (w *watcher) matches(p *komoju.Payment) bool {
	if p == nil {
		return false
	}
	if w.t.PaymentID != "" && p.ID == w.t.PaymentID {
		return true
	}
	return w.t.SessionID != "" && p.SessionID() == w.t.SessionID
}

// push handles one pushed payment; true means stop.
func (w *watcher) push(ctx context.Context, p Push, record bool) bool {
	if !w.matches(p.Payment) {
		return false
	}
	if w.t.PaymentID == "" {
		w.t.PaymentID = p.Payment.ID
	}
	if record {
		w.e.recordStatus(ctx, p.Payment, p.Source)
	}
	o := OutcomeFromPayment(p.Payment)
	if o.SessionID == "" {
		o.SessionID = w.t.SessionID
	}
	return w.emit(ctx, Update{Outcome: o, Source: p.Source})
}

// poll asks KOMOJU once; true means stop.
func (w *watcher) poll(ctx context.Context) bool {
	var o Outcome
	var err error
	if w.t.PaymentID != "" {
		var p *komoju.Payment
		p, err = w.e.client.Payments.Get(ctx, w.t.PaymentID)
		if err == nil {
			w.e.recordStatus(ctx, p, SourcePoll)
			o = OutcomeFromPayment(p)
			if o.SessionID == "" {
				o.SessionID = w.t.SessionID
			}
		}
	} else {
		var s *komoju.Session
		s, err = w.e.client.Sessions.Get(ctx, w.t.SessionID)
		if err == nil {
			if s.Payment != nil {
				w.t.PaymentID = s.Payment.ID
				w.e.recordStatus(ctx, s.Payment, SourcePoll)
			}
			o = SessionOutcome(s)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return true
		}
		select {
		case w.out <- Update{Source: SourcePoll, Err: err}:
		case <-ctx.Done():
			return true
		}
		return false
	}
	return w.emit(ctx, Update{Outcome: o, Source: SourcePoll})
}

// emit sends u when it differs from the last update; true means stop.
func (w *watcher) emit(ctx context.Context, u Update) bool {
	fp := string(u.Outcome.Kind) + "|" + string(u.Outcome.Status()) + "|" + u.Outcome.PaymentID()
	if p := u.Outcome.Payment; p != nil {
		fp += "|" + komoju.FormatAmount(p.AmountRefunded, p.Currency) + "|" + komoju.FormatAmount(p.Total, p.Currency)
	}
	done := w.stop(u.Outcome)
	if fp == w.last && !done {
		return false
	}
	w.last = fp
	u.Done = done
	select {
	case w.out <- u:
	case <-ctx.Done():
		return true
	}
	return done
}
