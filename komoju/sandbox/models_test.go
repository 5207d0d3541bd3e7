package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// This file holds the sandbox's answers against KOMOJU's response models,
// field by field: testdata/komoju_models.json is a table of the models of
// KOMOJU's OpenAPI-generated Node SDK (komoju/komoju-node-sdk models/*.ts,
// each model naming its file), and TestAnswersMatchKOMOJUModels walks every
// kind of object the sandbox returns against it. A field the sandbox adds,
// drops, or types differently fails the test until the table (with a
// source) or the sandbox changes.

type fieldSpec struct {
	Type        any      `json:"type"` // "string" or ["array","object"]
	Required    bool     `json:"required"`
	Nullable    bool     `json:"nullable"`
	Enum        []string `json:"enum"`
	Model       string   `json:"model"`
	Items       string   `json:"items"`
	ItemsModel  string   `json:"items_model"`
	ValuesModel string   `json:"values_model"`
	Open        string   `json:"open"`
	Variants    string   `json:"variants"`
	Currency    bool     `json:"currency"`
}

type modelSpec struct {
	Source        string               `json:"source"`
	Fields        map[string]fieldSpec `json:"fields"`
	AddressFields bool                 `json:"address_fields"`
}

type modelTable struct {
	Variants map[string]string    `json:"payment_details_variants"`
	Models   map[string]modelSpec `json:"models"`
}

var addressFields = func() []string {
	var out []string
	for _, kind := range []string{"shipping", "billing"} {
		for _, part := range []string{"name", "line1", "line2", "city", "state", "zip", "country"} {
			out = append(out, kind+"_address_"+part)
		}
	}
	return out
}()

func loadModels(t testing.TB) *modelTable {
	t.Helper()
	b, err := os.ReadFile("testdata/komoju_models.json")
	if err != nil {
		t.Fatal(err)
	}
	var mt modelTable
	if err := json.Unmarshal(b, &mt); err != nil {
		t.Fatalf("testdata/komoju_models.json: %v", err)
	}
	for name, m := range mt.Models {
		if m.AddressFields {
			for _, f := range addressFields {
				m.Fields[f] = fieldSpec{Type: "string"}
			}
		}
		if m.Source == "" {
			t.Fatalf("model %s names no source", name)
		}
	}
	return &mt
}

// modelChecker walks JSON values against the table and remembers which
// models and payment_details variants it saw.
type modelChecker struct {
	mt       *modelTable
	problems []string
	seen     map[string]bool
}

func (c *modelChecker) fail(path, format string, args ...any) {
	c.problems = append(c.problems, path+": "+fmt.Sprintf(format, args...))
}

func (c *modelChecker) checkModel(v any, model, path string) {
	spec, ok := c.mt.Models[model]
	if !ok {
		c.fail(path, "no model %s in the table", model)
		return
	}
	c.seen[model] = true
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "%s: want an object, got %s", model, jsonKind(v))
		return
	}
	for _, k := range sortedKeys(obj) {
		if _, known := spec.Fields[k]; !known {
			c.fail(path+"."+k, "field not in KOMOJU's %s model (%s)", model, spec.Source)
		}
	}
	for _, name := range sortedKeys(spec.Fields) {
		f := spec.Fields[name]
		val, present := obj[name]
		if !present {
			if f.Required {
				c.fail(path+"."+name, "required by KOMOJU's %s model but missing", model)
			}
			continue
		}
		c.checkField(val, f, path+"."+name)
	}
}

