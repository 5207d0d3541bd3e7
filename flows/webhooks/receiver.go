// Package webhooks receives KOMOJU webhook deliveries on a loopback HTTP
// endpoint, proves each one genuine (X-Komoju-Signature), applies payment
// events to the journal once, fans every delivery out to subscribers (the
// payment watcher and the event inspector), and lets a developer replay a
// stored event or forward it, re-signed, to their own endpoint.
//
// The seed calls payment.captured the definitive signal that a payment was
// captured, so a delivery is never dropped silently: rejected ones are
// counted and summarised with the reason (bounded: see bounds.go), and
// Health says whether the listener is really up.
//
//	r, _ := webhooks.New(webhooks.Options{Secret: secret, Journal: j})
//	url, err := r.Start("127.0.0.1:0") // http://127.0.0.1:PORT/webhook
//	defer r.Close()
//	for d := range r.Subscribe(ctx) { ... d.Payment ... }
package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Path is where the receiver accepts deliveries.
const Path = "/webhook"

// DefaultAddr binds loopback on a free port: the receiver is reachable from
// the embedded sandbox, or from the outside world only through a tunnel the
// user sets up on purpose.
const DefaultAddr = "127.0.0.1:0"

// DefaultMaxBody is the request body limit. KOMOJU events are a few KiB; a
// megabyte is generous and keeps a misbehaving sender from filling memory.
const DefaultMaxBody = 1 << 20

// DefaultForwardTimeout bounds one forward to the user's endpoint.
const DefaultForwardTimeout = 10 * time.Second

// SourceWebhook is the source recorded in the journal for payment statuses
// learnt from a verified webhook (the same string flows.SourceWebhook uses).
const SourceWebhook = "webhook"

// subscriberBuffer is each subscriber's backlog; see Subscribe.
const subscriberBuffer = 256

// journalTimeout bounds the journal writes of one delivery.
const journalTimeout = 5 * time.Second

// Reasons a delivery is rejected, as stored and shown in the inspector and
// sent back in the response body.
const (
	ReasonMissingSignature = "missing X-Komoju-Signature header"
	ReasonBadHex           = "X-Komoju-Signature is not hex-encoded HMAC-SHA256 (bad hex)"
	ReasonMismatch         = "signature mismatch: wrong webhook secret or tampered body"
	ReasonNoSecret         = "no webhook secret configured (set KOMOJU_WEBHOOK_SECRET or --webhook-secret)"
	ReasonTooLarge         = "body larger than the limit"
	ReasonUnreadable       = "body could not be read"
	ReasonNotEvent         = "body is not a KOMOJU event"
)

// Options configures a Receiver.
type Options struct {
	// Secret is the webhook secret token that signs deliveries. Without it
	// every delivery is rejected (401, ReasonNoSecret): an unverifiable
	// event must not move a sale.
	Secret string
	// Journal persists deliveries and applies payment statuses. Nil keeps
	// events in memory only (headless runs without a journal, tests).
	Journal Journal
	// ForwardTo, when set, receives every verified delivery, re-signed with
	// Secret (--forward-to).
	ForwardTo string
	// MaxBody is the body limit in bytes (default DefaultMaxBody).
	MaxBody int64
	// ForwardTimeout bounds each forward (default DefaultForwardTimeout).
	ForwardTimeout time.Duration
	// ForwardAttempts bounds the tries of one forward that gets no answer
	// or a 5xx (default DefaultForwardAttempts); ForwardBackoff is the wait
	// before try n+1 (default n × 500ms), all within ForwardTimeout.
	ForwardAttempts int
	ForwardBackoff  func(attempt int) time.Duration
	// HTTPClient sends forwards; its redirects are not followed. Default: a
	// new client.
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// RejectRate and RejectBurst bound how fast rejected deliveries are
	// recorded (defaults DefaultRejectRate per second, DefaultRejectBurst).
	RejectRate  float64
	RejectBurst int
}

