package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

func TestIdempotencyReplayConflictAndMismatch(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	body := cardPayment("4111111111111111")
	first := must(t, c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", "key-1"), 200)
	again := must(t, c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", "key-1"), 200)
	if !bytes.Equal(first.body, again.body) {
		t.Errorf("replay differs:\n%s\n%s", first.body, again.body)
	}
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 1 {
		t.Errorf("replay created another payment: total %d", l.num("total"))
	}
	// Errors are replayed too.
	d1 := mustErr(t, c.post("/payments", cardPayment("4123111111111000"), "X-KOMOJU-IDEMPOTENCY", "key-2"), 502, "insufficient_funds")
	d2 := mustErr(t, c.post("/payments", cardPayment("4123111111111000"), "X-KOMOJU-IDEMPOTENCY", "key-2"), 502, "insufficient_funds")
	if !bytes.Equal(d1.body, d2.body) {
		t.Error("error replay differs")
	}
	// Same key, different body.
	r := mustErr(t, c.post("/payments", cardPayment("5555555555554444"), "X-KOMOJU-IDEMPOTENCY", "key-1"), 422, "unprocessable_entity")
	if !strings.Contains(r.str("error", "message"), "different request") {
		t.Errorf("message: %s", r.body)
	}
	// Keys are scoped per API key: the publishable key may reuse a string.
	pub := newRaw(t, sb)
	pub.key = sb.PublishableKey()
	must(t, pub.post("/tokens", map[string]any{"payment_details": card("4111111111111111")}, "X-KOMOJU-IDEMPOTENCY", "key-1"), 200)
	// After 24 hours of sandbox time the key may be reused.
	sb.Clock().Advance(25 * time.Hour)
	must(t, c.post("/payments", cardPayment("5555555555554444"), "X-KOMOJU-IDEMPOTENCY", "key-1"), 200)
	mustErr(t, c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", strings.Repeat("k", 101)), 422, "invalid_parameter")
}

func TestIdempotencyInFlight409(t *testing.T) {
	sb := startSandbox(t, Options{Latency: 500 * time.Millisecond})
	c := newRaw(t, sb)
	body := cardPayment("4111111111111111")
	var wg sync.WaitGroup
	var first resp
	wg.Add(1)
	go func() {
		defer wg.Done()
		first = c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", "slow")
	}()
	waitFor(t, "the first request to be in flight", func() bool {
		sb.mu.Lock()
		defer sb.mu.Unlock()
		e := sb.st.idem[sb.idemKey(sb.SecretKey(), "slow")]
		return e != nil && e.inFlight
	})
	mustErr(t, c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", "slow"), 409, "conflict")
	wg.Wait()
	must(t, first, 200)
	sb.SetFaults(Faults{})
	if r := must(t, c.post("/payments", body, "X-KOMOJU-IDEMPOTENCY", "slow"), 200); r.str("id") != first.str("id") {
		t.Error("replay after in-flight returned another payment")
	}
}

func TestHostileInputs(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		param  string
	}{
		{"not json", `{"amount":`, 400, "bad_request", ""},
		{"array body", `[1,2]`, 400, "bad_request", ""},
		{"trailing data", `{"amount":1}{}`, 400, "bad_request", ""},
		{"deep json", deep, 400, "bad_request", ""},
		{"invalid utf8", []byte("{\"amount\":1000,\"currency\":\"JPY\",\"description\":\"\xff\xfe\"}"), 400, "bad_request", ""},
		{"too large", `{"description":"` + strings.Repeat("x", maxBody) + `"}`, 400, "bad_request", ""},
		{"missing amount", map[string]any{"currency": "JPY", "payment_details": card("4111111111111111")}, 422, "missing_parameter", "amount"},
		{"amount string", map[string]any{"amount": "lots", "currency": "JPY"}, 422, "invalid_parameter", "amount"},
		{"amount object", map[string]any{"amount": map[string]any{}, "currency": "JPY"}, 422, "invalid_parameter", "amount"},
		{"amount bool", map[string]any{"amount": true, "currency": "JPY"}, 422, "invalid_parameter", "amount"},
		{"amount float", map[string]any{"amount": 10.5, "currency": "JPY"}, 422, "invalid_parameter", "amount"},
		{"amount huge", `{"amount": 99999999999999999999999, "currency":"JPY"}`, 422, "invalid_parameter", "amount"},
		{"amount 1e30", `{"amount": 1e30, "currency":"JPY"}`, 422, "invalid_parameter", "amount"},
		{"amount over max", map[string]any{"amount": komoju.MaxAmount + 1, "currency": "JPY"}, 422, "invalid_parameter", "amount"},
		{"amount negative", map[string]any{"amount": -100, "currency": "JPY"}, 422, "invalid_parameter", "amount"},
		{"amount zero", map[string]any{"amount": 0, "currency": "JPY"}, 422, "invalid_parameter", "amount"},
		{"missing currency", map[string]any{"amount": 100}, 422, "missing_parameter", "currency"},
		{"unknown currency", map[string]any{"amount": 100, "currency": "ZZZ", "payment_details": card("4111111111111111")}, 422, "invalid_currency", "currency"},
		{"currency number", map[string]any{"amount": 100, "currency": 392}, 422, "invalid_currency", "currency"},
		{"missing details", map[string]any{"amount": 100, "currency": "JPY"}, 422, "missing_parameter", "payment_details"},
		{"details array", map[string]any{"amount": 100, "currency": "JPY", "payment_details": []any{1}}, 422, "invalid_parameter", "payment_details"},
		{"unknown type", map[string]any{"amount": 100, "currency": "JPY", "payment_details": map[string]any{"type": "bitcoin"}}, 422, "invalid_payment_type", "payment_details[type]"},
		{"bad store", map[string]any{"amount": 100, "currency": "JPY", "payment_details": konbini("circle-k")}, 422, "invalid_parameter", "payment_details[store]"},
		{"bad email", map[string]any{"amount": 100, "currency": "JPY", "payment_details": map[string]any{"type": "konbini", "store": "lawson", "email": "nope"}}, 422, "invalid_parameter", "payment_details[email]"},
		{"negative tax", map[string]any{"amount": 100, "currency": "JPY", "tax": -1, "payment_details": card("4111111111111111")}, 422, "invalid_parameter", "tax"},
		{"capture string", map[string]any{"amount": 100, "currency": "JPY", "capture": "maybe", "payment_details": card("4111111111111111")}, 422, "invalid_parameter", "capture"},
		{"metadata nested", map[string]any{"amount": 100, "currency": "JPY", "metadata": map[string]any{"a": map[string]any{}}, "payment_details": card("4111111111111111")}, 422, "invalid_parameter", "metadata[a]"},
		{"return_url relative", map[string]any{"amount": 100, "currency": "JPY", "return_url": "/back", "payment_details": card("4111111111111111")}, 422, "invalid_parameter", "return_url"},
		{"unsupported content type", "<xml/>", 400, "bad_request", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r resp
			if tc.name == "unsupported content type" {
				req, _ := http.NewRequest(http.MethodPost, sb.URL()+"/payments", strings.NewReader(tc.body.(string)))
				req.Header.Set("Content-Type", "application/xml")
				req.SetBasicAuth(sb.SecretKey(), "")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				r = resp{status: res.StatusCode, body: b}
				_ = json.Unmarshal(b, &r.m)
			} else {
				r = c.post("/payments", tc.body)
			}
			mustErr(t, r, tc.status, tc.code)
			if r.str("error", "param") != tc.param {
				t.Errorf("param %q, want %q", r.str("error", "param"), tc.param)
			}
		})
	}
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 0 {
		t.Errorf("hostile inputs created %d payments", l.num("total"))
	}
	if n := eventCounts(t, c); len(n) != 0 {
		t.Errorf("hostile inputs created events %v", n)
	}
	// Unknown endpoints and methods answer KOMOJU errors, not HTML.
	mustErr(t, c.getr("/nope"), 404, "not_found")
	mustErr(t, c.call(http.MethodDelete, "/payments/x", nil), 404, "not_found")
	// Hostile form bodies.
	mustErr(t, c.post("/payments", url.Values{"amount[]": {"1"}, "currency": {"JPY"}}), 422, "invalid_parameter")
	mustErr(t, c.post("/payments", url.Values{"payment_details[type][x]": {"1"}, "payment_details[type]": {"konbini"}, "amount": {"1"}, "currency": {"JPY"}}), 422, "invalid_parameter")
	mustErr(t, c.post("/payments", url.Values{"[x]": {"1"}}), 400, "bad_request")
}

func TestFormEncodedPayment(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	r := must(t, c.post("/payments", url.Values{"amount": {"1000"}, "currency": {"JPY"}, "tax": {"0"}, "payment_details[type]": {"konbini"},
		"payment_details[store]": {"lawson"}, "payment_details[email]": {"a@example.com"}, "metadata[k]": {"v"}, "external_order_num": {"F-1"}}), 200)
	if r.str("status") != "authorized" || r.str("metadata", "k") != "v" || r.str("external_order_num") != "F-1" {
		t.Fatalf("form payment: %s", r.body)
	}
	r = must(t, c.post("/payments", url.Values{"amount": {"1000"}, "currency": {"JPY"}, "tax": {"0"}, "capture": {"false"},
		"payment_details[type]": {"credit_card"}, "payment_details[number]": {"4111111111111111"}, "payment_details[month]": {"01"}, "payment_details[year]": {"29"}}), 200)
	if r.str("status") != "authorized" {
		t.Fatalf("form card: %s", r.body)
	}
}

func TestFailRateAnswers503AndDoesNothing(t *testing.T) {
	sb := startSandbox(t, Options{FailRate: 1})
	c := newRaw(t, sb)
	mustErr(t, c.post("/payments", cardPayment("4111111111111111")), 503, "service_unavailable")
	must(t, c.post("/sandbox/faults", map[string]any{"fail_rate": 0}), 200)
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 0 {
		t.Errorf("a 503 created a payment")
	}
	mustErr(t, c.post("/sandbox/faults", map[string]any{"fail_rate": 2}), 422, "invalid_parameter")
}

func TestDropRateDoesTheWorkAndIdempotencyReplays(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	must(t, c.post("/sandbox/faults", map[string]any{"drop_rate": 1}), 200)
	req, _ := http.NewRequest(http.MethodPost, sb.URL()+"/payments", strings.NewReader(`{"amount":700,"currency":"JPY","tax":0,"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-KOMOJU-IDEMPOTENCY", "drop-1")
	req.SetBasicAuth(sb.SecretKey(), "")
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("dropped request got an answer: %d", res.StatusCode)
	}
	sb.SetFaults(Faults{})
	l := must(t, c.getr("/payments"), 200)
	if l.num("total") != 1 {
		t.Fatalf("the dropped request was not processed: total %d", l.num("total"))
	}
	r := must(t, c.post("/payments", `{"amount":700,"currency":"JPY","tax":0,"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030}}`, "X-KOMOJU-IDEMPOTENCY", "drop-1"), 200)
	if r.str("id") != l.get("data").([]any)[0].(map[string]any)["id"] {
		t.Error("retry with the same key did not replay the stored payment")
	}
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 1 {
		t.Errorf("retry created a second payment")
	}
}

func TestLatencyFault(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	must(t, c.post("/sandbox/faults", map[string]any{"latency": "150ms"}), 200)
	start := time.Now()
	must(t, c.getr("/payments"), 200)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("latency fault not applied: %s", d)
	}
	f := must(t, c.getr("/sandbox/faults"), 200)
	if f.str("latency") != "150ms" {
		t.Errorf("faults: %s", f.body)
	}
}

func TestResetEmptiesState(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	must(t, c.post("/sandbox/reset", nil), 200)
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 0 {
		t.Errorf("reset kept payments")
	}
	if n := eventCounts(t, c); len(n) != 0 {
		t.Errorf("reset kept events")
	}
}

// A journal kept across a reset must never match an old sale to a new
// payment: after POST /sandbox/reset no id of any kind comes back, even with
// the same seed and the same requests.
func TestResetNeverReusesIDs(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 3})
	c := newRaw(t, sb)
	round := func() []string {
		p := must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
		r := must(t, c.post("/payments/"+p.str("id")+"/refund", map[string]any{"amount": 100}), 200)
		refunds, _ := r.get("refunds").([]any)
		ss := must(t, c.post("/sessions", map[string]any{"amount": 500, "currency": "JPY", "payment_types": []string{"konbini"}}), 200)
		paid := must(t, c.post("/sessions/"+ss.str("id")+"/pay", map[string]any{"payment_details": konbini("lawson")}), 200)
		tok := must(t, c.post("/tokens", map[string]any{"payment_details": card("4111111111111111")}), 200)
		ids := []string{p.str("id"), refunds[0].(map[string]any)["id"].(string), ss.str("id"), paid.str("payment", "id"), tok.str("id"),
			paid.str("payment", "payment_details", "receipt")}
		ev := must(t, c.getr("/events?per_page=100"), 200)
		for _, e := range ev.get("data").([]any) {
			ids = append(ids, e.(map[string]any)["id"].(string))
		}
		return ids
	}
	before := round()
	must(t, c.post("/sandbox/reset", nil), 200)
	after := round()
	seen := map[string]bool{}
	for _, id := range before {
		seen[id] = true
	}
	for _, id := range after {
		if seen[id] {
			t.Errorf("id %s was handed out again after a reset", id)
		}
	}
	if len(after) < 8 {
		t.Fatalf("too few ids compared: %v", after)
	}
}

func TestSeedMakesIDsDeterministic(t *testing.T) {
	ids := func() []string {
		sb := startSandbox(t, Options{Seed: 7})
		c := newRaw(t, sb)
		a := must(t, c.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "payment_details": konbini("lawson")}), 200)
		return []string{a.str("id"), a.str("payment_details", "receipt"), a.str("payment_details", "confirmation_code")}
	}
	a, b := ids(), ids()
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed, different ids: %v vs %v", a, b)
	}
}

