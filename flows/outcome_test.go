package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

func strp(s string) *string { return &s }

// decodePayment builds a payment the way the client does, from JSON.
func decodePayment(t *testing.T, typ komoju.PaymentType, status komoju.PaymentStatus, details string) *komoju.Payment {
	t.Helper()
	if details == "" {
		details = fmt.Sprintf(`{"type":%q}`, typ)
	}
	raw := fmt.Sprintf(`{"id":"p1","resource":"payment","status":%q,"amount":1000,"tax":0,"total":1000,"currency":"JPY",
		"payment_deadline":"2026-11-27T14:59:59Z","external_order_num":"POS-1","session":"s1","payment_details":%s,
		"amount_refunded":0,"refunds":[],"refund_requests":[]}`, status, details)
	var p komoju.Payment
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// TestOutcomeFromPayTable covers every row of the seed's "Step 3: handle
// the pay result" table.
func TestOutcomeFromPayTable(t *testing.T) {
	redirect := "https://komoju.test/next"
	cases := []struct {
		row     string
		status  komoju.PayStatus
		capture komoju.CaptureMode
		typ     komoju.PaymentType
		pstatus komoju.PaymentStatus // "" = no payment
		want    OutcomeKind
	}{
		{"error/*/n.a.", komoju.PayError, komoju.CaptureAuto, "", "", OutcomeError},
		{"error/manual/n.a.", komoju.PayError, komoju.CaptureManual, "", "", OutcomeError},
		{"completed/auto/captured", komoju.PayCompleted, komoju.CaptureAuto, komoju.TypeCreditCard, komoju.PaymentCaptured, OutcomePaid},
		{"completed/auto/captured (wallet)", komoju.PayCompleted, komoju.CaptureAuto, komoju.TypePayPay, komoju.PaymentCaptured, OutcomePaid},
		{"completed/auto/authorized konbini", komoju.PayCompleted, komoju.CaptureAuto, komoju.TypeKonbini, komoju.PaymentAuthorized, OutcomeAwaiting},
		{"completed/auto/authorized bank_transfer", komoju.PayCompleted, komoju.CaptureAuto, komoju.TypeBankTransfer, komoju.PaymentAuthorized, OutcomeAwaiting},
		{"completed/auto/authorized pay_easy", komoju.PayCompleted, komoju.CaptureAuto, komoju.TypePayEasy, komoju.PaymentAuthorized, OutcomeAwaiting},
		{"completed/manual/authorized card", komoju.PayCompleted, komoju.CaptureManual, komoju.TypeCreditCard, komoju.PaymentAuthorized, OutcomeAuthorized},
		{"completed/manual/authorized wallet", komoju.PayCompleted, komoju.CaptureManual, komoju.TypePayPay, komoju.PaymentAuthorized, OutcomeAuthorized},
		{"pending/*/pending card 3DS", komoju.PayPending, komoju.CaptureAuto, komoju.TypeCreditCard, komoju.PaymentPending, OutcomeRedirect},
		{"pending/*/pending paypay", komoju.PayPending, komoju.CaptureManual, komoju.TypePayPay, komoju.PaymentPending, OutcomeRedirect},
	}
	for _, c := range cases {
		t.Run(c.row, func(t *testing.T) {
			r := &komoju.SessionPayResult{Status: c.status, RedirectURL: strp(redirect)}
			if c.status == komoju.PayError {
				r.RedirectURL = nil
				r.Error = json.RawMessage(`{"code":"invalid_parameter","message":"The card number is invalid","param":"payment_details[number]"}`)
			}
			if c.pstatus != "" {
				r.Payment = decodePayment(t, c.typ, c.pstatus, "")
			}
			o := OutcomeFromPay(r, c.capture)
			if o.Kind != c.want {
				t.Fatalf("kind = %s, want %s (%s)", o.Kind, c.want, o.Message)
			}
			if o.Message == "" {
				t.Error("no message for the clerk")
			}
			switch c.want {
			case OutcomeError:
				if !o.CanRetry || o.Err == nil || o.Err.Code != "invalid_parameter" || o.Field != "payment_details[number]" {
					t.Errorf("error outcome = %+v", o)
				}
				if !strings.Contains(o.Message, "The card number is invalid") {
					t.Errorf("message %q lacks the API's words", o.Message)
				}
			case OutcomeRedirect, OutcomePaid, OutcomeAuthorized:
				if o.RedirectURL != redirect {
					t.Errorf("redirect = %q", o.RedirectURL)
				}
			case OutcomeAwaiting:
				if o.InstructionsURL == "" || o.Deadline == nil {
					t.Errorf("awaiting without instructions/deadline: %+v", o)
				}
			}
			if c.want == OutcomeAuthorized && (!o.Allows(ActionCapture) || !o.Allows(ActionCancel)) {
				t.Errorf("authorized actions = %v", o.Actions)
			}
			if c.want == OutcomePaid && !o.Allows(ActionRefund) {
				t.Errorf("paid actions = %v", o.Actions)
			}
			if o.Payment != nil && (o.SessionID != "s1" || o.OrderNum != "POS-1") {
				t.Errorf("session %q order %q", o.SessionID, o.OrderNum)
			}
		})
	}
}

func TestOutcomeFromPayEdges(t *testing.T) {
	// "When in doubt, just redirect to redirect_url."
	o := OutcomeFromPay(&komoju.SessionPayResult{Status: "processing", RedirectURL: strp("https://x/next")}, komoju.CaptureAuto)
	if o.Kind != OutcomeRedirect || o.RedirectURL != "https://x/next" {
		t.Errorf("unknown status with redirect = %+v", o)
	}
	if o := OutcomeFromPay(nil, komoju.CaptureAuto); o.Kind != OutcomeUnknown {
		t.Errorf("nil result = %s", o.Kind)
	}
	if o := OutcomeFromPay(&komoju.SessionPayResult{Status: komoju.PayCompleted}, komoju.CaptureAuto); o.Kind != OutcomeUnknown {
		t.Errorf("completed without payment or redirect = %s", o.Kind)
	}
	// Error given as a plain string (KOMOJU Fields' typing).
	o = OutcomeFromPay(&komoju.SessionPayResult{Status: komoju.PayError, Error: json.RawMessage(`"Card declined"`)}, komoju.CaptureAuto)
	if o.Kind != OutcomeError || !strings.Contains(o.Message, "Card declined") || !o.CanRetry {
		t.Errorf("string error = %+v", o)
	}
	// Awaiting without instructions_url on the payment falls back to the
	// redirect, which "will point to payment instructions".
	r := &komoju.SessionPayResult{Status: komoju.PayCompleted, RedirectURL: strp("https://x/instr"),
		Payment: decodePayment(t, komoju.TypeBankTransfer, komoju.PaymentAuthorized, `{"type":"bank_transfer"}`)}
	if o := OutcomeFromPay(r, komoju.CaptureAuto); o.Kind != OutcomeAwaiting || o.InstructionsURL != "https://x/instr" {
		t.Errorf("bank transfer = %+v", o)
	}
}

// TestOutcomeFromPaymentTable covers every row of the seed's Payment
// status table.
func TestOutcomeFromPaymentTable(t *testing.T) {
	cases := []struct {
		typ     komoju.PaymentType
		status  komoju.PaymentStatus
		details string
		want    OutcomeKind
		words   string
	}{
		{komoju.TypePayPay, komoju.PaymentPending, `{"type":"paypay","redirect_url":"https://pp/x"}`, OutcomeRedirect, "approve"},
		{komoju.TypeCreditCard, komoju.PaymentPending, `{"type":"credit_card","redirect_url":"https://3ds/x"}`, OutcomeRedirect, "3D Secure"},
		{komoju.TypeKonbini, komoju.PaymentAuthorized, "", OutcomeAwaiting, "Waiting for the customer"},
		{komoju.TypeBankTransfer, komoju.PaymentAuthorized, "", OutcomeAwaiting, "at the bank"},
		{komoju.TypePayEasy, komoju.PaymentAuthorized, "", OutcomeAwaiting, "Pay-easy"},
		{komoju.TypeCreditCard, komoju.PaymentAuthorized, "", OutcomeAuthorized, "Capture"},
		{komoju.TypeMerpay, komoju.PaymentAuthorized, "", OutcomeAuthorized, "Capture"},
		{komoju.TypeCreditCard, komoju.PaymentCaptured, `{"type":"credit_card","brand":"visa","last_four_digits":"1111"}`, OutcomePaid, "Paid ¥1,000 by Visa •••• 1111"},
		{komoju.TypeCreditCard, komoju.PaymentRefunded, "", OutcomeRefunded, "Refunded"},
		{komoju.TypeCreditCard, komoju.PaymentCancelled, "", OutcomeCancelled, "not charged"},
		{komoju.TypeKonbini, komoju.PaymentExpired, "", OutcomeExpired, "not paid in time"},
		{komoju.TypeCreditCard, komoju.PaymentFailed, "", OutcomeFailed, "not charged"},
		{komoju.TypeCreditCard, "on_hold", "", OutcomeUnknown, "does not know"},
	}
	for _, c := range cases {
		t.Run(string(c.typ)+"/"+string(c.status), func(t *testing.T) {
			o := OutcomeFromPayment(decodePayment(t, c.typ, c.status, c.details))
			if o.Kind != c.want {
				t.Fatalf("kind = %s, want %s", o.Kind, c.want)
			}
			if !strings.Contains(o.Message, c.words) {
				t.Errorf("message %q lacks %q", o.Message, c.words)
			}
			if o.Kind == OutcomeRedirect && o.RedirectURL == "" {
				t.Error("redirect without URL")
			}
			if fmt.Sprint(o.Actions) != fmt.Sprint(AllowedActions(o.Payment)) {
				t.Errorf("actions %v", o.Actions)
			}
		})
	}
	if o := OutcomeFromPayment(nil); o.Kind != OutcomeUnknown {
		t.Errorf("nil payment = %s", o.Kind)
	}
	// Partially refunded payments stay captured, and say so.
	p := decodePayment(t, komoju.TypeCreditCard, komoju.PaymentCaptured, "")
	p.AmountRefunded = 300
	if o := OutcomeFromPayment(p); o.Kind != OutcomePaid || !strings.Contains(o.Message, "¥300 has been refunded; ¥700 can still be refunded") {
		t.Errorf("partial refund: %s %q", o.Kind, o.Message)
	}
}

// TestKonbiniCodes follows the seed's konbini notes: instructions_url
// always; receipt and confirmation_code for other stores; never 7-Eleven's.
func TestKonbiniCodes(t *testing.T) {
	for _, store := range komoju.KonbiniStores {
		details := fmt.Sprintf(`{"type":"konbini","store":%q,"receipt":"12345","confirmation_code":"6789","instructions_url":"https://k/instr"}`, store)
		p := decodePayment(t, komoju.TypeKonbini, komoju.PaymentAuthorized, details)
		o := OutcomeFromPayment(p)
		if o.InstructionsURL != "https://k/instr" || o.Store != store || o.Deadline == nil {
			t.Errorf("%s: %+v", store, o)
		}
		if store == komoju.StoreSevenEleven {
			if o.Receipt != "" || o.ConfirmationCode != "" {
				t.Errorf("7-Eleven receipt shown: %q %q", o.Receipt, o.ConfirmationCode)
			}
		} else if o.Receipt != "12345" || o.ConfirmationCode != "6789" {
			t.Errorf("%s: receipt %q code %q", store, o.Receipt, o.ConfirmationCode)
		}
		if !strings.Contains(o.Message, StoreName(store, "en")) || !strings.Contains(o.Message, "2026-11-27 23:59 JST") {
			t.Errorf("%s message = %q", store, o.Message)
		}
	}
	// Null codes stay empty.
	p := decodePayment(t, komoju.TypeKonbini, komoju.PaymentAuthorized, `{"type":"konbini","store":"lawson","receipt":null,"confirmation_code":null,"instructions_url":"u"}`)
	if o := OutcomeFromPayment(p); o.Receipt != "" || o.ConfirmationCode != "" {
		t.Errorf("null codes = %+v", o)
	}
}

func TestOutcomeFromError(t *testing.T) {
	decline := &komoju.Error{HTTPStatus: 502, Code: komoju.CodeInsufficientFunds, Message: "Insufficient funds"}
	cases := []struct {
		name     string
		err      error
		flow     Flow
		kind     OutcomeKind
		canRetry bool
		words    string
	}{
		{"decline, session", fmt.Errorf("wrapped: %w", decline), FlowSession, OutcomeError, true, "insufficient funds"},
		{"decline, direct", decline, FlowDirect, OutcomeError, false, "start a new attempt"},
		{"invalid input", &komoju.Error{HTTPStatus: 422, Code: komoju.CodeInvalidParameter, Message: "The value of amount is invalid", Param: "amount"}, FlowSession, OutcomeError, true, "amount is invalid"},
		{"bad key", &komoju.Error{HTTPStatus: 401, Code: komoju.CodeUnauthorized}, FlowSession, OutcomeError, false, "API key"},
		{"maintenance", &komoju.Error{HTTPStatus: 503, Code: komoju.CodeServiceUnavailable}, FlowSession, OutcomeError, true, "Nothing was charged"},
		{"server error", &komoju.Error{HTTPStatus: 500, Code: komoju.CodeInternalServerError}, FlowSession, OutcomeUnknown, false, "Do not charge again"},
		{"in flight", &komoju.Error{HTTPStatus: 409, Code: komoju.CodeConflict}, FlowDirect, OutcomeUnknown, false, "Do not charge again"},
		{"dropped", fmt.Errorf("post: %w: %w", komoju.ErrOutcomeUnknown, errors.New("EOF")), FlowSession, OutcomeUnknown, false, "do not know"},
		{"dropped, then 503 on the retry", fmt.Errorf("post: %w: %w", &komoju.Error{HTTPStatus: 503, Code: komoju.CodeServiceUnavailable}, komoju.ErrOutcomeUnknown), FlowSession, OutcomeUnknown, false, "do not know"},
		{"timed out after sending", fmt.Errorf("post: %w: %w", komoju.ErrOutcomeUnknown, context.DeadlineExceeded), FlowDirect, OutcomeUnknown, false, "did not answer in time"},
		{"timeout", fmt.Errorf("post: %w", context.DeadlineExceeded), FlowDirect, OutcomeUnknown, false, "did not answer in time"},
		{"cancelled", context.Canceled, FlowDirect, OutcomeUnknown, false, "interrupted"},
		{"never connected", fmt.Errorf("x: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), FlowSession, OutcomeError, true, "Nothing was charged"},
		{"invalid details", FieldErrors{{Field: "card_number", Message: "is required"}}, FlowSession, OutcomeError, true, "card_number: is required"},
	}
	for _, c := range cases {
		o := OutcomeFromError(c.err, c.flow)
		if o.Kind != c.kind || o.CanRetry != c.canRetry {
			t.Errorf("%s: kind %s canRetry %v, want %s %v", c.name, o.Kind, o.CanRetry, c.kind, c.canRetry)
		}
		if !strings.Contains(o.Message, c.words) {
			t.Errorf("%s: message %q lacks %q", c.name, o.Message, c.words)
		}
	}
	if o := OutcomeFromError(&komoju.Error{HTTPStatus: 422, Code: "invalid_parameter", Param: "payment_details[email]", Message: "bad"}, FlowSession); o.Field != "payment_details[email]" {
		t.Errorf("field = %q", o.Field)
	}
}

func TestOutcomeKindWords(t *testing.T) {
	kinds := []OutcomeKind{OutcomeError, OutcomePaid, OutcomeAwaiting, OutcomeAuthorized, OutcomeRedirect, OutcomeUnknown, OutcomeCancelled, OutcomeExpired, OutcomeFailed, OutcomeRefunded}
	seen := map[string]bool{}
	for _, k := range kinds {
		if s := k.String(); s == "" || seen[s] {
			t.Errorf("%s has no distinct words: %q", string(k), s)
		} else {
			seen[s] = true
		}
	}
	for _, k := range []OutcomeKind{OutcomePaid, OutcomeAwaiting, OutcomeAuthorized} {
		if !k.Success() {
			t.Errorf("%s is not a success", k)
		}
	}
	if OutcomeUnknown.Success() || OutcomeError.Success() || OutcomeUnknown.Final() || !OutcomeCancelled.Final() {
		t.Error("Success/Final wrong")
	}
}

func TestClassify(t *testing.T) {
	ke := func(status int, code string) *komoju.Error { return &komoju.Error{HTTPStatus: status, Code: code} }
	paid := OutcomeFromPayment(decodePayment(t, komoju.TypeCreditCard, komoju.PaymentCaptured, ""))
	failed := OutcomeFromPayment(decodePayment(t, komoju.TypeCreditCard, komoju.PaymentFailed, ""))
	payErr := OutcomeFromPay(&komoju.SessionPayResult{Status: komoju.PayError, Error: json.RawMessage(`{"code":"card_declined","message":"no"}`)}, komoju.CaptureAuto)
	cases := []struct {
		name string
		o    Outcome
		err  error
		want ErrorClass
	}{
		{"paid", paid, nil, ClassNone},
		{"failed status", failed, nil, ClassDeclined},
		{"decline", OutcomeFromError(ke(502, komoju.CodeInsufficientFunds), FlowSession), ke(502, komoju.CodeInsufficientFunds), ClassDeclined},
		{"decline in a 200 pay result", payErr, nil, ClassDeclined},
		{"fraud", OutcomeFromError(ke(422, komoju.CodeFraudulent), FlowDirect), ke(422, komoju.CodeFraudulent), ClassDeclined},
		{"bad key", OutcomeFromError(ke(401, komoju.CodeUnauthorized), FlowSession), ke(401, komoju.CodeUnauthorized), ClassAuth},
		{"invalid parameter", OutcomeFromError(ke(422, komoju.CodeInvalidParameter), FlowSession), ke(422, komoju.CodeInvalidParameter), ClassInput},
		{"field errors", OutcomeFromError(FieldErrors{{Field: "amount", Message: "x"}}, FlowSession), FieldErrors{{Field: "amount", Message: "x"}}, ClassInput},
		{"not capturable", OutcomeFromError(ke(422, komoju.CodeNotCapturable), FlowDirect), ke(422, komoju.CodeNotCapturable), ClassAPI},
		{"not found", OutcomeFromError(ke(404, komoju.CodeNotFound), FlowDirect), ke(404, komoju.CodeNotFound), ClassAPI},
		{"maintenance", OutcomeFromError(ke(503, komoju.CodeServiceUnavailable), FlowDirect), ke(503, komoju.CodeServiceUnavailable), ClassAPI},
		{"lost answer", OutcomeFromError(komoju.ErrOutcomeUnknown, FlowDirect), komoju.ErrOutcomeUnknown, ClassNetwork},
		{"journal failure", OutcomeFromError(journalErr(errors.New("disk I/O error")), FlowDirect), journalErr(errors.New("disk I/O error")), ClassLocal},
	}
	if o := OutcomeFromError(journalErr(errors.New("disk I/O error")), FlowDirect); o.Kind != OutcomeError || !strings.Contains(o.Message, "Nothing was sent") {
		t.Errorf("a journal failure sends nothing, so it is a definite error: %+v", o)
	}
	for _, c := range cases {
		if got := Classify(c.o, c.err); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
