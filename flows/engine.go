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
	"github.com/komoju-tui/komoju-tui/flows/words"
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
	// After is the timer the engine's polling waits on (Watch,
	// FollowUnknown, the 3-D Secure token); default time.After. Tests give
	// one driven by the suite's clock, so a poll schedule is checked
	// without sleeping.
	After func(d time.Duration) <-chan time.Time
	// Timeout bounds each resolution step after an unknown outcome (retry
	// with the same key, look-up by order number). Default 15s.
	Timeout time.Duration
	// Fence is how long after the last send of a money call an empty
	// look-up proves that the call did nothing (default DefaultFence).
	// Before it has passed, KOMOJU may still be working on a request the
	// client gave up on, and the sale stays unknown.
	Fence time.Duration
	// Amnesiac says the backend knows nothing of sales made before this
	// process started (an embedded sandbox started empty): its "no such
	// session" or "no payment" would be taken for proof, so Reconcile
	// settles nothing.
	Amnesiac bool
}

// DefaultFence is the default Deps.Fence. KOMOJU documents no server-side
// limit on how long a payment request may run; two minutes is an
// assumption, well past the 30-60 s after which card networks and wallets
// time out an authorisation. Set --fence to change it.
const DefaultFence = 2 * time.Minute

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
	after     func(time.Duration) <-chan time.Time
	timeout   time.Duration
	fence     time.Duration
	amnesiac  bool
	orders    *OrderNumbers
	hub       *Hub

	// beginGate makes writing an intent and marking it in flight one
	// step as Reconcile sees it: Reconcile reads the journal under the
	// write side, so it never finds an intent of a call this process is
	// about to make without its in-flight mark.
	beginGate sync.RWMutex

	mu              sync.Mutex
	sessionLocks    map[string]*sessionLock // one pay attempt at a time per session
	inflightSales   map[int64]bool          // sales whose creating call runs here, and Method 1 sales this engine opened
	inflightActions map[int64]bool          // actions whose call is still running here
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
		after:     d.After,
		timeout:   d.Timeout,
		fence:     d.Fence,
		amnesiac:  d.Amnesiac,
		hub:       NewHub(),
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
	if e.after == nil {
		e.after = time.After
	}
	if e.timeout <= 0 {
		e.timeout = 15 * time.Second
	}
	if e.fence <= 0 {
		e.fence = DefaultFence
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

// SetFence changes the fence (see Deps.Fence), e.g. from `reconcile
// --fence`.
func (e *Engine) SetFence(d time.Duration) {
	if d > 0 {
		e.mu.Lock()
		e.fence = d
		e.mu.Unlock()
	}
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
	// State is where the sale stands (see SaleState); it moves only
	// through PaySale's answers.
	State SaleState
	// Attempts counts pay attempts; LastOutcome is the latest one.
	Attempts    int
	LastOutcome *Outcome

	lastAction int64 // the journal action of the latest attempt
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
		sale, err := e.startSession(ctx, co, generated)
		if !generated || attempt == orderNumRetries || !isOrderNumTaken(err) {
			return sale, err
		}
		co.OrderNum = "" // see PayDirect
	}
}

func (e *Engine) startSession(ctx context.Context, co Checkout, generated bool) (*Sale, error) {
	if e.client == nil {
		return nil, errNoClient
	}
	co.Flow = FlowSession
	co, err := e.prepare(co)
	if err != nil {
		return nil, err
	}
	key := komoju.NewIdempotencyKey()
	saleID, num, err := e.beginSale(ctx, journal.Intent{
		OrderNum: co.OrderNum, IdempotencyKey: key, Flow: journal.FlowSession,
		Amount: co.Amount, Tax: co.Tax, Currency: co.Currency, Capture: co.Capture,
		Email: co.Email, Name: co.Name, Description: co.Description,
	}, generated)
	if err != nil {
		return nil, err
	}
	co.OrderNum = num
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
		r.ErrorCode = codeNotCharged
		if o.Err != nil {
			r.ErrorCode = o.Err.Code
		}
		e.finishSale(ctx, saleID, r)
		return nil, &SessionStartError{OrderNum: co.OrderNum, Err: err}
	}
	e.setSession(ctx, saleID, s.ID)
	// The sale now waits for pay attempts (journal actions). It stays
	// marked in flight: the clerk is on it, so this engine's Reconcile
	// leaves it alone (its pay attempts are reconciled one by one); after
	// a crash, the next process's Reconcile asks the session.
	e.log.LogAttrs(ctx, slog.LevelDebug, "session created", slog.String("session", s.ID), slog.String("order", co.OrderNum))
	return &Sale{Checkout: co, Session: s, Methods: MethodsFromSession(s), OrderNum: co.OrderNum, JournalID: saleID, State: SaleOpen}, nil
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
	if sale == nil {
		return e.paySale(ctx, nil, t, d, opts)
	}
	next, o, err := e.PaySale(ctx, *sale, t, d, opts)
	*sale = next
	return o, err
}

