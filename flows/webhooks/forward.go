package webhooks

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// ForwardResult is what came of sending a stored event somewhere: the
// status the endpoint answered and how long it took. A non-2xx status is a
// result, not an error: showing it is the point of forwarding.
type ForwardResult struct {
	URL     string
	Status  int // 0 when there was no answer
	Latency time.Duration
	// Body is the start of the answer, for the inspector.
	Body string
	// Err says why there was no answer (timeout, connection refused).
	Err string
	At  time.Time
	// Tries is how many requests the forward took (retries included).
	Tries int
}

// OK reports a 2xx answer.
func (f ForwardResult) OK() bool { return f.Status >= 200 && f.Status < 300 }

// String renders the result for a status line: "200 OK in 12ms" or
// "failed after 10s: connection refused".
func (f ForwardResult) String() string {
	if f.Status == 0 {
		return fmt.Sprintf("failed after %s: %s", roundLatency(f.Latency), f.Err)
	}
	return fmt.Sprintf("%d %s in %s", f.Status, http.StatusText(f.Status), roundLatency(f.Latency))
}

func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// Errors of Replay and Forward.
var (
	// ErrUnknownEvent means no verified event with that id is stored.
	ErrUnknownEvent = errors.New("webhooks: no verified event with that id is stored")
	// ErrNoForwardURL means Forward was asked to forward nowhere.
	ErrNoForwardURL = errors.New("webhooks: no forward URL: start with --forward-to URL")
)

// Events lists up to limit stored deliveries, newest first (limit <= 0:
// all the store returns).
func (r *Receiver) Events(ctx context.Context, limit int) ([]Event, error) {
	return r.store.list(ctx, limit)
}

// Event returns the stored verified event with this id.
func (r *Receiver) Event(ctx context.Context, eventID string) (Event, error) {
	e, err := r.store.lookup(ctx, eventID)
	if err != nil {
		return Event{}, err
	}
	if e == nil {
		return Event{}, fmt.Errorf("%w: %q", ErrUnknownEvent, eventID)
	}
	return *e, nil
}

// LastForward returns the latest forward result of an event, if any.
func (r *Receiver) LastForward(eventID string) (ForwardResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.forwards[eventID]
	return f, ok
}

// Replay delivers a stored verified event to this receiver again: the
// exact stored body, re-signed with the current secret, through the same
// handler a real delivery takes. It is then a redelivery: counted, shown,
// not applied a second time. Rejected deliveries cannot be replayed: their
// bodies are unverified, and re-signing them would launder a forgery.
func (r *Receiver) Replay(ctx context.Context, eventID string) (ForwardResult, error) {
	e, err := r.Event(ctx, eventID)
	if err != nil {
		return ForwardResult{}, err
	}
	r.mu.Lock()
	secret := r.secret
	r.mu.Unlock()
	if secret == "" {
		return ForwardResult{}, errors.New("webhooks: cannot replay without a webhook secret to sign with")
	}
	target := r.URL()
	if target == "" {
		target = "http://localhost" + Path
	}
	ctx = context.WithValue(ctx, replayKey{}, true)
	req, err := newSignedRequest(ctx, target, e.Body, e.Type, secret)
	if err != nil {
		return ForwardResult{}, err
	}
	req.RemoteAddr = "replay"
	// In process rather than over the socket: a replay works even when the
	// listener is down, and it exercises exactly the handler a delivery
	// meets (signature, dedupe, journal).
	start := time.Now()
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	return ForwardResult{
		URL:     target,
		Status:  rec.Code,
		Latency: time.Since(start),
		Body:    strings.TrimSpace(truncateString(rec.Body.String(), 512)),
		At:      r.now(),
	}, nil
}