func (c *modelChecker) checkField(v any, f fieldSpec, path string) {
	if v == nil {
		if !f.Nullable {
			c.fail(path, "null, but KOMOJU's model does not allow null")
		}
		return
	}
	var types []string
	switch t := f.Type.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, s := range t {
			types = append(types, s.(string))
		}
	}
	kind := jsonKind(v)
	okType := false
	for _, want := range types {
		switch want {
		case kind:
			okType = true
		case "number":
			okType = okType || kind == "integer"
		case "time":
			if s, isStr := v.(string); isStr {
				if _, err := time.Parse(time.RFC3339, s); err != nil {
					c.fail(path, "time %q is not RFC 3339", s)
				}
				okType = true
			}
		}
	}
	if !okType {
		c.fail(path, "want %v, got %s (%v)", f.Type, kind, v)
		return
	}
	if s, isStr := v.(string); isStr {
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			c.fail(path, "%q is not one of %v", s, f.Enum)
		}
		if f.Currency {
			if _, ok := komoju.LookupCurrency(s); !ok {
				c.fail(path, "%q is not a KOMOJU currency", s)
			}
		}
	}
	switch t := v.(type) {
	case map[string]any:
		switch {
		case f.Variants != "":
			typ, _ := t["type"].(string)
			m := c.mt.Variants[typ]
			if m == "" {
				c.fail(path, "payment_details type %q has no model", typ)
				return
			}
			c.seen["payment_details:"+typ] = true
			c.checkModel(t, m, path)
		case f.Model != "":
			c.checkModel(t, f.Model, path)
		case f.ValuesModel != "":
			for _, k := range sortedKeys(t) {
				c.checkModel(t[k], f.ValuesModel, path+"."+k)
			}
		case f.Open == "string":
			for _, k := range sortedKeys(t) {
				if _, isStr := t[k].(string); !isStr {
					c.fail(path+"."+k, "want a string value, got %s", jsonKind(t[k]))
				}
			}
		}
	case []any:
		for i, item := range t {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case f.ItemsModel != "":
				c.checkModel(item, f.ItemsModel, p)
			case f.Items != "" && f.Items != "any":
				c.checkField(item, fieldSpec{Type: f.Items}, p)
			}
		}
	}
}

func jsonKind(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := t.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// check decodes an answer body and walks it against model ("[]X" for a
// bare array of X).
func (c *modelChecker) check(name, model string, body []byte) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.fail(name, "not JSON: %v", err)
		return
	}
	if elem, isList := strings.CutPrefix(model, "[]"); isList {
		arr, ok := v.([]any)
		if !ok {
			c.fail(name, "want an array of %s, got %s", elem, jsonKind(v))
			return
		}
		for i, item := range arr {
			c.checkModel(item, elem, fmt.Sprintf("%s[%d]", name, i))
		}
		return
	}
	c.checkModel(v, model, name)
}

