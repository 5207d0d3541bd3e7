package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// OutcomeKind is what a pay attempt or a payment's status means for the
// clerk, following the seed's "handle the pay result" and Payment status
// tables.
type OutcomeKind string

// Outcome kinds.
const (
	// OutcomeError: the attempt was refused (invalid input or a decline).
	// Nothing was charged. With Method 1 the same session can be paid again.
	OutcomeError OutcomeKind = "error"
	// OutcomePaid: captured. Partially refunded payments stay here.
	OutcomePaid OutcomeKind = "paid"
	// OutcomeAwaiting: a konbini, bank transfer or Pay-easy payment is
	// authorized and waits for the customer to pay at a store or bank.
	OutcomeAwaiting OutcomeKind = "awaiting"
	// OutcomeAuthorized: Two-Step Capture; the money is held and the
	// merchant must capture (or cancel) it.
	OutcomeAuthorized OutcomeKind = "authorized"
	// OutcomeRedirect: pending; the customer must finish at redirect_url
	// (3D Secure page or a wallet app).
	OutcomeRedirect OutcomeKind = "redirect"
	// OutcomeUnknown: the answer was lost (timeout, dropped connection).
	// The customer may or may not have been charged: reconcile before
	// charging again.
	OutcomeUnknown OutcomeKind = "unknown"
	// OutcomeCancelled, OutcomeExpired, OutcomeFailed and OutcomeRefunded
	// are the final statuses of the Payment status table.
	OutcomeCancelled OutcomeKind = "cancelled"
	OutcomeExpired   OutcomeKind = "expired"
	OutcomeFailed    OutcomeKind = "failed"
	OutcomeRefunded  OutcomeKind = "refunded"
)

// String is the kind in plain words for a status line.
func (k OutcomeKind) String() string {
	switch k {
	case OutcomeError:
		return "Not paid"
	case OutcomePaid:
		return "Paid"
	case OutcomeAwaiting:
		return "Waiting for the customer to pay"
	case OutcomeAuthorized:
		return "Authorized: capture pending"
	case OutcomeRedirect:
		return "Customer must finish paying"
	case OutcomeUnknown:
		return "Unknown: check before charging again"
	case OutcomeCancelled:
		return "Cancelled"
	case OutcomeExpired:
		return "Expired"
	case OutcomeFailed:
		return "Failed"
	case OutcomeRefunded:
		return "Refunded"
	}
	return string(k)
}

// Final reports whether nothing more will happen to the payment by itself:
// error, paid, cancelled, expired, failed and refunded. Awaiting, redirect,
// authorized and unknown still change (the customer pays, the merchant
// captures, reconciliation finds the answer).
func (k OutcomeKind) Final() bool {
	switch k {
	case OutcomeError, OutcomePaid, OutcomeCancelled, OutcomeExpired, OutcomeFailed, OutcomeRefunded:
		return true
	}
	return false
}

// Success reports whether the sale went through as far as the till is
// concerned: paid, awaiting the customer at a store, or authorized for a
// later capture. Headless commands exit 0 on these.
func (k OutcomeKind) Success() bool {
	return k == OutcomePaid || k == OutcomeAwaiting || k == OutcomeAuthorized
}

// Outcome is one result the UI can render without knowing KOMOJU.
type Outcome struct {
	Kind    OutcomeKind
	Payment *komoju.Payment // nil when KOMOJU returned no payment
	// SessionID is the Method 1 session (also set for a payment made
	// through a session).
	SessionID string
	// RedirectURL is where the customer goes next: 3DS page, wallet, or
	// instructions. Open it in a browser or show it as a QR code.
	RedirectURL string
	// InstructionsURL is the payment instructions page of a konbini, bank
	// transfer or Pay-easy payment. Always give it to the customer.
	InstructionsURL string
	// Receipt and ConfirmationCode are konbini payment codes. They are
	// never set for 7-Eleven (the seed: its receipt must not be served;
	// the customer needs the instructions page).
	Receipt          string
	ConfirmationCode string
	Store            string // konbini store slug
	Deadline         *time.Time
	Err              *komoju.Error // the API's error, when there was one
	Message          string        // plain words for the clerk
	// Text is Message as a words-table id and its arguments, where the
	// sentence is the till's own (refused inputs): Say uses it.
	Text  words.Text `json:"-"`
	Field string     // the input field at fault, if known
	// CanRetry: Method 1 only; the same session can be paid again (the
	// seed: "You may call Session: Pay again on the same session").
	CanRetry bool
	Actions  []Action
	OrderNum string
}

