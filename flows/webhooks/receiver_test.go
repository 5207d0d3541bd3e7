package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

const testSecret = "whsec_test_receiver"

// eventBody returns a payment event body as KOMOJU sends it.
func eventBody(t testing.TB, id, typ, paymentID string, status komoju.PaymentStatus, total int64) []byte {
	t.Helper()
	p := komoju.Payment{ID: paymentID, Resource: "payment", Status: status, Amount: total, Total: total, Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetails{Type: komoju.TypeKonbini}}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(komoju.Event{ID: id, Type: typ, Resource: "event", Data: data, CreatedAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countingStore wraps the memory store, counts applied payments and can
// fail the next n applications (a journal that is briefly unavailable).
type countingStore struct {
	*memStore
	mu        sync.Mutex
	applied   []*komoju.Payment
	failNext  int
	failWrite bool
}

func (c *countingStore) applyPayment(ctx context.Context, p *komoju.Payment) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failNext > 0 {
		c.failNext--
		return errors.New("database is locked")
	}
	c.applied = append(c.applied, p)
	return nil
}

func (c *countingStore) record(ctx context.Context, e Event) (int, error) {
	c.mu.Lock()
	fail := c.failWrite
	c.mu.Unlock()
	if fail {
		return 0, errors.New("disk full")
	}
	return c.memStore.record(ctx, e)
}

func (c *countingStore) appliedIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, p := range c.applied {
		out = append(out, p.ID+":"+string(p.Status))
	}
	return out
}

func newTestReceiver(t testing.TB, o Options) (*Receiver, *countingStore) {
	t.Helper()
	if o.Secret == "" {
		o.Secret = testSecret
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{memStore: newMemStore()}
	r.store = cs
	t.Cleanup(func() { r.Close() })
	return r, cs
}

type answer struct {
	status int
	body   map[string]string
	header http.Header
}

func deliver(t testing.TB, h http.Handler, method, path string, body []byte, hdr map[string]string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: map[string]string{}}
	_ = json.Unmarshal(rec.Body.Bytes(), &a.body)
	return a
}

func signed(body []byte, secret string) map[string]string {
	return map[string]string{
		"X-Komoju-Signature": komoju.SignWebhook(body, secret),
		"X-Komoju-ID":        "dlv_1",
		"X-Komoju-Event":     "payment.captured",
		"Content-Type":       "application/json",
	}
}

func TestReceiverVerdicts(t *testing.T) {
	body := eventBody(t, "evt_1", komoju.EventPaymentCaptured, "pay_1", komoju.PaymentCaptured, 1100)
	tampered := bytes.Replace(body, []byte(`"total":1100`), []byte(`"total":1`), 1)
	if bytes.Equal(body, tampered) {
		t.Fatal("tampering did not change the body")
	}
	notJSON := []byte(`{"id":"evt_x","type":`)
	noID := []byte(`{"type":"payment.captured","data":{}}`)
	noPayment := []byte(`{"id":"evt_np","type":"payment.captured","data":null}`)
	cases := []struct {
		name    string
		secret  string // receiver secret; "-" for none
		body    []byte
		hdr     map[string]string
		status  int
		reason  string
		applied bool
	}{
		{"valid", "", body, signed(body, testSecret), 200, "", true},
		{"tampered body", "", tampered, signed(body, testSecret), 401, ReasonMismatch, false},
		{"wrong secret", "", body, signed(body, "whsec_other"), 401, ReasonMismatch, false},
		{"missing header", "", body, map[string]string{"X-Komoju-ID": "dlv_1"}, 401, ReasonMissingSignature, false},
		{"non-hex signature", "", body, map[string]string{"X-Komoju-Signature": "zz" + strings.Repeat("0", 62)}, 401, ReasonBadHex, false},
		{"short hex signature", "", body, map[string]string{"X-Komoju-Signature": "abcd"}, 401, ReasonBadHex, false},
		{"no secret configured", "-", body, signed(body, testSecret), 401, ReasonNoSecret, false},
		{"malformed JSON", "", notJSON, signed(notJSON, testSecret), 400, ReasonNotEvent, false},
		{"JSON but not an event", "", noID, signed(noID, testSecret), 400, ReasonNotEvent, false},
		{"payment event without payment", "", noPayment, signed(noPayment, testSecret), 400, ReasonNotEvent, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, cs := newTestReceiver(t, Options{})
			if tc.secret == "-" {
				r.SetSecret("")
			}
			sub := r.Subscribe(t.Context())
			a := deliver(t, r, http.MethodPost, Path, tc.body, tc.hdr)
			if a.status != tc.status {
				t.Fatalf("status = %d, want %d (body %v)", a.status, tc.status, a.body)
			}
			if tc.reason != "" && !strings.Contains(a.body["error"], tc.reason) {
				t.Errorf("answer says %q, want it to name %q", a.body["error"], tc.reason)
			}
			if got := len(cs.appliedIDs()); (got == 1) != tc.applied || got > 1 {
				t.Errorf("applied %d payments, want applied=%v", got, tc.applied)
			}
			d := <-sub
			if d.HTTPStatus != tc.status || d.Verified != (tc.status == 200) {
				t.Errorf("published delivery: status %d verified %v", d.HTTPStatus, d.Verified)
			}
			if tc.applied != (d.Payment != nil) {
				t.Errorf("published payment = %v, want applied=%v", d.Payment, tc.applied)
			}
			// Every delivery is stored, rejected ones with their reason.
			evs, _ := r.Events(t.Context(), 0)
			if len(evs) != 1 {
				t.Fatalf("stored %d events, want 1", len(evs))
			}
			if evs[0].Verified != (tc.status == 200) || !strings.Contains(evs[0].Reason, tc.reason) {
				t.Errorf("stored verified=%v reason=%q", evs[0].Verified, evs[0].Reason)
			}
			h := r.Health()
			if tc.status == 200 && (h.Accepted != 1 || h.Rejected != 0) || tc.status != 200 && (h.Accepted != 0 || h.Rejected != 1) {
				t.Errorf("health counts accepted=%d rejected=%d", h.Accepted, h.Rejected)
			}
			if tc.status != 200 && !strings.Contains(h.LastError, tc.reason) {
				t.Errorf("health last error %q does not name %q", h.LastError, tc.reason)
			}
		})
	}
}

