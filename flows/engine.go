package flows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Deps is what an Engine runs on. Only Client is required.
type Deps struct {
	// Client talks to KOMOJU or the sandbox.
	Client *komoju.Client
	// Journal, when set, is the sale journal (a *journal.Journal): every
	// sale, every intent before a money-moving call and every result after
	// it. Nil runs without one (tests, quick demos); Reconcile then has
	// nothing to do.
	Journal Recorder
	// Recorder is an older name for Journal, used when Journal is nil.
	Recorder Recorder
	// Now is the clock (card expiry checks, order numbers); default time.Now.
	Now func() time.Time
	// Logger receives debug logs; nil discards them. Card numbers and CVCs
	// are never logged.
	Logger *slog.Logger
	// ReturnURL is the app's return-URL server (see ReturnServer), used
	// when a Checkout has none.
	ReturnURL string
	// Scenario is a default Komoju-Scenario header for every payment and
	// session the engine creates (test mode only); PayOptions can override
	// it per attempt.
	Scenario string
	// OrderPrefix prefixes generated order numbers (default "POS").
	OrderPrefix string
	// PollBackoff is Watch's delay before poll number attempt (1-based):
	// default 500ms doubling to 10s. Tests return 0 to poll without sleeping.
	PollBackoff func(attempt int) time.Duration
	// Timeout bounds each resolution step after an unknown outcome (retry
	// with the same key, look-up by order number). Default 15s.
	Timeout time.Duration
}

// Engine runs the operations of the two payment flows. It is safe for
// concurrent use; each operation takes a context that bounds it.
type Engine struct {
	client    *komoju.Client
	rec       Recorder
	now       func() time.Time
	log       *slog.Logger
	returnURL string
	scenario  string
	backoff   func(int) time.Duration
	timeout   time.Duration
	orders    *OrderNumbers
	hub       *Hub

	mu              sync.Mutex
	inflightSales   map[int64]bool // sales whose creating call runs here, and Method 1 sales this engine opened
	inflightActions map[int64]bool // actions whose call is still running here
}

// errNoClient is returned by operations of an Engine built without a client.
var errNoClient = errors.New("flows: engine has no KOMOJU client")

// NewEngine builds an Engine from d.
func NewEngine(d Deps) *Engine {
	e := &Engine{
		client:    d.Client,
		rec:       d.Journal,
		now:       d.Now,
		log:       d.Logger,
		returnURL: d.ReturnURL,
		scenario:  d.Scenario,
		backoff:   d.PollBackoff,
		timeout:   d.Timeout,
		hub:       NewHub(),
	}
	if e.rec == nil {
		e.rec = d.Recorder
	}
	if j, ok := e.rec.(*journal.Journal); ok && j == nil {
		e.rec = nil // a nil *Journal in the interface is still "no journal"
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.backoff == nil {
		e.backoff = DefaultPollBackoff
	}
	if e.timeout <= 0 {
		e.timeout = 15 * time.Second
	}
	oo := OrderNumbersOptions{Prefix: d.OrderPrefix, Now: e.now}
	if e.rec != nil {
		rec := e.rec
		oo.Last = func(p string) (string, error) { return rec.LastOrderNum(context.Background(), p) }
		oo.Taken = func(n string) (bool, error) { return rec.OrderNumUsed(context.Background(), n) }
	}
	e.orders = NewOrderNumbers(oo)
	return e
}

// SetReturnURL sets the return URL used for checkouts without one, for
// when the return server starts after the engine (its handler needs the
// engine).
func (e *Engine) SetReturnURL(u string) {
	e.mu.Lock()
	e.returnURL = u
	e.mu.Unlock()
}

// ReturnURL returns the default return URL.
func (e *Engine) ReturnURL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.returnURL
}

// Client returns the engine's KOMOJU client.
func (e *Engine) Client() *komoju.Client { return e.client }

// Hub is where pushed payment updates (webhooks, return-URL hits) are
// published; Watch subscribes to it.
func (e *Engine) Hub() *Hub { return e.hub }

// Push publishes a payment update from a webhook or the return URL to
// every Watch in progress and records the status in the journal.
func (e *Engine) Push(ctx context.Context, p Push) {
	if p.Payment == nil {
		return
	}
	e.recordStatus(ctx, p.Payment, p.Source)
	e.hub.Publish(p)
}

// NextOrderNum returns a fresh order number such as POS-20261124-0007.
func (e *Engine) NextOrderNum() string { return e.orders.Next() }

// NewCheckout returns a checkout with the defaults filled in: a fresh
// order number, JPY, tax 0, capture auto, Method 1, the app's return URL.
func (e *Engine) NewCheckout(amount int64, currency string) Checkout {
	c := Checkout{Amount: amount, Currency: currency, OrderNum: e.NextOrderNum(), ReturnURL: e.ReturnURL()}
	return c.Normalized()
}

// Sale is a Method 1 sale in progress: the checkout and the session that
// carries its payment attempts. It never holds card numbers or CVCs.
type Sale struct {
	Checkout  Checkout
	Session   *komoju.Session
	Methods   []Method // what the session can be paid with
	OrderNum  string
	JournalID int64 // the journal's sale id (0 without a journal)
	// Attempts counts pay attempts; LastOutcome is the latest one.
	Attempts    int
	LastOutcome *Outcome

	mu         sync.Mutex // serialises pay attempts on one session
	lastAction int64      // the journal action of the latest attempt
}