// Allows reports whether a is in o.Actions.
func (o Outcome) Allows(a Action) bool {
	for _, x := range o.Actions {
		if x == a {
			return true
		}
	}
	return false
}

// PaymentID returns the payment's id, or "".
func (o Outcome) PaymentID() string {
	if o.Payment == nil {
		return ""
	}
	return o.Payment.ID
}

// Status returns the payment's status, or "".
func (o Outcome) Status() komoju.PaymentStatus {
	if o.Payment == nil {
		return ""
	}
	return o.Payment.Status
}

// OutcomeFromPay applies the seed's "Step 3: handle the pay result" table to
// a Session: Pay response. capture is the capture mode of the attempt.
//
//	status     capture  payment.status  → kind
//	error      *        n/a             → OutcomeError (CanRetry: pay the same session again)
//	completed  auto     captured        → OutcomePaid
//	completed  auto     authorized      → OutcomeAwaiting (customer pays at store/bank)
//	completed  manual   authorized      → OutcomeAuthorized (Two-Step Capture)
//	pending    *        pending         → OutcomeRedirect (redirect_url: wallet or 3DS)
//
// Where the table has no row the seed says "when in doubt, just redirect to
// redirect_url": a response with a redirect URL becomes OutcomeRedirect,
// otherwise the payment's own status decides (OutcomeFromPayment). One
// reading is ours: "completed/auto/authorized" means awaiting the customer
// for the cash methods it is written for; a card or wallet payment that is
// authorized is Two-Step Capture whatever capture the attempt asked for,
// because only a capture call can move it on.
func OutcomeFromPay(r *komoju.SessionPayResult, capture komoju.CaptureMode) Outcome {
	if r == nil {
		return Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh},
			Message: "KOMOJU sent no pay result. Check the session before charging again."}
	}
	redirect := ""
	if r.RedirectURL != nil {
		redirect = *r.RedirectURL
	}
	if r.Status == komoju.PayError {
		e := payResultError(r.Error)
		o := errorOutcome(e, FlowSession)
		o.CanRetry = true // the seed's table: pay the same session again
		if r.Payment != nil {
			o.Payment = r.Payment
			o.SessionID = r.Payment.SessionID()
			o.OrderNum = r.Payment.OrderNum()
		}
		return o
	}
	p := r.Payment
	var o Outcome
	switch {
	case p == nil && redirect != "":
		o = Outcome{Kind: OutcomeRedirect, Actions: []Action{ActionRefresh},
			Message: "The customer must finish paying on the next page. Open the link or show the QR code."}
	case p == nil:
		return Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh},
			Message: "KOMOJU answered without a payment. Check the session before charging again."}
	case r.Status == komoju.PayCompleted && p.Status == komoju.PaymentAuthorized:
		if p.Type().IsAsync() || p.Type() == "" && capture != komoju.CaptureManual {
			o = paymentOutcome(p, OutcomeAwaiting)
		} else {
			o = paymentOutcome(p, OutcomeAuthorized)
		}
	case r.Status == komoju.PayCompleted:
		o = OutcomeFromPayment(p)
	case r.Status == komoju.PayPending:
		o = OutcomeFromPayment(p)
		if !o.Kind.Final() && o.Kind != OutcomeRedirect && redirect != "" && p.Status == komoju.PaymentPending {
			o = paymentOutcome(p, OutcomeRedirect)
		}
	default:
		if redirect != "" {
			o = paymentOutcome(p, OutcomeRedirect)
		} else {
			o = OutcomeFromPayment(p)
		}
	}
	if redirect != "" && o.RedirectURL == "" {
		o.RedirectURL = redirect
	}
	if o.Kind == OutcomeAwaiting && o.InstructionsURL == "" {
		// The seed: for these rows redirect_url "will point to payment
		// instructions".
		o.InstructionsURL = redirect
	}
	return o
}