func TestReceiverValidEventDetails(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	body := eventBody(t, "evt_ok", komoju.EventPaymentCaptured, "pay_ok", komoju.PaymentCaptured, 2200)
	a := deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	if a.status != 200 || a.body["status"] != "ok" || a.body["event"] != "evt_ok" {
		t.Fatalf("answer %d %v", a.status, a.body)
	}
	if got := cs.appliedIDs(); len(got) != 1 || got[0] != "pay_ok:captured" {
		t.Fatalf("applied %v", got)
	}
	e, err := r.Event(t.Context(), "evt_ok")
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != "payment.captured" || e.PaymentID != "pay_ok" || e.Amount != 2200 || e.Currency != "JPY" || e.Deliveries != 1 {
		t.Errorf("stored %+v", e)
	}
	if !bytes.Equal(e.Body, body) {
		t.Error("stored body differs from the bytes received")
	}
	if e.Headers["X-Komoju-ID"] != "dlv_1" || e.Headers["X-Komoju-Signature"] == "" {
		t.Errorf("headers %v", e.Headers)
	}
	if !strings.Contains(e.PrettyBody(), "\n  \"id\": \"evt_ok\"") {
		t.Errorf("pretty body:\n%s", e.PrettyBody())
	}
}

func TestReceiverDuplicateDelivery(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	sub := r.Subscribe(t.Context())
	body := eventBody(t, "evt_dup", komoju.EventPaymentCaptured, "pay_dup", komoju.PaymentCaptured, 500)
	for i := 1; i <= 3; i++ {
		a := deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
		want := "ok"
		if i > 1 {
			want = "duplicate"
		}
		if a.status != 200 || a.body["status"] != want {
			t.Fatalf("delivery %d: %d %v, want 200 %s", i, a.status, a.body, want)
		}
		d := <-sub
		if d.Duplicate != (i > 1) || d.Deliveries != i || (d.Payment != nil) != (i == 1) {
			t.Errorf("delivery %d published duplicate=%v deliveries=%d payment=%v", i, d.Duplicate, d.Deliveries, d.Payment != nil)
		}
	}
	if got := cs.appliedIDs(); len(got) != 1 {
		t.Errorf("applied %d times, want once", len(got))
	}
	evs, _ := r.Events(t.Context(), 0)
	if len(evs) != 1 || evs[0].Deliveries != 3 {
		t.Errorf("stored %d events (want 1) with %d deliveries (want 3)", len(evs), evs[0].Deliveries)
	}
	if h := r.Health(); h.Accepted != 1 || h.Duplicates != 2 {
		t.Errorf("health accepted=%d duplicates=%d", h.Accepted, h.Duplicates)
	}
}

