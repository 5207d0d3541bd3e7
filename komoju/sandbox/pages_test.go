package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// page fetches a hosted page as a browser would (no API key, no redirects).
func page(t *testing.T, method, u string, form url.Values) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func TestPagesRenderWithoutScripts(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := must(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY"}), 200)
	seven := must(t, c.post("/payments", map[string]any{"amount": 1000, "currency": "JPY", "payment_details": konbini("seven-eleven")}), 200)
	lawson := must(t, c.post("/payments", map[string]any{"amount": 1000, "currency": "JPY", "payment_details": konbini("lawson")}), 200)
	bank := must(t, c.post("/payments", map[string]any{"amount": 1000, "currency": "JPY", "payment_details": map[string]any{"type": "bank_transfer",
		"email": "a@example.com", "phone": "09012345678", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ"}}), 200)
	wallet := must(t, c.post("/payments", map[string]any{"amount": 1000, "currency": "JPY", "payment_details": map[string]any{"type": "linepay"}}), 200)
	for _, u := range []string{sb.BaseURL() + "/", s.str("session_url"), seven.str("payment_details", "instructions_url"),
		lawson.str("payment_details", "instructions_url"), bank.str("payment_details", "instructions_url"), wallet.str("payment_details", "redirect_url")} {
		status, body, h := page(t, http.MethodGet, u, nil)
		if status != 200 || !strings.Contains(body, "SANDBOX") || !strings.Contains(body, `name="viewport"`) || strings.Contains(body, "<script") ||
			!strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d\n%s", u, status, body)
		}
	}
	_, body, _ := page(t, http.MethodGet, seven.str("payment_details", "instructions_url"), nil)
	if strings.Contains(body, seven.str("payment_details", "receipt")) {
		t.Error("the 7-Eleven instructions page shows the deprecated receipt number")
	}
	_, body, _ = page(t, http.MethodGet, lawson.str("payment_details", "instructions_url"), nil)
	if !strings.Contains(body, lawson.str("payment_details", "receipt")) || !strings.Contains(body, lawson.str("payment_details", "confirmation_code")) {
		t.Error("the Lawson page lacks receipt or confirmation code")
	}
	_, body, _ = page(t, http.MethodGet, bank.str("payment_details", "instructions_url"), nil)
	if !strings.Contains(body, bank.str("payment_details", "account_number")) || !strings.Contains(body, "Customer paid") {
		t.Error("bank transfer page lacks account number or paid button")
	}
	if status, _, _ := page(t, http.MethodGet, sb.BaseURL()+"/sandbox/wallet/nope", nil); status != 404 {
		t.Errorf("unknown payment page: %d", status)
	}
	// Paying a direct payment without return_url shows the result page.
	status, _, h := page(t, http.MethodPost, sb.BaseURL()+"/sandbox/payments/"+wallet.str("id")+"/approve", url.Values{})
	if status != http.StatusSeeOther || h.Get("Location") != sb.BaseURL()+"/sandbox/result/"+wallet.str("id") {
		t.Fatalf("approve without return_url: %d %s", status, h.Get("Location"))
	}
	if _, body, _ := page(t, http.MethodGet, h.Get("Location"), nil); !strings.Contains(body, "captured") {
		t.Errorf("result page: %s", body)
	}
	// Approving twice is refused on the page too.
	if status, body, _ := page(t, http.MethodPost, sb.BaseURL()+"/sandbox/payments/"+wallet.str("id")+"/approve", url.Values{}); status != 422 || !strings.Contains(body, "SANDBOX") {
		t.Errorf("second approve: %d", status)
	}
}

func TestSessionPageFormPay(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := must(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY", "return_url": "https://shop.example/r"}), 200)
	// A bad card number re-renders the page with the error and keeps the session payable.
	status, body, _ := page(t, http.MethodPost, s.str("session_url"), url.Values{"payment_details[type]": {"credit_card"},
		"payment_details[number]": {"4111111111111112"}, "payment_details[month]": {"12"}, "payment_details[year]": {"30"}})
	if status != 422 || !strings.Contains(body, "checksum") || strings.Contains(body, "4111111111111112") {
		t.Fatalf("bad card: %d\n%s", status, body)
	}
	status, _, h := page(t, http.MethodPost, s.str("session_url"), url.Values{"payment_details[type]": {"credit_card"},
		"payment_details[number]": {"4111 1111 1111 1111"}, "payment_details[month]": {"12"}, "payment_details[year]": {"30"}})
	if status != http.StatusSeeOther || h.Get("Location") != "https://shop.example/r?session_id="+s.str("id") {
		t.Fatalf("pay: %d %s", status, h.Get("Location"))
	}
	_, body, _ = page(t, http.MethodGet, s.str("session_url"), nil)
	if !strings.Contains(body, "completed") || strings.Contains(body, `id="form-credit_card"`) {
		t.Errorf("completed session page still offers payment:\n%s", body)
	}
}
