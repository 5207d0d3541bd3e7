package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
)

// Delivery is one webhook delivery attempt, as listed by
// GET /sandbox/webhook_deliveries.
type Delivery struct {
	// ID is the X-Komoju-ID header: the event id, the same on every retry so
	// receivers can deduplicate.
	ID        string    `json:"id"`
	EventType string    `json:"event_type"`
	URL       string    `json:"url"`
	Attempt   int       `json:"attempt"`
	Status    int       `json:"status"` // HTTP status answered; 0 when there was no answer
	Success   bool      `json:"success"`
	Error     string    `json:"error,omitempty"`
	Final     bool      `json:"final"` // no further attempt will be made
	At        time.Time `json:"at"`    // wall-clock time of the attempt
}

type whJob struct {
	ev      *eventRec
	url     string
	attempt int
	body    []byte
	gen     int
}

// webhooks delivers events asynchronously: enqueue never blocks, a few
// workers POST, failures are retried with exponential backoff.
type webhooks struct {
	s           *Server
	secret      string
	backoff     time.Duration
	timeout     time.Duration
	maxAttempts int
	logLimit    int
	client      *http.Client
	q           chan *whJob
	ctx         context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup

	mu     sync.Mutex
	urls   []string
	log    []Delivery
	gen    int // bumped by reset: pending retries of an older generation are dropped
	timers map[*time.Timer]struct{}
	closed bool
}

func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook URL %q must be an absolute http or https URL", raw)
	}
	return nil
}

func newWebhooks(s *Server, opts Options) *webhooks {
	w := &webhooks{
		s:           s,
		secret:      opts.WebhookSecret,
		backoff:     opts.WebhookBackoff,
		timeout:     opts.WebhookTimeout,
		maxAttempts: opts.WebhookMaxAttempts,
		q:           make(chan *whJob, webhookQueueSize),
		urls:        append([]string(nil), opts.WebhookURLs...),
		timers:      map[*time.Timer]struct{}{},
	}
	if w.backoff <= 0 {
		w.backoff = 2 * time.Second
	}
	if w.timeout <= 0 {
		w.timeout = 5 * time.Second
	}
	if w.maxAttempts <= 0 {
		w.maxAttempts = 6
	}
	w.logLimit = opts.DeliveryLogLimit
	if w.logLimit <= 0 {
		w.logLimit = defaultDeliveryLog
	}
	w.client = &http.Client{Timeout: w.timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	for range webhookWorkers {
		w.wg.Add(1)
		go w.worker()
	}
	return w
}

func (w *webhooks) add(u string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, have := range w.urls {
		if have == u {
			return
		}
	}
	w.urls = append(w.urls, u)
}

func (w *webhooks) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string{}, w.urls...)
}

func (w *webhooks) reset() {
	w.mu.Lock()
	w.gen++
	w.log = nil
	w.mu.Unlock()
}

// enqueue queues the event for every URL. It never blocks (it runs under
// the state lock); a full queue drops the delivery and records that.
func (w *webhooks) enqueue(e *eventRec) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	for _, u := range w.urls {
		j := &whJob{ev: e, url: u, attempt: 1, gen: w.gen}
		select {
		case w.q <- j:
		default:
			w.recordLocked(Delivery{ID: e.id, EventType: e.typ, URL: u, Attempt: 1, Error: "dropped: webhook queue full", Final: true, At: time.Now().UTC()})
			w.s.log.Warn("sandbox: webhook queue full, delivery dropped", "event", e.id, "url", u)
		}
	}
}

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

// deliver makes one attempt and schedules the next on failure.
func (w *webhooks) deliver(j *whJob) {
	if j.body == nil {
		// Marshalled once; retries send (and sign) exactly the same bytes.
		j.body, _ = json.Marshal(j.ev.view())
	}
	d := Delivery{ID: j.ev.id, EventType: j.ev.typ, URL: j.url, Attempt: j.attempt, At: time.Now().UTC()}
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Komoju-Webhook")
		req.Header.Set("X-Komoju-ID", j.ev.id)
		req.Header.Set("X-Komoju-Event", j.ev.typ)
		req.Header.Set("X-Komoju-Signature", komoju.SignWebhook(j.body, w.secret))
		var resp *http.Response
		resp, err = w.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			d.Status = resp.StatusCode
			d.Success = resp.StatusCode >= 200 && resp.StatusCode < 300
			if !d.Success {
				d.Error = "receiver answered " + resp.Status
			}
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
	d.Final = d.Success || j.attempt >= w.maxAttempts
	w.recordLocked(d)
	if d.Success {
		w.s.log.Debug("sandbox: webhook delivered", "event", j.ev.typ, "id", j.ev.id, "url", j.url, "attempt", j.attempt)
		return
	}
	if d.Final {
		w.s.log.Warn("sandbox: webhook gave up", "event", j.ev.typ, "id", j.ev.id, "url", j.url, "attempts", j.attempt, "err", d.Error)
		return
	}
	delay := w.backoff << (j.attempt - 1)
	w.s.log.Info("sandbox: webhook failed, will retry", "event", j.ev.typ, "url", j.url, "attempt", j.attempt, "retry_in", delay, "err", d.Error)
	next := &whJob{ev: j.ev, url: j.url, attempt: j.attempt + 1, body: j.body, gen: j.gen}
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		w.mu.Lock()
		delete(w.timers, t)
		closed := w.closed
		w.mu.Unlock()
		if closed {
			return
		}
		select {
		case w.q <- next:
		default:
			w.mu.Lock()
			w.recordLocked(Delivery{ID: next.ev.id, EventType: next.ev.typ, URL: next.url, Attempt: next.attempt, Error: "dropped: webhook queue full", Final: true, At: time.Now().UTC()})
			w.mu.Unlock()
		}
	})
	w.timers[t] = struct{}{}
}

func (w *webhooks) close() {
	w.mu.Lock()
	w.closed = true
	for t := range w.timers {
		t.Stop()
	}
	w.timers = nil
	w.mu.Unlock()
	w.cancel()
	w.wg.Wait()
}

// Deliveries lists webhook delivery attempts, oldest first.
func (s *Server) Deliveries() []Delivery { return s.wh.deliveries() }
