package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

func newSession(t *testing.T, c *raw, extra ...any) resp {
	t.Helper()
	m := map[string]any{"amount": 2500, "currency": "JPY", "return_url": "https://shop.example/done?till=2", "email": "hanako@example.com",
		"payment_data": map[string]any{"external_order_num": "S-" + itoa(int(time.Now().UnixNano()%1e9))}}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return must(t, c.post("/sessions", m), 200)
}

func TestSessionCreateShape(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := newSession(t, c, "line_items", []any{map[string]any{"amount": 2500, "description": "Coffee beans"}}, "metadata", map[string]any{"till": "2"})
	id := s.str("id")
	if s.str("status") != "pending" || s.get("expired") != false || s.str("session_url") != sb.BaseURL()+"/sessions/"+id || s.get("payment") != nil {
		t.Fatalf("session: %s", s.body)
	}
	methods := s.get("payment_methods").([]any)
	if len(methods) != len(supportedMethods) {
		t.Fatalf("payment_methods: %d", len(methods))
	}
	for _, m := range methods {
		m := m.(map[string]any)
		switch m["type"] {
		case "credit_card":
			if b, ok := m["brands"].([]any); !ok || len(b) == 0 || m["offsite"] != false {
				t.Errorf("card method: %v", m)
			}
		case "konbini":
			b, ok := m["brands"].(map[string]any)
			if !ok || b["seven-eleven"] == nil || b["seicomart"] == nil {
				t.Errorf("konbini brands must be an object keyed by store: %v", m)
			}
		case "paypay":
			if m["offsite"] != true {
				t.Errorf("paypay offsite: %v", m)
			}
		}
		if _, ok := m["customer_fee"].(float64); !ok || m["currency"] != "JPY" || m["amount"].(float64) != 2500 {
			t.Errorf("method fields: %v", m)
		}
	}
	pub := newRaw(t, sb)
	pub.key = sb.PublishableKey()
	if got := must(t, pub.getr("/sessions/"+id), 200); got.str("id") != id {
		t.Errorf("show with publishable key: %s", got.body)
	}
	usd := must(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "USD"}), 200)
	if n := len(usd.get("payment_methods").([]any)); n != 1 {
		t.Errorf("USD session offers %d methods, want only credit_card", n)
	}
	mustErr(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY", "payment_types": []any{"bitcoin"}}), 422, "invalid_payment_type")
	mustErr(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "XXX"}), 422, "invalid_currency")
	mustErr(t, c.post("/sessions", map[string]any{"currency": "JPY"}), 422, "missing_parameter")
	mustErr(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY", "payment_data": map[string]any{"capture": "later"}}), 422, "invalid_parameter")
	mustErr(t, c.getr("/sessions/nope"), 404, "not_found")
}

func TestSessionOrderNumUniquePerSession(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	pd := map[string]any{"external_order_num": "ORDER-7"}
	s := must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "payment_data": pd}), 200)
	r := mustErr(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "payment_data": pd}), 422, "invalid_parameter")
	if r.str("error", "param") != "payment_data[external_order_num]" {
		t.Errorf("param: %s", r.body)
	}
	// Several attempts on one session share its order number.
	mustErr(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": card("4123111111111000")}), 502, "insufficient_funds")
	p := must(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
	if p.str("payment", "external_order_num") != "ORDER-7" {
		t.Errorf("payment order num: %s", p.body)
	}
	// A cancelled session frees its order number for a new session.
	s2 := must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "payment_data": map[string]any{"external_order_num": "ORDER-8"}}), 200)
	must(t, c.post("/sessions/"+s2.str("id")+"/cancel", nil), 200)
	must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "payment_data": map[string]any{"external_order_num": "ORDER-8"}}), 200)
}