// SessionID returns the session's id.
func (s *Sale) SessionID() string {
	if s == nil || s.Session == nil {
		return ""
	}
	return s.Session.ID
}

// Method returns the session's entry for t.
func (s *Sale) Method(t komoju.PaymentType) (Method, bool) {
	for _, m := range s.Methods {
		if m.Type == t {
			return m, true
		}
	}
	return Method{}, false
}

// PayOptions tunes one pay attempt.
type PayOptions struct {
	// Scenario sends a Komoju-Scenario header (test mode) with this
	// attempt, which then fails with that error code. KOMOJU documents the
	// header on Payment: Create and Session: Create; the embedded sandbox
	// also honours it on Session: Pay (that attempt only). Against real
	// KOMOJU, Checkout.Scenario (sent at StartSession) is the documented
	// way for Method 1. Empty uses Deps.Scenario.
	Scenario string
}

func (e *Engine) prepare(co Checkout) (Checkout, error) {
	co = co.Normalized()
	if co.OrderNum == "" {
		co.OrderNum = e.NextOrderNum()
	}
	if co.ReturnURL == "" {
		co.ReturnURL = e.ReturnURL()
	}
	return co, co.Validate()
}

func (e *Engine) scenarioOpt(s string) []komoju.CallOption {
	if s == "" {
		s = e.scenario
	}
	if s == "" {
		return nil
	}
	return []komoju.CallOption{komoju.WithScenario(s)}
}

// StartSession is Method 1, step 1: it validates the checkout (filling in
// an order number and the return URL when empty), records the sale and
// creates the session. The returned Sale lists the session's payment
// methods. Creating a session moves no money, so a failure here is simply
// an error: nothing was charged.
func (e *Engine) StartSession(ctx context.Context, co Checkout) (*Sale, error) {
	generated := co.OrderNum == ""
	for attempt := 0; ; attempt++ {
		sale, err := e.startSession(ctx, co)
		if !generated || attempt == orderNumRetries || !isOrderNumTaken(err) {
			return sale, err
		}
		co.OrderNum = e.orders.Unique() // see PayDirect
	}
}

func (e *Engine) startSession(ctx context.Context, co Checkout) (*Sale, error) {
	if e.client == nil {
		return nil, errNoClient
	}
	co.Flow = FlowSession
	co, err := e.prepare(co)
	if err != nil {
		return nil, err
	}
	key := komoju.NewIdempotencyKey()
	saleID, err := e.beginSale(ctx, journal.Intent{
		OrderNum: co.OrderNum, IdempotencyKey: key, Flow: journal.FlowSession,
		Amount: co.Amount, Tax: co.Tax, Currency: co.Currency, Capture: co.Capture,
		Email: co.Email, Name: co.Name, Description: co.Description,
	})
	if err != nil {
		return nil, err
	}
	params := &komoju.SessionCreateParams{
		// Session: Create has no tax field, so the session carries the
		// total: the customer pays the same with either method.
		Amount:    co.Total(),
		Currency:  co.Currency,
		ReturnURL: co.ReturnURL,
		Email:     co.Email,
		Name:      co.Name,
		PaymentData: &komoju.SessionPaymentData{
			Capture:          co.Capture,
			ExternalOrderNum: co.OrderNum,
			Name:             co.Name,
		},
		LineItems: co.LineItems,
		Metadata:  co.Metadata,
	}
	opts := append([]komoju.CallOption{komoju.WithIdempotencyKey(key)}, e.scenarioOpt(co.Scenario)...)
	s, err := e.client.Sessions.Create(ctx, params, opts...)
	if err != nil && errors.Is(err, komoju.ErrOutcomeUnknown) && ctx.Err() == nil {
		// The same key returns the session if it was created.
		s, err = e.client.Sessions.Create(ctx, params, opts...)
	}
	if err != nil {
		// No session id, so no payment can come of this sale: it is over,
		// whatever happened to the request.
		o := OutcomeFromError(err, FlowSession)
		r := saleResult(o)
		r.Outcome = string(OutcomeError)
		e.finishSale(ctx, saleID, r)
		return nil, fmt.Errorf("flows: creating the KOMOJU session for %s: %w", co.OrderNum, err)
	}
	e.setSession(ctx, saleID, s.ID)
	// The sale now waits for pay attempts (journal actions). It stays
	// marked in flight: the clerk is on it, so this engine's Reconcile
	// leaves it alone (its pay attempts are reconciled one by one); after
	// a crash, the next process's Reconcile asks the session.
	e.log.LogAttrs(ctx, slog.LevelDebug, "session created", slog.String("session", s.ID), slog.String("order", co.OrderNum))
	return &Sale{Checkout: co, Session: s, Methods: MethodsFromSession(s), OrderNum: co.OrderNum, JournalID: saleID}, nil
}

// fillDetails copies the checkout's email into the method's email field
// when the clerk left it empty (the seed: with an email on the session,
// payment_details[email] becomes optional).
func fillDetails(t komoju.PaymentType, d Details, co Checkout) Details {
	if m, ok := LookupMethod(t); ok && m.Takes(DetailEmail) && strings.TrimSpace(d.Email) == "" {
		d.Email = co.Email
	}
	return d
}

