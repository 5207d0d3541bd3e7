package proof

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// stateCounts is what a hostile request must not change.
type stateCounts struct {
	payments, events int
	snapshots        map[string]string // payment id → status/amounts
}

func countState(t *testing.T, c *komoju.Client, ids ...string) stateCounts {
	t.Helper()
	s := stateCounts{payments: len(allPayments(t, c, "")), events: len(allEvents(t, c)), snapshots: map[string]string{}}
	for _, id := range ids {
		p, err := c.Payments.Get(testCtx(t, 10*time.Second), id)
		if err != nil {
			t.Fatal(err)
		}
		s.snapshots[id] = fmt.Sprintf("%s total=%d refunded=%d refunds=%d desc=%q", p.Status, p.Total, p.AmountRefunded, len(p.Refunds), deref(p.Description))
	}
	return s
}

// TestHostileHTTPInputs complements komoju/sandbox's TestHostileInputs
// and TestAuth (which cover POST /payments bodies: wrong types, huge and
// negative amounts, unknown currency, 20,000-deep JSON, invalid UTF-8, a
// body just over 1 MiB, missing/wrong key, publishable key). Here the
// same kinds of input go to the other endpoints — sessions, session pay,
// capture, refund, cancel, update, list — plus 10 MB bodies (sent whole,
// over a raw connection), another merchant's valid key, malformed
// Authorization headers and hostile query strings. Every answer must be
// the right KOMOJU error (status, code, param), and nothing may change:
// the same payments, events and payment states before and after.
func TestHostileHTTPInputs(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	other := startSandbox(t, sandbox.Options{SecretKey: "sk_test_othermerchant_1111111111", PublishableKey: "pk_test_othermerchant_1111111111"})
	c := fastClient(sb)
	ctx := testCtx(t, time.Minute)
	no := false
	auth, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 5000, Currency: "JPY", Capture: &no, PaymentDetails: cardParams()})
	if err != nil {
		t.Fatal(err)
	}
	capt, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 3000, Currency: "JPY", PaymentDetails: cardParams()})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.Sessions.Create(ctx, &komoju.SessionCreateParams{Amount: 1200, Currency: "JPY"})
	if err != nil {
		t.Fatal(err)
	}
	// Another merchant's own payment: its key is valid there, not here.
	oc := fastClient(other)
	if _, err := oc.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 100, Currency: "JPY", PaymentDetails: cardParams()}); err != nil {
		t.Fatal(err)
	}

	api := sb.URL()
	key, otherKey := sb.SecretKey(), other.SecretKey()
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	deepArr := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	huge := bytes.Repeat([]byte("x"), 10<<20)
	tenMB := append(append([]byte(`{"amount":1000,"currency":"JPY","description":"`), huge...), `"}`...)
	badUTF8 := []byte("{\"amount\":1000,\"currency\":\"JPY\",\"external_order_num\":\"\xc3\x28\"}")
	pay := func(id, op string) string { return api + "/payments/" + id + op }

	cases := []struct {
		name        string
		method, url string
		key         string
		ctype       string
		body        []byte
		status      int
		code        string
		param       string // "" = not checked
	}{
		// Auth on money-moving endpoints.
		{"capture without auth", "POST", pay(auth.ID, "/capture"), "", "application/json", []byte(`{}`), 401, "unauthorized", ""},
		{"refund with another merchant's key", "POST", pay(capt.ID, "/refund"), otherKey, "application/json", []byte(`{}`), 401, "unauthorized", ""},
		{"cancel with another merchant's key", "POST", pay(auth.ID, "/cancel"), otherKey, "", nil, 401, "unauthorized", ""},
		{"list with another merchant's key", "GET", api + "/payments", otherKey, "", nil, 401, "unauthorized", ""},
		{"session with another merchant's key", "POST", api + "/sessions", otherKey, "application/json", []byte(`{"amount":100,"currency":"JPY"}`), 401, "unauthorized", ""},
		{"capture with the publishable key", "POST", pay(auth.ID, "/capture"), sb.PublishableKey(), "application/json", []byte(`{}`), 403, "forbidden", ""},
		{"refund with the publishable key", "POST", pay(capt.ID, "/refund"), sb.PublishableKey(), "application/json", []byte(`{}`), 403, "forbidden", ""},
		{"another merchant's publishable key pays the session", "POST", api + "/sessions/" + sess.ID + "/pay", other.PublishableKey(), "application/json",
			mustJSON(t, map[string]any{"payment_details": cardParams()}), 401, "unauthorized", ""},
		// Capture amounts.
		{"capture negative", "POST", pay(auth.ID, "/capture"), key, "application/json", []byte(`{"amount":-1}`), 422, "invalid_parameter", "amount"},
		{"capture more than authorized", "POST", pay(auth.ID, "/capture"), key, "application/json", []byte(`{"amount":5001}`), 422, "invalid_parameter", "amount"},
		{"capture huge", "POST", pay(auth.ID, "/capture"), key, "application/json", []byte(`{"amount":99999999999999999999999}`), 422, "invalid_parameter", "amount"},
		{"capture 1e30", "POST", pay(auth.ID, "/capture"), key, "application/json", []byte(`{"amount":1e30}`), 422, "invalid_parameter", "amount"},
		{"capture string", "POST", pay(auth.ID, "/capture"), key, "application/json", []byte(`{"amount":"all"}`), 422, "invalid_parameter", "amount"},
		{"capture object", "POST", pay(auth.ID, "/capture"), key, "application/json", []byte(`{"amount":{"value":1}}`), 422, "invalid_parameter", "amount"},
		{"capture deep json", "POST", pay(auth.ID, "/capture"), key, "application/json", []byte(deep), 400, "bad_request", ""},
		{"capture 10 MB", "POST", pay(auth.ID, "/capture"), key, "application/json", tenMB, 400, "bad_request", ""},
		// Refund amounts.
		{"refund negative", "POST", pay(capt.ID, "/refund"), key, "application/json", []byte(`{"amount":-500}`), 422, "invalid_parameter", "amount"},
		{"refund more than captured", "POST", pay(capt.ID, "/refund"), key, "application/json", []byte(`{"amount":3001}`), 422, "invalid_parameter", "amount"},
		{"refund huge", "POST", pay(capt.ID, "/refund"), key, "application/json", []byte(`{"amount":9223372036854775808}`), 422, "invalid_parameter", "amount"},
		{"refund float", "POST", pay(capt.ID, "/refund"), key, "application/json", []byte(`{"amount":10.5}`), 422, "invalid_parameter", "amount"},
		{"refund bool", "POST", pay(capt.ID, "/refund"), key, "application/json", []byte(`{"amount":true}`), 422, "invalid_parameter", "amount"},
		{"refund invalid utf-8 description", "POST", pay(capt.ID, "/refund"), key, "application/json", []byte("{\"amount\":100,\"description\":\"\xff\xfe\"}"), 400, "bad_request", ""},
		{"refund 10 MB", "POST", pay(capt.ID, "/refund"), key, "application/json", tenMB, 400, "bad_request", ""},
		{"refund form with array amount", "POST", pay(capt.ID, "/refund"), key, "application/x-www-form-urlencoded", []byte(`amount[]=1&amount[]=2`), 422, "invalid_parameter", "amount"},
		// Update.
		{"update with invalid utf-8", "PATCH", pay(capt.ID, ""), key, "application/json", []byte("{\"description\":\"\xc3\x28\"}"), 400, "bad_request", ""},
		{"update description object", "PATCH", pay(capt.ID, ""), key, "application/json", []byte(`{"description":{"a":1}}`), 422, "invalid_parameter", "description"},
		{"update 10 MB", "PATCH", pay(capt.ID, ""), key, "application/json", tenMB, 400, "bad_request", ""},
		// Sessions.
		{"session negative amount", "POST", api + "/sessions", key, "application/json", []byte(`{"amount":-1200,"currency":"JPY"}`), 422, "invalid_parameter", "amount"},
		{"session huge amount", "POST", api + "/sessions", key, "application/json", []byte(`{"amount":1e400,"currency":"JPY"}`), 422, "invalid_parameter", "amount"},
		{"session amount text", "POST", api + "/sessions", key, "application/json", []byte(`{"amount":"twelve hundred","currency":"JPY"}`), 422, "invalid_parameter", "amount"},
		{"session unknown currency", "POST", api + "/sessions", key, "application/json", []byte(`{"amount":1200,"currency":"XXX"}`), 422, "invalid_currency", "currency"},
		{"session currency lowercase garbage", "POST", api + "/sessions", key, "application/json", []byte(`{"amount":1200,"currency":"yen"}`), 422, "invalid_currency", "currency"},
		{"session deep json", "POST", api + "/sessions", key, "application/json", []byte(deep), 400, "bad_request", ""},
		{"session deep array", "POST", api + "/sessions", key, "application/json", []byte(deepArr), 400, "bad_request", ""},
		{"session invalid utf-8", "POST", api + "/sessions", key, "application/json", badUTF8, 400, "bad_request", ""},
		{"session 10 MB", "POST", api + "/sessions", key, "application/json", tenMB, 400, "bad_request", ""},
		{"session line item negative", "POST", api + "/sessions", key, "application/json", []byte(`{"amount":1200,"currency":"JPY","line_items":[{"amount":-5,"description":"x","quantity":1}]}`), 422, "invalid_parameter", ""},
		// Session pay.
		{"session pay deep json", "POST", api + "/sessions/" + sess.ID + "/pay", key, "application/json", []byte(deep), 400, "bad_request", ""},
		{"session pay 10 MB", "POST", api + "/sessions/" + sess.ID + "/pay", key, "application/json", tenMB, 400, "bad_request", ""},
		{"session pay details string", "POST", api + "/sessions/" + sess.ID + "/pay", key, "application/json", []byte(`{"payment_details":"4111111111111111"}`), 422, "", "payment_details"},
		{"session pay unknown type", "POST", api + "/sessions/" + sess.ID + "/pay", key, "application/json", []byte(`{"payment_details":{"type":"gold_bars"}}`), 422, "invalid_payment_type", "payment_details[type]"},
		{"session pay invalid utf-8 name", "POST", api + "/sessions/" + sess.ID + "/pay", key, "application/json", []byte("{\"payment_details\":{\"type\":\"credit_card\",\"number\":\"4111111111111111\",\"month\":12,\"year\":2030,\"name\":\"\xff\"}}"), 400, "bad_request", ""},
		// Payments create over 10 MB (the sandbox's own test sends just over 1 MiB).
		{"payment 10 MB", "POST", api + "/payments", key, "application/json", tenMB, 400, "bad_request", ""},
		{"payment 10 MB form", "POST", api + "/payments", key, "application/x-www-form-urlencoded", append([]byte("amount=1000&currency=JPY&description="), huge...), 400, "bad_request", ""},
		// List query strings.
		{"list per_page 0", "GET", api + "/payments?per_page=0", key, "", nil, 422, "invalid_parameter", "per_page"},
		{"list per_page huge", "GET", api + "/payments?per_page=99999999999999999999", key, "", nil, 422, "invalid_parameter", "per_page"},
		{"list page negative", "GET", api + "/payments?page=-1", key, "", nil, 422, "invalid_parameter", "page"},
		{"list page text", "GET", api + "/payments?page=abc", key, "", nil, 422, "invalid_parameter", "page"},
		{"list status unknown", "GET", api + "/payments?status=stolen", key, "", nil, 422, "invalid_parameter", "status"},
		{"list bad time", "GET", api + "/payments?start_time=yesterday", key, "", nil, 422, "invalid_parameter", "start_time"},
		{"events per_page 1000", "GET", api + "/events?per_page=1000", key, "", nil, 422, "invalid_parameter", "per_page"},
		// Ids.
		{"payment id with invalid utf-8", "GET", api + "/payments/%ff%fe", key, "", nil, 404, "not_found", ""},
		{"payment id very long", "GET", api + "/payments/" + strings.Repeat("a", 5000), key, "", nil, 404, "not_found", ""},
		{"capture unknown id", "POST", pay("doesnotexist", "/capture"), key, "application/json", []byte(`{}`), 404, "not_found", ""},
		{"another merchant's payment id", "GET", pay(firstID(t, oc), ""), key, "", nil, 404, "not_found", ""},
	}
	before := countState(t, c, auth.ID, capt.ID)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawSend(t, tc.method, tc.url, tc.key, tc.ctype, tc.body)
			var e komoju.ErrorBody
			if err := json.Unmarshal(body, &e); err != nil || e.Error == nil {
				t.Fatalf("HTTP %d, not a KOMOJU error body: %.300s", status, body)
			}
			if status != tc.status || (tc.code != "" && e.Error.Code != tc.code) || (tc.param != "" && e.Error.Param != tc.param) {
				t.Errorf("HTTP %d %s (param %q): %q; want %d %s (param %q)", status, e.Error.Code, e.Error.Param, e.Error.Message, tc.status, tc.code, tc.param)
			}
			if e.Error.Message == "" {
				t.Errorf("error %s has no message", e.Error.Code)
			}
		})
	}
	after := countState(t, c, auth.ID, capt.ID)
	if after.payments != before.payments || after.events != before.events {
		t.Errorf("hostile input changed state: payments %d → %d, events %d → %d", before.payments, after.payments, before.events, after.events)
	}
	for id, s := range before.snapshots {
		if after.snapshots[id] != s {
			t.Errorf("payment %s changed: %s → %s", id, s, after.snapshots[id])
		}
	}
	// The session is still payable after all that.
	res, err := c.Sessions.Pay(ctx, sess.ID, &komoju.SessionPayParams{PaymentDetails: cardParams()})
	if err != nil || res.Payment == nil || res.Payment.Status != komoju.PaymentCaptured {
		t.Errorf("session after hostile pays: %+v %v", res, err)
	}
	// And a non-JSON reader on the other end: the server still answers.
	if st, _ := rawCall(t, http.MethodGet, api+"/payments?per_page=1", key, "", nil); st != 200 {
		t.Errorf("after the hostile inputs GET /payments answers %d", st)
	}
}

