package sandbox

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

func TestCardPaymentCapturedWithTotalsAndEvent(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	r := must(t, c.post("/payments", cardPayment("4111111111111111", "tax", 100, "external_order_num", "A-1", "metadata", map[string]any{"till": "3"})), 200)
	if r.str("status") != "captured" || r.num("total") != 1100 || r.num("amount") != 1000 || r.num("tax") != 100 {
		t.Fatalf("unexpected payment: %s", r.body)
	}
	id := r.str("id")
	if len(id) != 25 || strings.Trim(id, idAlphabet) != "" {
		t.Errorf("id %q is not 25 lowercase alphanumerics", id)
	}
	if r.str("payment_details", "brand") != "visa" || r.str("payment_details", "last_four_digits") != "1111" {
		t.Errorf("card details: %s", r.body)
	}
	if strings.Contains(string(r.body), "4111111111111111") || strings.Contains(string(r.body), `"123"`) {
		t.Errorf("card number or CVC echoed: %s", r.body)
	}
	if r.str("captured_at") == "" || r.str("metadata", "till") != "3" || r.str("resource") != "payment" {
		t.Errorf("fields: %s", r.body)
	}
	if _, ok := r.get("refunds").([]any); !ok {
		t.Errorf("refunds must be an array: %s", r.body)
	}
	got := must(t, c.getr("/payments/"+id), 200)
	if got.str("status") != "captured" {
		t.Errorf("show: %s", got.body)
	}
	if n := eventCounts(t, c); n[komoju.EventPaymentCaptured] != 1 || len(n) != 1 {
		t.Errorf("events = %v, want one payment.captured", n)
	}
}

func TestTaxAutoAndOmitted(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	p := cardPayment("4111111111111111", "tax", "auto")
	if r := must(t, c.post("/payments", p), 200); r.num("tax") != 100 || r.num("total") != 1100 {
		t.Errorf("tax auto: %s", r.body)
	}
	p = cardPayment("4111111111111111")
	delete(p, "tax")
	if r := must(t, c.post("/payments", p), 200); r.num("tax") != 100 {
		t.Errorf("omitted tax before 2026-01-27 should be auto (10%%): %s", r.body)
	}
	if r := must(t, c.post("/payments", p, "X-KOMOJU-API-VERSION", "2026-01-27"), 200); r.num("tax") != 0 {
		t.Errorf("omitted tax from 2026-01-27 should be 0: %s", r.body)
	}
}

func TestDeclineCards(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	cases := map[string]string{
		"4123111111111000": "insufficient_funds",
		"4123111111111018": "exceeds_limit",
		"4123111111111034": "bad_verification_value",
		"4123111111111042": "card_expired",
		"4123111111111059": "card_declined",
		"4123111111111067": "invalid_number",
		"4123111111111075": "invalid_number",
	}
	for number, code := range cases {
		mustErr(t, c.post("/payments", cardPayment(number)), 502, code)
	}
	// Each decline is recorded as a failed payment with payment.failed.
	l := must(t, c.getr("/payments?status=failed&per_page=100"), 200)
	if l.num("total") != int64(len(cases)) {
		t.Errorf("failed payments = %d, want %d", l.num("total"), len(cases))
	}
	if n := eventCounts(t, c); n[komoju.EventPaymentFailed] != len(cases) {
		t.Errorf("events %v", n)
	}
	// Other valid cards succeed, including every brand on the success list.
	for _, n := range []string{"5555555555554444", "3530111333300000", "378282246310005", "30569309025904", "4100000000000100", "4242424242424242"} {
		p := cardPayment(n)
		if n == "378282246310005" {
			p["payment_details"].(map[string]any)["verification_value"] = "1234"
		}
		if r := must(t, c.post("/payments", p), 200); r.str("status") != "captured" {
			t.Errorf("%s: %s", n[len(n)-4:], r.body)
		}
	}
}

