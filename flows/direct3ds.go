package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Method 2 card sales with 3-D Secure, as one operation with the sale
// lifecycle's rules (https://doc.komoju.com/docs/3d-secure, "3D Secure
// Without a Session"): the sale's intent is journaled and its order number
// reserved before anything is sent; a secure token is created with the
// card; when it needs verification the customer authenticates at its
// authentication URL while the till follows the token; an OK or SKIPPED
// token then pays with payment_details "<token id>" under the sale's
// idempotency key. A lost answer is resolved as PayDirect resolves it
// (same key, then a look-up that only accepts the sale's own payment).
// The token itself moves no money: whatever happens before the payment is
// sent ends "not charged".

// ThreeDS says how 3-D Secure went for a Method 2 card payment. The result
// screen and the receipt say it.
type ThreeDS int

// 3-D Secure results.
const (
	// ThreeDSNone: not a card payment, or nothing happened yet.
	ThreeDSNone ThreeDS = iota
	// ThreeDSAuthenticated: the customer authenticated (token OK).
	ThreeDSAuthenticated
	// ThreeDSNotApplicable: KOMOJU said 3-D Secure does not apply to the
	// card (token SKIPPED); paid without authentication.
	ThreeDSNotApplicable
	// ThreeDSSkipped: the clerk chose to skip 3-D Secure; the card was
	// charged directly, without authentication (no liability shift).
	ThreeDSSkipped
	// ThreeDSFailed: authentication failed or was abandoned (token
	// ERRORED, or the till stopped waiting); nothing was charged.
	ThreeDSFailed
)

// String is the result in plain words, for the result screen and receipt.
func (t ThreeDS) String() string {
	switch t {
	case ThreeDSNone:
		return ""
	case ThreeDSAuthenticated:
		return "authenticated"
	case ThreeDSNotApplicable:
		return "not applicable to this card"
	case ThreeDSSkipped:
		return "skipped by the clerk"
	case ThreeDSFailed:
		return "not completed"
	}
	return fmt.Sprintf("ThreeDS(%d)", int(t))
}

// Messages of the 3-D Secure operation, exported so the console can put
// them in the clerk's language.
const (
	Msg3DSAuthenticate = "The customer must confirm the payment with their card issuer (3-D Secure). Open the link or let them scan the QR code; nothing is charged until they have."
	Msg3DSFailed       = "3-D Secure failed or was cancelled by the customer. Nothing was charged; try again or ask for another card."
	Msg3DSAbandoned    = "3-D Secure was not finished (stopped at the till). Nothing was charged."
	Msg3DSSkippedNote  = "3-D Secure was skipped at the clerk's choice (no liability shift)."
)

// Card3DS is a Method 2 card sale waiting for the customer's 3-D Secure
// authentication: journaled, its order number reserved, its secure token
// created. It holds no card number or CVC. Pass it to Complete3DS.
type Card3DS struct {
	// OrderNum is the sale's order number.
	OrderNum string
	// AuthenticationURL is the page where the customer authenticates:
	// open it or show it as a QR code.
	AuthenticationURL string
	// TokenID is the secure token's id.
	TokenID string

	saleID    int64
	key       string // the payment's idempotency key, kept from the intent
	generated bool
	co        Checkout
	scenario  string
	brand     string // card brand and last four, for the journal
	last4     string
}

// Card3DSResult is what PayCard3DS and Complete3DS return.
type Card3DSResult struct {
	Outcome Outcome
	ThreeDS ThreeDS
	// Pending is set (and Outcome is OutcomeRedirect) while the customer
	// must authenticate: show Pending.AuthenticationURL, then call
	// Complete3DS.
	Pending *Card3DS
}

