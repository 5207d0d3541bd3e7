package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// RunAccessible is the console for screen readers (ACCESSIBLE=1 or
// --accessible): every step is plain lines — a prompt, an answer, a
// sentence — with no full-screen drawing, box-drawing or block glyphs and
// no escape sequences, so a screen reader reads exactly what a clerk
// needs. It drives the same flows engine and sale lifecycle as the
// full-screen console (StartSession, PaySale, PayDirect, PayCard3DS, Watch,
// Capture, Cancel, Refund); only the presentation differs.
//
// It reads answers, one a line, from opts.Input (default stdin) and writes
// to opts.Output (default stdout). It returns when the clerk quits, the
// input ends or ctx is cancelled.
func RunAccessible(ctx context.Context, opts Options) error {
	if opts.Engine == nil {
		return errors.New("ui: Options.Engine is required")
	}
	in := opts.Input
	if in == nil {
		in = os.Stdin
	}
	out := opts.Output
	if out == nil {
		out = os.Stdout
	}
	if opts.Currency == "" {
		opts.Currency = "JPY"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := &accessible{ctx: ctx, opts: opts, eng: opts.Engine, t: newTr(opts.Lang),
		out: plainWriter{w: out}, lines: readLines(ctx, in)}
	a.run()
	return nil
}

// accessible is one line-by-line console session.
type accessible struct {
	ctx   context.Context
	opts  Options
	eng   *flows.Engine
	t     tr
	out   io.Writer
	lines <-chan string
	rest  []byte // what huh has not read yet of the current line
}

// plainWriter drops every escape sequence (huh styles its prompts) so the
// output is text a screen reader can read as it is.
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, ansi.Strip(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// readLines reads in line by line on its own goroutine, so a wait for the
// customer can be stopped with Enter while the payment is followed.
func readLines(ctx context.Context, in io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case ch <- termtext.Input(sc.Text()):
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// Read hands huh's accessible prompts one line at a time: huh makes a new
// bufio.Scanner per prompt, which would swallow the lines after the first
// if it could read ahead.
func (a *accessible) Read(p []byte) (int, error) {
	if len(a.rest) == 0 {
		select {
		case l, ok := <-a.lines:
			if !ok {
				return 0, io.EOF
			}
			a.rest = []byte(l + "\n")
		case <-a.ctx.Done():
			return 0, io.EOF
		}
	}
	n := copy(p, a.rest)
	a.rest = a.rest[n:]
	return n, nil
}

// w writes a translated sentence and a line break.
func (a *accessible) say(format string, args ...any) {
	fmt.Fprintln(a.out, a.t.F(format, args...))
}

// line writes text from outside (KOMOJU's words, URLs) on one safe line.
func (a *accessible) line(s string) {
	if s = strings.TrimSpace(s); s != "" {
		fmt.Fprintln(a.out, termtext.Line(s))
	}
}

// ask writes a prompt and returns the answer; false when input ended.
func (a *accessible) ask(format string, args ...any) (string, bool) {
	fmt.Fprint(a.out, a.t.F(format, args...)+" ")
	select {
	case l, ok := <-a.lines:
		if !ok {
			fmt.Fprintln(a.out)
			return "", false
		}
		return strings.TrimSpace(l), true
	case <-a.ctx.Done():
		fmt.Fprintln(a.out)
		return "", false
	}
}

// yes asks a yes/no question; false also when input ended.
func (a *accessible) yes(question string) (answer, ok bool) {
	for {
		v, ok := a.ask("%s (y/n)", question)
		if !ok {
			return false, false
		}
		switch strings.ToLower(v) {
		case "y", "yes", "はい":
			return true, true
		case "n", "no", "いいえ":
			return false, true
		}
		a.say("Answer y for yes or n for no.")
	}
}

// choose lists options numbered from 1 and returns the index chosen; -1
// when input ended.
func (a *accessible) choose(title string, options []string) int {
	a.say("%s", title)
	for i, o := range options {
		fmt.Fprintf(a.out, "%d. %s\n", i+1, o)
	}
	for {
		v, ok := a.ask("Choose by number:")
		if !ok {
			return -1
		}
		n, err := strconv.Atoi(v)
		if err == nil && n >= 1 && n <= len(options) {
			return n - 1
		}
		a.say("Give a number from 1 to %d.", len(options))
	}
}

// money formats an amount in the session's currency.
func (a *accessible) money(v int64) string { return komoju.FormatAmount(v, a.opts.Currency) }

// currencyName names the currency in words, not only by its symbol.
func (a *accessible) currencyName() string {
	if strings.EqualFold(a.opts.Currency, "JPY") {
		return a.t.S("Japanese yen (JPY)")
	}
	return strings.ToUpper(a.opts.Currency)
}

func (a *accessible) run() {
	mode := a.opts.Mode
	if mode == "" {
		mode = "sandbox"
	}
	a.say("KOMOJU POS, accessible console. Mode: %s.", strings.ToUpper(mode))
	if a.opts.Till != "" {
		a.say("Till: %s.", termtext.Line(a.opts.Till))
	}
	for _, n := range a.opts.Notices {
		a.line(a.t.text(n))
	}
	for a.sale() {
	}
	a.say("Goodbye.")
}

// sale runs one sale from the amount to the clerk's last action on it;
// false means quit.
func (a *accessible) sale() bool {
	amount, ok := a.amount()
	if !ok {
		return false
	}
	co := a.eng.NewCheckout(amount, a.opts.Currency)
	co.Flow = a.opts.Flow
	if co.Flow == "" {
		co.Flow = flows.FlowSession
	}
	co.Capture = a.opts.Capture
	s := &accSale{co: co}
	var methods []flows.Method
	if co.Flow == flows.FlowSession {
		a.say("Starting the sale…")
		sale, err := a.eng.StartSession(a.ctx, co)
		if err != nil {
			a.result(flows.SessionStartOutcome(err))
			return true
		}
		s.sale = sale
		methods = sale.Methods
	} else {
		ms, err := a.eng.Methods(a.ctx)
		if err != nil {
			a.say("Could not load the payment methods: %s", termtext.Line(err.Error()))
			return true
		}
		methods = ms
	}
	a.say("Order %s, %s.", co.OrderNum, a.money(co.Total()))
	for {
		o, done, quit := a.attempt(s, methods)
		if quit {
			a.leave(s)
			return false
		}
		if done {
			continue // back to the method list
		}
		switch a.after(s, o) {
		case nextRetry:
			continue
		case nextQuit:
			a.leave(s)
			return false
		default:
			a.leave(s)
			return true
		}
	}
}

// accSale is the sale in progress.
type accSale struct {
	co   flows.Checkout
	sale *flows.Sale // Method 1
	last *flows.Outcome
}

// amount asks for the amount until it is valid; false means quit.
func (a *accessible) amount() (int64, bool) {
	for {
		v, ok := a.ask("Amount in %s, digits only (q quits):", a.currencyName())
		if !ok || strings.EqualFold(v, "q") {
			return 0, false
		}
		if v == "" {
			continue
		}
		n, err := komoju.ParseAmount(v, a.opts.Currency)
		if err != nil || n <= 0 {
			a.say("%s is not an amount: give digits only, more than 0.", termtext.Line(v))
			continue
		}
		// A slipped key must not charge ¥99,999,999,999: above the
		// threshold the clerk checks with the customer first, as on the
		// full-screen console's amount screen.
		if limit, ask := flows.NeedsConfirm(n, a.opts.ConfirmAbove); ask {
			a.say("%s is more than %s. Check the amount with the customer before going on.", a.money(n), a.money(limit))
			yes, ok := a.yes(a.t.F("Charge %s?", a.money(n)))
			if !ok {
				return 0, false
			}
			if !yes {
				continue
			}
		}
		return n, true
	}
}

// liveCheck has a LIVE clerk type the amount again before real money
// moves, as the full-screen console does; false: not confirmed.
func (a *accessible) liveCheck(total int64) bool {
	if a.opts.Mode != "live" {
		return true
	}
	v, ok := a.ask("%s:", a.t.S("Type the amount again to confirm (LIVE)"))
	if !ok {
		return false
	}
	if n, err := komoju.ParseAmount(v, a.opts.Currency); err != nil || n != total {
		a.say("The amounts do not match. Nothing was sent.")
		return false
	}
	return true
}

// attempt asks for the method and its details, confirms and pays. back
// means the clerk went back to the method list; quit that input ended.
func (a *accessible) attempt(s *accSale, methods []flows.Method) (o flows.Outcome, back, quit bool) {
	if len(methods) == 0 {
		a.say("No payment method is available for this sale.")
		return o, false, true
	}
	names := make([]string, len(methods))
	for i, m := range methods {
		names[i] = m.Name(a.t.lang)
	}
	i := a.choose(a.t.S("Payment methods:"), names)
	if i < 0 {
		return o, false, true
	}
	m := methods[i]
	d, ok := a.details(m)
	if !ok {
		return o, false, true
	}
	yes, ok := a.yes(a.t.F("Pay %s by %s?", a.money(s.co.Total()), m.Name(a.t.lang)))
	if !ok {
		return o, false, true
	}
	if !yes || !a.liveCheck(s.co.Total()) {
		a.say("Not paid. Choose the method again.")
		return o, true, false
	}
	a.say("Paying…")
	o = a.pay(s, m, d)
	return o, false, false
}

// details asks for the method's fields with huh's accessible prompts and
// flows' validators; false when input ended.
func (a *accessible) details(m flows.Method) (flows.Details, bool) {
	d := flows.Details{}
	if len(m.Stores) > 0 {
		d.Store = m.Stores[0]
	}
	now := a.opts.Now
	for _, f := range m.Fields() {
		label := a.t.S(f.Label())
		if !m.Needs(f) {
			label += " " + a.t.S("(optional)")
		}
		label += ":"
		var field huh.Field
		switch f {
		case flows.DetailStore:
			opts := make([]huh.Option[string], len(m.Stores))
			for i, st := range m.Stores {
				opts[i] = huh.NewOption(flows.StoreName(st, a.t.lang), st)
			}
			field = huh.NewSelect[string]().Title(label).Options(opts...).Value(&d.Store)
		default:
			v, ptr := flows.FieldInput(f, &d, now)
			if !m.Needs(f) {
				v = optional(v)
			}
			field = huh.NewInput().Title(label).Value(ptr).Validate(a.t.check(v))
		}
		if err := field.RunAccessible(a.out, a); err != nil {
			return d, false
		}
		select {
		case <-a.ctx.Done():
			return d, false
		default:
		}
	}
	for _, p := range []*string{&d.CardName, &d.Email, &d.Phone, &d.GivenName, &d.FamilyName, &d.GivenNameKana, &d.FamilyNameKana} {
		*p = termtext.Strip(*p)
	}
	return d, true
}

// pay sends the attempt through the engine and follows it while the
// customer is at the counter.
func (a *accessible) pay(s *accSale, m flows.Method, d flows.Details) flows.Outcome {
	var o flows.Outcome
	switch {
	case s.sale != nil:
		next, out, _ := a.eng.PaySale(a.ctx, *s.sale, m.Type, d, flows.PayOptions{})
		s.sale, o = &next, out
	case m.Type == komoju.TypeCreditCard:
		r, _ := a.eng.PayCard3DS(a.ctx, s.co, d, flows.PayOptions{}, false)
		o = r.Outcome
		if r.Pending != nil {
			o = a.follow3DS(*r.Pending, o)
		}
	default:
		o, _ = a.eng.PayDirect(a.ctx, s.co, m.Type, d, flows.PayOptions{})
	}
	if o.OrderNum == "" {
		o.OrderNum = s.co.OrderNum
	}
	a.result(o)
	if o.Kind == flows.OutcomeRedirect || o.Kind == flows.OutcomeUnknown {
		o = a.follow(o)
	}
	s.last = &o
	return o
}

// result says an outcome in plain sentences.
func (a *accessible) result(o flows.Outcome) {
	a.line(a.headline(o.Kind) + a.t.S("."))
	// "Visa •••• 1111" is four bullets read aloud: say "ending 1111".
	a.line(strings.ReplaceAll(Model{common: common{t: a.t}}.outcomeMessage(o), "•••• ", a.t.S("ending ")))
	if o.InstructionsURL != "" {
		a.say("Payment instructions for the customer: %s", termtext.Line(o.InstructionsURL))
	}
	if o.Kind == flows.OutcomeAwaiting && o.Receipt != "" {
		a.say("Receipt number: %s.", termtext.Line(o.Receipt))
		if o.ConfirmationCode != "" {
			a.say("Confirmation code: %s.", termtext.Line(o.ConfirmationCode))
		}
	}
	if o.Kind == flows.OutcomeRedirect && o.RedirectURL != "" {
		a.say("The customer finishes paying at this link: %s", termtext.Line(o.RedirectURL))
	}
	if id := o.PaymentID(); id != "" {
		a.say("Order %s, payment %s.", termtext.Line(o.OrderNum), termtext.Line(id))
	}
}

// headline is the outcome's kind in words.
func (a *accessible) headline(k flows.OutcomeKind) string {
	return a.t.S(k.String())
}

// follow watches a payment the customer is finishing (3-D Secure page,
// wallet app) at the counter's pace, saying each change, until it settles
// or the clerk presses Enter.
func (a *accessible) follow(o flows.Outcome) flows.Outcome {
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	a.say("Waiting for the customer… Press Enter to stop waiting.")
	var ch <-chan flows.Update
	if o.Kind == flows.OutcomeUnknown {
		ch = a.eng.FollowUnknown(ctx, flows.FollowTarget{PaymentID: o.PaymentID(), SessionID: o.SessionID, OrderNum: o.OrderNum}, flows.WatchOptions{Poll: true})
	} else {
		ch = a.eng.Watch(ctx, flows.Target{PaymentID: o.PaymentID(), SessionID: o.SessionID}, flows.WatchOptions{Poll: true})
	}
	last := o
	for {
		select {
		case u, ok := <-ch:
			if !ok {
				return last
			}
			if u.Err != nil || u.Outcome.Kind == "" {
				continue
			}
			n := u.Outcome
			if n.OrderNum == "" {
				n.OrderNum = o.OrderNum
			}
			if n.Kind != last.Kind || n.Status() != last.Status() {
				if u.Done {
					a.result(n)
				} else {
					a.say("Still waiting: %s.", a.headline(n.Kind))
				}
			}
			last = n
			if u.Done {
				return last
			}
		case _, ok := <-a.lines:
			if ok {
				a.say("Stopped waiting. The sale is not settled yet; History has it.")
			}
			return last
		case <-a.ctx.Done():
			return last
		}
	}
}

// follow3DS follows a Method 2 card's 3-D Secure until the customer has
// authenticated, then pays (flows' Complete3DS); Enter stops waiting and
// ends the sale not charged.
func (a *accessible) follow3DS(p flows.Card3DS, o flows.Outcome) flows.Outcome {
	a.say("The customer authenticates the card at this link: %s", termtext.Line(p.AuthenticationURL))
	a.say("Waiting for the customer… Press Enter to stop waiting.")
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	done := make(chan flows.Card3DSResult, 1)
	go func() {
		r, _ := a.eng.Complete3DS(ctx, p)
		done <- r
	}()
	select {
	case r := <-done:
		return r.Outcome
	case <-a.lines:
		cancel()
		return (<-done).Outcome
	case <-a.ctx.Done():
		return o
	}
}

// next is what the clerk chose after a result.
type next int

const (
	nextSale next = iota
	nextRetry
	nextQuit
)

// after offers the actions on the result until the clerk starts a new
// sale, retries or quits.
func (a *accessible) after(s *accSale, o flows.Outcome) next {
	for {
		type choice struct {
			label string
			run   func() (next, bool) // true: leave the menu
		}
		var cs []choice
		if o.CanRetry && s.sale != nil && o.Kind == flows.OutcomeError {
			cs = append(cs, choice{a.t.S("Try again on the same sale"), func() (next, bool) { return nextRetry, true }})
		}
		id := o.PaymentID()
		for _, act := range o.Actions {
			act := act
			switch act {
			case flows.ActionCapture, flows.ActionCancel, flows.ActionRefund, flows.ActionRefundRequest:
			case flows.ActionRefresh:
				// Only while the payment can still change (a konbini slip
				// the customer pays later): asking again is how the clerk
				// learns it was paid, and what may then be done.
				if st := o.Status(); st != komoju.PaymentPending && st != komoju.PaymentAuthorized {
					continue
				}
			default:
				continue
			}
			cs = append(cs, choice{actionLabel(act, a.t.lang), func() (next, bool) {
				if n, ok := a.action(act, id, o); ok {
					o = n
				}
				return nextSale, false
			}})
		}
		cs = append(cs, choice{a.t.S("New sale"), func() (next, bool) { return nextSale, true }})
		if a.opts.Journal != nil {
			cs = append(cs, choice{a.t.S("History summary"), func() (next, bool) { a.summary(); return nextSale, false }})
		}
		cs = append(cs, choice{a.t.S("Quit"), func() (next, bool) { return nextQuit, true }})
		labels := make([]string, len(cs))
		for i, c := range cs {
			labels[i] = c.label
		}
		i := a.choose(a.t.S("What next?"), labels)
		if i < 0 {
			return nextQuit
		}
		if n, leave := cs[i].run(); leave {
			return n
		}
	}
}

// actionLabel is the action's label from the message table.
func actionLabel(act flows.Action, lang string) string {
	id := "action_" + strings.ReplaceAll(strings.ToLower(act.Label()), " ", "_")
	if s, ok := words.Lookup(id, lang); ok {
		return s
	}
	return act.Label()
}

// action runs capture, cancel, refund or a bank refund request after the
// clerk confirms it, or reads the payment again (refresh).
func (a *accessible) action(act flows.Action, id string, o flows.Outcome) (flows.Outcome, bool) {
	p := o.Payment
	if p == nil {
		return o, false
	}
	var amount int64
	var q string
	var req komoju.RefundRequestParams
	switch act {
	case flows.ActionRefresh:
		n, _ := a.eng.Refresh(a.ctx, id)
		if n.OrderNum == "" {
			n.OrderNum = o.OrderNum
		}
		a.result(n)
		if n.Payment == nil {
			return o, false
		}
		return n, true
	case flows.ActionRefundRequest:
		var ok bool
		if req, ok = a.refundRequest(p); !ok {
			a.say("Nothing was changed.")
			return o, false
		}
		amount = req.Amount
		q = a.t.F("Request a bank refund of %s for payment %s?", komoju.FormatAmount(amount, p.Currency), id)
	case flows.ActionCapture:
		q = a.t.F("Capture %s of payment %s?", komoju.FormatAmount(p.Total, p.Currency), id)
	case flows.ActionCancel:
		q = a.t.F("Cancel payment %s (%s will not be charged)?", id, komoju.FormatAmount(p.Total, p.Currency))
	case flows.ActionRefund:
		left := p.RefundableAmount()
		for {
			v, ok := a.ask("Refund how much? Enter refunds all of %s:", komoju.FormatAmount(left, p.Currency))
			if !ok {
				return o, false
			}
			if v == "" {
				amount = left
				break
			}
			n, err := komoju.ParseAmount(v, p.Currency)
			if err == nil && n > 0 && n <= left {
				amount = n
				break
			}
			a.say("Give an amount from 1 to %s.", komoju.FormatAmount(left, p.Currency))
		}
		q = a.t.F("Refund %s of payment %s to the customer?", komoju.FormatAmount(amount, p.Currency), id)
	}
	yes, ok := a.yes(q)
	if !ok || !yes {
		a.say("Nothing was changed.")
		return o, false
	}
	var n flows.Outcome
	switch act {
	case flows.ActionCapture:
		n, _ = a.eng.Capture(a.ctx, id, 0)
	case flows.ActionCancel:
		n, _ = a.eng.Cancel(a.ctx, id)
	case flows.ActionRefund:
		n, _ = a.eng.Refund(a.ctx, id, amount, "")
	case flows.ActionRefundRequest:
		n, _ = a.eng.RefundRequest(a.ctx, id, req)
		if n.Kind != flows.OutcomeError && n.Kind != flows.OutcomeUnknown {
			a.say("Bank refund of %s requested: KOMOJU sends it to the customer's bank account.", komoju.FormatAmount(amount, p.Currency))
		}
	}
	if n.OrderNum == "" {
		n.OrderNum = o.OrderNum
	}
	a.result(n)
	if n.Payment == nil {
		return o, false
	}
	return n, true
}

// summary says today's takings from the journal.
func (a *accessible) summary() {
	now := a.opts.Now().In(journal.JST)
	sum, err := a.opts.Journal.Summary(a.ctx, now, journal.JST)
	if err != nil {
		a.say("Could not read the journal: %s", termtext.Line(err.Error()))
		return
	}
	if len(sum.Currencies) == 0 {
		a.say("No sales today.")
		return
	}
	for _, c := range sum.Currencies {
		f := func(v int64) string { return komoju.FormatAmount(v, c.Currency) }
		a.say("Today: %d sales; captured %s, refunded %s, net %s; held or awaiting payment %s.",
			c.Sales, f(c.Captured), f(c.Refunded), f(c.Net), f(c.Authorized))
	}
}

// leave ends a Method 1 sale the clerk leaves without a payment, so one
// sale keeps one open session (as the full-screen console does).
func (a *accessible) leave(s *accSale) {
	if s.sale == nil || s.sale.SessionID() == "" {
		return
	}
	if s.last != nil && s.last.Kind != flows.OutcomeError {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(a.ctx), 15*time.Second)
	defer cancel()
	_, _ = a.eng.AbandonSession(ctx, s.sale.SessionID(), s.sale.JournalID)
}

// refundRequest asks, field by field, for a bank refund request of p (a
// konbini, bank transfer or Pay-easy payment, whose money the refund
// endpoint cannot return; https://doc.komoju.com/reference/createrefundrequest):
// the amount, then the customer's bank account, each checked as the
// full-screen console's form checks it (flows.ValidateRefundRequest).
func (a *accessible) refundRequest(p *komoju.Payment) (komoju.RefundRequestParams, bool) {
	rr := komoju.RefundRequestParams{AccountType: "ordinary"}
	a.say("Bank refund request")
	a.say("KOMOJU sends the money to the customer's bank account.")
	left := p.RefundableAmount()
	for {
		v, ok := a.ask("Refund how much? Enter refunds all of %s:", komoju.FormatAmount(left, p.Currency))
		if !ok {
			return rr, false
		}
		if v == "" {
			rr.Amount = left
			break
		}
		n, err := komoju.ParseAmount(v, p.Currency)
		if err == nil && n > 0 && n <= left {
			rr.Amount = n
			break
		}
		a.say("Give an amount from 1 to %s.", komoju.FormatAmount(left, p.Currency))
	}
	// Each field is checked alone: the whole request with the other
	// fields filled in validly, so only this field's error shows.
	check := func(set func(*komoju.RefundRequestParams, string)) func(string) error {
		return func(s string) error {
			probe := komoju.RefundRequestParams{Amount: 1, CustomerName: "ア", BankName: "x", BranchNumber: "000", AccountType: "ordinary", AccountNumber: "0000000"}
			set(&probe, strings.TrimSpace(s))
			if fe := flows.ValidateRefundRequest(probe); len(fe) > 0 {
				// The prompt names the field: the message alone.
				return errors.New(fe[0].In(a.t.lang))
			}
			return nil
		}
	}
	fields := []huh.Field{
		huh.NewInput().Title(a.t.S("Account holder (katakana)") + ":").Value(&rr.CustomerName).
			Validate(check(func(p *komoju.RefundRequestParams, s string) { p.CustomerName = s })),
		huh.NewInput().Title(a.t.S("Bank name") + ":").Value(&rr.BankName).
			Validate(check(func(p *komoju.RefundRequestParams, s string) { p.BankName = s })),
		huh.NewInput().Title(a.t.S("Branch number (3 digits)") + ":").Value(&rr.BranchNumber).
			Validate(check(func(p *komoju.RefundRequestParams, s string) { p.BranchNumber = s })),
		huh.NewSelect[string]().Title(a.t.S("Account type")+":").Options(
			huh.NewOption(a.t.S("ordinary"), "ordinary"), huh.NewOption(a.t.S("checking"), "checking"), huh.NewOption(a.t.S("savings"), "savings")).Value(&rr.AccountType),
		huh.NewInput().Title(a.t.S("Account number (7 digits)") + ":").Value(&rr.AccountNumber).
			Validate(check(func(p *komoju.RefundRequestParams, s string) { p.AccountNumber = s })),
	}
	for _, f := range fields {
		if err := f.RunAccessible(a.out, a); err != nil {
			return rr, false
		}
		select {
		case <-a.ctx.Done():
			return rr, false
		default:
		}
	}
	for _, s := range []*string{&rr.CustomerName, &rr.BankName, &rr.BranchNumber, &rr.AccountNumber} {
		*s = strings.TrimSpace(termtext.Strip(*s))
	}
	return rr, true
}