// PaySale is PaySession on a value: it takes the sale as it stands and
// returns the sale after the attempt, so no *Sale is shared between the
// goroutine making the call and the screen showing the sale. Attempts on
// one session are serialised by the engine.
func (e *Engine) PaySale(ctx context.Context, sale Sale, t komoju.PaymentType, d Details, opts PayOptions) (Sale, Outcome, error) {
	if sale.Session != nil {
		unlock := e.lockSession(sale.Session.ID)
		defer unlock()
	}
	o, err := e.paySale(ctx, &sale, t, d, opts)
	sale.State = StateOf(o)
	return sale, o, err
}

func (e *Engine) paySale(ctx context.Context, sale *Sale, t komoju.PaymentType, d Details, opts PayOptions) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowSession), errNoClient
	}
	if sale == nil || sale.Session == nil {
		err := errors.New("flows: no session: call StartSession first")
		return Outcome{Kind: OutcomeError, Message: "There is no session to pay. Start the sale again."}, err
	}
	d = fillDetails(t, d, sale.Checkout)
	if fe := append(e.validatePay(t, d, sale.Methods), limitErrors(t, sale.Checkout)...); len(fe) > 0 {
		o := OutcomeFromError(fe, FlowSession)
		o.SessionID, o.OrderNum = sale.SessionID(), sale.OrderNum
		return o, fe
	}
	if lo := sale.LastOutcome; lo != nil && (lo.Kind == OutcomeUnknown || lo.Kind == OutcomeRedirect || lo.Kind == OutcomeAwaiting || lo.Kind == OutcomeAuthorized) {
		// The last attempt may have gone through, or the customer may
		// still be finishing it: never charge twice.
		if o, settled := e.previousAttempt(ctx, sale); settled {
			return o, errFor(o, nil)
		}
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
			o = e.resolveSessionPay(ctx, sale, actionID, params, call, err)
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
			if p.Status == komoju.PaymentPending {
				o.Message = "The customer has not finished the previous attempt yet, so nothing new was charged. " + o.Message
			} else {
				o.Message = "The previous attempt went through, so nothing new was charged. " + o.Message
			}
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
		fe.add(FieldMethod, "val_choose_method")
		return fe
	}
	if len(offered) > 0 {
		found := false
		for _, m := range offered {
			found = found || m.Type == t
		}
		if !found {
			fe.add(FieldMethod, "val_method_not_offered_s", t)
			return fe
		}
	} else if _, ok := LookupMethod(t); !ok {
		fe.add(FieldMethod, "val_method_unsupported_s", t)
		return fe
	}
	return ValidateDetails(t, d, e.now())
}

// limitErrors refuses an amount above the method's per-payment limit
// (konbini ¥300,000, ...) before anything is sent: KOMOJU would refuse it.
func limitErrors(t komoju.PaymentType, co Checkout) FieldErrors {
	max, ok := komoju.MethodLimit(t, co.Currency)
	if !ok || co.Total() <= max {
		return nil
	}
	// In English this is komoju.MethodLimitMessage, what KOMOJU answers
	// (TestMethodLimitIsKOMOJUsWords).
	var fe FieldErrors
	fe.add(FieldAmount, "val_method_limit_s_s", t, komoju.FormatAmount(max, co.Currency))
	return fe
}

