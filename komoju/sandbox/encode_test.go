package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestAppendPaymentMatchesEncodingJSON holds the hand-written payment
// encoder to encoding/json byte for byte: every payment and event a mixed
// run of the sandbox produced, plus values built to hit each case where it
// must step aside (escaping, refunds, metadata, odd times, other methods).
func TestAppendPaymentMatchesEncodingJSON(t *testing.T) {
	sb := startSandbox(t, Options{Clock: NewClock(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))})
	c := newRaw(t, sb)
	must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	must(t, c.post("/payments", cardPayment("4111111111111111", "description", `<b>"café" & \ tea</b>`, "external_order_num", "A-1", "locale", "ja")), 200)
	must(t, c.post("/payments", cardPayment("4242424242424242", "metadata", map[string]any{"k": "v", "<": "&"})), 200)
	manual := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200).str("id")
	must(t, c.post("/payments/"+manual+"/capture", map[string]any{"amount": 600}), 200)
	must(t, c.post("/payments/"+manual+"/refund", map[string]any{"amount": 100}), 200)
	must(t, c.post("/payments", map[string]any{"amount": 1000, "currency": "JPY", "payment_details": konbini("lawson")}), 200)
	mustErr(t, c.post("/payments", cardPayment("4123111111111000")), 502, "insufficient_funds")
	sess := must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "return_url": "https://shop.example/r?a=1&b=2"}), 200).str("id")
	must(t, c.post("/sessions/"+sess+"/pay", map[string]any{"payment_details": card("4100000000005000")}), 200)
	must(t, c.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "payment_details": map[string]any{"type": "paypay"}}), 200)

	sb.mu.Lock()
	var pays []*komoju.Payment
	for _, p := range sb.st.order {
		pays = append(pays, p.snap())
	}
	for _, e := range sb.st.events {
		pays = append(pays, e.payment)
	}
	sb.mu.Unlock()
	if len(pays) < 10 {
		t.Fatalf("only %d payments and events to compare", len(pays))
	}

	now := time.Date(2026, 5, 1, 10, 0, 0, 123456789, time.FixedZone("JST", 9*3600))
	s := func(v string) *string { return &v }
	cc := &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: &komoju.CreditCardDetails{Brand: "visa", LastFourDigits: "1111", Month: 12, Year: 2030, Name: "TARO"}}
	base := komoju.Payment{ID: "abc", Resource: "payment", Status: komoju.PaymentCaptured, Amount: 1000, Tax: 100, Total: 1100,
		Currency: "JPY", CreatedAt: now, CapturedAt: &now, PaymentDetails: cc, Metadata: map[string]string{}, Refunds: []komoju.Refund{}, RefundRequests: []komoju.RefundRequest{}}
	plain := base
	pays = append(pays, &plain)
	for _, f := range []func(p *komoju.Payment){
		func(p *komoju.Payment) {
			p.Metadata, p.Refunds, p.RefundRequests, p.PaymentDetails, p.CapturedAt = nil, nil, nil, nil, nil
		},
		func(p *komoju.Payment) { p.Description = s("line\nbreak\u2028") },
		func(p *komoju.Payment) { p.ExternalOrderNum = s("日本") },
		func(p *komoju.Payment) { p.Customer, p.MCC, p.Session = s("cus"), s("5999"), s("sess") },
		func(p *komoju.Payment) { p.CustomerFamilyName, p.CustomerGivenName = s("Yamada"), s("Taro") },
		func(p *komoju.Payment) { p.Locale = "en" },
		func(p *komoju.Payment) { p.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(p *komoju.Payment) { p.CreatedAt = time.Time{} },
		func(p *komoju.Payment) { d := now.In(time.FixedZone("x", -5*3600-1800)); p.PaymentDeadline = &d },
		func(p *komoju.Payment) { p.Amount, p.Tax, p.Total, p.AmountRefunded = -1, 0, 1<<62, 5 },
		func(p *komoju.Payment) { p.Metadata = map[string]string{"a": "b"} },
		func(p *komoju.Payment) { p.Refunds = []komoju.Refund{{ID: "r", Amount: 1}} },
		func(p *komoju.Payment) { p.StatementDescriptor = json.RawMessage(`"SHOP"`) },
		func(p *komoju.Payment) {
			p.PlatformDetails, p.Subscription = json.RawMessage(`{}`), json.RawMessage(`null`)
		},
		func(p *komoju.Payment) {
			p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: &komoju.CreditCardDetails{}}
		},
		func(p *komoju.Payment) {
			p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: &komoju.CreditCardDetails{Email: "a&b@example.com", RedirectURL: "http://x/3ds?a=1&b=<2>"}}
		},
		func(p *komoju.Payment) {
			p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeCreditCard, Raw: json.RawMessage(`{"type":"credit_card","extra":1}`), CreditCard: &komoju.CreditCardDetails{Brand: "visa"}}
		},
		func(p *komoju.Payment) { p.PaymentDetails = &komoju.PaymentDetails{Type: "paypay"} },
	} {
		v := base
		f(&v)
		pays = append(pays, &v)
	}

	fast := 0
	for _, p := range pays {
		want, err := json.Marshal(p)
		got, gerr := marshalJSON(p)
		if (err == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Errorf("payment %s:\n got %s (%v)\nwant %s (%v)", p.ID, got, gerr, want, err)
		}
		if _, ok := appendPayment(nil, p); ok {
			fast++
		}
	}
	// The fast path must actually run for the common card payment, or this
	// test compares encoding/json with itself.
	if _, ok := appendPayment(nil, &plain); !ok || fast < 8 {
		t.Fatalf("the hand-written encoder handled %d of %d payments (the plain card: %v)", fast, len(pays), ok)
	}

	// List pages (GET /payments) go through appendPaymentList: the same
	// bytes as encoding/json for every page shape, mixed payments included.
	var good []*komoju.Payment
	for _, p := range pays {
		if _, err := json.Marshal(p); err == nil {
			good = append(good, p)
		}
	}
	start, end := now.Add(-time.Hour), now.In(time.UTC)
	for i, l := range []komoju.List[*komoju.Payment]{
		listEnvelope(good, 1000, 2, 100, time.Time{}, time.Time{}),
		listEnvelope(good[:3], 3, 1, 10, start, end),
		listEnvelope[*komoju.Payment](nil, 0, 1, 10, time.Time{}, end),
		{Resource: "list", Data: nil},
		{Resource: "list", Data: []*komoju.Payment{nil, &plain}},
		listEnvelope(pays, len(pays), 1, 100, time.Time{}, time.Time{}), // includes payments encoding/json refuses
	} {
		want, err := json.Marshal(l)
		got, gerr := marshalJSON(l)
		if (err == nil) != (gerr == nil) || (err == nil && !bytes.Equal(got, want)) {
			t.Errorf("list %d:\n got %s (%v)\nwant %s (%v)", i, got, gerr, want, err)
		}
	}
}