// TestMalformedAuthorization sends Authorization headers a client could
// get wrong; each is a KOMOJU 401, never a 500 or a hang.
func TestMalformedAuthorization(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	for _, h := range []string{
		"Basic", "Basic ", "Basic !!!not-base64!!!", "Bearer " + sb.SecretKey(), "basic",
		"Basic " + strings.Repeat("QUFB", 3000), "Basic " + b64(":"), "Basic " + b64("\xff\xfe:"),
		"Basic " + b64(sb.SecretKey()+"x:"), "Basic " + b64(strings.ToUpper(sb.SecretKey())+":"),
	} {
		req, _ := http.NewRequest(http.MethodGet, sb.URL()+"/payments", nil)
		req.Header.Set("Authorization", h)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var e komoju.ErrorBody
		if res.StatusCode != 401 || json.Unmarshal(b, &e) != nil || e.Error == nil || e.Error.Code != "unauthorized" {
			t.Errorf("Authorization %.40q: HTTP %d %.200s, want 401 unauthorized", h, res.StatusCode, b)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// rawSend writes one request over a fresh TCP connection with the whole
// body (a 10 MB body is sent in full, as an attacker would, rather than
// stopping when the server answers early) and reads the answer.
func rawSend(t *testing.T, method, u, key, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	conn, err := net.DialTimeout("tcp", req.URL.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	// Write in the background: the server may answer (and stop reading)
	// before the body is through.
	go func() { _ = req.Write(conn) }()
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %.80s: no answer: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, b
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstID is the id of the first payment c's merchant has.
func firstID(t *testing.T, c *komoju.Client) string {
	ps := allPayments(t, c, "")
	if len(ps) == 0 {
		t.Fatal("no payment")
	}
	return ps[0].ID
}
