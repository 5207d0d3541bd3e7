package sandbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

const (
	webhookQueueSize = 1 << 16 // bounded: when full, deliveries are dropped, logged and listed as final
	webhookWorkers   = 4       // concurrent deliveries
	// defaultDeliveryLog is how many attempts GET /sandbox/webhook_deliveries
	// keeps by default (about 15 MB); the oldest half goes when it is full.
	defaultDeliveryLog = 100000
	// maxWebhooks bounds the registered webhooks (and per-payment ones).
	maxWebhooks        = 100
	maxPaymentWebhooks = 10
)

// DefaultWebhookRetrySchedule is the wait before each retry of a failed
// delivery (attempt 2 after 1 minute, …, attempt 6 after 6 more hours).
// Sandbox choice: KOMOJU does not publish its schedule; its EC-CUBE plugin
// answers 5xx "so that KOMOJU retries", so retries exist and span more than
// seconds. Minutes to hours is what payment providers commonly use. Tests
// shorten it (Options.WebhookRetrySchedule or WebhookBackoff) or fire
// pending retries at once (RetryWebhooksNow, POST /sandbox/webhooks/retry).
var DefaultWebhookRetrySchedule = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// WebhookEventTypes are the event types a webhook can subscribe to, as
// listed on https://doc.komoju.com/docs/webhooks. The sandbox sends ping
// and the payment.* events; the others are accepted in a selection.
var WebhookEventTypes = []string{
	komoju.EventPing,
	komoju.EventPaymentAuthorized, komoju.EventPaymentCaptured, komoju.EventPaymentUpdated, komoju.EventPaymentExpired,
	komoju.EventPaymentCancelled, komoju.EventPaymentRefundCreated, komoju.EventPaymentRefunded, komoju.EventPaymentFailed,
	"customer.created", "customer.updated", "customer.deleted",
	"subscription.created", "subscription.captured", "subscription.failed", "subscription.suspended", "subscription.deleted",
	"settlement.created", "payout.created",
}

// Webhook is a webhook endpoint: where events go and which ones.
type Webhook struct {
	URL string `json:"url"`
	// Events are the event types sent to URL; empty means every type (what
	// the console's own receiver wants). KOMOJU makes the merchant select
	// them when creating a webhook.
	Events []string `json:"events"`
}

// wants reports whether the webhook subscribes to typ.
func (h Webhook) wants(typ string) bool { return len(h.Events) == 0 || slices.Contains(h.Events, typ) }

// checkWebhook validates a webhook: its URL (see checkWebhookURL) and its
// event types.
func checkWebhook(h Webhook) error {
	if err := checkWebhookURL(h.URL); err != nil {
		return err
	}
	for _, e := range h.Events {
		if !slices.Contains(WebhookEventTypes, e) {
			return fmt.Errorf("webhook event %q is not one of %s", truncate(e, 64), strings.Join(WebhookEventTypes, ", "))
		}
	}
	return nil
}

// ParseWebhookFlag reads the --webhook-url form "URL" or "URL EVENT,EVENT"
// (a URL never contains a space).
func ParseWebhookFlag(v string) (Webhook, error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 {
		return Webhook{}, fmt.Errorf("webhook %q must be \"URL\" or \"URL payment.captured,payment.failed\"", truncate(v, 100))
	}
	h := Webhook{URL: f[0]}
	if len(f) == 2 {
		for _, e := range strings.Split(f[1], ",") {
			if e = strings.TrimSpace(e); e != "" && !slices.Contains(h.Events, e) {
				h.Events = append(h.Events, e)
			}
		}
	}
	return h, checkWebhook(h)
}

