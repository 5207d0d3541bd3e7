package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzAPI throws arbitrary bodies at the write endpoints through the
// handler: every answer must be a KOMOJU-shaped JSON object and never a 500.
//
//	go test -run '^$' -fuzz FuzzAPI -fuzztime 60s ./komoju/sandbox/
func FuzzAPI(f *testing.F) {
	f.Add(uint8(0), true, []byte(`{"amount":1000,"currency":"JPY","payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030}}`))
	f.Add(uint8(1), true, []byte(`{"amount":1000,"currency":"JPY","payment_types":["konbini"],"line_items":[{"amount":1,"description":"x"}]}`))
	f.Add(uint8(0), false, []byte(`amount=100&currency=JPY&payment_details[type]=konbini&payment_details[store]=lawson&payment_details[email]=a@b.c`))
	f.Add(uint8(2), false, []byte(`payment_details[type]=paypay&capture=manual`))
	f.Add(uint8(3), true, []byte(`{"payment_details":{"type":"credit_card","number":"4123111111111000","month":"1","year":"99"}}`))
	f.Add(uint8(4), false, []byte(`a[b][c][d][e][f][g][h][i]=1&a[]=2&[x]=3`))
	f.Add(uint8(5), true, []byte(`{"amount":"1e400","tax":"auto","metadata":{"k":[1]}}`))
	sb := startSandbox(f, Options{})
	h := sb.Handler()
	// A session and a payment to aim the id endpoints at.
	c := newRaw(f, sb)
	sess := must(f, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY"}), 200).str("id")
	pay := must(f, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200).str("id")
	paths := []string{"/api/v1/payments", "/api/v1/sessions", "/api/v1/sessions/" + sess + "/pay", "/api/v1/tokens",
		"/api/v1/payments/" + pay + "/capture", "/api/v1/payments/" + pay + "/refund", "/api/v1/payments/" + pay + "/refund_request",
		"/api/v1/payments?", "/sandbox/faults", "/sandbox/clock"}
	f.Fuzz(func(t *testing.T, which uint8, isJSON bool, body []byte) {
		path := paths[int(which)%len(paths)]
		method := http.MethodPost
		if path == "/api/v1/payments?" {
			method, path = http.MethodGet, path+string(body)
			body = nil
		}
		if path == "/sandbox/faults" { // never leave faults switched on for the next input
			defer sb.SetFaults(Faults{})
		}
		req, err := http.NewRequest(method, "http://sandbox"+path, bytes.NewReader(body))
		if err != nil {
			return // not a valid URL: nothing to send
		}
		if isJSON {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.SetBasicAuth(sb.SecretKey(), "")
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, req)
		if rec.status >= 500 && rec.status != 502 && rec.status != 503 {
			t.Fatalf("%s %s → %d: %s", method, path, rec.status, rec.body.String())
		}
		var v any
		if rec.body.Len() > 0 && json.Unmarshal(rec.body.Bytes(), &v) != nil {
			t.Fatalf("%s %s → %d: not JSON: %s", method, path, rec.status, rec.body.String())
		}
		if rec.status >= 400 {
			m, _ := v.(map[string]any)
			e, _ := m["error"].(map[string]any)
			if e == nil || e["code"] == "" || e["message"] == "" {
				t.Fatalf("%s %s → %d without a KOMOJU error body: %s", method, path, rec.status, rec.body.String())
			}
		}
	})
}