// errFor is the error an operation returns with its Outcome: nil for
// everything but OutcomeError and OutcomeUnknown.
func errFor(o Outcome, cause error) error {
	switch o.Kind {
	case OutcomeError, OutcomeUnknown:
		if cause != nil {
			return cause
		}
		if o.Err != nil {
			return o.Err
		}
		if o.Kind == OutcomeUnknown {
			return fmt.Errorf("flows: %s: %w", o.Message, komoju.ErrOutcomeUnknown)
		}
		return errors.New("flows: " + o.Message)
	}
	return nil
}

// PaySession is Method 1, steps 2 and 3: it pays sale's session with method
// t and returns the Outcome of the seed's pay-result table. Input is
// validated first (nothing is sent while it is invalid). The intent is
// journaled with its idempotency key before the call and the result after.
//
// After OutcomeError the session stays payable: call PaySession again on
// the same Sale (the seed: "You may call Session: Pay again on the same
// session"). If the answer is lost, the same request is retried with the
// same idempotency key and then the session is looked up, before the
// clerk is told anything; if that still fails the Outcome is
// OutcomeUnknown and Reconcile finishes the job later.
//
// The error is nil unless the Outcome is OutcomeError or OutcomeUnknown.
func (e *Engine) PaySession(ctx context.Context, sale *Sale, t komoju.PaymentType, d Details, opts PayOptions) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowSession), errNoClient
	}
	if sale == nil || sale.Session == nil {
		err := errors.New("flows: no session: call StartSession first")
		return Outcome{Kind: OutcomeError, Message: "There is no session to pay. Start the sale again."}, err
	}
	sale.mu.Lock()
	defer sale.mu.Unlock()
	if sale.LastOutcome != nil && sale.LastOutcome.Kind == OutcomeUnknown {
		// The last attempt may have gone through: never charge twice.
		if o, settled := e.previousAttempt(ctx, sale); settled {
			return o, errFor(o, nil)
		}
	}
	d = fillDetails(t, d, sale.Checkout)
	if fe := e.validatePay(t, d, sale.Methods); len(fe) > 0 {
		o := OutcomeFromError(fe, FlowSession)
		o.SessionID, o.OrderNum = sale.SessionID(), sale.OrderNum
		return o, fe
	}
	params := &komoju.SessionPayParams{PaymentDetails: d.Params(t), Capture: sale.Checkout.Capture}
	key := komoju.NewIdempotencyKey()
	actionID, jerr := e.beginAction(ctx, journal.Action{
		SaleID: sale.JournalID, Kind: journal.ActionPay, IdempotencyKey: key,
		Amount: sale.Checkout.Amount, Currency: sale.Checkout.Currency, Method: t,
		CardBrand: cardBrandOf(t, d), CardLast4: cardLast4Of(t, d),
	})
	if jerr != nil {
		return Outcome{Kind: OutcomeError, SessionID: sale.SessionID(), OrderNum: sale.OrderNum, CanRetry: true,
			Message: "Nothing was sent to KOMOJU: " + jerr.Error()}, jerr
	}
	call := append([]komoju.CallOption{komoju.WithIdempotencyKey(key)}, e.scenarioOpt(opts.Scenario)...)

	r, err := e.client.Sessions.Pay(ctx, sale.SessionID(), params, call...)
	var o Outcome
	if err != nil {
		o = OutcomeFromError(err, FlowSession)
		if o.Kind == OutcomeUnknown {
			o = e.resolveSessionPay(ctx, sale, params, call, err)
		}
	} else {
		o = OutcomeFromPay(r, sale.Checkout.Capture)
	}
	if o.Kind == OutcomeError && o.Err != nil && !isDecline(o.Err) && !komoju.IsAuth(o.Err) {
		// Refused for another reason than the card: the session may
		// already be paid (an earlier attempt whose answer was lost).
		if s, gerr := e.client.Sessions.Get(ctx, sale.SessionID()); gerr == nil && s.Payment != nil &&
			(s.Payment.Status == komoju.PaymentCaptured || s.Payment.Status == komoju.PaymentAuthorized) {
			o = SessionOutcome(s)
			o.Message = "This sale is already paid, so nothing new was charged. " + o.Message
			err = nil
		}
	}
	if o.SessionID == "" {
		o.SessionID = sale.SessionID()
	}
	if o.OrderNum == "" {
		o.OrderNum = sale.OrderNum
	}
	e.finishAction(ctx, actionID, actionResult(OpPay, o))
	sale.lastAction = actionID
	sale.Attempts++
	oc := o
	sale.LastOutcome = &oc
	if o.Kind == OutcomeError || o.Kind == OutcomeUnknown {
		if err == nil {
			return o, errFor(o, nil)
		}
		return o, err
	}
	return o, nil
}

