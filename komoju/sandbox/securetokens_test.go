package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

func secureToken(t *testing.T, c *raw, number string, amount int) resp {
	t.Helper()
	return must(t, c.post("/secure_tokens", map[string]any{"amount": amount, "currency": "JPY", "return_url": "https://shop.example/3ds?till=1",
		"payment_details": card(number)}), 200)
}

// TestSecureTokenStatuses: each 3DS test card ends in the status KOMOJU's
// guide names, and only OK and SKIPPED tokens pay.
func TestSecureTokenStatuses(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	auth := func(id string, form url.Values) resp {
		return c.post("/sandbox/secure_tokens/"+id+"/authenticate", form)
	}
	payWith := func(id string, amount int) resp {
		return c.post("/payments", map[string]any{"amount": amount, "currency": "JPY", "tax": 0, "payment_details": id})
	}
	for _, tc := range []struct {
		name, number string
		form         url.Values
		created      komoju.SecureTokenStatus
		final        komoju.SecureTokenStatus
	}{
		{"challenge passed", "4100000000005000", url.Values{"code": {"123456"}}, komoju.SecureTokenNeedsVerify, komoju.SecureTokenOK},
		{"challenge failed by code", "5100000000005007", url.Values{"code": {"111111"}}, komoju.SecureTokenNeedsVerify, komoju.SecureTokenErrored},
		{"challenge always fails", "4100000000300005", url.Values{"code": {"123456"}}, komoju.SecureTokenNeedsVerify, komoju.SecureTokenErrored},
		{"authentication fails", "3528000000500006", url.Values{"code": {""}}, komoju.SecureTokenNeedsVerify, komoju.SecureTokenErrored},
		{"cancelled", "4100000000005000", url.Values{"action": {"cancel"}}, komoju.SecureTokenNeedsVerify, komoju.SecureTokenErrored},
		{"not enrolled", "4111111111111111", nil, komoju.SecureTokenSkipped, komoju.SecureTokenSkipped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := secureToken(t, c, tc.number, 1000)
			id := st.str("id")
			if !strings.HasPrefix(id, "tok_") || st.str("verification_status") != string(tc.created) ||
				st.str("authentication_url") != sb.BaseURL()+"/sandbox/secure_tokens/"+id || strings.Contains(string(st.body), tc.number) {
				t.Fatalf("created: %s", st.body)
			}
			if tc.created == komoju.SecureTokenNeedsVerify {
				mustErr(t, payWith(id, 1000), 422, "invalid_token") // not authenticated yet
				must(t, auth(id, tc.form), 200)
			}
			if got := must(t, c.getr("/secure_tokens/"+id), 200); got.str("verification_status") != string(tc.final) {
				t.Fatalf("after authentication: %s", got.body)
			}
			r := payWith(id, 1000)
			if !tc.final.Payable() {
				mustErr(t, r, 422, "invalid_token")
				return
			}
			p := must(t, r, 200)
			if p.str("status") != "captured" || p.get("payment_details", "redirect_url") != nil {
				t.Errorf("paid with the secure token: %s", p.body) // no second challenge
			}
			mustErr(t, payWith(id, 1000), 422, "invalid_token") // once only
		})
	}
	t.Run("wrong code asks again", func(t *testing.T) {
		st := secureToken(t, c, "4100000000005000", 1000)
		mustErr(t, auth(st.str("id"), url.Values{"code": {"000000"}}), 422, "invalid_parameter")
		if got := must(t, c.getr("/secure_tokens/"+st.str("id")), 200); got.str("verification_status") != "NEEDS_VERIFY" {
			t.Errorf("a wrong code changed the token: %s", got.body)
		}
	})
	t.Run("amount, currency and declines", func(t *testing.T) {
		st := secureToken(t, c, "4111111111111111", 1000)
		mustErr(t, payWith(st.str("id"), 1001), 422, "invalid_parameter")
		mustErr(t, c.post("/payments", map[string]any{"amount": 10, "currency": "USD", "tax": 0, "payment_details": st.str("id")}), 422, "invalid_currency")
		must(t, payWith(st.str("id"), 900), 200) // less than authenticated is fine
		decl := secureToken(t, c, "4123111111111000", 1000)
		mustErr(t, payWith(decl.str("id"), 1000), 502, "insufficient_funds")
	})
	t.Run("publishable key and bad input", func(t *testing.T) {
		pub := newRaw(t, sb)
		pub.key = sb.PublishableKey()
		st := secureToken(t, pub, "4100000000005000", 500)
		must(t, pub.getr("/secure_tokens/"+st.str("id")), 200)
		mustErr(t, pub.getr("/secure_tokens/tok_nope"), 404, "not_found")
		mustErr(t, c.post("/secure_tokens", map[string]any{"amount": 500, "currency": "JPY", "payment_details": card("4111111111111111")}), 422, "missing_parameter")
		mustErr(t, c.post("/secure_tokens", map[string]any{"amount": 500, "currency": "JPY", "return_url": "https://x.example", "payment_details": konbini("lawson")}), 422, "invalid_payment_type")
	})
}

// TestSecureTokenFrictionlessPage: the frictionless card of KOMOJU's guide
// answers NEEDS_VERIFY, and opening its authentication_url authenticates
// without a challenge and returns the browser to return_url.
func TestSecureTokenFrictionlessPage(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	st := secureToken(t, c, "4100000000000100", 1000)
	if st.str("verification_status") != "NEEDS_VERIFY" {
		t.Fatalf("created: %s", st.body)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(st.str("authentication_url"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://shop.example/3ds?till=1&secure_token_id="+st.str("id") {
		t.Errorf("frictionless page: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := must(t, c.getr("/secure_tokens/"+st.str("id")), 200); got.str("verification_status") != "OK" {
		t.Errorf("after the page: %s", got.body)
	}
}

// TestSecureTokensClient drives the flow through the komoju client.
func TestSecureTokensClient(t *testing.T) {
	sb := startSandbox(t, Options{})
	cl := newClient(sb)
	ctx := context.Background()
	st, err := cl.SecureTokens.Create(ctx, &komoju.SecureTokenCreateParams{Amount: 2000, Currency: "JPY", ReturnURL: "https://shop.example/back",
		PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4100000000005000", Month: "12", Year: "2030", VerificationValue: "123"}})
	if err != nil || st.VerificationStatus != komoju.SecureTokenNeedsVerify || !regexp.MustCompile(`^tok_[a-z0-9]{25}$`).MatchString(st.ID) || st.CreatedAt.IsZero() {
		t.Fatalf("create: %v %+v", err, st)
	}
	must(t, newRaw(t, sb).post("/sandbox/secure_tokens/"+st.ID+"/authenticate", url.Values{"code": {"123456"}}), 200)
	st, err = cl.SecureTokens.Get(ctx, st.ID)
	if err != nil || st.VerificationStatus != komoju.SecureTokenOK {
		t.Fatalf("get: %v %+v", err, st)
	}
	p, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 2000, Currency: "JPY", Token: st.ID})
	if err != nil || p.Status != komoju.PaymentCaptured {
		t.Fatalf("pay: %v %+v", err, p)
	}
}
