package komoju_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/komoju-tui/komoju-tui/komoju"
)

func ExampleNewClient() {
	// A stand-in for KOMOJU: answers every payment create with a konbini payment.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"dy9e1bjo86xc7d6362gkb7jkx","resource":"payment","status":"authorized","amount":1000,"tax":0,"total":1000,
		  "currency":"JPY","payment_details":{"type":"konbini","store":"lawson","instructions_url":"https://komoju.com/en/instructions/dy9e1bjo86xc7d6362gkb7jkx"}}`)
	}))
	defer srv.Close()

	c := komoju.NewClient("sk_test_example", komoju.WithBaseURL(srv.URL+"/api/v1"))
	key := komoju.NewIdempotencyKey() // keep it until the outcome is known
	p, err := c.Payments.Create(context.Background(), &komoju.PaymentCreateParams{
		Amount:   1000,
		Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetailsParams{
			Type: komoju.TypeKonbini, Store: komoju.StoreLawson, Email: "buyer@example.com",
		},
	}, komoju.WithIdempotencyKey(key))
	switch {
	case errors.Is(err, komoju.ErrOutcomeUnknown):
		fmt.Println("unknown: retry with the same key or look the payment up")
	case komoju.IsPaymentError(err):
		fmt.Println("declined")
	case err != nil:
		fmt.Println("error:", err)
	default:
		fmt.Println(p.Status, komoju.FormatAmount(p.Total, p.Currency), p.PaymentDetails.InstructionsURL())
	}
	// Output: authorized ¥1,000 https://komoju.com/en/instructions/dy9e1bjo86xc7d6362gkb7jkx
}

func ExampleParseAmount() {
	for _, in := range []string{"10.5", "10.555", "-5"} {
		amount, err := komoju.ParseAmount(in, "USD")
		fmt.Println(amount, err)
	}
	// Output:
	// 1050 <nil>
	// 0 amount "10.555" has more than 2 decimal places for USD
	// 0 amount "-5" is negative
}

func ExampleVerifyWebhook() {
	body := []byte(`{"id":"evt1","type":"ping","resource":"event"}`)
	sig := komoju.SignWebhook(body, "whsec_example") // what KOMOJU sends in X-Komoju-Signature
	fmt.Println(komoju.VerifyWebhook(body, sig, "whsec_example"))
	fmt.Println(komoju.VerifyWebhook(append(body, ' '), sig, "whsec_example"))
	// Output:
	// <nil>
	// komoju: webhook signature does not match the body
}

func ExampleSignReturnURL() {
	signed, _ := komoju.SignReturnURL("https://shop.example/return?till=3", url.Values{"payment_id": {"p1"}}, "sk_test_example")
	u, _ := url.Parse(signed)
	params, err := komoju.VerifyReturnURL(u, "sk_test_example")
	fmt.Println(params.Encode(), err)
	// Output: payment_id=p1&till=3 <nil>
}