// payResultError reads the error of a 200 "status: error" pay response:
// KOMOJU Fields types it as a string or an error object.
func payResultError(raw json.RawMessage) *komoju.Error {
	e := &komoju.Error{HTTPStatus: http.StatusOK, Code: komoju.CodeBadRequest}
	if len(raw) == 0 || string(raw) == "null" {
		e.Message = "The payment was not accepted."
		return e
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		e.Message = s
		return e
	}
	var obj komoju.Error
	if json.Unmarshal(raw, &obj) == nil && (obj.Code != "" || obj.Message != "") {
		obj.HTTPStatus = http.StatusOK
		return &obj
	}
	var body komoju.ErrorBody
	if json.Unmarshal(raw, &body) == nil && body.Error != nil {
		body.Error.HTTPStatus = http.StatusOK
		return body.Error
	}
	e.Message = "The payment was not accepted."
	return e
}

// OutcomeFromPayment applies the seed's Payment status table (Method 2,
// and every later look at a payment):
//
//	pending    → OutcomeRedirect (payment_details.redirect_url)
//	authorized → OutcomeAwaiting for konbini/bank_transfer/pay_easy,
//	             OutcomeAuthorized (Two-Step Capture) for every other type
//	captured   → OutcomePaid (also when partially refunded)
//	refunded   → OutcomeRefunded
//	cancelled  → OutcomeCancelled
//	expired    → OutcomeExpired
//	failed     → OutcomeFailed
//
// A status this package does not know becomes OutcomeUnknown.
func OutcomeFromPayment(p *komoju.Payment) Outcome {
	if p == nil {
		return Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh},
			Message: "No payment to show. Refresh to look it up again."}
	}
	switch p.Status {
	case komoju.PaymentPending:
		return paymentOutcome(p, OutcomeRedirect)
	case komoju.PaymentAuthorized:
		if p.Type().IsAsync() {
			return paymentOutcome(p, OutcomeAwaiting)
		}
		return paymentOutcome(p, OutcomeAuthorized)
	case komoju.PaymentCaptured:
		return paymentOutcome(p, OutcomePaid)
	case komoju.PaymentRefunded:
		return paymentOutcome(p, OutcomeRefunded)
	case komoju.PaymentCancelled:
		return paymentOutcome(p, OutcomeCancelled)
	case komoju.PaymentExpired:
		return paymentOutcome(p, OutcomeExpired)
	case komoju.PaymentFailed:
		return paymentOutcome(p, OutcomeFailed)
	}
	return paymentOutcome(p, OutcomeUnknown)
}

// paymentOutcome fills an Outcome of kind k from p: links, konbini codes
// (never 7-Eleven's), deadline, actions and the clerk's message.
func paymentOutcome(p *komoju.Payment, k OutcomeKind) Outcome {
	o := Outcome{
		Kind:      k,
		Payment:   p,
		SessionID: p.SessionID(),
		OrderNum:  p.OrderNum(),
		Deadline:  p.PaymentDeadline,
		Actions:   AllowedActions(p),
	}
	d := p.PaymentDetails
	o.RedirectURL = d.RedirectURL()
	o.InstructionsURL = d.InstructionsURL()
	if d != nil && d.Konbini != nil {
		o.Store = d.Konbini.Store
		// The seed's konbini notes: 7-Eleven's receipt is deprecated and
		// must not be served; its confirmation code is only usable with
		// the receipt, so neither is shown. Other stores may show both.
		if o.Store != komoju.StoreSevenEleven {
			if d.Konbini.Receipt != nil {
				o.Receipt = *d.Konbini.Receipt
			}
			if d.Konbini.ConfirmationCode != nil {
				o.ConfirmationCode = *d.Konbini.ConfirmationCode
			}
		}
	}
	o.Message = paymentMessage(p, k, o, "en")
	return o
}