// fastJSONSeeds are bodies for the decoder comparison and FuzzFastJSON.
var fastJSONSeeds = []string{
	`{"amount":1000,"currency":"JPY","tax":0,"payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123"}}`,
	`{}`, `{ }`, `{"a":[]}`, `{"a":[1,2.5,-0,1e5,1E-3,-12.5e+2]}`, `{"a":{"b":{"c":[{"d":null}]}}}`,
	`{"a":true,"b":false,"c":null}`, `{"a":"x","a":"y"}`, `{"s":"\"\\\/\b\f\n\r\t\u00e9\u0000"}`, `{"s":"\ud83d\ude00"}`,
	`{"s":"\ud800"}`, `{"s":"日本 \u2028"}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`, `{"a":+1}`,
	`{"a":1}x`, `{"a":1}{}`, `{"a":1} `, `[1]`, `"x"`, `{"a":tru}`, `{"a":nul}`, `{"a" 1}`, `{"a":1,}`, `{,}`,
	`{"a":[1,]}`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\t\"}", `{1:2}`, `{"a":1`, `{"a":"x`,
	`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	`{"amount":"1e400","tax":"auto","metadata":{"k":[1]}}`,
}

// checkFastJSON compares fastJSON with encoding/json on one body.
func checkFastJSON(t *testing.T, body []byte) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || !utf8.Valid(body) { // readParams never passes these on
		return
	}
	got, ok := fastJSON(body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var want any
	err := dec.Decode(&want)
	_, extra := dec.Token()
	wm, isObj := want.(map[string]any)
	valid := err == nil && extra != nil && isObj
	if ok && !valid {
		t.Fatalf("fastJSON accepted %q, which encoding/json refuses (err %v, object %v)", body, err, isObj)
	}
	if ok && !reflect.DeepEqual(map[string]any(got), wm) {
		t.Fatalf("fastJSON(%q) = %#v, encoding/json gives %#v", body, got, wm)
	}
	if ok {
		// The maps go back to objPool after a request; decoded again
		// from recycled maps, the body must give the same value (nothing
		// left over from before).
		releaseObj(got)
		again, ok := fastJSON(body)
		if !ok || !reflect.DeepEqual(map[string]any(again), wm) {
			t.Fatalf("fastJSON(%q) from recycled maps = %#v, encoding/json gives %#v", body, again, wm)
		}
		releaseObj(again)
	}
}

func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	accepted := 0
	for _, s := range fastJSONSeeds {
		checkFastJSON(t, []byte(s))
		if _, ok := fastJSON([]byte(s)); ok {
			accepted++
		}
	}
	if _, ok := fastJSON([]byte(fastJSONSeeds[0])); !ok || accepted < 10 {
		t.Fatalf("fastJSON accepted %d seeds (the card payment: %v); the comparison would be vacuous", accepted, ok)
	}
}

// FuzzFastJSON: whatever fastJSON accepts, encoding/json accepts and
// decodes to the same value.
//
//	go test -run '^$' -fuzz FuzzFastJSON -fuzztime 30s ./komoju/sandbox/
func FuzzFastJSON(f *testing.F) {
	for _, s := range fastJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastJSON(t, body) })
}

// TestReadBodyMatchesReadAll: the sized read gives what io.ReadAll of at
// most maxBody+1 bytes gives, whether Content-Length is right, short, long
// or absent, so the 1 MiB limit cannot be slipped past with a wrong length.
func TestReadBodyMatchesReadAll(t *testing.T) {
	big := bytes.Repeat([]byte("a"), maxBody+10)
	for _, tc := range []struct {
		body []byte
		cl   int64
	}{
		{[]byte(`{"a":1}`), 7}, {[]byte(`{"a":1}`), 3}, {[]byte(`{"a":1}`), 20}, {[]byte(`{"a":1}`), -1},
		{nil, 0}, {[]byte("x"), 0}, {big, 3}, {big, maxBody}, {big, maxBody + 1}, {big, -1}, {big[:maxBody], maxBody},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://sandbox/", bytes.NewReader(tc.body))
		req.ContentLength = tc.cl
		got, err := readBody(req)
		want, _ := io.ReadAll(io.LimitReader(bytes.NewReader(tc.body), maxBody+1))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("body of %d bytes, Content-Length %d: read %d bytes (%v), want %d", len(tc.body), tc.cl, len(got), err, len(want))
		}
	}
	req, _ := http.NewRequest(http.MethodPost, "http://sandbox/", iotest.ErrReader(errors.New("connection reset")))
	req.ContentLength = 5
	if _, err := readBody(req); err == nil {
		t.Error("a failing body read gave no error")
	}
}

// TestAppendSessionMatchesEncodingJSON holds the hand-written session and
// Session: Pay encoders to encoding/json byte for byte, over the sessions a
// mixed run made and values built to hit each case where they step aside.
func TestAppendSessionMatchesEncodingJSON(t *testing.T) {
	clock := NewClock(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	sb := startSandbox(t, Options{Clock: clock, CustomerFees: map[komoju.PaymentType]int64{komoju.TypeKonbini: 190}})
	c := newRaw(t, sb)
	plainID := must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "email": "a@example.com", "return_url": "https://shop.example/r",
		"payment_data": map[string]any{"external_order_num": "P-1", "name": "Taro"}}), 200).str("id")
	must(t, c.post("/sessions/"+plainID+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
	paid := must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "email": "a@example.com",
		"payment_data": map[string]any{"external_order_num": "S-1", "name": "Taro", "name_kana": "タロウ", "capture": "manual"}}), 200).str("id")
	must(t, c.post("/sessions/"+paid+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
	must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "JPY", "return_url": "https://shop.example/r?a=1&b=2"}), 200)
	must(t, c.post("/sessions", map[string]any{"amount": 100, "currency": "USD", "payment_types": []string{"credit_card"}, "metadata": map[string]any{"k": "v"}}), 200)
	cancelled := must(t, c.post("/sessions", map[string]any{"amount": 5, "currency": "JPY", "line_items": []any{map[string]any{"description": "tea", "amount": 5, "quantity": 1}}}), 200).str("id")
	must(t, c.post("/sessions/"+cancelled+"/cancel", nil), 200)
	pending := must(t, c.post("/sessions", map[string]any{"amount": 300, "currency": "JPY", "expires_in_seconds": 60}), 200).str("id")
	must(t, c.post("/sessions/"+pending+"/pay", map[string]any{"payment_details": konbini("lawson")}), 200)
	must(t, c.post("/sessions", map[string]any{"amount": 300, "currency": "JPY", "expires_in_seconds": 60}), 200)
	clock.Advance(2 * time.Minute)
	sb.expire(clock.Now())

	sb.mu.Lock()
	var sess []*komoju.Session
	for _, ss := range sb.st.sessions {
		sess = append(sess, sb.sessionView(ss))
	}
	base := *sb.sessionView(sb.st.sessionByID(plainID))
	sb.mu.Unlock()
	s := func(v string) *string { return &v }
	for _, f := range []func(v *komoju.Session){
		func(v *komoju.Session) {
			v.PaymentMethods, v.Metadata, v.Merchant, v.ReturnURL, v.Email = nil, nil, nil, nil, s("")
		},
		func(v *komoju.Session) { v.Mode = "payment\n" },
		func(v *komoju.Session) { v.CustomerID, v.MerchantID = s("c"), s("m") },
		func(v *komoju.Session) { v.SecureToken = json.RawMessage(`{"id":"x"}`) },
		func(v *komoju.Session) { v.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(v *komoju.Session) { v.PaymentData = komoju.SessionPaymentData{NameKana: "カナ"} },
		func(v *komoju.Session) {
			v.PaymentMethods = []komoju.SessionPaymentMethod{{Type: "paypay", HashedGateway: "g", AdditionalFields: []string{"a"}}, {Type: "konbini", Brands: json.RawMessage(`{ "a": 1 }`)}}
		},
		func(v *komoju.Session) {
			v.Payment = &komoju.Payment{ID: "p", Metadata: map[string]string{"<": ">"}, PaymentDetails: &komoju.PaymentDetails{Type: "paypay"}}
		},
	} {
		v := base
		f(&v)
		sess = append(sess, &v)
	}
	fast := 0
	for _, v := range sess {
		want, err := json.Marshal(v)
		for range 2 { // the second time, payment_methods come from encodedMethods
			got, gerr := marshalJSON(v)
			if (err == nil) != (gerr == nil) || (err == nil && !bytes.Equal(got, want)) {
				t.Errorf("session %s:\n got %s (%v)\nwant %s (%v)", v.ID, got, gerr, want, err)
			}
		}
		if _, ok := appendSession(nil, v); ok {
			fast++
		}
		res := &payResult{Status: komoju.PayCompleted, Payment: v.Payment, RedirectURL: v.ReturnURL}
		want, err = json.Marshal(res)
		got, gerr := marshalJSON(res)
		if (err == nil) != (gerr == nil) || (err == nil && !bytes.Equal(got, want)) {
			t.Errorf("pay result of %s:\n got %s (%v)\nwant %s (%v)", v.ID, got, gerr, want, err)
		}
	}
	if _, ok := appendSession(nil, &base); !ok || fast < 5 {
		t.Fatalf("the hand-written encoder handled %d of %d sessions", fast, len(sess))
	}
}

// TestAppendRFC3339NanoMatchesTimeFormat: the timestamp writer against
// time.Format over zones, fractions and edge years.
func TestAppendRFC3339NanoMatchesTimeFormat(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("JST", 9*3600), time.FixedZone("x", -5*3600-1800), time.FixedZone("s", 3600+17), time.FixedZone("z", 0)}
	times := []time.Time{time.Time{}, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 5, 1, 10, 0, 0, 120000000, time.UTC), time.Date(2026, 5, 1, 10, 0, 0, 1, time.UTC), time.Date(5, 1, 2, 3, 4, 5, 600, time.UTC)}
	for i := range 200 {
		times = append(times, time.Unix(int64(i)*7919*3571+1e9, int64(i)*1234567%1e9))
	}
	for _, tm := range times {
		for _, z := range zones {
			v := tm.In(z)
			if v.Year() < 0 || v.Year() > 9999 {
				continue
			}
			if got, want := string(appendRFC3339Nano(nil, v)), v.Format(time.RFC3339Nano); got != want {
				t.Errorf("%v: got %s, want %s", v, got, want)
			}
		}
	}
}