func TestSessionPayCardCompleted(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := newSession(t, c)
	id := s.str("id")
	pub := newRaw(t, sb)
	pub.key = sb.PublishableKey()
	r := must(t, pub.post("/sessions/"+id+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
	if r.str("status") != "completed" || r.str("payment", "status") != "captured" || r.str("payment", "session") != id {
		t.Fatalf("pay: %s", r.body)
	}
	want := "https://shop.example/done?till=2&session_id=" + id
	if r.str("redirect_url") != want {
		t.Errorf("redirect_url = %s, want %s", r.str("redirect_url"), want)
	}
	got := must(t, c.getr("/sessions/"+id), 200)
	if got.str("status") != "completed" || got.str("payment", "id") != r.str("payment", "id") || got.str("completed_at") == "" {
		t.Errorf("session after pay: %s", got.body)
	}
	mustErr(t, c.post("/sessions/"+id+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 422, "unprocessable_entity")
	mustErr(t, c.post("/sessions/"+id+"/cancel", nil), 422, "not_cancellable")
}

func TestSessionPayManualCaptureAndOverride(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := newSession(t, c, "payment_data", map[string]any{"capture": "manual"})
	r := must(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
	if r.str("status") != "completed" || r.str("payment", "status") != "authorized" {
		t.Fatalf("manual: %s", r.body)
	}
	s2 := newSession(t, c)
	r = must(t, c.post("/sessions/"+s2.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111"), "capture": "manual"}), 200)
	if r.str("payment", "status") != "authorized" {
		t.Fatalf("capture override: %s", r.body)
	}
}

func TestSessionDeclineLeavesSessionPayable(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := newSession(t, c)
	id := s.str("id")
	mustErr(t, c.post("/sessions/"+id+"/pay", map[string]any{"payment_details": card("4123111111111059")}), 502, "card_declined")
	got := must(t, c.getr("/sessions/"+id), 200)
	if got.str("status") != "pending" || got.str("payment", "status") != "failed" {
		t.Fatalf("after decline: %s", got.body)
	}
	// Validation errors change nothing.
	mustErr(t, c.post("/sessions/"+id+"/pay", map[string]any{"payment_details": card("1234")}), 422, "invalid_parameter")
	mustErr(t, c.post("/sessions/"+id+"/pay", map[string]any{}), 422, "missing_parameter")
	r := must(t, c.post("/sessions/"+id+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
	if r.str("status") != "completed" {
		t.Fatalf("retry after decline: %s", r.body)
	}
	n := eventCounts(t, c)
	if n[komoju.EventPaymentFailed] != 1 || n[komoju.EventPaymentCaptured] != 1 {
		t.Errorf("events %v", n)
	}
}

func TestSessionScenarioFailsEveryPay(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY"}, "Komoju-Scenario", "exceeds_limit"), 200)
	for i := 0; i < 2; i++ {
		mustErr(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 502, "exceeds_limit")
	}
	mustErr(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": konbini("lawson")}), 502, "exceeds_limit")
	// On pay itself the header fails that attempt only.
	s2 := newSession(t, c)
	mustErr(t, c.post("/sessions/"+s2.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}, "Komoju-Scenario", "card_declined"), 502, "card_declined")
	must(t, c.post("/sessions/"+s2.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
}

func TestSession3DSChallengeFlow(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := newSession(t, c)
	id := s.str("id")
	r := must(t, c.post("/sessions/"+id+"/pay", map[string]any{"payment_details": card("4100000000005000")}), 200)
	pid := r.str("payment", "id")
	if r.str("status") != "pending" || r.str("payment", "status") != "pending" || r.str("redirect_url") != sb.BaseURL()+"/sandbox/3ds/"+pid {
		t.Fatalf("3DS pay: %s", r.body)
	}
	// A wrong code changes nothing.
	mustErr(t, c.post("/sandbox/payments/"+pid+"/3ds", url.Values{"code": {"000000"}}), 422, "invalid_parameter")
	// The customer completes it in the browser; they are sent to return_url.
	browser := &raw{t: t, sb: sb, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	res := browser.post("/sandbox/payments/"+pid+"/3ds", url.Values{"code": {"123456"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "https://shop.example/done?till=2&session_id="+id {
		t.Fatalf("3DS submit: %d %s", res.status, res.header.Get("Location"))
	}
	got := must(t, c.getr("/sessions/"+id), 200)
	if got.str("status") != "completed" || got.str("payment", "status") != "captured" {
		t.Errorf("after 3DS: %s", got.body)
	}
	// Frictionless cards complete at once.
	s2 := newSession(t, c)
	if r := must(t, c.post("/sessions/"+s2.str("id")+"/pay", map[string]any{"payment_details": card("4100000000000100")}), 200); r.str("status") != "completed" {
		t.Errorf("frictionless: %s", r.body)
	}
}

func TestSession3DSFailuresAndCancel(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	cases := []struct {
		card, code, action, want string
	}{
		{"4100000000005000", "111111", "", "failed"},    // challenge card, failing code
		{"5100000000300002", "123456", "", "failed"},    // challenge-failure card
		{"3528000000500006", "", "", "failed"},          // auth failure after redirect
		{"3528000000005006", "", "cancel", "cancelled"}, // Cancel button
	}
	for _, tc := range cases {
		s := newSession(t, c)
		r := must(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": card(tc.card)}), 200)
		if r.str("status") != "pending" {
			t.Fatalf("%s: %s", tc.card, r.body)
		}
		form := url.Values{"code": {tc.code}}
		if tc.action != "" {
			form.Set("action", tc.action)
		}
		got := must(t, c.post("/sandbox/payments/"+r.str("payment", "id")+"/3ds", form), 200)
		if got.str("status") != tc.want {
			t.Errorf("%s: %s, want %s", tc.card, got.str("status"), tc.want)
		}
		// The session stays payable.
		if again := must(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200); again.str("status") != "completed" {
			t.Errorf("%s: pay after 3DS %s: %s", tc.card, tc.want, again.body)
		}
	}
}

func TestSessionKonbiniAndWallet(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := newSession(t, c)
	// email comes from the session, so payment_details[email] is optional.
	r := must(t, c.post("/sessions/"+s.str("id")+"/pay", url.Values{"payment_details[type]": {"konbini"}, "payment_details[store]": {"seven-eleven"}}), 200)
	if r.str("status") != "completed" || r.str("payment", "status") != "authorized" || r.str("redirect_url") != r.str("payment", "payment_details", "instructions_url") {
		t.Fatalf("konbini via session: %s", r.body)
	}
	if r.str("payment", "payment_details", "email") != "hanako@example.com" {
		t.Errorf("email fallback: %s", r.body)
	}
	w := newSession(t, c)
	r = must(t, c.post("/sessions/"+w.str("id")+"/pay", map[string]any{"payment_details": map[string]any{"type": "paypay"}}), 200)
	if r.str("status") != "pending" || r.str("redirect_url") != sb.BaseURL()+"/sandbox/wallet/"+r.str("payment", "id") {
		t.Fatalf("wallet via session: %s", r.body)
	}
	mustErr(t, c.post("/sessions/"+w.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 422, "unprocessable_entity")
	must(t, c.post("/sandbox/payments/"+r.str("payment", "id")+"/decline", nil), 200)
	if got := must(t, c.getr("/sessions/"+w.str("id")), 200); got.str("status") != "pending" {
		t.Errorf("declined wallet must leave the session pending: %s", got.body)
	}
	r = must(t, c.post("/sessions/"+w.str("id")+"/pay", map[string]any{"payment_details": map[string]any{"type": "paypay"}}), 200)
	must(t, c.post("/sandbox/payments/"+r.str("payment", "id")+"/approve", nil), 200)
	if got := must(t, c.getr("/sessions/"+w.str("id")), 200); got.str("status") != "completed" || got.str("payment", "status") != "captured" {
		t.Errorf("approved wallet: %s", got.body)
	}
	only := newSession(t, c, "payment_types", []any{"credit_card"})
	mustErr(t, c.post("/sessions/"+only.str("id")+"/pay", map[string]any{"payment_details": konbini("lawson")}), 422, "invalid_payment_type")
}

func TestSessionCancelCancelsPendingPayment(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := newSession(t, c)
	r := must(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": map[string]any{"type": "rakutenpay"}}), 200)
	got := must(t, c.post("/sessions/"+s.str("id")+"/cancel", nil), 200)
	if got.str("status") != "cancelled" || got.str("cancelled_at") == "" || got.str("payment", "status") != "cancelled" {
		t.Fatalf("cancel: %s", got.body)
	}
	mustErr(t, c.post("/sandbox/payments/"+r.str("payment", "id")+"/approve", nil), 422, "unprocessable_entity")
	mustErr(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 422, "unprocessable_entity")
}

func TestSessionExpiry(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	short := newSession(t, c, "expires_in_seconds", 600)
	long := newSession(t, c)
	must(t, c.post("/sandbox/clock", map[string]any{"advance": "11m"}), 200)
	if got := must(t, c.getr("/sessions/"+short.str("id")), 200); got.get("expired") != true || got.str("status") != "pending" {
		t.Errorf("short session: %s", got.body)
	}
	mustErr(t, c.post("/sessions/"+short.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 422, "unprocessable_entity")
	if got := must(t, c.getr("/sessions/"+long.str("id")), 200); got.get("expired") != false {
		t.Errorf("long session expired early")
	}
	sb.Clock().Advance(24 * time.Hour)
	if got := must(t, c.getr("/sessions/"+long.str("id")), 200); got.get("expired") != true {
		t.Errorf("24h session not expired after 24h")
	}
	mustErr(t, c.post("/sessions", map[string]any{"amount": 1, "currency": "JPY", "expires_in_seconds": 86401}), 422, "invalid_parameter")
}

func TestSessionPayForm(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := must(t, c.post("/sessions", url.Values{"amount": {"1200"}, "currency": {"JPY"}, "payment_types[]": {"credit_card", "konbini"},
		"line_items[0][amount]": {"1200"}, "line_items[0][description]": {"Tea"}, "metadata[till]": {"4"}, "payment_data[capture]": {"manual"}}), 200)
	if s.str("metadata", "till") != "4" || len(s.get("payment_methods").([]any)) != 2 || s.str("payment_data", "capture") != "manual" {
		t.Fatalf("form session: %s", s.body)
	}
	items := s.get("line_items").([]any)
	if len(items) != 1 || items[0].(map[string]any)["description"] != "Tea" {
		t.Errorf("line items: %v", items)
	}
	r := must(t, c.post("/sessions/"+s.str("id")+"/pay", url.Values{"payment_details[type]": {"credit_card"}, "payment_details[number]": {"4111111111111111"},
		"payment_details[month]": {"12"}, "payment_details[year]": {"30"}, "payment_details[verification_value]": {"123"}}), 200)
	if r.str("payment", "status") != "authorized" {
		t.Fatalf("form pay: %s", r.body)
	}
	if strings.Contains(string(r.body), "4111111111111111") {
		t.Error("card number echoed")
	}
}

func TestPublicURLForPhones(t *testing.T) {
	sb := startSandbox(t, Options{PublicURL: "http://192.0.2.10:7777/"})
	if sb.BaseURL() != "http://192.0.2.10:7777" {
		t.Errorf("BaseURL %s", sb.BaseURL())
	}
	// 192.0.2.10 is unreachable (TEST-NET-1), so call the handler directly.
	req, _ := http.NewRequest(http.MethodPost, "/api/v1/sessions", strings.NewReader(`{"amount":100,"currency":"JPY"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(sb.SecretKey(), "")
	rec := &recorder{header: http.Header{}}
	sb.Handler().ServeHTTP(rec, req)
	if rec.status != 200 || !strings.Contains(rec.body.String(), `"session_url":"http://192.0.2.10:7777/sessions/`) {
		t.Errorf("session_url must use the public URL: %s", rec.body.String())
	}
	all := startSandbox(t, Options{Addr: "0.0.0.0:0"})
	if strings.Contains(all.BaseURL(), "0.0.0.0") {
		t.Errorf("listening on all interfaces must not advertise 0.0.0.0: %s", all.BaseURL())
	}
	if _, err := New(Options{PublicURL: "ftp://x"}); err == nil {
		t.Error("a bad public URL was accepted")
	}
}