// PayCard3DS is Method 2 for a card with 3-D Secure. It validates, journals
// the intent (reserving the order number when the checkout has none) and
// creates the secure token. A token that needs verification comes back as
// Pending with an OutcomeRedirect naming the authentication URL; a token
// KOMOJU skipped (3-D Secure does not apply) pays at once. With skip the
// clerk chose to go without 3-D Secure: the card is charged as PayDirect
// does and the result says so.
//
// The error is nil unless the Outcome is OutcomeError or OutcomeUnknown.
func (e *Engine) PayCard3DS(ctx context.Context, co Checkout, d Details, opts PayOptions, skip bool) (Card3DSResult, error) {
	t := komoju.TypeCreditCard
	if skip {
		o, err := e.PayDirect(ctx, co, t, d, opts)
		if o.Kind != OutcomeError && o.Kind != OutcomeUnknown {
			o.Message = joinSentences(o.Message, Msg3DSSkippedNote)
		}
		return Card3DSResult{Outcome: o, ThreeDS: ThreeDSSkipped}, err
	}
	if e.client == nil {
		return Card3DSResult{Outcome: OutcomeFromError(errNoClient, FlowDirect)}, errNoClient
	}
	generated := co.OrderNum == ""
	co.Flow = FlowDirect
	co, cerr := e.prepare(co)
	d = fillDetails(t, d, co)
	var fe FieldErrors
	if cerr != nil {
		errors.As(cerr, &fe)
	}
	fe = append(fe, e.validatePay(t, d, nil)...)
	fe = append(fe, limitErrors(t, co)...)
	if co.ReturnURL == "" {
		fe.add(FieldReturnURL, "val_return_url_3ds")
	}
	if len(fe) > 0 {
		o := OutcomeFromError(fe, FlowDirect)
		o.CanRetry = false
		if !generated {
			o.OrderNum = co.OrderNum
		}
		return Card3DSResult{Outcome: o}, fe
	}
	p := &Card3DS{key: komoju.NewIdempotencyKey(), generated: generated, co: co, scenario: opts.Scenario,
		brand: cardBrandOf(t, d), last4: cardLast4Of(t, d)}
	if p.scenario == "" {
		p.scenario = co.Scenario
	}
	if o, err := p.begin(ctx, e); err != nil {
		return Card3DSResult{Outcome: o}, err
	}
	st, err := CreateSecureToken(ctx, e.client, SecureTokenInput{Amount: co.Total(), Currency: co.Currency, ReturnURL: co.ReturnURL, Card: *d.Params(t)})
	if err != nil {
		// No payment was asked for: whatever became of the token, nothing
		// was charged.
		o := OutcomeFromError(err, FlowDirect)
		o.Kind, o.CanRetry = OutcomeError, false
		msg := "3-D Secure could not start"
		var ke *komoju.Error
		if errors.As(err, &ke) {
			msg += ": " + ErrorMessage(ke)
		} else {
			msg += " (KOMOJU did not answer)."
		}
		o.Message = joinSentences(msg, "Nothing was charged; try again.")
		return p.end(ctx, e, o, ThreeDSNone, err)
	}
	p.TokenID = st.ID
	return e.afterToken(ctx, p, st)
}

// Complete3DS follows a pending sale's secure token until the customer
// has authenticated (or failed), then pays with it. When ctx ends first
// (the clerk stopped waiting, a new sale) the sale is finished "not
// charged": the token alone charges nothing.
func (e *Engine) Complete3DS(ctx context.Context, p Card3DS) (Card3DSResult, error) {
	if e.client == nil {
		return Card3DSResult{Outcome: OutcomeFromError(errNoClient, FlowDirect)}, errNoClient
	}
	// The customer is authenticating at the counter: follow the token at
	// the counter's pace (CounterPoll), as Watch does.
	st, err := waitSecureToken(ctx, e.client, p.TokenID, func(n int) time.Duration { return e.pollDelay(n, false) }, e.after)
	switch {
	case err != nil && ctx.Err() != nil:
		return e.Abandon3DS(ctx, p)
	case err != nil:
		// KOMOJU refused to show the token (say it no longer knows it):
		// it cannot pay, and nothing was charged.
		o := Outcome{Kind: OutcomeError, Message: "KOMOJU could not show the 3-D Secure result (" + plainErr(err) + "). Nothing was charged; try again."}
		return p.end(ctx, e, o, ThreeDSFailed, err)
	}
	return e.afterToken(ctx, &p, st)
}