// paymentMessage says in plain words what the clerk sees and does next,
// in lang (Outcome.Message is the English one; Outcome.Say the others).
func paymentMessage(p *komoju.Payment, k OutcomeKind, o Outcome, lang string) string {
	total := p.Total
	if total == 0 {
		total = p.Amount + p.Tax + p.PaymentMethodFee
	}
	amt := komoju.FormatAmount(total, p.Currency)
	how := methodPhrase(p, lang)
	switch k {
	case OutcomePaid:
		msg := say(lang, "say_paid", amt, how)
		if p.AmountRefunded > 0 {
			msg += say(lang, "say_paid_refunded_part",
				komoju.FormatAmount(p.AmountRefunded, p.Currency), komoju.FormatAmount(p.RefundableAmount(), p.Currency))
		}
		return msg
	case OutcomeAwaiting:
		where := say(lang, "say_at_bank")
		if o.Store != "" {
			where = say(lang, "say_at_store", StoreName(o.Store, lang))
		} else if p.Type() == komoju.TypePayEasy {
			where = say(lang, "say_at_payeasy")
		} else if p.Type() == komoju.TypeKonbini {
			where = say(lang, "say_at_konbini")
		}
		due := ""
		if o.Deadline != nil {
			due = say(lang, "say_by_deadline", o.Deadline.In(journal.JST).Format("2006-01-02 15:04"))
		}
		return strings.TrimSpace(say(lang, "say_awaiting", amt, where, due))
	case OutcomeAuthorized:
		return say(lang, "say_authorized", amt, how)
	case OutcomeRedirect:
		if o.RedirectURL == "" {
			return say(lang, "say_redirect_started", amt)
		}
		if p.Type() == komoju.TypeCreditCard {
			return say(lang, "say_redirect_3ds", amt)
		}
		return say(lang, "say_redirect_app", amt, how)
	case OutcomeRefunded:
		return say(lang, "say_refunded", komoju.FormatAmount(p.AmountRefunded, p.Currency))
	case OutcomeCancelled:
		return say(lang, "say_cancelled", amt)
	case OutcomeExpired:
		return say(lang, "say_expired", amt)
	case OutcomeFailed:
		return say(lang, "say_failed", amt, how)
	}
	return say(lang, "say_status_unknown", p.Status)
}

// OutcomeFromError turns an error from a pay call into an Outcome:
//   - FieldErrors (input refused before sending): OutcomeError naming the field;
//   - a KOMOJU error (decline, invalid input, auth): OutcomeError with the
//     API's message in plain words, the field, and CanRetry for Method 1
//     when trying again can help;
//   - a KOMOJU answer that does not say whether the work was done (500,
//     409 in-flight): OutcomeUnknown;
//   - anything else (timeout, dropped connection, cancelled context):
//     OutcomeUnknown, because the charge may have happened.
func OutcomeFromError(err error, flow Flow) Outcome {
	if err == nil {
		return Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh}, Message: "No result."}
	}
	if errors.Is(err, ErrJournal) {
		// Nothing left the till, so this is a definite error, not unknown.
		return Outcome{Kind: OutcomeError, CanRetry: true, Message: "Nothing was sent to KOMOJU: " + err.Error()}
	}
	var fe FieldErrors
	if errors.As(err, &fe) && len(fe) > 0 {
		t := words.T("out_please_fix_nothing_sent_s", fe)
		return Outcome{Kind: OutcomeError, Field: fe[0].Field, CanRetry: true, Message: t.In("en"), Text: t}
	}
	var one FieldError
	if errors.As(err, &one) {
		t := words.T("out_please_fix_nothing_sent_s", FieldErrors{one})
		return Outcome{Kind: OutcomeError, Field: one.Field, CanRetry: true, Message: t.In("en"), Text: t}
	}
	var ke *komoju.Error
	errors.As(err, &ke)
	switch komoju.Classify(err) {
	case komoju.ClassUnknown:
		if ke != nil && !errors.Is(err, komoju.ErrOutcomeUnknown) {
			return Outcome{Kind: OutcomeUnknown, Err: ke, Actions: []Action{ActionRefresh},
				Message: "KOMOJU had a problem (" + ke.Code + ") and did not say whether the payment went through. Do not charge again: check it first."}
		}
		// The client says an attempt may have reached KOMOJU unanswered,
		// whatever the last attempt got (a 503 on a retry says nothing
		// about the first).
		return Outcome{Kind: OutcomeUnknown, Err: ke, Actions: []Action{ActionRefresh}, Message: unknownMessage(err)}
	case komoju.ClassNotSent:
		// The client says a refused connection never reached KOMOJU.
		return Outcome{Kind: OutcomeError, CanRetry: flow == FlowSession, Actions: []Action{ActionRefresh},
			Message: "Could not reach KOMOJU (" + err.Error() + "). Nothing was charged; check the network and try again."}
	}
	if ke != nil {
		return errorOutcome(ke, flow)
	}
	return Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh}, Message: unknownMessage(err)}
}

