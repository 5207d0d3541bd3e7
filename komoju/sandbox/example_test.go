package sandbox_test

import (
	"context"
	"fmt"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// A test starts the sandbox in-process, talks to it with the komoju client
// and moves its clock to make a konbini payment expire.
func ExampleNew() {
	sb, err := sandbox.New(sandbox.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()
	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()))
	ctx := context.Background()

	card, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 1000, Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "30"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("card:", card.Status)

	_, err = c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 1000, Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4123111111111000", Month: "12", Year: "30"}})
	fmt.Println("declined:", komoju.IsPaymentError(err))

	k, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 1000, Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeKonbini, Store: komoju.StoreLawson, Email: "taro@example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("konbini:", k.Status)
	sb.Clock().Advance(4 * 24 * time.Hour)
	k, _ = c.Payments.Get(ctx, k.ID)
	fmt.Println("four days later:", k.Status)
	// Output:
	// card: captured
	// declined: true
	// konbini: authorized
	// four days later: expired
}