// Abandon3DS finishes a pending sale that will not be paid: nothing was
// sent but the token, so nothing was charged. Complete3DS calls it itself
// when its ctx ends.
func (e *Engine) Abandon3DS(ctx context.Context, p Card3DS) (Card3DSResult, error) {
	o := Outcome{Kind: OutcomeError, Message: Msg3DSAbandoned}
	return p.end(ctx, e, o, ThreeDSFailed, nil)
}

// afterToken acts on a token's status: wait, pay, or end not charged.
func (e *Engine) afterToken(ctx context.Context, p *Card3DS, st *komoju.SecureToken) (Card3DSResult, error) {
	switch step := NextSecureTokenStep(st); step {
	case StepAuthenticate:
		if ctx.Err() != nil {
			// Nobody is left to show the link to.
			return e.Abandon3DS(ctx, *p)
		}
		p.AuthenticationURL = st.AuthenticationURL
		o := Outcome{Kind: OutcomeRedirect, RedirectURL: st.AuthenticationURL, OrderNum: p.OrderNum, Message: Msg3DSAuthenticate}
		return Card3DSResult{Outcome: o, Pending: p}, nil
	case StepPayAuthenticated:
		return e.payToken(ctx, p, st, ThreeDSAuthenticated)
	case StepPayNotEnrolled:
		return e.payToken(ctx, p, st, ThreeDSNotApplicable)
	case StepDeclined3DS:
		return p.end(ctx, e, Outcome{Kind: OutcomeError, Message: Msg3DSFailed}, ThreeDSFailed, nil)
	default:
		o := Outcome{Kind: OutcomeError, Message: fmt.Sprintf("KOMOJU answered an unknown 3-D Secure status %q, so the card was not charged. Try again.", st.VerificationStatus)}
		return p.end(ctx, e, o, ThreeDSFailed, nil)
	}
}

// payToken pays the sale with a payable token: Payment: Create with
// payment_details "<token id>", the sale's idempotency key and order
// number. A generated order number KOMOJU refuses as taken is replaced
// (a new sale in the journal) and the same token tried again, as PayDirect
// does: the refusal charged nothing and did not use the token up.
func (e *Engine) payToken(ctx context.Context, p *Card3DS, st *komoju.SecureToken, how ThreeDS) (Card3DSResult, error) {
	for attempt := 0; ; attempt++ {
		co := p.co
		base := komoju.PaymentCreateParams{Amount: co.Amount, Currency: co.Currency, Tax: co.Tax, Description: co.Description,
			ExternalOrderNum: p.OrderNum, ReturnURL: co.ReturnURL, Metadata: co.Metadata}
		if co.Capture == komoju.CaptureManual {
			f := false
			base.Capture = &f
		}
		params, err := SecureTokenPayment(st, base)
		if err != nil {
			return p.end(ctx, e, Outcome{Kind: OutcomeError, Message: Msg3DSFailed}, ThreeDSFailed, err)
		}
		call := append([]komoju.CallOption{komoju.WithIdempotencyKey(p.key)}, e.scenarioOpt(p.scenario)...)
		co.OrderNum = p.OrderNum
		// The intent was written before the token; the fence starts now.
		e.markSaleSent(ctx, p.saleID)
		o, perr := e.sendDirect(ctx, p.saleID, co, params, call, p.generated)
		if !(p.generated && attempt < orderNumRetries && isOrderNumTaken(perr)) {
			if o.Kind == OutcomeUnknown {
				how = ThreeDSNone // until the payment is found, nothing is said of it
			} else if how == ThreeDSNotApplicable && o.Kind != OutcomeError {
				o.Message = joinSentences(o.Message, "3-D Secure does not apply to this card (KOMOJU skipped it).")
			}
			return Card3DSResult{Outcome: o, ThreeDS: how}, perr
		}
		// The number was taken at KOMOJU (another till, a lost journal):
		// reserve the next one as a new sale and try again.
		next := &Card3DS{key: komoju.NewIdempotencyKey(), generated: true, co: p.co, scenario: p.scenario, TokenID: p.TokenID, brand: p.brand, last4: p.last4}
		next.co.OrderNum = ""
		next.co, _ = e.prepare(next.co)
		if o, err := next.begin(ctx, e); err != nil {
			return Card3DSResult{Outcome: o}, err
		}
		p = next
	}
}