// Delivery is one webhook delivery attempt, as listed by
// GET /sandbox/webhook_deliveries.
type Delivery struct {
	// ID is the X-Komoju-ID header: "Unique ID of the webhook delivery"
	// (doc.komoju.com/docs/webhooks), fresh on every attempt. Receivers
	// de-duplicate on the body's event id, never on this.
	ID        string    `json:"id"`
	EventID   string    `json:"event_id"` // the body's id, the same on every retry
	EventType string    `json:"event_type"`
	URL       string    `json:"url"`
	Attempt   int       `json:"attempt"`
	Status    int       `json:"status"` // HTTP status answered; 0 when there was no answer
	Success   bool      `json:"success"`
	Error     string    `json:"error,omitempty"`
	Final     bool      `json:"final"` // no further attempt will be made
	At        time.Time `json:"at"`    // wall-clock time of the attempt
	// NextAttemptAt is when the next attempt is due (wall clock), for a
	// failed attempt that will be retried.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

type whJob struct {
	ev      *eventRec
	url     string
	attempt int
	body    []byte
	gen     int
}

// webhooks delivers events asynchronously: enqueue never blocks, a few
// workers POST, failures are retried on the retry schedule.
type webhooks struct {
	s        *Server
	secret   string
	schedule []time.Duration // wait before attempt 2, 3, …
	timeout  time.Duration
	logLimit int
	client   *http.Client
	q        chan *whJob
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu      sync.Mutex
	hooks   []Webhook
	log     []Delivery
	gen     int // bumped by reset: pending retries of an older generation are dropped
	pending map[*whJob]*time.Timer
	ids     *mrand.ChaCha8 // delivery ids (X-Komoju-ID)
	closed  bool
}

// retrySchedule is the schedule the options ask for: WebhookRetrySchedule;
// else WebhookBackoff doubling (WebhookMaxAttempts attempts, default 6);
// else the default schedule cut or stretched to WebhookMaxAttempts.
func retrySchedule(opts Options) []time.Duration {
	if opts.WebhookRetrySchedule != nil {
		return slices.Clone(opts.WebhookRetrySchedule)
	}
	attempts := opts.WebhookMaxAttempts
	if attempts <= 0 {
		attempts = len(DefaultWebhookRetrySchedule) + 1
	}
	out := make([]time.Duration, attempts-1)
	for i := range out {
		switch {
		case opts.WebhookBackoff > 0:
			out[i] = opts.WebhookBackoff << i
		case i < len(DefaultWebhookRetrySchedule):
			out[i] = DefaultWebhookRetrySchedule[i]
		default:
			out[i] = DefaultWebhookRetrySchedule[len(DefaultWebhookRetrySchedule)-1]
		}
	}
	return out
}

func newWebhooks(s *Server, opts Options, hooks []Webhook) *webhooks {
	w := &webhooks{
		s:        s,
		secret:   opts.WebhookSecret,
		schedule: retrySchedule(opts),
		timeout:  opts.WebhookTimeout,
		q:        make(chan *whJob, webhookQueueSize),
		hooks:    hooks,
		pending:  map[*whJob]*time.Timer{},
	}
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], s.seed)
	copy(seed[8:], "komoju-tui webhook deliveries")
	w.ids = mrand.NewChaCha8(seed)
	if w.timeout <= 0 {
		w.timeout = 5 * time.Second
	}
	w.logLimit = opts.DeliveryLogLimit
	if w.logLimit <= 0 {
		w.logLimit = defaultDeliveryLog
	}
	w.client = &http.Client{
		Timeout:       w.timeout,
		Transport:     guardedTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	for range webhookWorkers {
		w.wg.Add(1)
		go w.worker()
	}
	return w
}

// add registers h, or changes the events of the webhook with its URL. It
// reports whether h is new.
func (w *webhooks) add(h Webhook) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.hooks {
		if w.hooks[i].URL == h.URL {
			w.hooks[i].Events = h.Events
			return false, nil
		}
	}
	if len(w.hooks) >= maxWebhooks {
		return false, fmt.Errorf("at most %d webhooks can be registered", maxWebhooks)
	}
	w.hooks = append(w.hooks, h)
	return true, nil
}

func (w *webhooks) list() []Webhook {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Webhook, len(w.hooks))
	for i, h := range w.hooks {
		out[i] = Webhook{URL: h.URL, Events: append([]string{}, h.Events...)}
	}
	return out
}

func (w *webhooks) reset() {
	w.mu.Lock()
	w.gen++
	w.log = nil
	for j, t := range w.pending {
		t.Stop()
		delete(w.pending, j)
	}
	w.mu.Unlock()
}