// TestAnswersMatchKOMOJUModels drives the sandbox through every object it
// returns — payments of each method and status, sessions, pay results,
// refunds, refund requests, events, both lists, payment methods, tokens,
// secure tokens and errors — and holds each answer to KOMOJU's model.
func TestAnswersMatchKOMOJUModels(t *testing.T) {
	mt := loadModels(t)
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	pub := newRaw(t, sb)
	pub.key = sb.PublishableKey()
	mc := &modelChecker{mt: mt, seen: map[string]bool{}}
	got := func(name, model string, r resp, status int) resp {
		t.Helper()
		must(t, r, status)
		mc.check(name, model, r.body)
		return r
	}
	errAnswer := func(name string, r resp, status int) {
		t.Helper()
		if r.status != status {
			t.Fatalf("%s: status %d, want %d: %s", name, r.status, status, r.body)
		}
		mc.check(name, "APIError", r.body)
	}
	pay := func(name string, body map[string]any, hdr ...string) resp {
		t.Helper()
		return got(name, "Payment", c.post("/payments", body, hdr...), 200)
	}
	direct := func(details map[string]any, extra ...any) map[string]any {
		m := map[string]any{"amount": 1000, "currency": "JPY", "tax": 0, "payment_details": details}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}

	// Cards: captured, authorized → partially captured → refunded, cancelled, declined.
	pay("card captured", cardPayment("4111111111111111"))
	pay("card with descriptor", cardPayment("4111111111111111", "statement_descriptor", map[string]any{"statement_descriptor": "TEA SHOP", "statement_city": "TOKYO"}))
	auth := pay("card authorized", cardPayment("4111111111111111", "capture", false, "external_order_num", "M-1", "description", "tea"))
	got("card captured partly", "Payment", c.post("/payments/"+auth.str("id")+"/capture", map[string]any{"amount": 800}), 200)
	got("card refunded partly", "Payment", c.post("/payments/"+auth.str("id")+"/refund", map[string]any{"amount": 300, "description": "chipped cup"}), 200)
	got("card refunded", "Payment", c.post("/payments/"+auth.str("id")+"/refund", nil), 200)
	got("card updated", "Payment", c.call("PATCH", "/payments/"+auth.str("id"), map[string]any{"metadata": map[string]any{"till": "2"}}), 200)
	cancelled := pay("card to cancel", cardPayment("4111111111111111", "capture", false))
	got("card cancelled", "Payment", c.post("/payments/"+cancelled.str("id")+"/cancel", nil), 200)
	errAnswer("card declined", c.post("/payments", cardPayment("4123111111111000")), 502)

	// Cash methods: authorized, paid at the store, refund request, expired, declined by scenario.
	kb := pay("konbini authorized", direct(konbini("lawson")))
	pay("konbini seven-eleven", direct(konbini("seven-eleven")))
	got("konbini paid", "Payment", c.post("/sandbox/payments/"+kb.str("id")+"/pay_at_store", nil), 200)
	must(t, c.post("/payments/"+kb.str("id")+"/refund_request", map[string]any{"amount": 500, "customer_name": "ﾀﾛｳ", "bank_name": "Mizuho",
		"branch_number": "123", "account_type": "normal", "account_number": "1234567", "include_payment_method_fee": false}), 200)
	got("konbini with refund request", "Payment", c.getr("/payments/"+kb.str("id")), 200)
	bankDetails := map[string]any{"type": "bank_transfer", "email": "t@example.com", "phone": "0312345678", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ"}
	pay("bank transfer", direct(bankDetails))
	pay("pay-easy", direct(map[string]any{"type": "pay_easy", "email": "t@example.com", "phone": "0312345678", "family_name": "山田",
		"given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ"}))
	expiring := pay("konbini to expire", direct(konbini("family-mart")))
	errAnswer("konbini declined", c.post("/payments", direct(konbini("ministop")), "Komoju-Scenario", "card_declined"), 502)

	// Wallets: pending with a redirect for each, one approved, PayPay scanned at the counter.
	for _, typ := range []komoju.PaymentType{komoju.TypePayPay, komoju.TypeMerpay, komoju.TypeRakutenPay, komoju.TypeAuPay, komoju.TypeLinePay, komoju.TypeAlipay, komoju.TypePaidy} {
		pay(string(typ)+" pending", direct(map[string]any{"type": string(typ)}))
	}
	w := pay("merpay to approve", direct(map[string]any{"type": "merpay", "email": "t@example.com"}))
	got("merpay approved", "Payment", c.post("/sandbox/payments/"+w.str("id")+"/approve", nil), 200)
	pay("paypay scanned", direct(map[string]any{"type": "paypay", "scanned_code": ScannedCodeSuccess}))
	errAnswer("paypay scanned, no balance", c.post("/payments", direct(map[string]any{"type": "paypay", "scanned_code": ScannedCodeInsufficientBalance})), 502)

	sb.Clock().Advance(6 * 24 * time.Hour)
	got("konbini expired", "Payment", c.getr("/payments/"+expiring.str("id")), 200)
	got("failed payments", "PaymentList", c.getr("/payments?status=failed"), 200)
	got("payments page", "PaymentList", c.getr("/payments?per_page=100&start_time=2026-01-01T00:00:00Z&end_time=2027-01-01T00:00:00Z"), 200)

	// Sessions: created (with WooCommerce-style line items), paid with 3DS (pending), with konbini, cancelled.
	sess := func(name string, extra map[string]any) resp {
		t.Helper()
		body := map[string]any{"amount": 1000, "currency": "JPY", "return_url": "https://shop.example/back", "email": "k@example.com",
			"payment_data": map[string]any{"external_order_num": name},
			"line_items":   []any{map[string]any{"description": "Tea", "quantity": 2, "image": "https://shop.example/tea.png"}}}
		for k, v := range extra {
			body[k] = v
		}
		return got("session "+name, "Session", c.post("/sessions", body), 200)
	}
	s1 := sess("S-3DS", nil)
	got("pay result pending", "PaySessionResponse", pub.post("/sessions/"+s1.str("id")+"/pay", map[string]any{"payment_details": card("4100000000005000")}), 200)
	got("session with pending payment", "Session", pub.getr("/sessions/"+s1.str("id")), 200)
	s2 := sess("S-KB", map[string]any{"payment_types": []string{"konbini", "credit_card"}})
	got("pay result completed", "PaySessionResponse", pub.post("/sessions/"+s2.str("id")+"/pay", map[string]any{"payment_details": konbini("seicomart")}), 200)
	got("session completed", "Session", pub.getr("/sessions/"+s2.str("id")), 200)
	s3 := sess("S-X", map[string]any{"return_url": nil})
	got("session cancelled", "Session", c.post("/sessions/"+s3.str("id")+"/cancel", nil), 200)

	// Events, payment methods, tokens, secure tokens.
	ev := got("events", "EventList", c.getr("/events?per_page=100"), 200)
	first, _ := ev.get("data").([]any)
	if len(first) == 0 {
		t.Fatal("no events")
	}
	got("event", "Event", c.getr("/events/"+first[0].(map[string]any)["id"].(string)), 200)
	got("payment methods", "[]AvailablePaymentMethod", pub.getr("/payment_methods"), 200)
	cardWithEmail := card("4111111111111111")
	cardWithEmail["email"] = "t@example.com"
	got("token", "Token", pub.post("/tokens", map[string]any{"payment_details": cardWithEmail}), 200)
	st := got("secure token", "SecureToken", pub.post("/secure_tokens", map[string]any{"amount": 1000, "currency": "JPY",
		"return_url": "https://shop.example/3ds", "payment_details": card("4100000000005000")}), 200)
	got("secure token authenticated", "SecureToken", c.post("/sandbox/secure_tokens/"+st.str("id")+"/authenticate", url.Values{"code": {"123456"}}), 200)
	got("secure token shown", "SecureToken", pub.getr("/secure_tokens/"+st.str("id")), 200)
	pay("card via secure token", map[string]any{"amount": 1000, "currency": "JPY", "tax": 0, "payment_details": st.str("id")})

	// Errors.
	errAnswer("not found", c.getr("/payments/nope"), 404)
	errAnswer("missing parameter", c.post("/payments", map[string]any{"currency": "JPY"}), 422)
	errAnswer("over the konbini limit", c.post("/payments", map[string]any{"amount": 300_001, "currency": "JPY", "tax": 0, "payment_details": konbini("lawson")}), 422)
	c.key = "sk_wrong"
	errAnswer("bad key", c.getr("/payments"), 401)

	for _, p := range mc.problems {
		t.Error(p)
	}
	// Every model and payment_details variant in the table must have been
	// exercised, so a table entry cannot go stale unseen.
	for _, name := range sortedKeys(mt.Models) {
		if !mc.seen[name] {
			t.Errorf("model %s was not exercised by any answer", name)
		}
	}
	for _, typ := range sortedKeys(mt.Variants) {
		if !mc.seen["payment_details:"+typ] {
			t.Errorf("payment_details %s was not exercised by any answer", typ)
		}
	}
}

// TestModelCheckerCatchesDrift proves the walker fails on what it must: an
// extra field, a missing required field, a null where none is allowed, a
// wrong type and an unknown enum value.
func TestModelCheckerCatchesDrift(t *testing.T) {
	mt := loadModels(t)
	for _, tc := range []struct{ name, body, want string }{
		{"extra", `{"name":"x","logo":"y"}`, "logo: field not in KOMOJU's MerchantData"},
		{"missing", `{}`, "name: required"},
		{"null", `{"name":null}`, "does not allow null"},
		{"type", `{"name":3}`, "want string, got integer"},
	} {
		mc := &modelChecker{mt: mt, seen: map[string]bool{}}
		mc.check(tc.name, "MerchantData", []byte(tc.body))
		if len(mc.problems) != 1 || !strings.Contains(mc.problems[0], tc.want) {
			t.Errorf("%s: problems %q, want one containing %q", tc.name, mc.problems, tc.want)
		}
	}
	mc := &modelChecker{mt: mt, seen: map[string]bool{}}
	mc.check("enum", "RefundRequest", []byte(`{"id":"r","payment":"p","customer_name":"c","bank_name":"b","bank_code":null,"branch_name":"x",
		"branch_number":"1","account_number":"2","status":"approved","created_at":"2026-01-01T00:00:00Z"}`))
	if len(mc.problems) != 1 || !strings.Contains(mc.problems[0], `"approved" is not one of`) {
		t.Errorf("enum: %q", mc.problems)
	}
}
