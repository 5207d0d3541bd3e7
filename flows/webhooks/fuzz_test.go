package webhooks

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// FuzzReceiver throws random bodies and signature headers at the receiver:
// it must never panic, never answer 5xx (the journal here works, so every
// failure is the sender's) and never accept what was not signed with the
// secret.
func FuzzReceiver(f *testing.F) {
	valid := eventBody(f, "evt_fz", komoju.EventPaymentCaptured, "pay_fz", komoju.PaymentCaptured, 1)
	f.Add(valid, komoju.SignWebhook(valid, testSecret), "POST", true)
	f.Add(valid, "", "POST", false)
	f.Add([]byte(`{"id":"x","type":"payment.captured","data":"str"}`), "", "POST", true)
	f.Add([]byte(`{"id":"x","type":"payment.captured","data":{"resource":"session"}}`), "", "POST", true)
	f.Add([]byte(`{"id":"x","type":"ping","data":null}`), "zz", "POST", true)
	f.Add([]byte("\x00\xff"), "00", "GET", false)
	f.Add([]byte(`[]`), "", "POST", true)
	f.Fuzz(func(t *testing.T, body []byte, sig, method string, signIt bool) {
		r, err := New(Options{Secret: testSecret, MaxBody: 4096})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if signIt {
			sig = komoju.SignWebhook(body, testSecret)
		}
		if method == "" || !validMethod(method) {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, Path, bytes.NewReader(body))
		req.Header.Set("X-Komoju-Signature", sig)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 401, 405, 413:
		default:
			t.Fatalf("answered %d for a sender's mistake: %s", rec.Code, rec.Body)
		}
		if rec.Code == 200 && komoju.VerifyWebhook(body, sig, testSecret) != nil {
			t.Fatalf("accepted an unsigned body")
		}
	})
}

func validMethod(m string) bool {
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return len(m) < 10
}
