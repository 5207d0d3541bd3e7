package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestLineItemsWithoutAmount: KOMOJU's WooCommerce plugin sends line items
// as {description, quantity, image}; the sandbox refused them with 422.
func TestLineItemsWithoutAmount(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	s := must(t, c.post("/sessions", map[string]any{"amount": 2400, "currency": "JPY",
		"line_items": []any{map[string]any{"description": "Green tea", "quantity": 2, "image": "https://shop.example/tea.png"}}}), 200)
	items, _ := s.get("line_items").([]any)
	if len(items) != 1 {
		t.Fatalf("line_items: %s", s.body)
	}
	it := items[0].(map[string]any)
	if _, has := it["amount"]; has || it["description"] != "Green tea" || it["quantity"] != float64(2) {
		t.Errorf("line item = %v; want it as sent, without an amount", it)
	}
	// The form encoding WooCommerce uses works too.
	form := url.Values{"amount": {"500"}, "currency": {"JPY"}, "line_items[0][description]": {"Cake"}, "line_items[0][quantity]": {"1"}}
	must(t, c.post("/sessions", form), 200)
	// A negative amount is still refused.
	mustErr(t, c.post("/sessions", map[string]any{"amount": 500, "currency": "JPY",
		"line_items": []any{map[string]any{"description": "x", "amount": -1}}}), 422, "invalid_parameter")
	// The client no longer sends amount:0 for a line without one.
	p := komoju.SessionCreateParams{Amount: 500, Currency: "JPY", LineItems: []komoju.LineItem{{Description: "Cake", Quantity: 1}}}
	sess, err := newClient(sb).Sessions.Create(t.Context(), &p)
	if err != nil || len(sess.LineItems) != 1 || sess.LineItems[0].Amount != 0 {
		t.Fatalf("client create: %v %+v", err, sess)
	}
}