// previousAttempt looks at the session after an attempt with an unknown
// outcome. settled is true when the clerk must not pay again: the
// session has a live payment (captured, authorized or pending), or KOMOJU
// still cannot be asked.
func (e *Engine) previousAttempt(ctx context.Context, sale *Sale) (Outcome, bool) {
	s, err := e.client.Sessions.Get(ctx, sale.SessionID())
	if err != nil {
		o := OutcomeFromError(err, FlowSession)
		if o.Kind != OutcomeUnknown {
			o = Outcome{Kind: OutcomeUnknown, Err: o.Err}
		}
		o.SessionID, o.OrderNum, o.Actions = sale.SessionID(), sale.OrderNum, []Action{ActionRefresh}
		o.Message = "The last attempt's result is still unknown and KOMOJU cannot be asked right now, so the customer is not charged again. Try again in a moment."
		return o, true
	}
	if p := s.Payment; p != nil {
		switch p.Status {
		case komoju.PaymentCaptured, komoju.PaymentAuthorized, komoju.PaymentPending:
			o := SessionOutcome(s)
			o.Message = "The previous attempt went through, so nothing new was charged. " + o.Message
			e.finishAction(ctx, sale.lastAction, actionResult(OpPay, o))
			e.recordStatus(ctx, p, SourceAPI)
			oc := o
			sale.LastOutcome = &oc
			return o, true
		}
	}
	return Outcome{}, false
}

// validatePay checks the method and the details.
func (e *Engine) validatePay(t komoju.PaymentType, d Details, offered []Method) FieldErrors {
	var fe FieldErrors
	if t == "" {
		fe.add(FieldMethod, "choose a payment method")
		return fe
	}
	if len(offered) > 0 {
		found := false
		for _, m := range offered {
			found = found || m.Type == t
		}
		if !found {
			fe.add(FieldMethod, "%s is not offered for this sale", t)
			return fe
		}
	} else if _, ok := LookupMethod(t); !ok {
		fe.add(FieldMethod, "%s is not a payment method this till supports", t)
		return fe
	}
	return ValidateDetails(t, d, e.now())
}

// resolveSessionPay finds out what happened to a pay attempt whose answer
// was lost: the same request with the same idempotency key (KOMOJU answers
// with the original result if it was processed), then Session: Show. It
// never sends a new charge.
func (e *Engine) resolveSessionPay(ctx context.Context, sale *Sale, params *komoju.SessionPayParams, call []komoju.CallOption, cause error) Outcome {
	unknown := OutcomeFromError(cause, FlowSession)
	if ctx.Err() != nil {
		return unknown // the clerk cancelled: Reconcile resolves it later
	}
	rctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	r, err := e.client.Sessions.Pay(rctx, sale.SessionID(), params, call...)
	if err == nil {
		e.log.LogAttrs(ctx, slog.LevelInfo, "lost pay answer recovered by idempotent retry", slog.String("session", sale.SessionID()))
		return OutcomeFromPay(r, sale.Checkout.Capture)
	}
	if informative(err) {
		return OutcomeFromError(err, FlowSession)
	}
	s, err := e.client.Sessions.Get(rctx, sale.SessionID())
	if err == nil && s.Payment != nil {
		o := OutcomeFromPayment(s.Payment)
		o.SessionID = s.ID
		return o
	}
	return unknown
}

func cardBrandOf(t komoju.PaymentType, d Details) string {
	if t != komoju.TypeCreditCard {
		return ""
	}
	return CardBrand(d.CardNumber)
}

func cardLast4Of(t komoju.PaymentType, d Details) string {
	if t != komoju.TypeCreditCard {
		return ""
	}
	return d.CardLast4()
}

// PayDirect is Method 2: it creates a payment directly and returns the
// Outcome of the seed's Payment status table. The checkout and details are
// validated first; the order number must be unique per payment, so a new
// attempt after an error needs a new order number (PayDirect fills one in
// when OrderNum is empty). A lost answer is resolved like PaySession's: the
// same request with the same idempotency key, then a look-up by
// external_order_num.
//
// The error is nil unless the Outcome is OutcomeError or OutcomeUnknown.
func (e *Engine) PayDirect(ctx context.Context, co Checkout, t komoju.PaymentType, d Details, opts PayOptions) (Outcome, error) {
	generated := co.OrderNum == ""
	for attempt := 0; ; attempt++ {
		o, err := e.payDirect(ctx, co, t, d, opts, generated)
		if !generated || attempt == orderNumRetries || !isOrderNumTaken(err) {
			return o, err
		}
		// Another till (or a lost journal) already used the number we
		// made up. KOMOJU refused it, so nothing was charged: take a
		// number nobody can have and try once more.
		co.OrderNum = e.orders.Unique()
	}
}

// orderNumRetries bounds how often a generated order number that KOMOJU
// refuses as taken is replaced.
const orderNumRetries = 2

// isOrderNumTaken reports KOMOJU refusing an order number as already used.
// KOMOJU does not document the error for a duplicate external_order_num;
// it is taken to be a 422 whose param names external_order_num (what the
// sandbox answers for payments and for sessions' payment_data).
func isOrderNumTaken(err error) bool {
	var ke *komoju.Error
	return errors.As(err, &ke) && ke.HTTPStatus == http.StatusUnprocessableEntity && strings.Contains(ke.Param, "external_order_num")
}