// resolveSessionPay finds out what happened to a pay attempt whose answer
// was lost: it re-sends the same request with the same idempotency key
// until KOMOJU gives an answer that says what became of it (KOMOJU replays
// the original result for a key it processed, and answers 409 while the
// original is still running), within the engine's timeout; then Session:
// Show. It never sends a new charge, and an empty session right after a
// timeout is not proof of anything: the attempt stays unknown.
func (e *Engine) resolveSessionPay(ctx context.Context, sale *Sale, actionID int64, params *komoju.SessionPayParams, call []komoju.CallOption, cause error) Outcome {
	unknown := OutcomeFromError(cause, FlowSession)
	if ctx.Err() != nil {
		return unknown // the clerk cancelled: Reconcile resolves it later
	}
	rctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	for try := 0; ; try++ {
		e.markActionSent(ctx, actionID)
		r, err := e.client.Sessions.Pay(rctx, sale.SessionID(), params, call...)
		if err == nil {
			e.log.LogAttrs(ctx, slog.LevelInfo, "lost pay answer recovered by idempotent retry", slog.String("session", sale.SessionID()))
			return OutcomeFromPay(r, sale.Checkout.Capture)
		}
		if informative(err) {
			return OutcomeFromError(err, FlowSession)
		}
		if !e.pause(rctx, try) {
			break
		}
	}
	gctx, gcancel := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
	defer gcancel()
	s, err := e.client.Sessions.Get(gctx, sale.SessionID())
	if err == nil && s.Payment != nil {
		o := OutcomeFromPayment(s.Payment)
		o.SessionID = s.ID
		return o
	}
	return unknown
}

// pause waits before re-send number try+1 (200 ms doubling to 2 s); false
// when ctx ends first.
func (e *Engine) pause(ctx context.Context, try int) bool {
	d := 200 * time.Millisecond << min(try, 4)
	if d > 2*time.Second {
		d = 2 * time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
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
// attempt after an error needs a new order number (PayDirect reserves one
// in the journal when OrderNum is empty). A lost answer is resolved by
// re-sending the same request with the same idempotency key, then a
// look-up by external_order_num that only accepts the sale's own payment
// (same amount and currency).
//
// An order number the clerk typed that another sale already used is
// refused (OutcomeError with Field "order_num"): it is never taken to mean
// that this sale was paid.
//
// The error is nil unless the Outcome is OutcomeError or OutcomeUnknown.
func (e *Engine) PayDirect(ctx context.Context, co Checkout, t komoju.PaymentType, d Details, opts PayOptions) (Outcome, error) {
	generated := co.OrderNum == ""
	for attempt := 0; ; attempt++ {
		o, err := e.payDirect(ctx, co, t, d, opts, generated)
		if !generated || attempt == orderNumRetries || !isOrderNumTaken(err) {
			return o, err
		}
		// Another till without this journal (or a journal that was lost)
		// already used the number we reserved. KOMOJU refused it, so
		// nothing was charged: reserve the next one and try once more.
		co.OrderNum = ""
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
		CardBrand: cardBrandOf(t, d), CardLast4: cardLast4Of(t, d),
	}, generated)
	if jerr != nil {
		return beginFailed(jerr, co.OrderNum), jerr
	}
	co.OrderNum = num
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
	sc := opts.Scenario
	if sc == "" {
		sc = co.Scenario
	}
	call := append([]komoju.CallOption{komoju.WithIdempotencyKey(key)}, e.scenarioOpt(sc)...)
	return e.sendDirect(ctx, saleID, co, params, call, generated)
}

// resolveDirectPay resolves a Payment: Create whose answer was lost: the
// same request with the same idempotency key until KOMOJU says what became
// of it (within the engine's timeout), then GET
// /payments?external_order_num=, which only counts a payment that is
// provably this sale's. An empty look-up here says nothing (KOMOJU may
// still be working on the request): the outcome stays unknown.
func (e *Engine) resolveDirectPay(ctx context.Context, saleID int64, co Checkout, params *komoju.PaymentCreateParams, call []komoju.CallOption, cause error) Outcome {
	unknown := OutcomeFromError(cause, FlowDirect)
	if ctx.Err() != nil {
		return unknown
	}
	rctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	for try := 0; ; try++ {
		e.markSaleSent(ctx, saleID)
		p, err := e.client.Payments.Create(rctx, params, call...)
		if err == nil {
			e.log.LogAttrs(ctx, slog.LevelInfo, "lost payment answer recovered by idempotent retry", slog.String("order", co.OrderNum))
			return OutcomeFromPayment(p)
		}
		if isOrderNumTaken(err) {
			// The number is taken: by the first attempt (then the look-up
			// finds it, for our amount), or by someone else.
			break
		}
		if informative(err) {
			return OutcomeFromError(err, FlowDirect)
		}
		if !e.pause(rctx, try) {
			break
		}
	}
	gctx, gcancel := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
	defer gcancel()
	if found, _ := e.findOwnPayment(gctx, co.OrderNum, co.Currency, co.Amount, co.Tax); found != nil {
		return OutcomeFromPayment(found)
	}
	return unknown
}

// findOwnPayment returns the newest payment with external_order_num n that
// is provably the sale's (its currency and amount), or nil. A payment with
// the same number but another amount or currency is someone else's and is
// never returned. err is set when KOMOJU could not be asked.
func (e *Engine) findOwnPayment(ctx context.Context, n, currency string, amount, tax int64) (*komoju.Payment, error) {
	if n == "" {
		return nil, nil
	}
	l, err := e.client.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: n})
	if err != nil {
		return nil, err
	}
	var own []komoju.Payment
	for _, p := range l.Data {
		if p.OrderNum() == n && journal.PaymentMatches(&p, currency, amount, tax) {
			own = append(own, p)
		}
	}
	return newest(own), nil
}