func TestCardValidationChangesNothing(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	bad := []struct {
		field string
		value any
		param string
	}{
		{"number", "4111111111111112", "payment_details[number]"}, // Luhn
		{"number", "4111-abcd", "payment_details[number]"},
		{"number", "4111", "payment_details[number]"},
		{"month", "13", "payment_details[month]"},
		{"year", "2020", "payment_details[year]"},
		{"year", "25", "payment_details[year]"}, // 2025 is past on the sandbox clock (2026-01)
		{"verification_value", "12", "payment_details[verification_value]"},
		{"verification_value", "abc", "payment_details[verification_value]"},
	}
	for _, b := range bad {
		p := cardPayment("4111111111111111")
		p["payment_details"].(map[string]any)[b.field] = b.value
		r := mustErr(t, c.post("/payments", p), 422, "invalid_parameter")
		if r.str("error", "param") != b.param {
			t.Errorf("%s=%v: param %q, want %q", b.field, b.value, r.str("error", "param"), b.param)
		}
	}
	p := cardPayment("4111111111111111")
	delete(p["payment_details"].(map[string]any), "number")
	if r := mustErr(t, c.post("/payments", p), 422, "missing_parameter"); r.str("error", "param") != "payment_details[number]" {
		t.Errorf("param: %s", r.body)
	}
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 0 {
		t.Errorf("validation errors created payments: %s", l.body)
	}
}

func TestManualCaptureFullAndPartial(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	a := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200)
	if a.str("status") != "authorized" {
		t.Fatalf("capture:false → %s", a.str("status"))
	}
	id := a.str("id")
	mustErr(t, c.post("/payments/"+id+"/capture", map[string]any{"amount": 1001}), 422, "invalid_parameter")
	r := must(t, c.post("/payments/"+id+"/capture", map[string]any{"amount": 600}), 200)
	if r.str("status") != "captured" || r.num("amount") != 600 || r.num("total") != 600 {
		t.Fatalf("partial capture: %s", r.body)
	}
	mustErr(t, c.post("/payments/"+id+"/capture", nil), 422, "not_capturable")
	b := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", "false")), 200)
	if r := must(t, c.post("/payments/"+b.str("id")+"/capture", nil), 200); r.num("total") != 1000 {
		t.Errorf("full capture: %s", r.body)
	}
	// Captured payments cannot be captured or cancelled.
	cap := must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	mustErr(t, c.post("/payments/"+cap.str("id")+"/capture", nil), 422, "not_capturable")
	mustErr(t, c.post("/payments/"+cap.str("id")+"/cancel", nil), 422, "not_cancellable")
	n := eventCounts(t, c)
	if n[komoju.EventPaymentAuthorized] != 2 || n[komoju.EventPaymentCaptured] != 3 {
		t.Errorf("events %v", n)
	}
}

func TestCancelAuthorized(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	a := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200)
	r := must(t, c.post("/payments/"+a.str("id")+"/cancel", nil), 200)
	if r.str("status") != "cancelled" {
		t.Fatalf("cancel: %s", r.body)
	}
	mustErr(t, c.post("/payments/"+a.str("id")+"/cancel", nil), 422, "not_cancellable")
	mustErr(t, c.post("/payments/"+a.str("id")+"/refund", nil), 422, "not_refundable")
	mustErr(t, c.post("/payments/nonexistent0000000000000/cancel", nil), 404, "not_found")
	mustErr(t, c.getr("/payments/nope"), 404, "not_found")
}

func TestRefundPartialThenFull(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	p := must(t, c.post("/payments", cardPayment("4111111111111111", "tax", 100)), 200)
	id := p.str("id")
	r := must(t, c.post("/payments/"+id+"/refund", map[string]any{"amount": 300, "description": "damaged"}), 200)
	if r.str("status") != "captured" || r.num("amount_refunded") != 300 {
		t.Fatalf("partial refund: %s", r.body)
	}
	mustErr(t, c.post("/payments/"+id+"/refund", map[string]any{"amount": 801}), 422, "invalid_parameter")
	mustErr(t, c.post("/payments/"+id+"/refund", map[string]any{"amount": -5}), 422, "invalid_parameter")
	r = must(t, c.post("/payments/"+id+"/refund", nil), 200) // the rest
	if r.str("status") != "refunded" || r.num("amount_refunded") != 1100 {
		t.Fatalf("full refund: %s", r.body)
	}
	refunds, _ := r.get("refunds").([]any)
	if len(refunds) != 2 || refunds[1].(map[string]any)["amount"].(float64) != 800 {
		t.Errorf("refunds: %v", refunds)
	}
	mustErr(t, c.post("/payments/"+id+"/refund", nil), 422, "not_refundable")
	n := eventCounts(t, c)
	if n[komoju.EventPaymentRefundCreated] != 2 || n[komoju.EventPaymentRefunded] != 1 {
		t.Errorf("events %v", n)
	}
}