func (e *Engine) payDirect(ctx context.Context, co Checkout, t komoju.PaymentType, d Details, opts PayOptions, generated bool) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	co.Flow = FlowDirect
	co, cerr := e.prepare(co)
	d = fillDetails(t, d, co)
	var fe FieldErrors
	if cerr != nil {
		errors.As(cerr, &fe)
	}
	fe = append(fe, e.validatePay(t, d, nil)...)
	if len(fe) > 0 {
		o := OutcomeFromError(fe, FlowDirect)
		o.CanRetry = false
		o.OrderNum = co.OrderNum
		return o, fe
	}
	params := &komoju.PaymentCreateParams{
		Amount:           co.Amount,
		Currency:         co.Currency,
		Tax:              co.Tax,
		Description:      co.Description,
		ExternalOrderNum: co.OrderNum,
		ReturnURL:        co.ReturnURL,
		Metadata:         co.Metadata,
		PaymentDetails:   d.Params(t),
	}
	if co.Capture == komoju.CaptureManual {
		f := false
		params.Capture = &f
	}
	key := komoju.NewIdempotencyKey()
	saleID, jerr := e.beginSale(ctx, journal.Intent{
		OrderNum: co.OrderNum, IdempotencyKey: key, Flow: journal.FlowDirect, Method: t,
		Amount: co.Amount, Tax: co.Tax, Currency: co.Currency, Capture: co.Capture,
		Email: co.Email, Name: co.Name, Description: co.Description,
		CardBrand: cardBrandOf(t, d), CardLast4: cardLast4Of(t, d),
	})
	if jerr != nil {
		if errors.As(jerr, new(FieldErrors)) {
			// The order number is taken: if that is an earlier attempt of
			// this very sale that went through, say so instead of paying.
			if o, ok := e.existingOrder(ctx, co.OrderNum); ok {
				return o, nil
			}
		}
		o := OutcomeFromError(jerr, FlowDirect)
		if !errors.As(jerr, new(FieldErrors)) {
			o.Message = "Nothing was sent to KOMOJU: " + jerr.Error()
		}
		o.CanRetry, o.OrderNum = false, co.OrderNum
		return o, jerr
	}
	sc := opts.Scenario
	if sc == "" {
		sc = co.Scenario
	}
	call := append([]komoju.CallOption{komoju.WithIdempotencyKey(key)}, e.scenarioOpt(sc)...)
	p, err := e.client.Payments.Create(ctx, params, call...)
	var o Outcome
	if err != nil {
		o = OutcomeFromError(err, FlowDirect)
		if o.Kind == OutcomeUnknown {
			o = e.resolveDirectPay(ctx, co.OrderNum, params, call, err)
		} else if !generated && isOrderNumTaken(err) {
			// The caller's own order number: this may be a retry of a sale
			// whose first answer was lost. Only a payment for the same
			// amount and currency is taken to be that sale; anything else
			// is someone else's order and stays an error.
			if prev, ok := e.existingOrder(ctx, co.OrderNum); ok && prev.Payment.Amount == co.Amount && prev.Payment.Currency == co.Currency {
				o, err = prev, nil
			} else {
				o.Field = "order_num"
				o.Message = "Order number " + co.OrderNum + " is already used at KOMOJU by another payment. Nothing was charged; use another order number."
			}
		}
	} else {
		o = OutcomeFromPayment(p)
	}
	if o.OrderNum == "" {
		o.OrderNum = co.OrderNum
	}
	e.finishSale(ctx, saleID, saleResult(o))
	if o.Kind == OutcomeError || o.Kind == OutcomeUnknown {
		if err == nil {
			return o, errFor(o, nil)
		}
		return o, err
	}
	return o, nil
}

// existingOrder looks up a live payment (captured, authorized or pending)
// with order number n: an earlier attempt that went through.
func (e *Engine) existingOrder(ctx context.Context, n string) (Outcome, bool) {
	p := e.findByOrderNum(ctx, n)
	if p == nil {
		return Outcome{}, false
	}
	switch p.Status {
	case komoju.PaymentCaptured, komoju.PaymentAuthorized, komoju.PaymentPending:
		e.recordStatus(ctx, p, SourceAPI)
		o := OutcomeFromPayment(p)
		o.Message = "An earlier attempt for order " + n + " went through, so nothing new was charged. " + o.Message
		return o, true
	}
	return Outcome{}, false
}

// resolveDirectPay resolves a Payment: Create whose answer was lost: the
// same request with the same key, then GET /payments?external_order_num=.
func (e *Engine) resolveDirectPay(ctx context.Context, orderNum string, params *komoju.PaymentCreateParams, call []komoju.CallOption, cause error) Outcome {
	unknown := OutcomeFromError(cause, FlowDirect)
	if ctx.Err() != nil {
		return unknown
	}
	rctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	p, err := e.client.Payments.Create(rctx, params, call...)
	if err == nil {
		e.log.LogAttrs(ctx, slog.LevelInfo, "lost payment answer recovered by idempotent retry", slog.String("order", orderNum))
		return OutcomeFromPayment(p)
	}
	if informative(err) {
		// A duplicate order number here means the first attempt went
		// through: look it up instead of reporting an error.
		if found := e.findByOrderNum(rctx, orderNum); found != nil {
			return OutcomeFromPayment(found)
		}
		return OutcomeFromError(err, FlowDirect)
	}
	if found := e.findByOrderNum(rctx, orderNum); found != nil {
		return OutcomeFromPayment(found)
	}
	return unknown
}

// findByOrderNum returns the newest payment with external_order_num n, or nil.
func (e *Engine) findByOrderNum(ctx context.Context, n string) *komoju.Payment {
	if n == "" {
		return nil
	}
	l, err := e.client.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: n})
	if err != nil || l == nil {
		return nil
	}
	return newest(l.Data)
}