// before is a payment's refund state just before a refund or refund
// request: what "did it happen?" is compared with.
type before struct {
	refunded int64 // amount refunded; -1 when unknown
	count    int   // refunds (refund requests for a refund request); -1 when unknown
}

var unknownBefore = before{refunded: -1, count: -1}

func beforeOf(op Op, p *komoju.Payment) before {
	if p == nil {
		return unknownBefore
	}
	b := before{refunded: p.AmountRefunded, count: len(p.Refunds)}
	if op == OpRefundRequest {
		b.count = len(p.RefundRequests)
	}
	return b
}

// moneyOp runs one money-moving call on an existing payment: the intent
// in the journal (with the payment's refund state just before, for refunds),
// the call with a fixed idempotency key, same-key re-sends while its fate
// is unknown, then a Payment: Show compared with the state before, and the
// result in the journal. amount is what the clerk confirmed, sent as is.
func (e *Engine) moneyOp(ctx context.Context, op Op, id string, amount int64, desc string, prior before, call func(context.Context, ...komoju.CallOption) (*komoju.Payment, error)) (Outcome, error) {
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
	actionID, jerr := e.beginAction(ctx, journal.Action{PaymentID: id, Kind: journal.ActionKind(op), IdempotencyKey: key, Amount: amount, Description: desc,
		BeforeRefunded: prior.refunded, BeforeCount: prior.count})
	if jerr != nil {
		return Outcome{Kind: OutcomeError, Actions: []Action{ActionRefresh}, Message: "Nothing was sent to KOMOJU: " + jerr.Error()}, jerr
	}
	p, err := call(ctx, komoju.WithIdempotencyKey(key))
	if err != nil && !isDefinite(err) && ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, e.timeout)
		for try := 0; ; try++ {
			e.markActionSent(ctx, actionID)
			p2, err2 := call(rctx, komoju.WithIdempotencyKey(key))
			if err2 == nil || informative(err2) {
				p, err = p2, err2
				break
			}
			if !e.pause(rctx, try) {
				break
			}
		}
		cancel()
		if err != nil && !isDefinite(err) {
			gctx, gcancel := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
			if got, gerr := e.client.Payments.Get(gctx, id); gerr == nil && opDone(op, got, amount, prior) {
				// The payment shows the effect, measured against the state
				// before the call: done, and only once thanks to the key.
				p, err = got, nil
			}
			gcancel()
		}
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

// opDone reports whether p shows the effect of op for amount, compared
// with the payment's state before the call. A refund is done when the
// refunded amount grew by the amount sent (a refund of "the rest", amount
// 0, when nothing is left to refund), or a new refund appeared; a refund
// request when a new one appeared. Without the state before, only the
// strongest reading counts (refunded at least the amount sent).
func opDone(op Op, p *komoju.Payment, amount int64, prior before) bool {
	switch op {
	case OpCapture:
		return p.Status == komoju.PaymentCaptured || p.Status == komoju.PaymentRefunded
	case OpCancel:
		return p.Status == komoju.PaymentCancelled
	case OpRefund:
		if prior.refunded < 0 {
			return amount > 0 && p.AmountRefunded >= amount || amount == 0 && p.Status == komoju.PaymentRefunded
		}
		if amount == 0 {
			return p.AmountRefunded > prior.refunded && refundable(p) == 0
		}
		return p.AmountRefunded >= prior.refunded+amount
	case OpRefundRequest:
		if prior.count < 0 {
			return false
		}
		return len(p.RefundRequests) > prior.count
	}
	return false
}