// A forged delivery claiming a real event id must not make the genuine
// event look like a duplicate.
func TestReceiverForgeryDoesNotShadowGenuineEvent(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	genuine := eventBody(t, "evt_g", komoju.EventPaymentCaptured, "pay_g", komoju.PaymentCaptured, 900)
	forged := eventBody(t, "evt_g", komoju.EventPaymentCancelled, "pay_g", komoju.PaymentCancelled, 900)
	if a := deliver(t, r, http.MethodPost, Path, forged, signed(forged, "guess")); a.status != 401 {
		t.Fatalf("forgery answered %d", a.status)
	}
	a := deliver(t, r, http.MethodPost, Path, genuine, signed(genuine, testSecret))
	if a.status != 200 || a.body["status"] != "ok" {
		t.Fatalf("genuine answered %d %v", a.status, a.body)
	}
	if got := cs.appliedIDs(); len(got) != 1 || got[0] != "pay_g:captured" {
		t.Errorf("applied %v", got)
	}
	if _, err := r.Replay(t.Context(), "nope"); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("replay of unknown id: %v", err)
	}
}

func TestReceiverOversizeBody(t *testing.T) {
	r, cs := newTestReceiver(t, Options{MaxBody: 1024})
	big := eventBody(t, "evt_big", komoju.EventPaymentCaptured, "pay_big", komoju.PaymentCaptured, 1)
	big = append(big[:len(big)-1], []byte(`,"pad":"`+strings.Repeat("x", 2000)+`"}`)...)
	a := deliver(t, r, http.MethodPost, Path, big, signed(big, testSecret))
	if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body["error"], ReasonTooLarge) {
		t.Fatalf("answer %d %v", a.status, a.body)
	}
	if len(cs.appliedIDs()) != 0 {
		t.Error("oversize event was applied")
	}
	evs, _ := r.Events(t.Context(), 0)
	if len(evs) != 1 || evs[0].Verified || len(evs[0].Body) > RejectedBodyPrefix+3 || evs[0].Headers[HeaderReceivedBytes] != "1024" {
		t.Errorf("stored %+v", evs)
	}
	// The default limit is 1 MiB.
	r2, _ := newTestReceiver(t, Options{})
	huge := bytes.Repeat([]byte("a"), DefaultMaxBody+1)
	if a := deliver(t, r2, http.MethodPost, Path, huge, signed(huge, testSecret)); a.status != 413 {
		t.Errorf("1 MiB + 1 answered %d", a.status)
	}
}

func TestReceiverMethodAndPath(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	body := eventBody(t, "evt_m", komoju.EventPaymentCaptured, "pay_m", komoju.PaymentCaptured, 1)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead} {
		a := deliver(t, r, m, Path, body, signed(body, testSecret))
		if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
			t.Errorf("%s answered %d Allow=%q", m, a.status, a.header.Get("Allow"))
		}
	}
	for _, p := range []string{"/", "/webhooks", "/webhook/x", "/api/v1/webhook"} {
		if a := deliver(t, r, http.MethodPost, p, body, signed(body, testSecret)); a.status != 404 {
			t.Errorf("POST %s answered %d", p, a.status)
		}
	}
	if len(cs.appliedIDs()) != 0 {
		t.Error("a wrong method or path applied an event")
	}
}

// A journal that fails answers 500 (so KOMOJU retries) and the retry is
// applied, not mistaken for a duplicate.
func TestReceiverJournalFailureAnswers500ThenRetryApplies(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	cs.failNext = 1
	body := eventBody(t, "evt_f", komoju.EventPaymentCaptured, "pay_f", komoju.PaymentCaptured, 100)
	a := deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	if a.status != 500 {
		t.Fatalf("first delivery answered %d, want 500", a.status)
	}
	if h := r.Health(); h.Failed != 1 || !strings.Contains(h.LastError, "database is locked") {
		t.Errorf("health %+v", h)
	}
	a = deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	if a.status != 200 || a.body["status"] != "ok" {
		t.Fatalf("retry answered %d %v", a.status, a.body)
	}
	if got := cs.appliedIDs(); len(got) != 1 {
		t.Errorf("applied %v", got)
	}
	// A failing event write is a 500 too.
	cs.failWrite = true
	body2 := eventBody(t, "evt_f2", komoju.EventPaymentCaptured, "pay_f2", komoju.PaymentCaptured, 100)
	if a := deliver(t, r, http.MethodPost, Path, body2, signed(body2, testSecret)); a.status != 500 {
		t.Errorf("event write failure answered %d", a.status)
	}
	// ...but a bad signature stays 401 even when the journal is down.
	if a := deliver(t, r, http.MethodPost, Path, body2, signed(body2, "wrong")); a.status != 401 {
		t.Errorf("bad signature with journal down answered %d", a.status)
	}
}