// Delivery is one request the receiver handled, as published to
// subscribers. Verified deliveries of payment.* events that were not seen
// before carry the Payment; everything else is for display.
type Delivery struct {
	Event
	// HTTPStatus is what the receiver answered.
	HTTPStatus int
	// Duplicate marks a redelivery of an event already applied.
	Duplicate bool
	// Replay marks a delivery made by Replay.
	Replay bool
	// Payment is the payment of a newly applied payment.* event; nil for
	// rejected, duplicate and non-payment deliveries.
	Payment *komoju.Payment
	// ForwardPending marks a delivery that is being auto-forwarded: the
	// same delivery is published again, with Forward set and Payment nil,
	// once the forward answers. Publishing first keeps a slow forward URL
	// from delaying the clerk's screen.
	ForwardPending bool
	// Forward is the auto-forward result (on the second publication).
	Forward *ForwardResult
	// Forwarded marks a delivery that another komoju-tui receiver (or this
	// one) forwarded (HeaderForwarded); it is never auto-forwarded again.
	Forwarded bool
	// ForwardSkipped says why a verified delivery was not auto-forwarded
	// although a forward URL is set (a forward loop was cut).
	ForwardSkipped string
	// Err is a journal failure (HTTPStatus 500).
	Err error
}

// Health is the receiver's state for a status line. Listening is the real
// state of the listener, never a hope.
type Health struct {
	Listening bool
	URL       string
	SecretSet bool
	// LastEventAt is when the last delivery (of any verdict) arrived.
	LastEventAt   time.Time
	LastEventType string
	Accepted      int64 // verified and applied or recorded
	Rejected      int64 // bad signature, malformed body, oversize
	// RejectedUnrecorded counts rejected deliveries only counted, not
	// recorded, because they came faster than the rate limit.
	RejectedUnrecorded int64
	// RejectedBytes is the body bytes received in rejected deliveries.
	RejectedBytes int64
	Duplicates    int64 // verified redeliveries
	Failed        int64 // answered 500 because the journal failed
	Forwarded     int64 // forwards that got an HTTP answer
	ForwardFailed int64 // forwards with no answer
	// ForwardLoops counts auto-forwards refused because they would loop.
	ForwardLoops int64
	// Dropped counts notifications a slow subscriber missed; the journal
	// still has the events.
	Dropped     int64
	LastError   string
	LastErrorAt time.Time
}

// String renders h as one line for a header: "webhooks ● 127.0.0.1:4242 ·
// last 10:04:05 payment.captured · 3 ok · 1 ✗ · 0 dup". The last event
// type and error may come from an unsigned request, so the line is inert.
func (h Health) String() string { return h.In("en") }

// In is the health line in lang, one inert line.
func (h Health) In(lang string) string {
	w := func(id string, args ...any) string { return words.T(id, args...).In(lang) }
	var b strings.Builder
	if h.Listening {
		b.WriteString("webhooks ● ")
		if u, err := url.Parse(h.URL); err == nil && u.Host != "" {
			b.WriteString(u.Host)
		} else {
			b.WriteString(h.URL)
		}
	} else {
		b.WriteString(w("wh_not_listening"))
	}
	if !h.SecretSet {
		b.WriteString(w("wh_no_secret"))
	}
	if h.LastEventAt.IsZero() {
		b.WriteString(w("wh_no_events"))
	} else {
		b.WriteString(w("wh_last_s_s", h.LastEventAt.In(journal.JST).Format("15:04:05"), h.LastEventType))
	}
	b.WriteString(w("wh_counts_d_d_d", h.Accepted, h.Rejected, h.Duplicates))
	if h.RejectedUnrecorded > 0 {
		b.WriteString(w("wh_flood_d", h.RejectedUnrecorded))
	}
	if h.Failed > 0 {
		b.WriteString(w("wh_failed_d", h.Failed))
	}
	if h.ForwardFailed > 0 {
		b.WriteString(w("wh_forward_failed_d", h.ForwardFailed))
	}
	if h.ForwardLoops > 0 {
		b.WriteString(w("wh_forward_loops_d", h.ForwardLoops))
	}
	if h.LastError != "" {
		b.WriteString(w("wh_last_error_s", h.LastError))
	}
	return termtext.Line(b.String())
}