// refundable is what is left to refund of p (minor units, tax included).
func refundable(p *komoju.Payment) int64 {
	total := p.Total
	if total == 0 {
		total = p.Amount + p.Tax
	}
	return max(total-p.AmountRefunded, 0)
}

// isDecline reports a refusal of the card or account itself.
func isDecline(e *komoju.Error) bool {
	return komoju.ClassifyStatus(e.HTTPStatus, e.Code) == komoju.ClassDeclined
}

// informative reports whether the answer to a same-key retry tells what
// happened to the original request: a success, a refusal KOMOJU would
// replay (input error, decline, state), or input refused before sending.
// An unknown answer (500, 409 in flight, no answer) or a try-later one
// (429, 503, 504) only says the retry itself was not processed.
func informative(err error) bool {
	if err == nil {
		return true
	}
	var fe FieldErrors
	if errors.As(err, &fe) {
		return true
	}
	switch komoju.Classify(err) {
	case komoju.ClassUnknown, komoju.ClassTryLater, komoju.ClassNotSent:
		return false
	}
	return true
}

// isDefinite reports an error that says the call did not take effect.
func isDefinite(err error) bool {
	var fe FieldErrors
	return errors.As(err, &fe) || komoju.Classify(err).Definite()
}

// Capture captures an authorized Two-Step Capture payment: the whole
// amount when amount is 0, otherwise that much (partial capture).
func (e *Engine) Capture(ctx context.Context, paymentID string, amount int64) (Outcome, error) {
	var params *komoju.CaptureParams
	if amount > 0 {
		params = &komoju.CaptureParams{Amount: amount}
	}
	return e.moneyOp(ctx, OpCapture, paymentID, amount, "", unknownBefore, func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
		return e.client.Payments.Capture(ctx, paymentID, params, o...)
	})
}

// Cancel cancels a pending or authorized payment (voids an authorization,
// abandons a konbini slip or wallet redirect).
func (e *Engine) Cancel(ctx context.Context, paymentID string) (Outcome, error) {
	return e.moneyOp(ctx, OpCancel, paymentID, 0, "", unknownBefore, func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
		return e.client.Payments.Cancel(ctx, paymentID, o...)
	})
}

// Refund refunds a captured card or wallet payment: that much (tax
// included), or everything that is left when amount is 0. The payment is
// read first, so the journal knows what was refunded before the call (and
// "the rest" is sent as an explicit amount): a refund whose answer is lost
// is then "done" only if the refunded amount grew by what was sent.
// Konbini, bank transfer and Pay-easy payments need RefundRequest instead.
func (e *Engine) Refund(ctx context.Context, paymentID string, amount int64, description string) (Outcome, error) {
	p, prior, o, err := e.beforeRefund(ctx, OpRefund, paymentID)
	if err != nil {
		return o, err
	}
	if amount == 0 {
		amount = refundable(p)
		if amount == 0 {
			err := FieldErrors{{Field: FieldAmount, Message: "nothing is left to refund"}}
			o := OutcomeFromPayment(p)
			o.Kind, o.Field, o.Message = OutcomeError, FieldAmount, "Nothing is left to refund on this payment. Nothing was sent to KOMOJU."
			return o, err
		}
	}
	params := &komoju.RefundParams{Amount: amount, Description: description}
	return e.moneyOp(ctx, OpRefund, paymentID, amount, description, prior, func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
		return e.client.Payments.Refund(ctx, paymentID, params, o...)
	})
}