func TestKonbiniLifecycle(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	for _, st := range komoju.KonbiniStores {
		r := must(t, c.post("/payments", map[string]any{"amount": 1500, "currency": "JPY", "tax": 0, "payment_details": konbini(st)}), 200)
		if r.str("status") != "authorized" || r.str("payment_details", "store") != st {
			t.Fatalf("%s: %s", st, r.body)
		}
		if r.str("payment_details", "instructions_url") != sb.BaseURL()+"/sandbox/instructions/"+r.str("id") {
			t.Errorf("instructions_url: %s", r.str("payment_details", "instructions_url"))
		}
		if r.str("payment_details", "receipt") == "" {
			t.Errorf("%s: no receipt", st)
		}
		hasConf := r.get("payment_details", "confirmation_code") != nil
		wantConf := st != komoju.StoreSevenEleven && st != komoju.StoreDailyYamazaki
		if hasConf != wantConf {
			t.Errorf("%s: confirmation_code present=%v, want %v", st, hasConf, wantConf)
		}
	}
	r := must(t, c.post("/payments", map[string]any{"amount": 1500, "currency": "JPY", "tax": 0, "payment_details": konbini("lawson")}), 200)
	id := r.str("id")
	// Deadline: 3 days, 23:59:59 JST (14:59:59Z). The clock is 2026-01-15 12:00 JST.
	if r.str("payment_deadline") != "2026-01-18T14:59:59Z" {
		t.Errorf("payment_deadline = %s", r.str("payment_deadline"))
	}
	mustErr(t, c.post("/payments/"+id+"/capture", nil), 422, "not_capturable")
	mustErr(t, c.post("/payments/"+id+"/refund", nil), 422, "not_refundable")
	paid := must(t, c.post("/sandbox/payments/"+id+"/pay_at_store", nil), 200)
	if paid.str("status") != "captured" {
		t.Fatalf("pay_at_store: %s", paid.body)
	}
	ref := mustErr(t, c.post("/payments/"+id+"/refund", nil), 422, "not_refundable")
	if !strings.Contains(ref.str("error", "message"), "refund_request") {
		t.Errorf("refund error should point at refund_request: %s", ref.body)
	}
	rr := map[string]any{"amount": 1500, "customer_name": "ﾔﾏﾀﾞ ﾀﾛｳ", "bank_name": "Test Bank", "bank_code": "0001", "branch_name": "Main",
		"branch_number": "001", "account_type": "normal", "account_number": "1234567", "include_payment_method_fee": false}
	if r := c.post("/payments/"+id+"/refund_request", rr); r.status != 200 || len(r.body) != 0 {
		t.Fatalf("refund_request: %d %s", r.status, r.body)
	}
	got := must(t, c.getr("/payments/"+id), 200)
	if reqs, _ := got.get("refund_requests").([]any); len(reqs) != 1 || got.str("status") != "captured" {
		t.Errorf("after refund_request: %s", got.body)
	}
	mustErr(t, c.post("/payments/"+id+"/refund_request", rr), 422, "invalid_parameter") // nothing left
	card := must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	mustErr(t, c.post("/payments/"+card.str("id")+"/refund_request", rr), 422, "not_refundable")
	delete(rr, "bank_name")
	mustErr(t, c.post("/payments/"+id+"/refund_request", rr), 422, "missing_parameter")
}