// moneyOp runs one money-moving call on an existing payment: the intent
// in the journal, the call with a fixed idempotency key, one same-key retry
// when the answer is lost, then a Payment: Show, and the result in the
// journal.
func (e *Engine) moneyOp(ctx context.Context, op Op, id string, amount int64, desc string, call func(context.Context, ...komoju.CallOption) (*komoju.Payment, error)) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	if strings.TrimSpace(id) == "" {
		err := FieldErrors{{Field: "payment_id", Message: "is required"}}
		return Outcome{Kind: OutcomeError, Field: "payment_id", Message: "Which payment? The payment id is required."}, err
	}
	if amount < 0 {
		err := FieldErrors{{Field: FieldAmount, Message: "cannot be negative"}}
		return Outcome{Kind: OutcomeError, Field: FieldAmount, Message: "The amount cannot be negative."}, err
	}
	key := komoju.NewIdempotencyKey()
	actionID, jerr := e.beginAction(ctx, journal.Action{PaymentID: id, Kind: journal.ActionKind(op), IdempotencyKey: key, Amount: amount, Description: desc})
	if jerr != nil {
		return Outcome{Kind: OutcomeError, Actions: []Action{ActionRefresh}, Message: "Nothing was sent to KOMOJU: " + jerr.Error()}, jerr
	}
	p, err := call(ctx, komoju.WithIdempotencyKey(key))
	if err != nil && !isDefinite(err) && ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, e.timeout)
		p2, err2 := call(rctx, komoju.WithIdempotencyKey(key))
		if err2 == nil || informative(err2) {
			p, err = p2, err2
		} else if got, gerr := e.client.Payments.Get(rctx, id); gerr == nil && opDone(op, got) {
			// The payment shows the effect (captured, cancelled, refunded):
			// whichever attempt did it, it is done, and only once thanks
			// to the idempotency key.
			p, err = got, nil
		}
		cancel()
	}
	var o Outcome
	switch {
	case err == nil:
		o = OutcomeFromPayment(p)
	case isDefinite(err):
		o = OutcomeFromError(err, FlowDirect)
		o.CanRetry, o.Actions = false, []Action{ActionRefresh}
		var ke *komoju.Error
		if errors.As(err, &ke) {
			o.Message = ErrorMessage(ke)
		}
	default:
		o = Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh},
			Message: fmt.Sprintf("KOMOJU did not answer, so we do not know whether the %s went through. Refresh the payment before trying again.", strings.ReplaceAll(string(op), "_", " "))}
	}
	e.finishAction(ctx, actionID, actionResult(op, o))
	return o, errFor(o, err)
}

// opDone reports whether p shows the effect of op.
func opDone(op Op, p *komoju.Payment) bool {
	switch op {
	case OpCapture:
		return p.Status == komoju.PaymentCaptured || p.Status == komoju.PaymentRefunded
	case OpCancel:
		return p.Status == komoju.PaymentCancelled
	case OpRefund:
		return p.AmountRefunded > 0
	case OpRefundRequest:
		return len(p.RefundRequests) > 0
	}
	return false
}

// isDecline reports a refusal of the card or account itself.
func isDecline(e *komoju.Error) bool {
	st := e.HTTPStatus
	if st < 400 {
		st = komoju.ErrorStatus(e.Code)
	}
	return st == 502 && e.Code != komoju.CodeBadGateway || st == 402 || e.Code == komoju.CodeFraudulent
}

// informative reports whether the answer to a same-key retry tells what
// happened to the original request: a success or a refusal KOMOJU would
// replay (input error, decline). A 503, 504, 429, 409 or 500 on the retry
// only says the retry was not processed, so the original stays unknown.
func informative(err error) bool {
	if err == nil {
		return true
	}
	if errors.Is(err, komoju.ErrOutcomeUnknown) {
		return false
	}
	var ke *komoju.Error
	if !errors.As(err, &ke) {
		var fe FieldErrors
		return errors.As(err, &fe)
	}
	return !answerUnknown(ke) && !komoju.IsRetryable(ke)
}

// isDefinite reports an error that says what happened (a KOMOJU answer
// other than 500/409, or input refused before sending).
func isDefinite(err error) bool {
	if errors.Is(err, komoju.ErrOutcomeUnknown) {
		return false
	}
	var ke *komoju.Error
	if errors.As(err, &ke) {
		return !answerUnknown(ke)
	}
	return !errors.Is(err, komoju.ErrOutcomeUnknown) && !errors.Is(err, context.DeadlineExceeded)
}

// Capture captures an authorized Two-Step Capture payment: the whole
// amount when amount is 0, otherwise that much (partial capture).
func (e *Engine) Capture(ctx context.Context, paymentID string, amount int64) (Outcome, error) {
	var params *komoju.CaptureParams
	if amount > 0 {
		params = &komoju.CaptureParams{Amount: amount}
	}
	return e.moneyOp(ctx, OpCapture, paymentID, amount, "", func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
		return e.client.Payments.Capture(ctx, paymentID, params, o...)
	})
}