func TestSandboxEndpointsNeedSecretKey(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	c.key = ""
	for _, p := range []string{"/sandbox/clock", "/sandbox/reset", "/sandbox/faults", "/sandbox/webhooks"} {
		mustErr(t, c.post(p, map[string]any{}), 401, "unauthorized")
	}
	mustErr(t, c.getr("/sandbox/webhook_deliveries"), 401, "unauthorized")
	c.key = sb.SecretKey()
	mustErr(t, c.post("/sandbox/clock", map[string]any{"advance": "soon"}), 422, "invalid_parameter")
	mustErr(t, c.post("/sandbox/clock", map[string]any{}), 422, "missing_parameter")
	mustErr(t, c.post("/sandbox/webhooks", map[string]any{"url": "ftp://x"}), 422, "invalid_parameter")
}

func TestPanicIsKOMOJUShaped500(t *testing.T) {
	sb := startSandbox(t, Options{})
	h := sb.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(errors.New("boom")) }))
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, httpRequest(t))
	var body komoju.ErrorBody
	if err := json.Unmarshal(rec.body.Bytes(), &body); err != nil || rec.status != 500 || body.Error.Code != "internal_server_error" {
		t.Errorf("panic answer: %d %s", rec.status, rec.body.String())
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func httpRequest(t *testing.T) *http.Request {
	req, err := http.NewRequest(http.MethodGet, "http://x/api/v1/payments", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestLogsNeverContainCardNumbers(t *testing.T) {
	var buf syncBuffer
	sb := startSandbox(t, Options{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	c := newRaw(t, sb)
	must(t, c.post("/payments", cardPayment("5555555555554444")), 200)
	mustErr(t, c.post("/payments", cardPayment("4123111111111034")), 502, "bad_verification_value")
	mustErr(t, c.post("/payments", cardPayment("5555555555554445")), 422, "invalid_parameter")
	s := must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY"}), 200)
	page(t, http.MethodPost, s.str("session_url"), url.Values{"payment_details[type]": {"credit_card"}, "payment_details[number]": {"3530111333300000"},
		"payment_details[month]": {"12"}, "payment_details[year]": {"30"}, "payment_details[verification_value]": {"919"}})
	logs := buf.String()
	if !strings.Contains(logs, "sandbox request") {
		t.Fatalf("debug logging produced nothing: %q", logs)
	}
	for _, secret := range []string{"5555555555554444", "4123111111111034", "5555555555554445", "3530111333300000", "verification_value"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestPanicReleasesIdempotencyKey(t *testing.T) {
	var buf syncBuffer
	sb := startSandbox(t, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	calls := 0
	h := sb.recoverer(sb.api(secretOnly, func(q *apiReq) apiResp {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return okJSON(map[string]any{"ok": true})
	}))
	send := func() *recorder {
		req, _ := http.NewRequest(http.MethodPost, "http://x/api/v1/test", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-KOMOJU-IDEMPOTENCY", "k")
		req.SetBasicAuth(sb.SecretKey(), "")
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := send(); rec.status != 500 || !strings.Contains(rec.body.String(), "internal_server_error") {
		t.Fatalf("panic answer: %d %s", rec.status, rec.body.String())
	}
	if !strings.Contains(buf.String(), "boom") {
		t.Error("the panic was not logged")
	}
	// The key was released: the retry runs instead of replaying the 500 or answering 409.
	if rec := send(); rec.status != 200 || calls != 2 {
		t.Errorf("retry after panic: %d %s (calls %d)", rec.status, rec.body.String(), calls)
	}
}