func TestKonbiniExpiresWithClock(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	p := konbini("family-mart")
	p["expiry_days"] = 1
	r := must(t, c.post("/payments", map[string]any{"amount": 500, "currency": "JPY", "tax": 0, "payment_details": p}), 200)
	keep := must(t, c.post("/payments", map[string]any{"amount": 500, "currency": "JPY", "tax": 0, "payment_details": konbini("lawson")}), 200)
	must(t, c.post("/sandbox/clock", map[string]any{"advance": "36h"}), 200)
	if got := must(t, c.getr("/payments/"+r.str("id")), 200); got.str("status") != "expired" {
		t.Errorf("after 36h the 1-day konbini payment is %s", got.str("status"))
	}
	if got := must(t, c.getr("/payments/"+keep.str("id")), 200); got.str("status") != "authorized" {
		t.Errorf("3-day payment expired early: %s", got.str("status"))
	}
	sb.Clock().Advance(72 * time.Hour)
	if got := must(t, c.getr("/payments/"+keep.str("id")), 200); got.str("status") != "expired" {
		t.Errorf("after 108h the 3-day payment is %s", got.str("status"))
	}
	mustErr(t, c.post("/sandbox/payments/"+keep.str("id")+"/pay_at_store", nil), 422, "not_capturable")
	if n := eventCounts(t, c); n[komoju.EventPaymentExpired] != 2 {
		t.Errorf("events %v", n)
	}
}

func TestBankTransferAndPayEasy(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	bt := map[string]any{"type": "bank_transfer", "email": "a@example.com", "phone": "090-1234-5678", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ"}
	r := must(t, c.post("/payments", map[string]any{"amount": 5000, "currency": "JPY", "tax": 0, "payment_details": bt}), 200)
	if r.str("status") != "authorized" || r.str("payment_details", "account_number") == "" || r.str("payment_details", "instructions_url") == "" || r.str("payment_details", "bank_name") == "" {
		t.Fatalf("bank_transfer: %s", r.body)
	}
	delete(bt, "phone")
	mustErr(t, c.post("/payments", map[string]any{"amount": 5000, "currency": "JPY", "payment_details": bt}), 422, "missing_parameter")
	pe := map[string]any{"type": "pay_easy", "email": "a@example.com", "phone": "0312345678", "family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ"}
	r = must(t, c.post("/payments", map[string]any{"amount": 5000, "currency": "JPY", "tax": 0, "payment_details": pe}), 200)
	if r.str("status") != "authorized" || r.str("payment_details", "bank_id") == "" || r.str("payment_details", "customer_id") == "" || r.str("payment_details", "confirmation_id") == "" {
		t.Fatalf("pay_easy: %s", r.body)
	}
	if got := must(t, c.post("/sandbox/payments/"+r.str("id")+"/pay_at_store", nil), 200); got.str("status") != "captured" {
		t.Errorf("pay_easy paid: %s", got.body)
	}
	mustErr(t, c.post("/payments", map[string]any{"amount": 5000, "currency": "USD", "payment_details": pe}), 422, "invalid_currency")
}

func TestWalletDirectPaymentReturnsSignedURL(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	for _, typ := range komoju.OffsiteTypes {
		r := must(t, c.post("/payments", map[string]any{"amount": 800, "currency": "JPY", "tax": 0, "return_url": "https://shop.example/back?order=9", "payment_details": map[string]any{"type": typ}}), 200)
		if r.str("status") != "pending" || r.str("payment_details", "redirect_url") != sb.BaseURL()+"/sandbox/wallet/"+r.str("id") {
			t.Fatalf("%s: %s", typ, r.body)
		}
	}
	r := must(t, c.post("/payments", map[string]any{"amount": 800, "currency": "JPY", "tax": 0, "return_url": "https://shop.example/back?order=9", "payment_details": map[string]any{"type": "paypay"}}), 200)
	// The customer's browser presses Approve (no API key).
	browser := newRaw(t, sb)
	browser.key = ""
	browser.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res := browser.call(http.MethodPost, "/sandbox/payments/"+r.str("id")+"/approve", url.Values{})
	if res.status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	loc, _ := url.Parse(res.header.Get("Location"))
	if loc.Host != "shop.example" || loc.Query().Get("order") != "9" || loc.Query().Get("payment_id") != r.str("id") || loc.Query().Get("status") != "captured" {
		t.Errorf("return URL %s", loc)
	}
	if _, err := komoju.VerifyReturnURL(loc, sb.SecretKey()); err != nil {
		t.Errorf("return URL hmac: %v", err)
	}
	if got := must(t, c.getr("/payments/"+r.str("id")), 200); got.str("status") != "captured" {
		t.Errorf("after approve: %s", got.str("status"))
	}
	// Decline cancels.
	d := must(t, c.post("/payments", map[string]any{"amount": 800, "currency": "JPY", "tax": 0, "capture": false, "payment_details": map[string]any{"type": "merpay"}}), 200)
	if got := must(t, c.post("/sandbox/payments/"+d.str("id")+"/decline", nil), 200); got.str("status") != "cancelled" {
		t.Errorf("decline: %s", got.body)
	}
	// Manual capture approval authorizes.
	m := must(t, c.post("/payments", map[string]any{"amount": 800, "currency": "JPY", "tax": 0, "capture": false, "payment_details": map[string]any{"type": "aupay"}}), 200)
	if got := must(t, c.post("/sandbox/payments/"+m.str("id")+"/approve", nil), 200); got.str("status") != "authorized" {
		t.Errorf("manual approve: %s", got.body)
	}
	mustErr(t, c.post("/sandbox/payments/"+m.str("id")+"/approve", nil), 422, "unprocessable_entity")
}

func TestDirectCardsSkip3DS(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	for _, n := range []string{"4100000000005000", "4100000000300005", "4100000000500000"} {
		if r := must(t, c.post("/payments", cardPayment(n)), 200); r.str("status") != "captured" {
			t.Errorf("direct 3DS card %s: %s", n[len(n)-4:], r.body)
		}
	}
}

func TestScenarioHeaderOnPayment(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	mustErr(t, c.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "payment_details": konbini("lawson")}, "Komoju-Scenario", "insufficient_funds"), 502, "insufficient_funds")
	mustErr(t, c.post("/payments", cardPayment("4111111111111111"), "Komoju-Scenario", "card_declined"), 502, "card_declined")
	mustErr(t, c.post("/payments", cardPayment("4111111111111111"), "Komoju-Scenario", "bogus"), 400, "bad_request")
	if l := must(t, c.getr("/payments?status=failed"), 200); l.num("total") != 2 {
		t.Errorf("failed payments: %s", l.body)
	}
}