// Cancel cancels a pending or authorized payment (voids an authorization,
// abandons a konbini slip or wallet redirect).
func (e *Engine) Cancel(ctx context.Context, paymentID string) (Outcome, error) {
	return e.moneyOp(ctx, OpCancel, paymentID, 0, "", func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
		return e.client.Payments.Cancel(ctx, paymentID, o...)
	})
}

// Refund refunds a captured card or wallet payment: everything that is
// left when amount is 0, otherwise that much (tax included). Konbini, bank
// transfer and Pay-easy payments need RefundRequest instead.
func (e *Engine) Refund(ctx context.Context, paymentID string, amount int64, description string) (Outcome, error) {
	params := &komoju.RefundParams{Amount: amount, Description: description}
	return e.moneyOp(ctx, OpRefund, paymentID, amount, description, func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
		return e.client.Payments.Refund(ctx, paymentID, params, o...)
	})
}

// RefundRequest asks KOMOJU to refund a captured konbini, bank transfer or
// Pay-easy payment by bank transfer to the customer's account. The
// endpoint answers with no body, so the payment is fetched afterwards.
func (e *Engine) RefundRequest(ctx context.Context, paymentID string, p komoju.RefundRequestParams) (Outcome, error) {
	if fe := ValidateRefundRequest(p); len(fe) > 0 {
		return Outcome{Kind: OutcomeError, Field: fe[0].Field, Message: "Please fix: " + fe.Error() + "."}, fe
	}
	return e.moneyOp(ctx, OpRefundRequest, paymentID, p.Amount, p.Description, func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
		if err := e.client.Payments.RefundRequest(ctx, paymentID, &p, o...); err != nil {
			return nil, err
		}
		return e.client.Payments.Get(ctx, paymentID)
	})
}

// ValidateRefundRequest checks a refund request's bank details: amount > 0,
// customer name in katakana, bank name, 3-digit branch number, account
// type, 7-digit account number, 4-digit bank code when given.
func ValidateRefundRequest(p komoju.RefundRequestParams) FieldErrors {
	var fe FieldErrors
	digits := func(s string, n int) bool {
		if len(s) != n {
			return false
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				return false
			}
		}
		return true
	}
	if p.Amount <= 0 {
		fe.add(FieldAmount, "must be greater than 0")
	}
	if err := ValidateKana(p.CustomerName); err != nil {
		fe.add("customer_name", "%s", err.Error())
	}
	if strings.TrimSpace(p.BankName) == "" {
		fe.add("bank_name", "is required")
	}
	if p.BankCode != "" && !digits(p.BankCode, 4) {
		fe.add("bank_code", "must be 4 digits")
	}
	if !digits(p.BranchNumber, 3) {
		fe.add("branch_number", "must be 3 digits")
	}
	switch p.AccountType {
	case "ordinary", "checking", "savings", "normal", "current":
	default:
		fe.add("account_type", "must be ordinary, checking or savings")
	}
	if !digits(p.AccountNumber, 7) {
		fe.add("account_number", "must be 7 digits")
	}
	return fe
}

// Refresh fetches a payment and returns its Outcome; a changed status is
// recorded in the journal.
func (e *Engine) Refresh(ctx context.Context, paymentID string) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	p, err := e.client.Payments.Get(ctx, paymentID)
	if err != nil {
		return e.lookupError(err), err
	}
	e.recordStatus(ctx, p, SourceAPI)
	return OutcomeFromPayment(p), nil
}

// RefreshSession fetches a session and returns the Outcome of its payment;
// before one exists it is OutcomeRedirect to the session page (the
// customer can pay on their phone), or cancelled/expired.
func (e *Engine) RefreshSession(ctx context.Context, sessionID string) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowSession), errNoClient
	}
	s, err := e.client.Sessions.Get(ctx, sessionID)
	if err != nil {
		return e.lookupError(err), err
	}
	o := SessionOutcome(s)
	if s.Payment != nil {
		e.recordStatus(ctx, s.Payment, SourceAPI)
	}
	return o, nil
}

// SessionOutcome is the Outcome a session shows: its payment's, or while
// it has none, a redirect to the hosted session page (pending), cancelled
// or expired.
func SessionOutcome(s *komoju.Session) Outcome {
	if s == nil {
		return OutcomeFromPayment(nil)
	}
	if s.Payment != nil {
		o := OutcomeFromPayment(s.Payment)
		o.SessionID = s.ID
		if o.OrderNum == "" {
			o.OrderNum = s.PaymentData.ExternalOrderNum
		}
		return o
	}
	o := Outcome{SessionID: s.ID, OrderNum: s.PaymentData.ExternalOrderNum, Actions: []Action{ActionRefresh}}
	amt := komoju.FormatAmount(s.Amount, s.Currency)
	switch {
	case s.Status == komoju.SessionCancelled:
		o.Kind, o.Message = OutcomeCancelled, fmt.Sprintf("The session was cancelled: %s was not charged.", amt)
	case s.Expired:
		o.Kind, o.Message = OutcomeExpired, fmt.Sprintf("The session expired: %s was not charged.", amt)
	default:
		o.Kind, o.RedirectURL = OutcomeRedirect, s.SessionURL
		o.Message = fmt.Sprintf("Waiting for the customer to pay %s on the payment page.", amt)
	}
	return o
}