func TestReceiverPingIsAcceptedNotApplied(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	body := []byte(`{"id":"evt_ping","type":"ping","resource":"event","data":{},"created_at":"2026-11-24T09:00:00Z","reason":null}`)
	a := deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	if a.status != 200 {
		t.Fatalf("ping answered %d %v", a.status, a.body)
	}
	if len(cs.appliedIDs()) != 0 {
		t.Error("ping applied a payment")
	}
}

func TestReceiverStartHealthClose(t *testing.T) {
	r, _ := newTestReceiver(t, Options{})
	if h := r.Health(); h.Listening || r.URL() != "" {
		t.Fatalf("listening before Start: %+v", h)
	}
	if !strings.Contains(r.Health().String(), "not listening") {
		t.Errorf("health line %q", r.Health().String())
	}
	u, err := r.Start("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasSuffix(u, "/webhook") {
		t.Errorf("URL %q is not a loopback /webhook URL", u)
	}
	if _, err := r.Start(""); err == nil {
		t.Error("second Start succeeded")
	}
	body := eventBody(t, "evt_net", komoju.EventPaymentCaptured, "pay_net", komoju.PaymentCaptured, 1)
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	for k, v := range signed(body, testSecret) {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("over the socket: %d", resp.StatusCode)
	}
	h := r.Health()
	if !h.Listening || h.URL != u || h.Accepted != 1 || h.LastEventAt.IsZero() || h.LastEventType != "payment.captured" {
		t.Errorf("health %+v", h)
	}
	if line := h.String(); !strings.Contains(line, "●") || !strings.Contains(line, "1 ok") {
		t.Errorf("health line %q", line)
	}
	r.Close()
	if h := r.Health(); h.Listening || r.URL() != "" {
		t.Errorf("still listening after Close: %+v", h)
	}
	if _, err := http.Post(u, "application/json", bytes.NewReader(body)); err == nil {
		t.Error("the closed listener still answers")
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartBadAddress(t *testing.T) {
	r, _ := newTestReceiver(t, Options{})
	if _, err := r.Start("256.0.0.1:bad"); err == nil {
		t.Fatal("bad address accepted")
	}
	if h := r.Health(); h.Listening || h.LastError == "" {
		t.Errorf("health after failed Start: %+v", h)
	}
}

// verifyingServer records deliveries and checks them as a user's
// integration would.
type verifyingServer struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
	errs []string
	code int
}

func newVerifyingServer(t *testing.T, secret string, code int) *verifyingServer {
	v := &verifyingServer{code: code}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		v.mu.Lock()
		v.got = append(v.got, req)
		v.body = append(v.body, b)
		if err := komoju.VerifyWebhook(b, req.Header.Get("X-Komoju-Signature"), secret); err != nil {
			v.errs = append(v.errs, err.Error())
		}
		v.mu.Unlock()
		w.WriteHeader(v.code)
		fmt.Fprint(w, "thanks")
	}))
	t.Cleanup(v.Close)
	return v
}

func (v *verifyingServer) snapshot() ([]*http.Request, [][]byte, []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]*http.Request(nil), v.got...), append([][]byte(nil), v.body...), append([]string(nil), v.errs...)
}