func TestExternalOrderNumUniquePerPayment(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	// A declined attempt does not use up the order number.
	mustErr(t, c.post("/payments", cardPayment("4123111111111000", "external_order_num", "O-1")), 502, "insufficient_funds")
	must(t, c.post("/payments", cardPayment("4111111111111111", "external_order_num", "O-1")), 200)
	r := mustErr(t, c.post("/payments", cardPayment("4111111111111111", "external_order_num", "O-1")), 422, "invalid_parameter")
	if r.str("error", "param") != "external_order_num" {
		t.Errorf("param: %s", r.body)
	}
}

func TestListPaymentsFiltersAndPaging(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	for i := 0; i < 23; i++ {
		p := cardPayment("4111111111111111", "external_order_num", "L-"+itoa(i))
		if i%2 == 1 {
			p["capture"] = false
		}
		if i == 22 {
			p["currency"] = "USD"
		}
		must(t, c.post("/payments", p), 200)
	}
	l := must(t, c.getr("/payments"), 200)
	if l.str("resource") != "list" || l.num("total") != 23 || l.num("per_page") != 10 || l.num("last_page") != 3 || l.num("page") != 1 {
		t.Fatalf("envelope: total=%d per_page=%d last_page=%d", l.num("total"), l.num("per_page"), l.num("last_page"))
	}
	data := l.get("data").([]any)
	if len(data) != 10 || data[0].(map[string]any)["external_order_num"] != "L-22" {
		t.Errorf("newest first: %v", data[0])
	}
	if p3 := must(t, c.getr("/payments?page=3"), 200); len(p3.get("data").([]any)) != 3 {
		t.Errorf("page 3: %s", p3.body)
	}
	if a := must(t, c.getr("/payments?status=authorized"), 200); a.num("total") != 11 {
		t.Errorf("status filter: %d", a.num("total"))
	}
	if a := must(t, c.getr("/payments?status=authorized,captured&per_page=5"), 200); a.num("total") != 23 || a.num("last_page") != 5 {
		t.Errorf("multi status: %d %d", a.num("total"), a.num("last_page"))
	}
	if a := must(t, c.getr("/payments?external_order_num=L-7"), 200); a.num("total") != 1 {
		t.Errorf("order filter: %d", a.num("total"))
	}
	if a := must(t, c.getr("/payments?currency=USD"), 200); a.num("total") != 1 {
		t.Errorf("currency filter: %d", a.num("total"))
	}
	if a := must(t, c.getr("/payments?start_time=2030-01-01T00:00:00Z"), 200); a.num("total") != 0 || a.num("last_page") != 0 {
		t.Errorf("time filter: %s", a.body)
	}
	mustErr(t, c.getr("/payments?status=bogus"), 422, "invalid_parameter")
	mustErr(t, c.getr("/payments?per_page=0"), 422, "invalid_parameter")
	mustErr(t, c.getr("/payments?page=abc"), 422, "invalid_parameter")
	mustErr(t, c.getr("/payments?start_time=yesterday"), 422, "invalid_parameter")
}

