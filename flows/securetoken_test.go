package flows

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// authenticateToken answers the sandbox's authentication page as the
// customer would (t.Error, not Fatal: it also runs off the test goroutine).
func authenticateToken(t *testing.T, env *testEnv, id, code string) {
	req, _ := http.NewRequest(http.MethodPost, env.sb.BaseURL()+"/sandbox/secure_tokens/"+id+"/authenticate", strings.NewReader(url.Values{"code": {code}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(env.sb.SecretKey(), "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("authenticate: %d", res.StatusCode)
	}
}

// TestSecureTokenFlow: Method 2 with a 3DS card goes through the customer's
// authentication before any charge; a failed authentication charges
// nothing; a card without 3DS pays and says 3DS did not apply.
func TestSecureTokenFlow(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	in := SecureTokenInput{Amount: 2500, Currency: "JPY", ReturnURL: "http://127.0.0.1:1/3ds",
		Card: komoju.PaymentDetailsParams{Number: "4100000000005000", Month: "12", Year: "2030", VerificationValue: "123"}}
	st, err := CreateSecureToken(ctx, env.c, in)
	if err != nil || NextSecureTokenStep(st) != StepAuthenticate || st.AuthenticationURL == "" {
		t.Fatalf("create: %v %+v", err, st)
	}
	if _, err := SecureTokenPayment(st, komoju.PaymentCreateParams{Amount: 2500, Currency: "JPY"}); err == nil {
		t.Fatal("an unauthenticated token was allowed to pay")
	}
	// The customer authenticates while the till waits.
	go func() {
		time.Sleep(5 * time.Millisecond)
		authenticateToken(t, env, st.ID, "123456")
	}()
	st, err = WaitSecureToken(ctx, env.c, st.ID, func(int) time.Duration { return 2 * time.Millisecond })
	if err != nil || NextSecureTokenStep(st) != StepPayAuthenticated {
		t.Fatalf("wait: %v %+v", err, st)
	}
	params, err := SecureTokenPayment(st, komoju.PaymentCreateParams{Amount: 2500, Currency: "JPY", ExternalOrderNum: "ST-1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := env.c.Payments.Create(ctx, params)
	if err != nil || p.Status != komoju.PaymentCaptured || p.PaymentDetails.CreditCard == nil || p.PaymentDetails.CreditCard.LastFourDigits != "5000" {
		t.Fatalf("pay: %v %+v", err, p)
	}

	// Failed authentication: ERRORED, nothing charged.
	bad, err := CreateSecureToken(ctx, env.c, SecureTokenInput{Amount: 2500, Currency: "JPY", ReturnURL: in.ReturnURL,
		Card: komoju.PaymentDetailsParams{Number: "4100000000300005", Month: "12", Year: "2030"}})
	if err != nil {
		t.Fatal(err)
	}
	authenticateToken(t, env, bad.ID, "123456")
	bad, err = WaitSecureToken(ctx, env.c, bad.ID, nil)
	if err != nil || NextSecureTokenStep(bad) != StepDeclined3DS {
		t.Fatalf("failed 3DS: %v %+v", err, bad)
	}
	if _, err := SecureTokenPayment(bad, komoju.PaymentCreateParams{Amount: 2500, Currency: "JPY"}); err == nil || !strings.Contains(err.Error(), "3-D Secure failed") {
		t.Errorf("ERRORED token: %v", err)
	}
	if l, _ := env.c.Payments.List(ctx, nil); l.Total != 1 {
		t.Errorf("payments after a failed 3DS: %d, want 1", l.Total)
	}

	// A card 3DS does not apply to.
	plain, err := CreateSecureToken(ctx, env.c, SecureTokenInput{Amount: 100, Currency: "JPY", ReturnURL: in.ReturnURL,
		Card: komoju.PaymentDetailsParams{Number: "4111111111111111", Month: "12", Year: "2030"}})
	if err != nil || NextSecureTokenStep(plain) != StepPayNotEnrolled || !strings.Contains(NextSecureTokenStep(plain).String(), "not applicable") {
		t.Fatalf("plain card: %v %+v", err, plain)
	}
}

func TestSecureTokenInputValidate(t *testing.T) {
	ok := SecureTokenInput{Amount: 100, Currency: "JPY", ReturnURL: "https://shop.example/3ds", Card: komoju.PaymentDetailsParams{Number: "4111111111111111"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*SecureTokenInput)
		want string
	}{
		{func(in *SecureTokenInput) { in.Amount = 0 }, "amount"},
		{func(in *SecureTokenInput) { in.Currency = "XXX" }, "currency"},
		{func(in *SecureTokenInput) { in.ReturnURL = "" }, "return URL"},
		{func(in *SecureTokenInput) { in.Card.Type = komoju.TypeKonbini }, "for cards"},
		{func(in *SecureTokenInput) { in.Card.Number = " " }, "card number"},
	} {
		in := ok
		tc.edit(&in)
		err := in.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v; want an error naming %q", err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "4111111111111111") {
			t.Errorf("the error holds the card number: %v", err)
		}
	}
	if _, err := CreateSecureToken(context.Background(), nil, ok); err == nil {
		t.Error("no client accepted")
	}
}

func TestWaitSecureTokenStopsWithContext(t *testing.T) {
	env := newEnv(t)
	st, err := CreateSecureToken(env.ctx(), env.c, SecureTokenInput{Amount: 100, Currency: "JPY", ReturnURL: "https://shop.example/3ds",
		Card: komoju.PaymentDetailsParams{Number: "4100000000005000", Month: "12", Year: "2030"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	got, err := WaitSecureToken(ctx, env.c, st.ID, func(int) time.Duration {
		polls++
		if polls == 3 {
			cancel()
		}
		return 0
	})
	if err != context.Canceled || got == nil || got.VerificationStatus != komoju.SecureTokenNeedsVerify {
		t.Errorf("wait after cancel: %v %+v", err, got)
	}
}
