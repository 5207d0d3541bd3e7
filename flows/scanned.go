package flows

import (
	"context"
	"errors"
	"strings"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// PayPay codes scanned at the counter (Method 2): the customer shows the
// barcode in their PayPay app and the clerk scans it.
//
// Confirmed: KOMOJU's PayPay payment details take scanned_code
// (komoju/komoju-node-sdk models/payment-details-pay-pay.ts).
// Assumed (KOMOJU documents nothing more): the payment is answered at once
// like a card — captured (or authorized with manual capture), or a 502
// decline; no redirect_url. An expired or unreadable code is an input
// error on payment_details[scanned_code] that charges nothing (the
// sandbox's behaviour, docs/SANDBOX.md). The shape of a code is not
// documented either: ScannedCode accepts what a barcode scanner types
// (letters and digits, at most 64), as the sandbox does.

// Clerk messages of a scanned PayPay payment, exported so the console can
// put them in the clerk's language.
const (
	MsgScanLowBalance = "PayPay declined: the customer's PayPay balance is too low. Nothing was charged; ask them to top up or pay another way."
	MsgScanExpired    = "This PayPay code has expired or could not be used. Nothing was charged; ask the customer to refresh the code in the app and scan it again."
	MsgScanDeclined   = "PayPay declined the payment. Nothing was charged; ask the customer to pay another way."
)

// maxScannedCode bounds a scanned code (the sandbox's bound; KOMOJU
// documents none).
const maxScannedCode = 64

// ScannedCode cleans what the scanner or the clerk typed (spaces and
// dashes dropped) and checks it, naming what is wrong.
func ScannedCode(s string) (string, error) {
	code := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	switch {
	case code == "":
		return "", FieldErrors{{Field: FieldScannedCode, Message: "is empty: scan the customer's PayPay code or type its digits"}}
	case len(code) > maxScannedCode:
		return "", FieldErrors{{Field: FieldScannedCode, Message: "is too long for a PayPay code (at most 64 characters)"}}
	}
	for _, r := range code {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "", FieldErrors{{Field: FieldScannedCode, Message: "may hold only letters and digits: scan the code again"}}
		}
	}
	return code, nil
}

// FieldScannedCode names the scanned code in FieldErrors.
const FieldScannedCode = "scanned_code"

// PayScannedCode is Method 2 with a PayPay code scanned at the counter:
// validate, journal the intent (reserving the order number when the
// checkout has none), Payment: Create with payment_details {type: paypay,
// scanned_code}, and the answer at once. A lost answer is resolved as
// PayDirect resolves it. Declines and an expired code say so in the
// clerk's words (MsgScan*). The code is never logged or journaled.
//
// The error is nil unless the Outcome is OutcomeError or OutcomeUnknown.
func (e *Engine) PayScannedCode(ctx context.Context, co Checkout, code string, opts PayOptions) (Outcome, error) {
	generated := co.OrderNum == ""
	for attempt := 0; ; attempt++ {
		o, err := e.payScanned(ctx, co, code, opts, generated)
		if !generated || attempt == orderNumRetries || !isOrderNumTaken(err) {
			return o, err
		}
		co.OrderNum = "" // taken at KOMOJU by someone else: the next number
	}
}

func (e *Engine) payScanned(ctx context.Context, co Checkout, code string, opts PayOptions, generated bool) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	t := komoju.TypePayPay
	co.Flow = FlowDirect
	co, cerr := e.prepare(co)
	var fe FieldErrors
	if cerr != nil {
		errors.As(cerr, &fe)
	}
	code, kerr := ScannedCode(code)
	if kerr != nil {
		fe = append(fe, kerr.(FieldErrors)...)
	}
	fe = append(fe, limitErrors(t, co)...)
	if len(fe) > 0 {
		o := OutcomeFromError(fe, FlowDirect)
		o.CanRetry = false
		if !generated {
			o.OrderNum = co.OrderNum
		}
		return o, fe
	}
	key := komoju.NewIdempotencyKey()
	saleID, num, jerr := e.beginSale(ctx, journal.Intent{
		OrderNum: co.OrderNum, IdempotencyKey: key, Flow: journal.FlowDirect, Method: t,
		Amount: co.Amount, Tax: co.Tax, Currency: co.Currency, Capture: co.Capture,
		Email: co.Email, Name: co.Name, Description: co.Description,
	}, generated)
	if jerr != nil {
		return beginFailed(jerr, co.OrderNum), jerr
	}
	co.OrderNum = num
	params := &komoju.PaymentCreateParams{
		Amount: co.Amount, Currency: co.Currency, Tax: co.Tax, Description: co.Description,
		ExternalOrderNum: co.OrderNum, ReturnURL: co.ReturnURL, Metadata: co.Metadata,
		PaymentDetails: &komoju.PaymentDetailsParams{Type: t, ScannedCode: code, Email: co.Email},
	}
	if co.Capture == komoju.CaptureManual {
		f := false
		params.Capture = &f
	}
	sc := opts.Scenario
	if sc == "" {
		sc = co.Scenario
	}
	call := append([]komoju.CallOption{komoju.WithIdempotencyKey(key)}, e.scenarioOpt(sc)...)
	o, err := e.sendDirect(ctx, saleID, co, params, call, generated)
	if o.Kind == OutcomeError && o.Field != FieldOrderNum {
		o.Message = scanMessage(o)
	}
	return o, err
}

// scanMessage says a refused scanned payment in the clerk's words.
func scanMessage(o Outcome) string {
	switch {
	case o.Err == nil:
		return o.Message
	case o.Err.Code == komoju.CodeInsufficientFunds:
		return MsgScanLowBalance
	case strings.Contains(o.Err.Param, "scanned_code"):
		return MsgScanExpired
	case isDecline(o.Err):
		return MsgScanDeclined
	}
	return o.Message
}