func TestUpdatePayment(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	p := must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	r := must(t, c.call(http.MethodPatch, "/payments/"+p.str("id"), map[string]any{"description": "gift", "metadata": map[string]any{"note": "wrap"}}), 200)
	if r.str("description") != "gift" || r.str("metadata", "note") != "wrap" {
		t.Fatalf("update: %s", r.body)
	}
	if n := eventCounts(t, c); n[komoju.EventPaymentUpdated] != 1 {
		t.Errorf("events %v", n)
	}
	mustErr(t, c.call(http.MethodPatch, "/payments/"+p.str("id"), map[string]any{"metadata": "x"}), 422, "invalid_parameter")
}

func TestEventsEndpoint(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	a := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200)
	must(t, c.post("/payments/"+a.str("id")+"/capture", nil), 200)
	l := must(t, c.getr("/events"), 200)
	data := l.get("data").([]any)
	if l.num("total") != 2 || data[0].(map[string]any)["type"] != "payment.captured" || data[1].(map[string]any)["type"] != "payment.authorized" {
		t.Fatalf("events newest first: %s", l.body)
	}
	first := data[1].(map[string]any)
	// The event keeps the payment as it was then.
	if first["data"].(map[string]any)["status"] != "authorized" || first["resource"] != "event" {
		t.Errorf("event data: %v", first)
	}
	e := must(t, c.getr("/events/"+first["id"].(string)), 200)
	if e.str("type") != "payment.authorized" || e.str("data", "id") != a.str("id") {
		t.Errorf("event show: %s", e.body)
	}
	mustErr(t, c.getr("/events/nope"), 404, "not_found")
}

func TestTokensAndPaymentMethods(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	pub := newRaw(t, sb)
	pub.key = sb.PublishableKey()
	tok := must(t, pub.post("/tokens", map[string]any{"payment_details": card("4111111111111111")}), 200)
	// A token's payment_details are KOMOJU's TokenPaymentDetails: the type
	// and contact fields, no card data.
	if !strings.HasPrefix(tok.str("id"), "tok_") || tok.str("payment_details", "type") != "credit_card" ||
		tok.get("payment_details", "last_four_digits") != nil || strings.Contains(string(tok.body), "4111111111111111") {
		t.Fatalf("token: %s", tok.body)
	}
	p := must(t, c.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "tax": 0, "payment_details": tok.str("id")}), 200)
	if p.str("status") != "captured" || p.str("payment_details", "brand") != "visa" {
		t.Fatalf("pay with token: %s", p.body)
	}
	mustErr(t, c.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "payment_details": tok.str("id")}), 422, "invalid_token")
	mustErr(t, c.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "payment_details": "tok_doesnotexist"}), 422, "invalid_token")
	declineTok := must(t, pub.post("/tokens", map[string]any{"payment_details": card("4123111111111000")}), 200)
	mustErr(t, c.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "payment_details": declineTok.str("id")}), 502, "insufficient_funds")
	mustErr(t, pub.post("/tokens", map[string]any{"payment_details": konbini("lawson")}), 422, "invalid_payment_type")
	pm := pub.getr("/payment_methods")
	if pm.status != 200 || !strings.Contains(string(pm.body), `"type_slug":"konbini"`) {
		t.Errorf("payment_methods: %s", pm.body)
	}
}