// Receiver is the webhook endpoint. It is an http.Handler for POST /webhook
// and can run its own loopback listener (Start). Safe for concurrent use.
type Receiver struct {
	store      store
	journal    Journal
	maxBody    int64
	fwdTimeout time.Duration
	client     *http.Client
	now        func() time.Time
	log        *slog.Logger

	// applyMu makes "seen before? apply, record" atomic, so two concurrent
	// deliveries of one event cannot both apply it.
	applyMu sync.Mutex

	mu        sync.Mutex
	secret    string
	forwardTo string
	health    Health
	forwards  map[string]ForwardResult // last forward per event id
	subs      map[int]chan Delivery
	nextSub   int
	srv       *http.Server
	done      chan struct{} // closed when the current listener stops
	closed    bool
	closedCh  chan struct{} // closed by Close, ends subscription watchers
	bg        sync.WaitGroup
	rejects   tokenBucket    // under mu
	autoFwd   map[string]int // auto-forwards per event id, under mu
	fwdTries  int
	fwdWait   func(attempt int) time.Duration
	recorded  int  // deliveries recorded since the last prune, under mu
	pruning   bool // under mu
}

// New returns a Receiver. It fails only for an invalid ForwardTo URL.
func New(o Options) (*Receiver, error) {
	r := &Receiver{
		journal:    o.Journal,
		secret:     o.Secret,
		maxBody:    o.MaxBody,
		fwdTimeout: o.ForwardTimeout,
		client:     o.HTTPClient,
		now:        o.Now,
		log:        o.Logger,
		forwards:   map[string]ForwardResult{},
		autoFwd:    map[string]int{},
		fwdTries:   o.ForwardAttempts,
		fwdWait:    o.ForwardBackoff,
		subs:       map[int]chan Delivery{},
		closedCh:   make(chan struct{}),
	}
	if o.ForwardTo != "" {
		if err := checkForwardURL(o.ForwardTo); err != nil {
			return nil, err
		}
		r.forwardTo = o.ForwardTo
	}
	if r.journal != nil {
		r.store = journalStore{r.journal}
	} else {
		r.store = newMemStore()
	}
	if r.maxBody <= 0 {
		r.maxBody = DefaultMaxBody
	}
	if r.fwdTimeout <= 0 {
		r.fwdTimeout = DefaultForwardTimeout
	}
	if r.client == nil {
		r.client = &http.Client{}
	}
	// Never follow a redirect when forwarding: the user should see the 3xx
	// their endpoint answered, and the signed body must not go elsewhere.
	c := *r.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r.client = &c
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r.health.SecretSet = r.secret != ""
	rate, burst := o.RejectRate, o.RejectBurst
	if rate <= 0 {
		rate = DefaultRejectRate
	}
	if burst <= 0 {
		burst = DefaultRejectBurst
	}
	r.rejects = newTokenBucket(rate, burst)
	r.prune() // the retention policy, once per start
	return r, nil
}

// checkForwardURL accepts absolute http and https URLs only.
func checkForwardURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhooks: forward URL %q must be an absolute http:// or https:// URL", raw)
	}
	return nil
}

// SetSecret changes the webhook secret for later deliveries.
func (r *Receiver) SetSecret(secret string) {
	r.mu.Lock()
	r.secret = secret
	r.health.SecretSet = secret != ""
	r.mu.Unlock()
}

// SetForwardTo changes (or with "" turns off) auto-forwarding.
func (r *Receiver) SetForwardTo(u string) error {
	if u != "" {
		if err := checkForwardURL(u); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.forwardTo = u
	r.mu.Unlock()
	return nil
}

// ForwardTo returns the auto-forward URL, or "".
func (r *Receiver) ForwardTo() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forwardTo
}

// Start listens on addr (DefaultAddr when empty) and serves deliveries in
// the background. It returns the URL to give the sender, such as
// "http://127.0.0.1:43121/webhook".
func (r *Receiver) Start(addr string) (string, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.setError(fmt.Sprintf("listen on %s: %v", addr, err))
		return "", fmt.Errorf("webhooks: listen on %s: %w", addr, err)
	}
	u, err := r.Serve(ln)
	if err != nil {
		ln.Close()
		return "", err
	}
	return u, nil
}

// Serve serves deliveries on ln in the background (Start with a listener
// made elsewhere) and returns the webhook URL.
func (r *Receiver) Serve(ln net.Listener) (string, error) {
	srv := &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(r.log.Handler(), slog.LevelDebug),
	}
	u := "http://" + ln.Addr().String() + Path
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return "", errors.New("webhooks: receiver is closed")
	}
	if r.srv != nil {
		r.mu.Unlock()
		return "", errors.New("webhooks: receiver is already listening on " + r.health.URL)
	}
	r.srv = srv
	done := make(chan struct{})
	r.done = done
	r.health.Listening = true
	r.health.URL = u
	r.bg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.bg.Done()
		defer close(done)
		err := srv.Serve(ln)
		r.mu.Lock()
		r.health.Listening = false
		if r.srv == srv {
			r.srv = nil
		}
		r.mu.Unlock()
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.setError("listener stopped: " + err.Error())
		}
	}()
	return u, nil
}