// beforeRefund reads the payment before a refund or refund request. A
// failure to read it sends nothing.
func (e *Engine) beforeRefund(ctx context.Context, op Op, paymentID string) (*komoju.Payment, before, Outcome, error) {
	if e.client == nil {
		return nil, unknownBefore, OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	if strings.TrimSpace(paymentID) == "" {
		err := FieldErrors{{Field: "payment_id", Message: "is required"}}
		return nil, unknownBefore, Outcome{Kind: OutcomeError, Field: "payment_id", Message: "Which payment? The payment id is required."}, err
	}
	p, err := e.client.Payments.Get(ctx, paymentID)
	if err != nil {
		o := e.lookupError(err)
		if o.Kind == OutcomeUnknown {
			o.Kind = OutcomeError
		}
		o.Message = "Could not read the payment before the " + strings.ReplaceAll(string(op), "_", " ") + ", so nothing was sent to KOMOJU: " + o.Message
		return nil, unknownBefore, o, err
	}
	e.recordStatus(ctx, p, SourceAPI)
	return p, beforeOf(op, p), Outcome{}, nil
}

// RefundRequest asks KOMOJU to refund a captured konbini, bank transfer or
// Pay-easy payment by bank transfer to the customer's account. The
// endpoint answers with no body, so the payment is fetched afterwards; the
// count of refund requests before the call tells whether a lost one
// happened.
func (e *Engine) RefundRequest(ctx context.Context, paymentID string, p komoju.RefundRequestParams) (Outcome, error) {
	if fe := ValidateRefundRequest(p); len(fe) > 0 {
		t := words.T("out_please_fix_s", fe)
		return Outcome{Kind: OutcomeError, Field: fe[0].Field, Message: t.In("en"), Text: t}, fe
	}
	_, prior, o, err := e.beforeRefund(ctx, OpRefundRequest, paymentID)
	if err != nil {
		return o, err
	}
	return e.moneyOp(ctx, OpRefundRequest, paymentID, p.Amount, p.Description, prior, func(ctx context.Context, o ...komoju.CallOption) (*komoju.Payment, error) {
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
		fe.add(FieldAmount, "val_gt_zero")
	}
	if err := ValidateKana(p.CustomerName); err != nil {
		fe.addErr("customer_name", err)
	}
	if strings.TrimSpace(p.BankName) == "" {
		fe.add("bank_name", "val_required")
	}
	if p.BankCode != "" && !digits(p.BankCode, 4) {
		fe.add("bank_code", "val_digits_4")
	}
	if !digits(p.BranchNumber, 3) {
		fe.add("branch_number", "val_digits_3")
	}
	switch p.AccountType {
	case "ordinary", "checking", "savings", "normal", "current":
	default:
		fe.add("account_type", "val_account_type")
	}
	if !digits(p.AccountNumber, 7) {
		fe.add("account_number", "val_digits_7")
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
	errors.As(err, &ke)
	switch komoju.Classify(err) {
	case komoju.ClassUnknown, komoju.ClassTryLater, komoju.ClassNotSent:
		// No answer, or "try later", to a look-up says nothing about the
		// payment: reporting it as an error ("nothing was charged") would
		// invite a second charge (found by flows/proof's fault suite).
		if ke != nil {
			return Outcome{Kind: OutcomeUnknown, Err: ke, Actions: []Action{ActionRefresh},
				Message: "KOMOJU could not answer the look-up (" + ke.Code + "), so whether the customer was charged is still unknown. Do not charge again: refresh in a moment."}
		}
		return Outcome{Kind: OutcomeUnknown, Actions: []Action{ActionRefresh},
			Message: "Could not reach KOMOJU to look it up: " + err.Error()}
	}
	if ke != nil {
		return Outcome{Kind: OutcomeError, Err: ke, Message: ErrorMessage(ke), Actions: []Action{ActionRefresh}}
	}
	return Outcome{Kind: OutcomeError, Message: err.Error(), Actions: []Action{ActionRefresh}}
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
// on an unknown (or any) result, and `show`. It never re-sends a charge:
// it first lets Reconcile settle what this process may settle, then looks
// the payment up by id, else the session, else the order number. It says
// "not charged" only on the proof Reconcile uses (a closed session with no
// payment, an attempt past its fence, a result the journal holds); an
// empty look-up alone leaves the outcome unknown.
func (e *Engine) Recheck(ctx context.Context, o Outcome) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	if e.rec != nil {
		_, _ = e.Reconcile(ctx) // best effort; the look-up below answers the clerk
	}
	return e.Lookup(ctx, o)
}

// Lookup is Recheck without settling anything: it reads KOMOJU and the
// journal, records the statuses it sees, and writes no verdict. Reports
// (`show`) use it: they never decide a sale another process may own. It
// asks KOMOJU as the console's LookUp does (ask: the same order, the same
// rule for which payment is the sale's); they differ only in what an empty
// answer means to their callers.
func (e *Engine) Lookup(ctx context.Context, o Outcome) (Outcome, error) {
	if e.client == nil {
		return OutcomeFromError(errNoClient, FlowDirect), errNoClient
	}
	switch {
	case o.PaymentID() != "":
		p, _, err := e.ask(ctx, FollowTarget{PaymentID: o.PaymentID()}, SourceAPI)
		if err != nil {
			return e.lookupError(err), err
		}
		return OutcomeFromPayment(p), nil
	case o.SessionID != "":
		_, s, err := e.ask(ctx, FollowTarget{SessionID: o.SessionID}, SourceAPI)
		if err != nil {
			return e.lookupError(err), err
		}
		if s.Payment == nil && s.Status == komoju.SessionPending && !s.Expired {
			js, ok := e.journalSale(ctx, "", o.SessionID)
			if ok && js.Unfinished() && hasOpenPay(js) {
				return e.unknownStill(o, js), nil
			}
			if !ok || js.Unfinished() {
				// Not this till's sale, or one still open (a phone sale, a
				// till that died with its session shown): the customer can
				// still pay it, so "not charged" would be a guess. Only a
				// closed session, or an attempt settled on proof, says so.
				return SessionOutcome(s), nil
			}
			return Outcome{Kind: OutcomeError, SessionID: s.ID, OrderNum: s.PaymentData.ExternalOrderNum, CanRetry: true,
				Actions: []Action{ActionRefresh},
				Message: "No payment was made on this session: the customer was not charged. They can try again."}, nil
		}
		return SessionOutcome(s), nil
	case o.OrderNum != "":
		// The journal's sale says which payment is its own (amount, tax,
		// currency); without it any payment with the number is taken.
		js, known := e.journalSale(ctx, o.OrderNum, "")
		t := FollowTarget{OrderNum: o.OrderNum}
		if known {
			t.Amount, t.Tax, t.Currency = js.Amount, js.Tax, js.Currency
		}
		p, _, err := e.ask(ctx, t, SourceAPI)
		if err != nil {
			return e.lookupError(err), err
		}
		if p != nil {
			return OutcomeFromPayment(p), nil
		}
		if known && !js.Unfinished() && js.ErrorCode != "" {
			// The journal holds a proven result (a definite refusal, or
			// "not charged" after the fence): that is the answer.
			return Outcome{Kind: OutcomeError, OrderNum: o.OrderNum, Actions: []Action{ActionRefresh},
				Message: "KOMOJU has no payment for order " + o.OrderNum + ": the customer was not charged."}, nil
		}
		if known {
			return e.unknownStill(o, js), nil
		}
		return Outcome{Kind: OutcomeUnknown, OrderNum: o.OrderNum, Actions: []Action{ActionRefresh},
			Message: "KOMOJU has no payment for order " + o.OrderNum + " so far, and this till has no record of the sale to prove it never will. Do not charge again until it is settled."}, nil
	}
	err := errors.New("flows: nothing to look up: the outcome has no payment, session or order number")
	return Outcome{Kind: OutcomeError, Message: "There is nothing to look up for this result."}, err
}

// journalSale finds a sale in the journal by order number or session.
func (e *Engine) journalSale(ctx context.Context, orderNum, sessionID string) (journal.Sale, bool) {
	if e.rec == nil {
		return journal.Sale{}, false
	}
	var s journal.Sale
	var err error
	if orderNum != "" {
		s, err = e.rec.SaleByOrder(ctx, orderNum)
	} else {
		s, err = e.rec.SaleBySession(ctx, sessionID)
	}
	return s, err == nil
}

func hasOpenPay(s journal.Sale) bool {
	for _, a := range s.OpenActions {
		if a.Kind == journal.ActionPay {
			return true
		}
	}
	return false
}

// unknownStill says a sale is still unknown and when it is checked again.
func (e *Engine) unknownStill(o Outcome, s journal.Sale) Outcome {
	sent := s.SentAt
	for _, a := range s.OpenActions {
		if a.SentAt != nil && (sent == nil || a.SentAt.After(*sent)) {
			sent = a.SentAt
		}
	}
	msg := "KOMOJU shows no payment for this sale yet, but the request may still be running there, so whether the customer was charged is still unknown. Do not charge again: the till keeps checking."
	if s.Owner != "" && s.OwnerGone {
		msg += " (The till that made it is gone; it is settled on the next check.)"
	}
	if sent != nil {
		msg += " It can be settled after " + sent.Add(e.fenceNow()).In(journal.JST).Format("15:04:05") + "."
	}
	return Outcome{Kind: OutcomeUnknown, OrderNum: s.OrderNum, SessionID: s.SessionID, Actions: []Action{ActionRefresh}, Message: msg}
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
		return SessionStartOutcome(err), nil, err
	}
	o, err := e.PaySession(ctx, sale, t, d, opts)
	return o, sale, err
}

// ResumeSale reopens a Method 1 sale from the journal so it can be paid
// again on the same session (the guide: "You may call Session: Pay again
// on the same session") — after a decline, from another process, e.g.
// `pay --sale ORDER`. It refuses a sale that is not Method 1, that was
// already charged, whose last attempt is still unknown, that another live
// process is working on, or whose session KOMOJU no longer lets anyone pay.
func (e *Engine) ResumeSale(ctx context.Context, orderNum string) (*Sale, error) {
	if e.client == nil {
		return nil, errNoClient
	}
	if e.rec == nil {
		return nil, errors.New("flows: resuming a sale needs the sale journal")
	}
	js, err := e.rec.SaleByOrder(ctx, orderNum)
	if errors.Is(err, journal.ErrNotFound) {
		return nil, FieldErrors{{Field: FieldOrderNum, Message: "no sale " + orderNum + " in this journal"}}
	}
	if err != nil {
		return nil, journalErr(err)
	}
	if js.Flow != journal.FlowSession || js.SessionID == "" {
		return nil, FieldErrors{{Field: FieldOrderNum, Message: orderNum + " is a Method 2 sale; it cannot be paid again (start a new sale)"}}
	}
	if js.Charged() || js.Status == komoju.PaymentPending {
		return nil, FieldErrors{{Field: FieldOrderNum, Message: orderNum + " already has a payment (" + string(js.Status) + "); nothing was charged again"}}
	}
	if hasOpenPay(js) {
		return nil, FieldErrors{{Field: FieldOrderNum, Message: orderNum + "'s last attempt is still unknown; check it with `show " + orderNum + "` before paying again"}}
	}
	if err := e.rec.Claim(ctx, js.ID); err != nil {
		if errors.Is(err, journal.ErrOwned) {
			return nil, FieldErrors{{Field: FieldOrderNum, Message: orderNum + " is open at another till right now"}}
		}
		return nil, journalErr(err)
	}
	s, err := e.client.Sessions.Get(ctx, js.SessionID)
	if err != nil {
		return nil, fmt.Errorf("flows: looking up the session of %s: %w", orderNum, err)
	}
	if s.Payment != nil && (s.Payment.Status == komoju.PaymentCaptured || s.Payment.Status == komoju.PaymentAuthorized || s.Payment.Status == komoju.PaymentPending) {
		e.recordStatus(ctx, s.Payment, SourceAPI)
		return nil, FieldErrors{{Field: FieldOrderNum, Message: orderNum + " is already paid (" + string(s.Payment.Status) + "); nothing was charged again"}}
	}
	if s.Status != komoju.SessionPending || s.Expired {
		return nil, FieldErrors{{Field: FieldOrderNum, Message: orderNum + "'s session is closed (" + string(s.Status) + "); start a new sale"}}
	}
	co := Checkout{Amount: js.Amount, Tax: js.Tax, Currency: js.Currency, OrderNum: js.OrderNum, Email: js.Email,
		Name: js.Name, Description: js.Description, Capture: js.Capture, Flow: FlowSession, ReturnURL: e.ReturnURL()}
	return &Sale{Checkout: co.Normalized(), Session: s, Methods: MethodsFromSession(s), OrderNum: js.OrderNum, JournalID: js.ID, State: SaleDeclined}, nil
}
