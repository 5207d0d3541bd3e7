package komoju

// MethodLimit returns the largest total (amount + tax + payment method fee,
// in minor units) that a payment method accepts in one payment, and whether
// the method has a limit below MaxAmount in that currency. It is a pure
// function so the console can refuse an amount before calling KOMOJU.
//
// Sources (KOMOJU does not publish one table; these are the caps of the
// Japanese networks KOMOJU routes through, as processors publish them):
//   - konbini: ¥300,000 per payment (PPRO "Konbini" maximum transaction
//     amount JPY 300,000; Antom "Konbini" maximum payment amount 300,000
//     JPY; Worldline states 299,999).
//   - pay_easy: ¥999,999 per payment (Worldpay "Konbini and Pay-easy":
//     999,999 JPY at an ATM with a cash card or by internet banking;
//     Worldline allows up to 1,000,000).
//
// Other methods have no documented per-payment cap below MaxAmount.
func MethodLimit(t PaymentType, currency string) (max int64, ok bool) {
	if currency != "JPY" {
		return 0, false
	}
	switch t {
	case TypeKonbini:
		return 300_000, true
	case TypePayEasy:
		return 999_999, true
	}
	return 0, false
}

// CheckMethodLimit returns a KOMOJU-shaped *Error (HTTP 422,
// invalid_parameter on "amount", as the sandbox answers) when total is above
// the method's limit, and nil otherwise.
func CheckMethodLimit(t PaymentType, currency string, total int64) error {
	max, ok := MethodLimit(t, currency)
	if !ok || total <= max {
		return nil
	}
	return &Error{HTTPStatus: 422, Code: CodeInvalidParameter, Param: "amount",
		Message: MethodLimitMessage(t, currency, max)}
}

// MethodLimitMessage words a method limit the same way for the client and
// the sandbox.
func MethodLimitMessage(t PaymentType, currency string, max int64) string {
	return "The value of amount is invalid: " + string(t) + " payments accept at most " + FormatAmount(max, currency) + " (amount + tax + fees)"
}