// serveDone is closed when the listener stops (nil before Start).
func (r *Receiver) serveDone() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// URL is the webhook URL while listening, or "".
func (r *Receiver) URL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.health.Listening {
		return ""
	}
	return r.health.URL
}

// Close stops the listener, waits for forwards in flight and closes every
// subscription. It is safe to call more than once.
func (r *Receiver) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	srv := r.srv
	r.mu.Unlock()
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = srv.Shutdown(ctx)
		cancel()
		if err != nil {
			err = srv.Close()
		}
	}
	r.bg.Wait()
	r.mu.Lock()
	r.health.Listening = false
	for id, ch := range r.subs {
		delete(r.subs, id)
		close(ch)
	}
	// Only now: subscriptions stay open until forwards in flight have
	// published their results.
	close(r.closedCh)
	r.mu.Unlock()
	return err
}

// Health returns a snapshot of the receiver's state.
func (r *Receiver) Health() Health {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.health
}

// Subscribe returns every later delivery until ctx ends or the receiver
// closes, then the channel is closed. Publishing never blocks the sender's
// request: a subscriber more than a few hundred deliveries behind misses
// some (counted in Health.Dropped); the journal keeps them all.
func (r *Receiver) Subscribe(ctx context.Context) <-chan Delivery {
	ch := make(chan Delivery, subscriberBuffer)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		close(ch)
		return ch
	}
	id := r.nextSub
	r.nextSub++
	r.subs[id] = ch
	r.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
		case <-r.closedCh: // Close has closed the channel already
		}
		r.mu.Lock()
		if c, ok := r.subs[id]; ok {
			delete(r.subs, id)
			close(c)
		}
		r.mu.Unlock()
	}()
	return ch
}

func (r *Receiver) publish(d Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.subs {
		select {
		case ch <- d:
		default:
			r.health.Dropped++
		}
	}
}

func (r *Receiver) setError(msg string) {
	r.mu.Lock()
	r.health.LastError = msg
	r.health.LastErrorAt = r.now()
	r.mu.Unlock()
	r.log.Warn("webhooks: " + msg)
}

// replayKey marks a request made by Replay. A context value, unlike a
// header, cannot be set by a remote sender.
type replayKey struct{}

// reply writes a small JSON answer; senders only look at the status.
func reply(w http.ResponseWriter, status int, fields map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(fields)
}

// ServeHTTP handles one delivery.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != Path {
		reply(w, http.StatusNotFound, map[string]string{"error": "not found: webhooks are received at " + Path})
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, map[string]string{"error": "method " + req.Method + " not allowed: POST webhook events to " + Path})
		return
	}
	d := r.handle(w, req)
	body := map[string]string{"status": "ok"}
	switch {
	case d.Err != nil:
		body = map[string]string{"error": "could not record the event; please retry"}
	case !d.Verified:
		body = map[string]string{"error": d.Reason}
	case d.Duplicate:
		body["status"] = "duplicate"
	}
	if d.EventID != "" && d.Verified {
		body["event"] = d.EventID
	}
	reply(w, d.HTTPStatus, body)
	r.after(d)
}