// enqueue queues the event for every account webhook that subscribes to
// its type and for the payment's own webhooks (Payment: Create's webhooks
// parameter; both are sent, as doc.komoju.com/docs/webhooks says). It
// never blocks (it runs under the state lock); a full queue drops the
// delivery and records that.
func (w *webhooks) enqueue(e *eventRec, extra []Webhook) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	var sent []string
	for _, list := range [2][]Webhook{w.hooks, extra} {
		for _, h := range list {
			if !h.wants(e.typ) || slices.Contains(sent, h.URL) {
				continue
			}
			sent = append(sent, h.URL)
			w.pushLocked(&whJob{ev: e, url: h.URL, attempt: 1, gen: w.gen})
		}
	}
}

// ping queues a ping event for a newly registered webhook: "After creating
// the webhook we will immediately send you a ping event"
// (doc.komoju.com/docs/webhooks).
// Its id comes from the delivery id sequence, so registering webhooks does
// not shift a seeded sandbox's payment ids. It is not listed by GET /events:
// it belongs to the webhook, not to the account's objects.
func (w *webhooks) ping(url string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		e := &eventRec{id: w.newIDLocked(), typ: komoju.EventPing, created: now}
		w.pushLocked(&whJob{ev: e, url: url, attempt: 1, gen: w.gen})
	}
}

func (w *webhooks) pushLocked(j *whJob) {
	select {
	case w.q <- j:
	default:
		w.recordLocked(Delivery{ID: w.newIDLocked(), EventID: j.ev.id, EventType: j.ev.typ, URL: j.url, Attempt: j.attempt,
			Error: "dropped: webhook queue full", Final: true, At: time.Now().UTC()})
		w.s.log.Warn("sandbox: webhook queue full, delivery dropped", "event", j.ev.id, "url", j.url)
	}
}

func (w *webhooks) newIDLocked() string { return idFrom(w.ids) }

func (w *webhooks) recordLocked(d Delivery) {
	if len(w.log) >= w.logLimit {
		w.log = append(w.log[:0:0], w.log[len(w.log)-w.logLimit/2:]...)
	}
	w.log = append(w.log, d)
}

func (w *webhooks) deliveries() []Delivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Delivery{}, w.log...)
}

func (w *webhooks) worker() {
	defer w.wg.Done()
	for {
		select {
		case <-w.ctx.Done():
			return
		case j := <-w.q:
			w.deliver(j)
		}
	}
}

// deliver makes one attempt and schedules the next when it failed in a way
// a retry can fix: no answer, a timeout, a 5xx (or 3xx: redirects are not
// followed). A 4xx is final: the receiver said the event itself is wrong
// (komoju/komoju-eccube Controller/WebhookController.php answers 500 on
// internal failures because "Answering 400 would tell KOMOJU the event is
// permanently invalid and stop retries").
func (w *webhooks) deliver(j *whJob) {
	if j.body == nil {
		// Marshalled once; retries send (and sign) exactly the same bytes.
		j.body, _ = json.Marshal(j.ev.view())
	}
	w.mu.Lock()
	id := w.newIDLocked()
	w.mu.Unlock()
	d := Delivery{ID: id, EventID: j.ev.id, EventType: j.ev.typ, URL: j.url, Attempt: j.attempt, At: time.Now().UTC()}
	permanent := false
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Komoju-Webhook")
		req.Header.Set("X-Komoju-ID", id)
		req.Header.Set("X-Komoju-Event", j.ev.typ)
		req.Header.Set("X-Komoju-Signature", komoju.SignWebhook(j.body, w.secret))
		var resp *http.Response
		resp, err = w.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			d.Status = resp.StatusCode
			d.Success = resp.StatusCode >= 200 && resp.StatusCode < 300
			permanent = resp.StatusCode >= 400 && resp.StatusCode < 500
			if !d.Success {
				d.Error = "receiver answered " + resp.Status
			}
		} else if errorsIsRefused(err) {
			permanent = true
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if j.gen != w.gen || w.closed {
		return
	}
	d.Final = d.Success || permanent || j.attempt > len(w.schedule)
	var delay time.Duration
	if !d.Final {
		delay = w.schedule[j.attempt-1]
		next := d.At.Add(delay)
		d.NextAttemptAt = &next
	}
	w.recordLocked(d)
	switch {
	case d.Success:
		w.s.log.Debug("sandbox: webhook delivered", "event", j.ev.typ, "id", j.ev.id, "url", j.url, "attempt", j.attempt)
		return
	case d.Final:
		w.s.log.Warn("sandbox: webhook gave up", "event", j.ev.typ, "id", j.ev.id, "url", j.url, "attempts", j.attempt, "err", d.Error)
		return
	}
	w.s.log.Info("sandbox: webhook failed, will retry", "event", j.ev.typ, "url", j.url, "attempt", j.attempt, "retry_in", delay, "err", d.Error)
	next := &whJob{ev: j.ev, url: j.url, attempt: j.attempt + 1, body: j.body, gen: j.gen}
	w.pending[next] = time.AfterFunc(delay, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if _, ok := w.pending[next]; !ok || w.closed {
			return // fired by RetryWebhooksNow, reset or closed
		}
		delete(w.pending, next)
		w.pushLocked(next)
	})
}