// SessionStartOutcome is the Outcome of a failed Session: Create: an error
// (never unknown: with no session there is nothing the customer could pay),
// saying nothing was charged.
func SessionStartOutcome(err error) Outcome {
	o := OutcomeFromError(err, FlowSession)
	if errors.As(err, new(FieldErrors)) {
		o.CanRetry = false
		return o
	}
	o.Kind, o.CanRetry = OutcomeError, false
	switch komoju.Classify(err) {
	case komoju.ClassUnknown, komoju.ClassNotSent, komoju.ClassTryLater:
		o.Message = "Could not start the sale at KOMOJU (no answer), so no payment page exists and nothing was charged. It is safe to try again."
	default:
		o.Message = "Could not start the sale at KOMOJU; nothing was charged. " + o.Message
	}
	return o
}

// unknownMessage tells the clerk why the result is unknown.
func unknownMessage(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "KOMOJU did not answer in time, so we do not know whether the customer was charged. Do not charge again: the till will check."
	case errors.Is(err, context.Canceled):
		return "The request was interrupted before KOMOJU answered, so we do not know whether the customer was charged. Do not charge again: the till will check."
	}
	return "The connection dropped before KOMOJU answered, so we do not know whether the customer was charged. Do not charge again: the till will check."
}

// errorOutcome is OutcomeError for a definite KOMOJU refusal.
func errorOutcome(e *komoju.Error, flow Flow) Outcome {
	o := Outcome{Kind: OutcomeError, Err: e, Field: e.Param, Message: ErrorMessage(e)}
	if flow == FlowSession {
		o.CanRetry = !komoju.IsAuth(e) && !komoju.IsNotFound(e) && e.Code != komoju.CodeForbidden
	}
	if o.CanRetry {
		o.Message += " The customer can try again (same sale)."
	} else if flow == FlowDirect && !komoju.IsAuth(e) {
		o.Message += " Nothing was charged; start a new attempt to try again."
	}
	return o
}