// handle checks, applies and records one delivery and says what to answer.
func (r *Receiver) handle(w http.ResponseWriter, req *http.Request) Delivery {
	now := r.now().UTC()
	r.mu.Lock()
	secret := r.secret
	r.mu.Unlock()
	d := Delivery{Event: Event{
		DeliveryID: req.Header.Get("X-Komoju-ID"),
		Type:       req.Header.Get("X-Komoju-Event"),
		ReceivedAt: now,
		LastAt:     now,
		Deliveries: 1,
		Headers:    keptHeaders(req),
	}}
	d.Replay = req.Context().Value(replayKey{}) != nil
	d.Forwarded = req.Header.Get(HeaderForwarded) != ""

	// In a flood of rejected deliveries, one without a signature is turned
	// away before its body is read: it cannot be genuine (KOMOJU signs
	// every delivery).
	r.mu.Lock()
	flooded := req.Header.Get("X-Komoju-Signature") == "" && r.rejects.empty(now)
	r.mu.Unlock()
	if flooded {
		w.Header().Set("Retry-After", "1")
		return r.reject(d, http.StatusTooManyRequests, ReasonFlood)
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		d.Body = body
		if errors.As(err, &tooBig) {
			return r.reject(d, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s (%d bytes)", ReasonTooLarge, r.maxBody))
		}
		return r.reject(d, http.StatusBadRequest, ReasonUnreadable+": "+err.Error())
	}
	d.Body = body
	// Parsed before the verdict for display only: the inspector shows what
	// a rejected delivery claimed to be, marked ✗. Nothing unverified is
	// applied or used as a dedupe key.
	peek(&d.Event)

	if err := komoju.VerifyWebhook(body, req.Header.Get("X-Komoju-Signature"), secret); err != nil {
		return r.reject(d, http.StatusUnauthorized, signatureReason(err))
	}
	ev, err := komoju.ParseEvent(body)
	if err != nil {
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "komoju: "), "webhook body is not an event: ")
		return r.reject(d, http.StatusBadRequest, ReasonNotEvent+": "+msg)
	}
	var pay *komoju.Payment
	if strings.HasPrefix(ev.Type, "payment.") {
		if pay, err = ev.Payment(); err != nil || pay.ID == "" {
			reason := "payment event without a payment id"
			if err != nil {
				reason = strings.TrimPrefix(err.Error(), "komoju: ")
			}
			return r.reject(d, http.StatusBadRequest, ReasonNotEvent+": "+reason)
		}
	}
	// The signed body is the source of truth: the event id dedupes (the
	// X-Komoju-ID header is not covered by the signature).
	d.Verified = true
	d.Reason = ""
	d.EventID = ev.ID
	d.Type = ev.Type
	d.CreatedAt = ev.CreatedAt
	if pay != nil {
		d.PaymentID, d.Amount, d.Currency, d.PaymentStatus = pay.ID, pay.Total, pay.Currency, pay.Status
		if d.Amount == 0 {
			d.Amount = pay.Amount
		}
	}

	// A journal failure answers 500 on purpose: KOMOJU keeps 5xx deliveries
	// in its retry queue, whereas a 4xx would tell it the event is
	// permanently invalid and the captured payment would be lost.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), journalTimeout)
	defer cancel()
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	prev, err := r.store.lookup(ctx, ev.ID)
	if err != nil {
		return r.fail(d, fmt.Errorf("look up event %s: %w", ev.ID, err))
	}
	d.Duplicate = prev != nil
	if !d.Duplicate && pay != nil {
		// Applied before the event is recorded: if this fails, the sender
		// retries and the retry is not mistaken for a duplicate.
		if err := r.store.applyPayment(ctx, pay); err != nil {
			var perm permanentError
			if !errors.As(err, &perm) {
				return r.fail(d, fmt.Errorf("record payment %s: %w", pay.ID, err))
			}
			r.setError(err.Error())
		}
	}
	count, err := r.store.record(ctx, d.Event)
	if err != nil {
		return r.fail(d, fmt.Errorf("record event %s: %w", ev.ID, err))
	}
	r.countRecorded()
	if prev != nil {
		d.ReceivedAt = prev.ReceivedAt
	}
	d.Deliveries = max(count, 1)
	d.HTTPStatus = http.StatusOK
	if !d.Duplicate {
		d.Payment = pay
	}
	r.mu.Lock()
	r.health.LastEventAt, r.health.LastEventType = now, d.Type
	if d.Duplicate {
		r.health.Duplicates++
	} else {
		r.health.Accepted++
	}
	r.mu.Unlock()
	r.log.Debug("webhooks: accepted", "event", d.Type, "id", d.EventID, "payment", d.PaymentID, "duplicate", d.Duplicate)
	return d
}