// retryNow sends every pending retry now and returns how many.
func (w *webhooks) retryNow() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0
	}
	jobs := make([]*whJob, 0, len(w.pending))
	for j, t := range w.pending {
		t.Stop()
		delete(w.pending, j)
		jobs = append(jobs, j)
	}
	// Oldest events first, so a receiver sees them in the order they happened.
	slices.SortFunc(jobs, func(a, b *whJob) int { return a.ev.created.Compare(b.ev.created) })
	for _, j := range jobs {
		w.pushLocked(j)
	}
	return len(jobs)
}

func (w *webhooks) close() {
	w.mu.Lock()
	w.closed = true
	for j, t := range w.pending {
		t.Stop()
		delete(w.pending, j)
	}
	w.mu.Unlock()
	w.cancel()
	w.wg.Wait()
}

// Deliveries lists webhook delivery attempts, oldest first.
func (s *Server) Deliveries() []Delivery { return s.wh.deliveries() }

// Webhooks lists the registered webhooks.
func (s *Server) Webhooks() []Webhook { return s.wh.list() }

// AddWebhook sends every later event to url as well (and a ping now).
func (s *Server) AddWebhook(url string) error { return s.RegisterWebhook(Webhook{URL: url}) }

// RegisterWebhook registers h: its events go to h.URL from now on, and a
// ping event is sent to it at once, as KOMOJU does when a webhook is
// created. Registering a URL again changes its event selection (no ping).
func (s *Server) RegisterWebhook(h Webhook) error {
	if err := checkWebhook(h); err != nil {
		return err
	}
	h.Events = slices.Clone(h.Events)
	added, err := s.wh.add(h)
	if err != nil || !added {
		return err
	}
	s.wh.ping(h.URL, s.clock.Now())
	return nil
}

// RetryWebhooksNow sends every failed delivery that waits for a retry now,
// instead of on its schedule, and returns how many it sent. Tests use it to
// stay fast under the realistic default schedule.
func (s *Server) RetryWebhooksNow() int { return s.wh.retryNow() }

// parsePaymentWebhooks reads Payment: Create's webhooks parameter: webhooks
// for this payment only, sent in addition to the account's
// (doc.komoju.com/docs/webhooks, "Advanced case"). Sandbox choice on the
// shape, which KOMOJU shows only by example: each entry is a URL, or an
// object {"url": …, "events": […]} (events omitted: every type).
func parsePaymentWebhooks(p obj) ([]Webhook, *apiError) {
	l, ok, err := p.list("webhooks", "webhooks")
	if err != nil || !ok {
		return nil, err
	}
	if len(l) > maxPaymentWebhooks {
		return nil, errInvalid("webhooks", "at most %d webhooks per payment", maxPaymentWebhooks)
	}
	out := make([]Webhook, 0, len(l))
	for i, v := range l {
		param := "webhooks[" + itoa(i) + "]"
		var h Webhook
		switch x := v.(type) {
		case string:
			h.URL = strings.TrimSpace(x)
		case map[string]any:
			o := obj(x)
			if h.URL, err = o.reqStr("url", param+"[url]", 2048); err != nil {
				return nil, err
			}
			if h.Events, err = parseEventTypes(o, "events"); err != nil {
				err.param = param + "[events]"
				return nil, err
			}
		default:
			return nil, errInvalid(param, "expected a URL or an object with url and events, got %s", typeName(v))
		}
		if e := checkWebhookURL(h.URL); e != nil {
			return nil, errInvalid(param, "%s", e.Error())
		}
		out = append(out, h)
	}
	return out, nil
}