// TestKonbiniBrandIcons: KOMOJU Fields draws each store from
// brands[store].icon, loaded from the API host.
func TestKonbiniBrandIcons(t *testing.T) {
	sb := startSandbox(t, Options{})
	s, err := newClient(sb).Sessions.Create(t.Context(), &komoju.SessionCreateParams{Amount: 1000, Currency: "JPY", PaymentTypes: []komoju.PaymentType{komoju.TypeKonbini}})
	if err != nil {
		t.Fatal(err)
	}
	m := s.PaymentMethods[0]
	if got := m.StoreSlugs(); len(got) != len(komoju.KonbiniStores) {
		t.Fatalf("stores %v", got)
	}
	for _, store := range komoju.KonbiniStores {
		icon := m.KonbiniIcon(store)
		if !strings.HasPrefix(icon, "/") {
			t.Fatalf("%s icon %q is not a path on the API host", store, icon)
		}
		res, err := http.Get(sb.BaseURL() + icon)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(body), "<svg") {
			t.Errorf("%s icon: %d %s %.60s", store, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	if res, _ := http.Get(sb.BaseURL() + "/sandbox/icons/konbini/nope.svg"); res.StatusCode != 404 {
		t.Errorf("unknown store icon: %d", res.StatusCode)
	}
}

// TestMethodLimits: a ¥300,001 konbini payment succeeded offline and fails
// live. It is refused with KOMOJU's error shape and records nothing.
func TestMethodLimits(t *testing.T) {
	sb := startSandbox(t, Options{CustomerFees: map[komoju.PaymentType]int64{komoju.TypePayEasy: 200}})
	c := newRaw(t, sb)
	kb := func(amount int) map[string]any {
		return map[string]any{"amount": amount, "currency": "JPY", "tax": 0, "payment_details": konbini("lawson")}
	}
	r := mustErr(t, c.post("/payments", kb(300_001)), 422, "invalid_parameter")
	if r.str("error", "param") != "amount" || !strings.Contains(r.str("error", "message"), "¥300,000") {
		t.Errorf("limit error: %s", r.body)
	}
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 0 {
		t.Errorf("a refused payment was recorded: %s", l.body)
	}
	if n := eventCounts(t, c); len(n) != 0 {
		t.Errorf("events after a refused payment: %v", n)
	}
	must(t, c.post("/payments", kb(300_000)), 200)
	// Tax counts: ¥290,000 + ¥29,000 tax is over.
	mustErr(t, c.post("/payments", map[string]any{"amount": 290_000, "currency": "JPY", "tax": 29_000, "payment_details": konbini("lawson")}), 422, "invalid_parameter")
	// So does the customer fee: Pay-easy's ¥999,999 cap with a ¥200 fee.
	pe := map[string]any{"type": "pay_easy", "email": "t@example.com", "phone": "0312345678", "family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ"}
	mustErr(t, c.post("/payments", map[string]any{"amount": 999_800, "currency": "JPY", "tax": 0, "payment_details": pe}), 422, "invalid_parameter")
	must(t, c.post("/payments", map[string]any{"amount": 999_799, "currency": "JPY", "tax": 0, "payment_details": pe}), 200)
	// A card has no such cap; a session pays konbini under the same rule.
	must(t, c.post("/payments", map[string]any{"amount": 5_000_000, "currency": "JPY", "tax": 0, "payment_details": card("4111111111111111")}), 200)
	s := must(t, c.post("/sessions", map[string]any{"amount": 400_000, "currency": "JPY"}), 200)
	mustErr(t, c.post("/sessions/"+s.str("id")+"/pay", map[string]any{"payment_details": konbini("lawson")}), 422, "invalid_parameter")
	if got := must(t, c.getr("/sessions/"+s.str("id")), 200); got.str("status") != "pending" || got.get("payment") != nil {
		t.Errorf("session after a refused konbini pay: %s", got.body)
	}
}

// TestRealKeys: keys shaped like KOMOJU's, deterministic under a seed.
func TestRealKeys(t *testing.T) {
	shape := regexp.MustCompile(`^(sk|pk)_[0-9a-f]{40}$`)
	a := startSandbox(t, Options{RealKeys: true, Seed: 7})
	b := startSandbox(t, Options{RealKeys: true, Seed: 7})
	for _, k := range []string{a.SecretKey(), a.PublishableKey()} {
		if !shape.MatchString(k) {
			t.Errorf("key %q is not sk_/pk_ + 40 hex", k)
		}
	}
	if !strings.HasPrefix(a.SecretKey(), "sk_") || !strings.HasPrefix(a.PublishableKey(), "pk_") {
		t.Errorf("prefixes: %s %s", a.SecretKey(), a.PublishableKey())
	}
	if a.SecretKey() != b.SecretKey() || a.PublishableKey() != b.PublishableKey() {
		t.Error("the same seed gave different keys")
	}
	if c := startSandbox(t, Options{RealKeys: true, Seed: 8}); c.SecretKey() == a.SecretKey() {
		t.Error("another seed gave the same key")
	}
	// The keys work, and the publishable one is still limited.
	c := newRaw(t, a)
	must(t, c.getr("/payments"), 200)
	c.key = a.PublishableKey()
	mustErr(t, c.getr("/payments"), 403, "forbidden")
	// An explicit key wins over generation.
	if d := startSandbox(t, Options{RealKeys: true, SecretKey: "sk_mine"}); d.SecretKey() != "sk_mine" || !shape.MatchString(d.PublishableKey()) {
		t.Errorf("explicit key: %s %s", d.SecretKey(), d.PublishableKey())
	}
}

// TestScannedPayPayCode: a code scanned at the counter is charged at once,
// with no redirect; the test codes decline for balance and refuse an
// expired code.
func TestScannedPayPayCode(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	scan := func(code string, extra ...any) resp {
		m := map[string]any{"amount": 880, "currency": "JPY", "tax": 0, "external_order_num": "PP-" + code[len(code)-1:],
			"payment_details": map[string]any{"type": "paypay", "scanned_code": code}}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return c.post("/payments", m)
	}
	ok := must(t, scan(ScannedCodeSuccess), 200)
	if ok.str("status") != "captured" || ok.get("payment_details", "redirect_url") != nil || ok.str("payment_details", "type") != "paypay" || ok.str("captured_at") == "" {
		t.Errorf("scanned payment: %s", ok.body)
	}
	if n := eventCounts(t, c); n["payment.captured"] != 1 {
		t.Errorf("events %v", n)
	}
	// Any other well-formed code also pays; capture:false authorizes.
	if a := must(t, scan("4912345678901234", "capture", false), 200); a.str("status") != "authorized" {
		t.Errorf("manual capture: %s", a.str("status"))
	}
	mustErr(t, scan(ScannedCodeInsufficientBalance), 502, "insufficient_funds")
	failed := must(t, c.getr("/payments?status=failed"), 200)
	if failed.num("total") != 1 {
		t.Errorf("the declined scan is not a failed payment: %s", failed.body)
	}
	r := mustErr(t, scan(ScannedCodeExpired), 422, "invalid_parameter")
	if r.str("error", "param") != "payment_details[scanned_code]" || !strings.Contains(r.str("error", "message"), "expired") {
		t.Errorf("expired: %s", r.body)
	}
	mustErr(t, scan("12 34"), 422, "invalid_parameter")
	if l := must(t, c.getr("/payments"), 200); l.num("total") != 3 {
		t.Errorf("payments recorded: %d, want 3 (success, authorized, declined)", l.num("total"))
	}
	// Through the client.
	p, err := newClient(sb).Payments.Create(t.Context(), &komoju.PaymentCreateParams{Amount: 300, Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypePayPay, ScannedCode: ScannedCodeSuccess}})
	if err != nil || p.Status != komoju.PaymentCaptured || p.PaymentDetails.RedirectURL() != "" {
		t.Fatalf("client: %v %+v", err, p)
	}
}