// Forward posts a stored verified event to url (the user's own endpoint,
// --forward-to) as KOMOJU would: the exact stored body, signed with the
// webhook secret, with X-Komoju-ID, X-Komoju-Event, X-Komoju-Signature and
// User-Agent Komoju-Webhook. An empty url uses the receiver's ForwardTo.
// The error is non-nil only when nothing could be sent; a failed request
// is reported in the result.
func (r *Receiver) Forward(ctx context.Context, eventID, url string) (ForwardResult, error) {
	if url == "" {
		url = r.ForwardTo()
	}
	if url == "" {
		return ForwardResult{}, ErrNoForwardURL
	}
	if err := checkForwardURL(url); err != nil {
		return ForwardResult{}, err
	}
	e, err := r.Event(ctx, eventID)
	if err != nil {
		return ForwardResult{}, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.fwdTimeout)
		defer cancel()
	}
	return r.send(ctx, e.Body, e.EventID, e.Type, url), nil
}

// send signs and posts body to url and records the result. A try with no
// answer or a 5xx is retried, at most ForwardAttempts tries in all and
// within ctx: a forward target that is down costs a bounded number of
// requests, never a stream of them.
func (r *Receiver) send(ctx context.Context, body []byte, eventID, eventType, url string) ForwardResult {
	r.mu.Lock()
	secret, tries, wait := r.secret, r.fwdTries, r.fwdWait
	r.mu.Unlock()
	if tries <= 0 {
		tries = DefaultForwardAttempts
	}
	if wait == nil {
		wait = func(n int) time.Duration { return time.Duration(n) * 500 * time.Millisecond }
	}
	var res ForwardResult
	for try := 1; ; try++ {
		res = r.try(ctx, body, eventID, eventType, url, secret)
		res.Tries = try
		if try >= tries || (res.Status != 0 && res.Status < 500) || res.Err == errNoSecret {
			break
		}
		t := time.NewTimer(wait(try))
		select {
		case <-ctx.Done():
			t.Stop()
			return r.noteForward(eventID, res)
		case <-t.C:
		}
	}
	return r.noteForward(eventID, res)
}

// errNoSecret is the result error of a forward without a secret to sign.
const errNoSecret = "webhooks: no webhook secret to sign with"

// try makes one forward request.
func (r *Receiver) try(ctx context.Context, body []byte, eventID, eventType, url, secret string) ForwardResult {
	res := ForwardResult{URL: url, At: r.now()}
	req, err := newSignedRequest(ctx, url, body, eventType, secret)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	req.Header.Set(HeaderForwarded, "1")
	start := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		res.Latency = time.Since(start)
		res.Err = forwardError(ctx, err)
		return res
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	res.Latency = time.Since(start)
	res.Status = resp.StatusCode
	res.Body = strings.TrimSpace(string(b))
	return res
}

func forwardError(ctx context.Context, err error) string {
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timed out"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		err = ue.Unwrap()
	}
	return err.Error()
}

func (r *Receiver) noteForward(eventID string, res ForwardResult) ForwardResult {
	r.mu.Lock()
	if res.Status != 0 {
		r.health.Forwarded++
	} else {
		r.health.ForwardFailed++
	}
	if eventID != "" {
		r.forwards[eventID] = res
	}
	r.mu.Unlock()
	if res.Status == 0 {
		r.setError("forward to " + res.URL + ": " + res.Err)
	}
	return res
}

// newDeliveryID returns a random delivery id shaped like KOMOJU's ids
// (25 characters of [0-9a-z]).
func newDeliveryID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [25]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// newSignedRequest builds a delivery the way KOMOJU sends one.
func newSignedRequest(ctx context.Context, url string, body []byte, eventType, secret string) (*http.Request, error) {
	if secret == "" {
		return nil, errors.New(errNoSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Komoju-Webhook")
	// X-Komoju-ID is the "Unique ID of the webhook delivery"
	// (doc.komoju.com/docs/webhooks): fresh on every attempt, never the
	// event's id, so a receiver that wrongly de-duplicates on it instead of
	// the body's id shows up here as it would against KOMOJU.
	req.Header.Set("X-Komoju-ID", newDeliveryID())
	req.Header.Set("X-Komoju-Event", eventType)
	req.Header.Set("X-Komoju-Signature", komoju.SignWebhook(body, secret))
	return req, nil
}
