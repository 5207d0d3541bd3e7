package sandbox

import (
	"context"
	"errors"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestKomojuClientEndToEnd drives every endpoint through the komoju client,
// proving that an ordinary KOMOJU client cannot tell the sandbox apart.
func TestKomojuClientEndToEnd(t *testing.T) {
	sb := startSandbox(t, Options{})
	cl := newClient(sb)
	ctx := context.Background()
	cardParams := &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "30", VerificationValue: "123", Name: "Taro"}

	// Method 1: session + pay (publishable key for the pay).
	s, err := cl.Sessions.Create(ctx, &komoju.SessionCreateParams{Amount: 1200, Currency: "JPY", ReturnURL: "https://shop.example/r",
		PaymentData: &komoju.SessionPaymentData{ExternalOrderNum: "CL-1", Capture: komoju.CaptureAuto}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != komoju.SessionPending || len(s.PaymentMethods) == 0 {
		t.Fatalf("session: %+v", s)
	}
	var konbiniStores []string
	for _, m := range s.PaymentMethods {
		if m.Type == komoju.TypeKonbini {
			konbiniStores = m.StoreSlugs()
		}
		if m.Type == komoju.TypeCreditCard && len(m.CardBrands()) == 0 {
			t.Error("card brands missing")
		}
	}
	if len(konbiniStores) != 6 {
		t.Errorf("konbini stores %v", konbiniStores)
	}
	_, err = cl.Sessions.Pay(ctx, s.ID, &komoju.SessionPayParams{PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4123111111111000", Month: "12", Year: "30"}}, komoju.WithPublishable())
	if !komoju.IsPaymentError(err) {
		t.Fatalf("decline: %v", err)
	}
	var kerr *komoju.Error
	if !errors.As(err, &kerr) || kerr.Code != komoju.CodeInsufficientFunds {
		t.Errorf("decline error: %v", err)
	}
	res, err := cl.Sessions.Pay(ctx, s.ID, &komoju.SessionPayParams{PaymentDetails: cardParams}, komoju.WithPublishable())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != komoju.PayCompleted || res.Payment.Status != komoju.PaymentCaptured || res.RedirectURL == nil {
		t.Fatalf("pay: %+v", res)
	}
	if got, err := cl.Sessions.Get(ctx, s.ID, komoju.WithPublishable()); err != nil || got.Status != komoju.SessionCompleted || got.Payment == nil || got.Payment.ID != res.Payment.ID {
		t.Errorf("session get: %+v %v", got, err)
	}

	// Tokens, then a direct payment with the token.
	tok, err := cl.Tokens.Create(ctx, &komoju.TokenCreateParams{PaymentDetails: cardParams}, komoju.WithPublishable())
	if err != nil {
		t.Fatal(err)
	}
	p, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 500, Currency: "JPY", Token: tok.ID, ExternalOrderNum: "CL-2"})
	if err != nil || p.Status != komoju.PaymentCaptured || p.PaymentDetails.CreditCard.LastFourDigits != "1111" {
		t.Fatalf("token payment: %+v %v", p, err)
	}
	// Partial then full refund.
	if p, err = cl.Payments.Refund(ctx, p.ID, &komoju.RefundParams{Amount: 200}); err != nil || p.Status != komoju.PaymentCaptured || p.RefundableAmount() != 300 {
		t.Fatalf("partial refund: %+v %v", p, err)
	}
	if p, err = cl.Payments.Refund(ctx, p.ID, nil); err != nil || p.Status != komoju.PaymentRefunded {
		t.Fatalf("full refund: %+v %v", p, err)
	}

	// Two-step capture and cancel.
	f := false
	a, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 900, Currency: "JPY", Capture: &f, PaymentDetails: cardParams})
	if err != nil || a.Status != komoju.PaymentAuthorized {
		t.Fatalf("authorize: %+v %v", a, err)
	}
	if a, err = cl.Payments.Capture(ctx, a.ID, nil); err != nil || a.Status != komoju.PaymentCaptured {
		t.Fatalf("capture: %+v %v", a, err)
	}
	a2, _ := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 900, Currency: "JPY", Capture: &f, PaymentDetails: cardParams})
	if a2, err = cl.Payments.Cancel(ctx, a2.ID); err != nil || a2.Status != komoju.PaymentCancelled {
		t.Fatalf("cancel: %+v %v", a2, err)
	}
	if _, err = cl.Payments.Capture(ctx, a2.ID, nil); !komoju.IsInvalidInput(err) {
		t.Errorf("capture cancelled: %v", err)
	}

	// Konbini: paid at the store, refund rejected, refund request accepted.
	k, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 3000, Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeKonbini, Store: komoju.StoreSevenEleven, Email: "k@example.com"}})
	if err != nil || k.Status != komoju.PaymentAuthorized || k.PaymentDetails.Konbini == nil || k.PaymentDetails.InstructionsURL() == "" || k.PaymentDeadline == nil {
		t.Fatalf("konbini: %+v %v", k, err)
	}
	if k.PaymentDetails.Konbini.ConfirmationCode != nil {
		t.Error("7-Eleven gets no confirmation code")
	}
	c := newRaw(t, sb)
	must(t, c.post("/sandbox/payments/"+k.ID+"/pay_at_store", nil), 200)
	if _, err := cl.Payments.Refund(ctx, k.ID, nil); !errors.As(err, &kerr) || kerr.Code != komoju.CodeNotRefundable {
		t.Errorf("konbini refund: %v", err)
	}
	if err := cl.Payments.RefundRequest(ctx, k.ID, &komoju.RefundRequestParams{Amount: 3000, CustomerName: "ﾔﾏﾀﾞ ﾀﾛｳ", BankName: "Bank", BranchNumber: "123",
		AccountType: "normal", AccountNumber: "1234567"}); err != nil {
		t.Fatalf("refund request: %v", err)
	}
	if k, _ = cl.Payments.Get(ctx, k.ID); len(k.RefundRequests) != 1 {
		t.Errorf("refund requests: %+v", k.RefundRequests)
	}

	// Update, list, events, payment methods.
	desc := "gift wrap"
	if u, err := cl.Payments.Update(ctx, a.ID, &komoju.PaymentUpdateParams{Description: &desc, Metadata: map[string]string{"k": "v"}}); err != nil || u.Description == nil || *u.Description != desc {
		t.Errorf("update: %+v %v", u, err)
	}
	l, err := cl.Payments.List(ctx, &komoju.PaymentListParams{Status: []komoju.PaymentStatus{komoju.PaymentCaptured}, PerPage: 2})
	if err != nil || l.Resource != "list" || l.PerPage != 2 || l.Total != 3 || l.LastPage != 2 || len(l.Data) != 2 {
		t.Errorf("list: %+v %v", l, err)
	}
	if l, err := cl.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: "CL-2"}); err != nil || l.Total != 1 {
		t.Errorf("list by order: %+v %v", l, err)
	}
	ev, err := cl.Events.List(ctx, &komoju.EventListParams{PerPage: 5})
	if err != nil || ev.Total == 0 || len(ev.Data) != 5 {
		t.Fatalf("events: %+v %v", ev, err)
	}
	e, err := cl.Events.Get(ctx, ev.Data[0].ID)
	if err != nil || e.Type != ev.Data[0].Type {
		t.Fatalf("event: %+v %v", e, err)
	}
	if ep, err := e.Payment(); err != nil || ep.ID == "" {
		t.Errorf("event payment: %v", err)
	}
	pms, err := cl.PaymentMethods.List(ctx, komoju.WithPublishable())
	if err != nil || len(pms) != len(supportedMethods) {
		t.Errorf("payment methods: %d %v", len(pms), err)
	}

	// Idempotency and scenarios through the client's options.
	key := komoju.NewIdempotencyKey()
	p1, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 100, Currency: "JPY", PaymentDetails: cardParams}, komoju.WithIdempotencyKey(key))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 100, Currency: "JPY", PaymentDetails: cardParams}, komoju.WithIdempotencyKey(key))
	if err != nil || p2.ID != p1.ID {
		t.Errorf("idempotent replay: %v %v", p2, err)
	}
	if _, err := cl.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 100, Currency: "JPY", PaymentDetails: cardParams}, komoju.WithScenario(komoju.CodeCardExpired)); !errors.As(err, &kerr) || kerr.Code != komoju.CodeCardExpired {
		t.Errorf("scenario: %v", err)
	}
	if _, err := cl.Payments.Get(ctx, "doesnotexist0000000000000"); !komoju.IsNotFound(err) {
		t.Errorf("not found: %v", err)
	}
	bad := komoju.NewClient("sk_wrong", komoju.WithBaseURL(sb.URL()), komoju.WithMaxRetries(0))
	if _, err := bad.Payments.Get(ctx, p1.ID); !komoju.IsAuth(err) {
		t.Errorf("auth: %v", err)
	}
}