// reject counts a delivery that failed verification or parsing and records
// its summary, unless rejected deliveries come faster than the rate limit.
func (r *Receiver) reject(d Delivery, status int, reason string) Delivery {
	d.Verified = false
	d.Reason = reason
	d.HTTPStatus = status
	size := len(d.Body)
	summarise(&d, size)
	ctx, cancel := context.WithTimeout(context.Background(), journalTimeout)
	defer cancel()
	r.mu.Lock()
	r.health.Rejected++
	r.health.RejectedBytes += int64(size)
	r.health.LastEventAt, r.health.LastEventType = d.ReceivedAt, d.Type
	r.health.LastError, r.health.LastErrorAt = "rejected: "+reason, d.ReceivedAt
	record := status != http.StatusTooManyRequests && r.rejects.take(r.now())
	if !record {
		r.health.RejectedUnrecorded++
	}
	r.mu.Unlock()
	if !record {
		return d
	}
	r.countRecorded()
	// A rejected delivery is stored under its own key so a forgery can
	// never make the genuine event look like a duplicate. If the journal
	// cannot store it the answer stays 4xx: the sender's mistake is not a
	// reason to retry.
	if _, err := r.store.record(ctx, d.Event); err != nil {
		r.setError("could not record a rejected delivery: " + err.Error())
	}
	r.log.Info("webhooks: rejected", "status", status, "reason", reason, "event", d.Type)
	return d
}

// countRecorded starts the retention policy every PruneEvery records.
func (r *Receiver) countRecorded() {
	r.mu.Lock()
	r.recorded++
	due := r.recorded >= PruneEvery
	if due {
		r.recorded = 0
	}
	r.mu.Unlock()
	if due {
		r.prune()
	}
}

// fail answers 500 after a journal failure so the sender retries.
func (r *Receiver) fail(d Delivery, err error) Delivery {
	d.HTTPStatus = http.StatusInternalServerError
	d.Err = err
	d.Payment = nil
	r.mu.Lock()
	r.health.Failed++
	r.health.LastEventAt, r.health.LastEventType = d.ReceivedAt, d.Type
	r.mu.Unlock()
	r.setError("journal: " + err.Error())
	return d
}

// after publishes the delivery and auto-forwards verified ones, unless that
// would loop (see loopCheck).
func (r *Receiver) after(d Delivery) {
	r.mu.Lock()
	fwd := r.forwardTo
	forward := fwd != "" && d.Verified && d.Err == nil && !r.closed
	if forward {
		if why := r.loopCheck(d); why != "" {
			forward, d.ForwardSkipped = false, why
			r.health.ForwardLoops++
		}
	}
	if forward {
		r.bg.Add(1)
	}
	r.mu.Unlock()
	d.ForwardPending = forward
	r.publish(d)
	if !forward {
		return
	}
	// Off the request path, so the sender gets its 200 at once.
	go func() {
		defer r.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), r.fwdTimeout)
		defer cancel()
		res := r.send(ctx, d.Body, d.EventID, d.Type, fwd)
		d.ForwardPending = false
		d.Forward = &res
		d.Payment = nil // already published for applying
		r.publish(d)
	}()
}

func signatureReason(err error) string {
	switch {
	case errors.Is(err, komoju.ErrSignatureMissing):
		return ReasonMissingSignature
	case errors.Is(err, komoju.ErrSignatureMalformed):
		return ReasonBadHex
	case errors.Is(err, komoju.ErrNoWebhookSecret):
		return ReasonNoSecret
	case errors.Is(err, komoju.ErrSignatureMismatch):
		return ReasonMismatch
	}
	return err.Error()
}

// peek fills display fields from an unverified body, ignoring errors.
func peek(e *Event) {
	var ev komoju.Event
	if json.Unmarshal(e.Body, &ev) != nil {
		return
	}
	e.EventID = ev.ID
	if ev.Type != "" {
		e.Type = ev.Type
	}
	e.CreatedAt = ev.CreatedAt
	if p, err := ev.Payment(); err == nil {
		e.PaymentID, e.Amount, e.Currency, e.PaymentStatus = p.ID, p.Total, p.Currency, p.Status
		if e.Amount == 0 {
			e.Amount = p.Amount
		}
	}
}

// keptHeaders are the request headers worth showing in the inspector.
func keptHeaders(req *http.Request) map[string]string {
	h := map[string]string{}
	for _, k := range []string{"X-Komoju-ID", "X-Komoju-Event", "X-Komoju-Signature", "User-Agent", "Content-Type", HeaderForwarded} {
		if v := req.Header.Get(k); v != "" {
			h[k] = truncateString(v, 512)
		}
	}
	if req.ContentLength >= 0 {
		h["Content-Length"] = strconv.FormatInt(req.ContentLength, 10)
	}
	if req.RemoteAddr != "" {
		h["Remote-Addr"] = req.RemoteAddr
	}
	return h
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return append([]byte(nil), b[:n]...)
	}
	return b
}

func truncateString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