func TestForwardSignsExactBytes(t *testing.T) {
	srv := newVerifyingServer(t, testSecret, 202)
	r, _ := newTestReceiver(t, Options{})
	// Odd spacing proves the stored bytes, not a re-encoding, are sent.
	body := []byte(`{ "id":"evt_fw",  "type":"payment.captured","resource":"event","data":{"id":"pay_fw","resource":"payment","status":"captured","amount":300,"total":300,"currency":"JPY"},"created_at":"2026-11-24T09:00:00Z","reason":null}`)
	if a := deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret)); a.status != 200 {
		t.Fatalf("delivery %d %v", a.status, a.body)
	}
	res, err := r.Forward(t.Context(), "evt_fw", srv.URL+"/hooks/komoju")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 202 || !res.OK() || res.Latency <= 0 || res.Body != "thanks" {
		t.Errorf("result %+v", res)
	}
	if !strings.HasPrefix(res.String(), "202 Accepted in ") {
		t.Errorf("result string %q", res.String())
	}
	reqs, bodies, errs := srv.snapshot()
	if len(reqs) != 1 || len(errs) != 0 {
		t.Fatalf("server got %d requests, signature errors %v", len(reqs), errs)
	}
	req := reqs[0]
	if !bytes.Equal(bodies[0], body) {
		t.Errorf("forwarded body differs:\n%s\n%s", bodies[0], body)
	}
	if req.URL.Path != "/hooks/komoju" || req.Method != "POST" || (req.Header.Get("X-Komoju-ID") == "" || req.Header.Get("X-Komoju-ID") == "evt_fw") ||
		req.Header.Get("X-Komoju-Event") != "payment.captured" || req.Header.Get("User-Agent") != "Komoju-Webhook" ||
		req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("forwarded request %s %s headers %v", req.Method, req.URL.Path, req.Header)
	}
	if last, ok := r.LastForward("evt_fw"); !ok || last.Status != 202 {
		t.Errorf("last forward %+v %v", last, ok)
	}
	// Errors say what is wrong.
	if _, err := r.Forward(t.Context(), "evt_fw", "ftp://x"); err == nil || !strings.Contains(err.Error(), "http") {
		t.Errorf("bad URL: %v", err)
	}
	if _, err := r.Forward(t.Context(), "evt_fw", ""); !errors.Is(err, ErrNoForwardURL) {
		t.Errorf("no URL: %v", err)
	}
	if _, err := r.Forward(t.Context(), "evt_missing", srv.URL); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("unknown event: %v", err)
	}
}

func TestForwardUnreachableAndTimeout(t *testing.T) {
	r, _ := newTestReceiver(t, Options{ForwardTimeout: 100 * time.Millisecond})
	body := eventBody(t, "evt_un", komoju.EventPaymentCaptured, "pay_un", komoju.PaymentCaptured, 1)
	deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	res, err := r.Forward(t.Context(), "evt_un", deadURL)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 0 || res.Err == "" || !strings.HasPrefix(res.String(), "failed after") {
		t.Errorf("unreachable: %+v", res)
	}
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	res, err = r.Forward(t.Context(), "evt_un", slow.URL)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 0 || res.Err != "timed out" {
		t.Errorf("slow endpoint: %+v", res)
	}
	if h := r.Health(); h.ForwardFailed != 2 {
		t.Errorf("forward failures %d", h.ForwardFailed)
	}
}

func TestReplayIsARedelivery(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	sub := r.Subscribe(t.Context())
	body := eventBody(t, "evt_rp", komoju.EventPaymentCaptured, "pay_rp", komoju.PaymentCaptured, 700)
	deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	<-sub
	res, err := r.Replay(t.Context(), "evt_rp")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || !strings.Contains(res.Body, "duplicate") {
		t.Errorf("replay result %+v", res)
	}
	d := <-sub
	if !d.Replay || !d.Duplicate || d.Deliveries != 2 || !d.Verified {
		t.Errorf("replayed delivery %+v", d)
	}
	if len(cs.appliedIDs()) != 1 {
		t.Error("replay applied the payment twice")
	}
	// A rejected delivery cannot be replayed (that would launder a forgery).
	forged := eventBody(t, "evt_forged", komoju.EventPaymentCaptured, "pay_x", komoju.PaymentCaptured, 1)
	deliver(t, r, http.MethodPost, Path, forged, signed(forged, "nope"))
	if _, err := r.Replay(t.Context(), "evt_forged"); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("replay of a rejected delivery: %v", err)
	}
}