func TestAuth(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	c.key = ""
	mustErr(t, c.getr("/payments"), 401, "unauthorized")
	c.key = "sk_wrong"
	mustErr(t, c.getr("/payments"), 401, "unauthorized")
	c.key = sb.PublishableKey()
	mustErr(t, c.getr("/payments"), 403, "forbidden")
	mustErr(t, c.post("/payments", cardPayment("4111111111111111")), 403, "forbidden")
	mustErr(t, c.post("/sessions", map[string]any{"amount": 1, "currency": "JPY"}), 403, "forbidden")
	mustErr(t, c.post("/sandbox/reset", nil), 403, "forbidden")
	// A bare key without the colon is accepted.
	req, _ := http.NewRequest(http.MethodGet, sb.URL()+"/payments", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(sb.SecretKey())))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("bare key: %d", res.StatusCode)
	}
}

func TestEventFiltersAndLocale(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	a := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false, "locale", "en")), 200)
	if a.str("locale") != "en" {
		t.Errorf("locale: %s", a.str("locale"))
	}
	mustErr(t, c.post("/payments", cardPayment("4111111111111111", "locale", "fr")), 422, "invalid_parameter")
	sb.Clock().Advance(time.Hour)
	must(t, c.post("/payments/"+a.str("id")+"/capture", nil), 200)
	if l := must(t, c.getr("/events?type=payment.authorized"), 200); l.num("total") != 1 {
		t.Errorf("type filter: %s", l.body)
	}
	since := sb.Now().Add(-time.Minute).Format(time.RFC3339)
	l := must(t, c.getr("/events?start_time="+url.QueryEscape(since)), 200)
	if l.num("total") != 1 || l.get("data").([]any)[0].(map[string]any)["type"] != "payment.captured" {
		t.Errorf("start_time filter: %s", l.body)
	}
	if l := must(t, c.getr("/events?end_time="+url.QueryEscape(since)), 200); l.num("total") != 1 {
		t.Errorf("end_time filter: %s", l.body)
	}
	mustErr(t, c.getr("/events?start_time=nope"), 422, "invalid_parameter")
	mustErr(t, c.getr("/events?per_page=101"), 422, "invalid_parameter")
}

// TestAppendQueryFastPath: for every URL plainHTTPURL accepts, appendQuery
// without url.Parse gives what url.Parse and String give.
func TestAppendQueryFastPath(t *testing.T) {
	plain := 0
	for _, raw := range appendQuerySeeds {
		checkAppendQuery(t, raw)
		if plainHTTPURL(raw) {
			plain++
		}
	}
	if plain < 10 {
		t.Fatalf("only %d seeds take the fast path; the comparison would be vacuous", plain)
	}
}

// FuzzAppendQuery: go test -run '^$' -fuzz FuzzAppendQuery -fuzztime 30s ./komoju/sandbox/
func FuzzAppendQuery(f *testing.F) {
	for _, raw := range appendQuerySeeds {
		f.Add(raw, "session_id", "abc")
	}
	f.Fuzz(func(t *testing.T, raw, k, v string) {
		if got, want := appendQuery(raw, k, v), appendQueryParsed(raw, k, v); got != want {
			t.Fatalf("appendQuery(%q, %q, %q) = %q, through url.Parse %q", raw, k, v, got, want)
		}
	})
}

func checkAppendQuery(t *testing.T, raw string) {
	t.Helper()
	for _, kv := range [][2]string{{"session_id", "abcdefghijklmnopqrstuvwxy"}, {"secure_token_id", "tok_x y&z"}} {
		if got, want := appendQuery(raw, kv[0], kv[1]), appendQueryParsed(raw, kv[0], kv[1]); got != want {
			t.Errorf("appendQuery(%q) = %q, through url.Parse %q", raw, got, want)
		}
	}
}

var appendQuerySeeds = []string{
	"http://127.0.0.1:1/return", "https://shop.example/r?a=1&b=2", "https://shop.example", "https://shop.example/",
	"https://shop.example?", "https://shop.example/r?", "https://shop.example/r?a", "https://shop.example/r?&",
	"http://Shop.Example:8080/a/b/../c//d?x=1?y=2", "https://shop.example/a:b/c~d_e.f", "https://a-b.example:/r",
	"https://shop.example/r?a=%20", "https://shop.example/r#frag", "https://user@shop.example/", "https://[::1]:80/r",
	"https://shop.example:8o/r", "http://", "https://:80/r", "HTTPS://shop.example/", "https://shop.example/a b",
	"https://shop.example/é", "https://shop.example/r;x", "mailto:a@b.c", "", "https://shop.example/r?a=1#", "http://a/?=",
}