// sendDirect sends a prepared Payment: Create for a journaled sale and
// finishes the sale: an answer is the outcome; a refused order number is
// definite and never looked up as ours; a lost answer is resolved with the
// same key and then by a look-up that only accepts the sale's payment. It
// is the tail of payDirect for payments whose details the engine's Details
// cannot carry (a secure token, a scanned code).
func (e *Engine) sendDirect(ctx context.Context, saleID int64, co Checkout, params *komoju.PaymentCreateParams, call []komoju.CallOption, generated bool) (Outcome, error) {
	p, err := e.client.Payments.Create(ctx, params, call...)
	var o Outcome
	switch {
	case err == nil:
		o = OutcomeFromPayment(p)
	case isOrderNumTaken(err):
		o = OutcomeFromError(err, FlowDirect)
		o.Field = FieldOrderNum
		if generated {
			o.Message = "KOMOJU already has a payment with order number " + co.OrderNum + " (another till or a lost journal). Nothing was charged."
		} else {
			o.Message = "Order number " + co.OrderNum + " is already used at KOMOJU by another payment. Nothing was charged; use another order number."
		}
	default:
		o = OutcomeFromError(err, FlowDirect)
		if o.Kind == OutcomeUnknown {
			o = e.resolveDirectPay(ctx, saleID, co, params, call, err)
		}
	}
	if o.OrderNum == "" {
		o.OrderNum = co.OrderNum
	}
	r := saleResult(o)
	if isOrderNumTaken(err) {
		r.ErrorCode = codeOrderNumTaken
	}
	e.finishSale(ctx, saleID, r)
	if o.Kind == OutcomeError || o.Kind == OutcomeUnknown {
		if err == nil {
			return o, errFor(o, nil)
		}
		return o, err
	}
	return o, nil
}

// begin journals the sale's intent (reserving a generated order number).
func (p *Card3DS) begin(ctx context.Context, e *Engine) (Outcome, error) {
	co := p.co
	saleID, num, err := e.beginSale(ctx, journal.Intent{
		OrderNum: co.OrderNum, IdempotencyKey: p.key, Flow: journal.FlowDirect, Method: komoju.TypeCreditCard,
		Amount: co.Amount, Tax: co.Tax, Currency: co.Currency, Capture: co.Capture,
		Email: co.Email, Name: co.Name, Description: co.Description, CardBrand: p.brand, CardLast4: p.last4,
	}, p.generated)
	if err != nil {
		return beginFailed(err, co.OrderNum), err
	}
	p.saleID, p.OrderNum = saleID, num
	p.co.OrderNum = num
	return Outcome{}, nil
}

// beginFailed is the outcome of an intent the journal refused: nothing
// was sent.
func beginFailed(err error, orderNum string) Outcome {
	o := OutcomeFromError(err, FlowDirect)
	if errors.As(err, new(FieldErrors)) {
		o.Field = FieldOrderNum
		o.Message = "Order number " + orderNum + " is already used by another sale. Nothing was charged; use another order number."
	} else {
		o.Message = "Nothing was sent to KOMOJU: " + err.Error()
	}
	o.CanRetry, o.OrderNum = false, orderNum
	return o
}

// end finishes a sale that sent no payment: not charged, by proof (no
// Payment: Create left the till).
func (p *Card3DS) end(ctx context.Context, e *Engine, o Outcome, how ThreeDS, err error) (Card3DSResult, error) {
	o.OrderNum = p.OrderNum
	r := saleResult(o)
	if r.ErrorCode == "" {
		r.ErrorCode = codeNotCharged
	}
	e.finishSale(ctx, p.saleID, r)
	e.log.LogAttrs(ctx, slog.LevelInfo, "3-D Secure sale ended before payment", slog.String("order", p.OrderNum), slog.String("why", o.Message))
	if err == nil {
		err = errFor(o, nil)
	}
	return Card3DSResult{Outcome: o, ThreeDS: how}, err
}

// plainErr is a client error in plain words.
func plainErr(err error) string {
	var ke *komoju.Error
	if errors.As(err, &ke) {
		return ErrorMessage(ke)
	}
	return err.Error()
}

// joinSentences joins two messages with a space, skipping empty ones.
func joinSentences(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}