func TestAutoForward(t *testing.T) {
	srv := newVerifyingServer(t, testSecret, 200)
	r, _ := newTestReceiver(t, Options{ForwardTo: srv.URL})
	sub := r.Subscribe(t.Context())
	body := eventBody(t, "evt_af", komoju.EventPaymentCaptured, "pay_af", komoju.PaymentCaptured, 1)
	deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
	first, second := <-sub, <-sub
	if !first.ForwardPending || first.Payment == nil || first.Forward != nil {
		t.Errorf("first publication: pending=%v payment=%v forward=%v", first.ForwardPending, first.Payment != nil, first.Forward)
	}
	if second.ForwardPending || second.Payment != nil || second.Forward == nil || second.Forward.Status != 200 || second.EventID != "evt_af" {
		t.Fatalf("second publication: %+v", second)
	}
	// Rejected deliveries are not forwarded.
	deliver(t, r, http.MethodPost, Path, body, signed(body, "bad"))
	if d := <-sub; d.Forward != nil || d.ForwardPending {
		t.Errorf("rejected delivery forwarded: %+v", d.Forward)
	}
	reqs, _, errs := srv.snapshot()
	if len(reqs) != 1 || len(errs) != 0 {
		t.Errorf("server got %d requests, errors %v", len(reqs), errs)
	}
	if _, err := New(Options{ForwardTo: "localhost:8080/hook"}); err == nil {
		t.Error("a forward URL without scheme was accepted")
	}
}

func TestConcurrentDuplicatesApplyOnce(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	body := eventBody(t, "evt_c", komoju.EventPaymentCaptured, "pay_c", komoju.PaymentCaptured, 1)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret))
		}()
	}
	wg.Wait()
	if n := len(cs.appliedIDs()); n != 1 {
		t.Errorf("applied %d times", n)
	}
	if e, _ := r.Event(t.Context(), "evt_c"); e.Deliveries != 16 {
		t.Errorf("deliveries %d", e.Deliveries)
	}
}

func TestSubscriptionEndsWithContext(t *testing.T) {
	r, _ := newTestReceiver(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	ch := r.Subscribe(ctx)
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Error("got a delivery")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("subscription not closed after its context ended")
	}
}

// A slow forward URL must not delay the payment update the clerk sees.
func TestSlowForwardDoesNotDelayPayment(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	defer slow.Close()
	r, _ := newTestReceiver(t, Options{ForwardTo: slow.URL, ForwardTimeout: 10 * time.Second})
	sub := r.Subscribe(t.Context())
	body := eventBody(t, "evt_slow", komoju.EventPaymentCaptured, "pay_slow", komoju.PaymentCaptured, 1)
	if a := deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret)); a.status != 200 {
		t.Fatalf("answered %d", a.status)
	}
	select {
	case d := <-sub:
		if d.Payment == nil || d.Payment.Status != komoju.PaymentCaptured {
			t.Errorf("first publication %+v", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the payment waited for the forward")
	}
	close(release)
	if d := <-sub; d.Forward == nil || d.Forward.Status != 200 {
		t.Errorf("forward result %+v", d.Forward)
	}
}

// KOMOJU's X-Komoju-ID is unique per delivery attempt, so a retry of an
// event the receiver already applied arrives with a new one: duplicates are
// recognised by the body's event id, and a reused delivery id does not hide
// a different event.
func TestReceiverDeduplicatesOnEventIDNotDeliveryID(t *testing.T) {
	r, cs := newTestReceiver(t, Options{})
	a := eventBody(t, "evt_a", komoju.EventPaymentCaptured, "pay_a", komoju.PaymentCaptured, 500)
	b := eventBody(t, "evt_b", komoju.EventPaymentCaptured, "pay_b", komoju.PaymentCaptured, 700)
	hdr := func(body []byte, deliveryID string) map[string]string {
		h := signed(body, testSecret)
		h["X-Komoju-ID"] = deliveryID
		return h
	}
	for i, tc := range []struct {
		body       []byte
		deliveryID string
		want       string
	}{
		{a, "dlv_1", "ok"},
		{a, "dlv_2", "duplicate"}, // a retry: new delivery id, same event
		{b, "dlv_1", "ok"},        // a reused delivery id, another event
	} {
		if got := deliver(t, r, http.MethodPost, Path, tc.body, hdr(tc.body, tc.deliveryID)); got.status != 200 || got.body["status"] != tc.want {
			t.Errorf("delivery %d: %d %v, want %s", i+1, got.status, got.body, tc.want)
		}
	}
	if got := cs.appliedIDs(); len(got) != 2 {
		t.Errorf("applied %v, want evt_a and evt_b once each", got)
	}
}
