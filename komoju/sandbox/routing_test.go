package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Every answer to an API-style request is KOMOJU's JSON error envelope:
// never a redirect (a client following it could resend a payment
// elsewhere), never plain text.
func TestEveryAnswerIsKOMOJUShaped(t *testing.T) {
	sb := startSandbox(t, Options{})
	hc := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cases := []struct{ method, path string }{
		{"POST", "//api/v1/payments"},
		{"POST", "/api/v1//payments"},
		{"POST", "/api/v1/./payments"},
		{"POST", "/api/v1/../v1/payments"},
		{"GET", "/api/v1/payments/."},
		{"GET", "/api/v1"},
		{"GET", "/api"},
		{"GET", "/v1/payments"},
		{"POST", "/payments"},
		{"GET", "/nope"},
		{"GET", "/sandbox"},
		{"GET", "/sandbox/nope"},
		{"DELETE", "/sandbox/clock"},
		{"GET", "/sandbox/reset"},
		{"PUT", "/sessions/abc"},
		{"DELETE", "/api/v1/payments"},
		{"GET", "/api/v1/nope"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, sb.BaseURL()+tc.path, strings.NewReader(`{"amount":100,"currency":"JPY"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = "" // keep the path exactly as written
			req.URL.Path = tc.path
			req.URL.RawPath = tc.path
			req.SetBasicAuth(sb.SecretKey(), "")
			req.Header.Set("Content-Type", "application/json")
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("answered %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), b)
			}
			var env struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(b, &env); err != nil || env.Error.Code != "not_found" || env.Error.Message == "" {
				t.Fatalf("not an error envelope: %s (%v)", b, err)
			}
		})
	}
	// A browser asking for an unknown page still gets a page.
	req, _ := http.NewRequest("GET", sb.BaseURL()+"/nope", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("browser 404: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// The routes themselves still work.
	c := newRaw(t, sb)
	must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	must(t, c.getr("/sandbox/faults"), 200)
	if r := c.call("GET", sb.BaseURL()+"/", nil); r.status != 200 {
		t.Errorf("index page: %d", r.status)
	}
}

// TestLeftOutEndpoints: customers, customer-mode sessions and
// subscriptions are not simulated (docs/SANDBOX.md) and say so clearly.
func TestLeftOutEndpoints(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	mustErr(t, c.post("/customers", map[string]any{"email": "a@example.com"}), 404, komoju.CodeNotFound)
	mustErr(t, c.getr("/subscriptions"), 404, komoju.CodeNotFound)
	for _, mode := range []string{"customer", "customer_payment"} {
		r := mustErr(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY", "mode": mode}), 422, komoju.CodeInvalidParameter)
		if r.str("error", "param") != "mode" {
			t.Errorf("mode %s: %s", mode, r.body)
		}
	}
}