// ErrorMessage says a KOMOJU error in plain words: declines by their
// reason, other errors with KOMOJU's own message.
func ErrorMessage(e *komoju.Error) string {
	if e == nil {
		return ""
	}
	switch e.Code {
	case komoju.CodeInsufficientFunds:
		return "Declined: the card has insufficient funds."
	case komoju.CodeExceedsLimit:
		return "Declined: the amount exceeds the card's limit."
	case komoju.CodeBadVerificationVal:
		return "Declined: the security code (CVC) is wrong."
	case komoju.CodeCardExpired:
		return "Declined: the card has expired."
	case komoju.CodeCardDeclined:
		return "Declined: the card cannot be used. Ask for another card or method."
	case komoju.CodeInvalidNumber:
		return "Declined: the card number is invalid."
	case komoju.CodeOtherInvalid:
		return "Declined: the card is invalid."
	case komoju.CodeFraudulent:
		return "Declined: the payment was flagged as possible fraud."
	case komoju.CodeInvalidAccount, komoju.CodeRestrictedAccount:
		return "Declined: the account cannot be used."
	case komoju.CodeUnauthorized:
		return "KOMOJU refused the API key. Check the secret key in the settings."
	case komoju.CodeForbidden:
		return "This API key is not allowed to do that."
	case komoju.CodeNotCapturable:
		return "This payment cannot be captured (it is not an authorized Two-Step Capture payment, or it expired)."
	case komoju.CodeNotCancellable:
		return "This payment cannot be cancelled any more."
	case komoju.CodeNotRefundable:
		return "This payment cannot be refunded this way."
	case komoju.CodeServiceUnavailable:
		return "KOMOJU is under maintenance. Nothing was charged; try again later."
	case komoju.CodeGatewayTimeout:
		return "The payment network timed out. Nothing was charged; try again."
	}
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = http.StatusText(e.HTTPStatus)
	}
	if msg == "" {
		msg = e.Code
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	if e.Param != "" && !strings.Contains(msg, e.Param) {
		msg = fmt.Sprintf("%s (field %s)", msg, e.Param)
	}
	return msg
}

// ErrorClass sorts what went wrong for exit codes and summaries.
type ErrorClass string

// Error classes. ClassNone means the outcome is not an error.
const (
	ClassNone     ErrorClass = ""
	ClassInput    ErrorClass = "input"    // invalid input, refused before or by KOMOJU (400/422)
	ClassDeclined ErrorClass = "declined" // the card or account was declined (402/502 payment errors, failed status)
	ClassAuth     ErrorClass = "auth"     // the API key was refused (401/403)
	ClassNetwork  ErrorClass = "network"  // KOMOJU could not be reached or did not answer: outcome unknown
	ClassAPI      ErrorClass = "api"      // any other KOMOJU error (404, 5xx, not capturable, ...)
	ClassLocal    ErrorClass = "local"    // this till failed (the journal): nothing was sent to KOMOJU
	// ClassUnreachable: KOMOJU could not be reached, and nothing can have
	// been charged (the connection was refused, or no session exists).
	ClassUnreachable ErrorClass = "unreachable"
)

// Classify sorts an operation's result. Outcomes that are not errors give
// ClassNone, except OutcomeUnknown (ClassNetwork: the answer was lost) and
// OutcomeFailed (ClassDeclined). KOMOJU's answers are sorted by
// komoju.Classify, the one place that reads them.
func Classify(o Outcome, err error) ErrorClass {
	if errors.Is(err, ErrJournal) {
		return ClassLocal
	}
	var fe FieldErrors
	var one FieldError
	if errors.As(err, &fe) || errors.As(err, &one) {
		return ClassInput
	}
	var sse *SessionStartError
	if errors.As(err, &sse) && o.Kind != OutcomeUnknown {
		switch komoju.Classify(sse.Err) {
		case komoju.ClassUnknown, komoju.ClassNotSent:
			return ClassUnreachable
		}
	}
	switch o.Kind {
	case OutcomeUnknown:
		return ClassNetwork
	case OutcomeFailed:
		return ClassDeclined
	case OutcomeError:
	default:
		if err == nil {
			return ClassNone
		}
	}
	ke := o.Err
	if ke == nil {
		errors.As(err, &ke)
	}
	if ke == nil {
		switch {
		case err == nil && o.Field != "":
			return ClassInput
		case komoju.Classify(err) == komoju.ClassNotSent:
			return ClassUnreachable
		}
		return ClassNetwork
	}
	switch komoju.ClassifyStatus(ke.HTTPStatus, ke.Code) {
	case komoju.ClassAuth:
		return ClassAuth
	case komoju.ClassDeclined:
		return ClassDeclined
	case komoju.ClassInvalid:
		return ClassInput
	}
	return ClassAPI
}
