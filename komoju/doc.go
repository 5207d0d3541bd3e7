// Package komoju is a typed client for the KOMOJU payments REST API
// (https://doc.komoju.com), plus the pieces a merchant app needs around it:
// money in minor units (ParseAmount, FormatAmount), webhook verification
// (VerifyWebhook, ParseEvent) and signed return URLs (SignReturnURL,
// VerifyReturnURL).
//
// The client uses the standard library only and keeps no package-level
// state. Every call takes a context first; money-moving calls (every POST)
// carry an X-KOMOJU-IDEMPOTENCY key that is fixed before the first attempt,
// so retries after timeouts, dropped connections, 409, 429, 500, 503 and 504
// can never charge twice. Errors answered by KOMOJU are *Error (use
// errors.As, or IsNotFound, IsInvalidInput, IsPaymentError, IsAuth,
// IsRetryable). When a POST got no answer at all, the error wraps
// ErrOutcomeUnknown: the payment may exist, so look it up (or retry with the
// same key) before telling anyone it failed.
//
// Usage:
//
//	c := komoju.NewClient(os.Getenv("KOMOJU_SECRET_KEY"))
//	key := komoju.NewIdempotencyKey() // keep it until the outcome is known
//	p, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{
//		Amount:   1000,
//		Currency: "JPY",
//		PaymentDetails: &komoju.PaymentDetailsParams{
//			Type: komoju.TypeKonbini, Store: komoju.StoreLawson, Email: "a@example.com",
//		},
//	}, komoju.WithIdempotencyKey(key))
//	switch {
//	case errors.Is(err, komoju.ErrOutcomeUnknown):
//		// retry later with the same key, or list by external_order_num
//	case komoju.IsPaymentError(err):
//		// declined: the customer may try another method
//	case err != nil:
//		// invalid input, auth, ...
//	default:
//		fmt.Println(p.Status, p.PaymentDetails.InstructionsURL())
//	}
package komoju