func (e *Engine) lookupError(err error) Outcome {
	var ke *komoju.Error
	if errors.As(err, &ke) && !komoju.IsRetryable(err) {
		return Outcome{Kind: OutcomeError, Err: ke, Message: ErrorMessage(ke), Actions: []Action{ActionRefresh}}
	}
	if errors.As(err, &ke) {
		// A 503/500/429/409 to a look-up says nothing about the payment:
		// reporting it as an error ("nothing was charged") would invite a
		// second charge (found by flows/proof's fault suite).
		return Outcome{Kind: OutcomeUnknown, Err: ke, Actions: []Action{ActionRefresh},
			Message: "KOMOJU could not answer the look-up (" + ke.Code + "), so whether the customer was charged is still unknown. Do not charge again: refresh in a moment."}
	}
	return Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh},
		Message: "Could not reach KOMOJU to look it up: " + err.Error()}
}

// Methods lists what a Method 2 payment can be made with: the merchant's
// methods from GET /payment_methods that komoju-tui knows (MethodsFromAPI).
// When the API cannot be asked, it returns the whole Catalogue with the
// error, so the till can still offer something and say why.
func (e *Engine) Methods(ctx context.Context) ([]Method, error) {
	if e.client == nil {
		return Catalogue(), errNoClient
	}
	pms, err := e.client.PaymentMethods.List(ctx)
	if err != nil {
		return Catalogue(), fmt.Errorf("flows: listing payment methods: %w", err)
	}
	return MethodsFromAPI(pms), nil
}

// PushEvent publishes a verified webhook event's payment to every Watch
// and records its status in the journal (source webhook). Events without a
// payment (ping) are ignored; a malformed payment is an error.
func (e *Engine) PushEvent(ctx context.Context, ev *komoju.Event) error {
	if ev == nil || ev.Type == komoju.EventPing || !strings.HasPrefix(ev.Type, "payment.") {
		return nil
	}
	p, err := ev.Payment()
	if err != nil {
		return err
	}
	e.Push(ctx, Push{Payment: p, Source: SourceWebhook})
	return nil
}

// Recheck asks KOMOJU where an outcome stands now — the clerk's "refresh"
// on an unknown (or any) result. It never re-sends a charge: it looks the
// payment up by id, else the session, else the order number, and first
// lets Reconcile write whatever can be learned to the journal. A session
// or order with no payment means the customer was not charged; for a
// session the Outcome then says it can be paid again.
func (e *Engine) Recheck(ctx context.Context, o Outcome) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	if o.Kind == OutcomeUnknown && e.rec != nil {
		_, _ = e.Reconcile(ctx) // best effort; the look-up below answers the clerk
	}
	switch {
	case o.PaymentID() != "":
		return e.Refresh(ctx, o.PaymentID())
	case o.SessionID != "":
		s, err := e.client.Sessions.Get(ctx, o.SessionID)
		if err != nil {
			return e.lookupError(err), err
		}
		if s.Payment == nil && s.Status == komoju.SessionPending && !s.Expired {
			return Outcome{Kind: OutcomeError, SessionID: s.ID, OrderNum: s.PaymentData.ExternalOrderNum, CanRetry: true,
				Actions: []Action{ActionRefresh},
				Message: "No payment was made on this session: the customer was not charged. They can try again."}, nil
		}
		return SessionOutcome(s), nil
	case o.OrderNum != "":
		l, err := e.client.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: o.OrderNum})
		if err != nil {
			return e.lookupError(err), err
		}
		if p := newest(l.Data); p != nil {
			return OutcomeFromPayment(p), nil
		}
		return Outcome{Kind: OutcomeError, OrderNum: o.OrderNum, Actions: []Action{ActionRefresh},
			Message: "KOMOJU has no payment for order " + o.OrderNum + ": the customer was not charged."}, nil
	}
	err := errors.New("flows: nothing to look up: the outcome has no payment, session or order number")
	return Outcome{Kind: OutcomeError, Message: "There is nothing to look up for this result."}, err
}

// Pay runs a whole sale with the checkout's flow: Method 1 (StartSession,
// then PaySession; the Sale is returned so a failed attempt can be retried
// on the same session) or Method 2 (PayDirect; the Sale is nil). A failure
// to create the session is an OutcomeError (nothing was charged).
func (e *Engine) Pay(ctx context.Context, co Checkout, t komoju.PaymentType, d Details, opts PayOptions) (Outcome, *Sale, error) {
	if co.Flow == FlowDirect {
		o, err := e.PayDirect(ctx, co, t, d, opts)
		return o, nil, err
	}
	co.Flow = FlowSession
	// Check the details before creating a session that could not be paid.
	if fe := e.validatePay(t, fillDetails(t, d, co.Normalized()), nil); len(fe) > 0 {
		o := OutcomeFromError(fe, FlowSession)
		return o, nil, fe
	}
	sale, err := e.StartSession(ctx, co)
	if err != nil {
		o := OutcomeFromError(err, FlowSession)
		if o.Kind == OutcomeUnknown {
			// No session id came back, so nothing can have been paid.
			o.Kind = OutcomeError
		}
		o.CanRetry = false
		if !errors.As(err, new(FieldErrors)) {
			o.Message = "Could not start the sale at KOMOJU; nothing was charged. " + o.Message
		}
		return o, nil, err
	}
	o, err := e.PaySession(ctx, sale, t, d, opts)
	return o, sale, err
}
