package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const payUsage = `Usage: komoju-tui pay --amount AMOUNT --method METHOD [method details] [flags]

Take a payment through the same flows as the console and print the outcome.
The amount is typed like a clerk would: --amount 1000 (JPY), --amount 10.50
--currency USD. --flow session (Method 1, default) creates a KOMOJU session
and pays it; --flow direct (Method 2) creates the payment directly.

Method details:
  credit_card    --card - [--name NAME] [--email E]: number, expiry (MM/YY)
                 and CVC from standard input (three lines; prompts without
                 echo on a terminal), read once the other flags are checked
                 and a large total confirmed. --card NUMBER --exp MM/YY
                 --cvc CVC also works but shows the card to every local
                 user (ps)
  konbini        --store STORE --email E [--phone P]   (stores: seven-eleven,
                 lawson, family-mart, ministop, daily-yamazaki, seicomart)
  bank_transfer, pay_easy
                 --family-name --given-name --family-name-kana --given-name-kana
                 --email --phone
  paypay, merpay, rakutenpay, aupay, linepay, alipay, paidy: nothing (the
                 customer approves at the printed URL)

A declined Method 1 sale can be paid again on the same session, with the
same order number and amount: pay --sale ORDER --method ... (the details of
the new attempt). Nothing is charged twice: a sale that is already paid, or
whose last attempt is still unknown, is refused.

A payment that needs the customer (3D Secure, a wallet app) prints the URL to
open and exits 0; with --wait 2m the command follows the payment (polling
KOMOJU) until it settles, and exits 7 if it has not by then. Card numbers and
CVCs are never printed or stored: brand and last four digits only.
`

// payFlags are pay's own flags (the shared config flags give --currency,
// --flow and --capture).
type payFlags struct {
	amount, method, tax, order, scenario, description string
	sale                                              string
	card, exp, cvc, name                              string
	store, email, phone                               string
	givenName, familyName, givenKana, familyKana      string
	wait                                              time.Duration
	confirmAbove                                      string
}

func (r *runner) pay(args []string) int {
	fs, c := r.newFlagSet(true)
	var f payFlags
	fs.StringVar(&f.amount, "amount", "", "amount to charge, e.g. 1000 (JPY) or 10.50 (USD) (required)")
	fs.StringVar(&f.method, "method", "", "payment method: credit_card, konbini, bank_transfer, pay_easy, paypay, ... (required)")
	fs.StringVar(&f.tax, "tax", "", "tax on top of the amount (default 0, as KOMOJU advises)")
	fs.StringVar(&f.order, "order", "", "external order number (default: a fresh POS-<till>-YYYYMMDD-NNNN, reserved in the journal)")
	fs.StringVar(&f.description, "description", "", "description of the sale")
	fs.StringVar(&f.sale, "sale", "", "pay an earlier, declined Method 1 sale again on its session (its order number)")
	fs.StringVar(&f.scenario, "scenario", "", "Komoju-Scenario code to simulate a failure in test mode, e.g. card_declined")
	fs.StringVar(&f.card, "card", "", "card number (credit_card)")
	fs.StringVar(&f.exp, "exp", "", "card expiry MM/YY (credit_card)")
	fs.StringVar(&f.cvc, "cvc", "", "card security code (credit_card)")
	fs.StringVar(&f.name, "name", "", "customer name (also the name on the card)")
	fs.StringVar(&f.store, "store", "", "convenience store (konbini)")
	fs.StringVar(&f.email, "email", "", "customer email (konbini, bank_transfer, pay_easy; optional for cards)")
	fs.StringVar(&f.phone, "phone", "", "customer phone (konbini, bank_transfer, pay_easy)")
	fs.StringVar(&f.givenName, "given-name", "", "customer given name (bank_transfer, pay_easy)")
	fs.StringVar(&f.familyName, "family-name", "", "customer family name (bank_transfer, pay_easy)")
	fs.StringVar(&f.givenKana, "given-name-kana", "", "given name in kana (bank_transfer, pay_easy)")
	fs.StringVar(&f.familyKana, "family-name-kana", "", "family name in kana (bank_transfer, pay_easy)")
	fs.DurationVar(&f.wait, "wait", 0, "follow a redirect or async payment until it settles, for at most this long (e.g. 2m)")
	fs.StringVar(&f.confirmAbove, "confirm-above", "", "a total above this is asked again on a terminal and refused in a script (default 1000000 in JPY, as the console; off never asks)")
	pos, code, ok := r.parse(fs, payUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	// --json with --wait streams JSON lines: the created payment with the
	// URL the customer must open, each status change, then the result.
	r.lines = r.json && f.wait > 0
	if len(pos) > 0 {
		r.usageError("", "%s takes no arguments, only flags (got %q)", r.name, pos[0])
		return ExitUsage
	}
	cfg, ok := r.resolve(c)
	if !ok {
		return ExitUsage
	}

	// Everything the command line says is checked before anything starts.
	f.sale = strings.TrimSpace(f.sale)
	if f.sale != "" && strings.TrimSpace(f.order) != "" {
		r.usageError("--order", "cannot be given with --sale (the sale keeps its order number)")
		return ExitUsage
	}
	if strings.TrimSpace(f.amount) == "" && f.sale == "" {
		r.usageError("--amount", "is required (for example --amount 1000)")
		return ExitUsage
	}
	var amount int64
	var err error
	if strings.TrimSpace(f.amount) != "" {
		if amount, err = parseMoney(f.amount, cfg.Currency, false); err != nil {
			r.usageError("--amount", "%s", r.problem(err))
			return ExitUsage
		}
	}
	var tax int64
	if strings.TrimSpace(f.tax) != "" {
		if tax, err = parseMoney(f.tax, cfg.Currency, true); err != nil {
			r.usageError("--tax", "%s", r.problem(err))
			return ExitUsage
		}
	}
	t, err := parseMethod(f.method)
	if err != nil {
		r.usageError("--method", "%s", r.problem(err))
		return ExitUsage
	}
	flow, err := flows.ParseFlow(cfg.Flow)
	if err != nil {
		r.usageError("--flow", "%s", r.problem(err))
		return ExitUsage
	}
	if f.wait < 0 {
		r.usageError("--wait", "cannot be negative")
		return ExitUsage
	}
	if flag, ok := misplacedDetail(t, f); !ok {
		r.usageError(flag, "is not used by --method %s; remove it or pick the method it belongs to", t)
		return ExitUsage
	}
	d := flows.Details{
		Store: f.store, Email: f.email, Phone: f.phone,
		GivenName: f.givenName, FamilyName: f.familyName, GivenNameKana: f.givenKana, FamilyNameKana: f.familyKana,
	}
	if t == komoju.TypeCreditCard {
		d.CardNumber, d.CardExpiry, d.CardCVC, d.CardName = f.card, f.exp, f.cvc, f.name
		d.GivenName, d.FamilyName = "", ""
	}
	if m, ok := flows.LookupMethod(t); ok && !m.Takes(flows.DetailFamilyName) {
		d.GivenName, d.FamilyName = "", ""
	}
	co := flows.Checkout{
		Amount: amount, Tax: tax, Currency: cfg.Currency, OrderNum: strings.TrimSpace(f.order),
		Email: f.email, Name: f.name, Description: f.description, Capture: cfg.Capture, Flow: flow,
		Scenario: strings.TrimSpace(f.scenario),
	}
	// Validate what can be validated offline, so a typo never starts a
	// sandbox or journals a sale. The engine validates again.
	var fe flows.FieldErrors
	vc := co
	if vc.Amount == 0 {
		vc.Amount = 1 // --sale: the journal has the amount
	}
	if vc.OrderNum == "" {
		vc.OrderNum = "POS-00000000-0000" // the engine generates one
	}
	if err := vc.Validate(); err != nil {
		errors.As(err, &fe)
	}
	vd := d
	if vd.Email == "" {
		vd.Email = co.Email
	}
	// "--card -": the card is read below, once the rest is known good.
	cardLater := t == komoju.TypeCreditCard && f.card == "-"
	for _, e := range flows.ValidateDetails(t, vd, time.Now()) {
		if !cardLater || !isCardField(e.Field) {
			fe = append(fe, e)
		}
	}
	if len(fe) > 0 {
		r.usageError("", "%s", fieldErrorsText(fe, r.language()))
		return ExitUsage
	}

	if f.sale == "" { // a sale paid again was confirmed when it began
		if code, ok := r.confirmTotal(co, f.confirmAbove); !ok {
			return code
		}
	}
	if cardLater {
		number, exp, cvc, err := readCard(r.stdin, r.stderr, r.language())
		if err != nil {
			r.usageError("", "%s", r.problem(err))
			return ExitUsage
		}
		r.maskCard(number)
		d.CardNumber, d.CardExpiry, d.CardCVC = number, exp, cvc
		vd.CardNumber, vd.CardExpiry, vd.CardCVC = number, exp, cvc
		if fe := flows.ValidateDetails(t, vd, time.Now()); len(fe) > 0 {
			r.usageError("", "%s", fieldErrorsText(fe, r.language()))
			return ExitUsage
		}
	}

	b, ok := r.open(cfg)
	if !ok {
		return ExitFailure
	}
	defer closeBackend(b, r.stderr)
	ctx, cancel := r.withTimeout(c, f.wait)
	defer cancel()

	var o flows.Outcome
	if f.sale != "" {
		sale, serr := b.Engine.ResumeSale(ctx, f.sale)
		switch {
		case serr != nil:
			o, err = flows.OutcomeFromError(serr, flows.FlowSession), serr
			o.OrderNum, o.CanRetry = f.sale, false
			if fe := (flows.FieldErrors{}); errors.As(serr, &fe) {
				o.Message = "Not paid again: " + fe.Error() + "."
			}
		case amount != 0 && amount != sale.Checkout.Amount:
			err = flows.FieldErrors{{Field: flows.FieldAmount, Message: fmt.Sprintf("sale %s is for %s, not %s", f.sale,
				komoju.FormatAmount(sale.Checkout.Amount, sale.Checkout.Currency), komoju.FormatAmount(amount, cfg.Currency))}}
			o = flows.OutcomeFromError(err, flows.FlowSession)
			o.OrderNum = f.sale
		default:
			o, err = b.Engine.PaySession(ctx, sale, t, d, flows.PayOptions{})
		}
	} else {
		// The same sale lifecycle as the console: Method 1 (session, then
		// pay) or Method 2, in flows.
		o, _, err = b.Engine.Pay(ctx, co, t, d, flows.PayOptions{})
		if o.OrderNum == "" {
			o.OrderNum = co.OrderNum
		}
	}

	waited, timedOut := false, false
	if f.wait > 0 && err == nil && (o.Kind == flows.OutcomeRedirect || o.Kind == flows.OutcomeAwaiting) {
		first := o
		// The link goes out now: the customer needs it to finish.
		if r.json {
			r.writeJSON(eventOf("created", r.name, o, ""))
		} else {
			printOutcome(r.stdout, r.name, r.lang, o)
			fmt.Fprintf(r.stderr, "waiting up to %s for the payment to settle...\n", f.wait)
		}
		o, timedOut = r.follow(ctx, b, o, f.wait)
		waited = true
		if !r.json && o.Kind == first.Kind && o.Status() == first.Status() {
			// Nothing changed: do not print the same outcome twice.
			code = payExit(o, err, timedOut)
			if code != ExitOK {
				fmt.Fprintf(r.stderr, "komoju-tui pay: %s\n", say(r.language(), "cli_pay_not_completed_d", code))
			}
			return code
		}
	}
	code = payExit(o, err, timedOut)
	r.report("pay", o, err, code, waited, timedOut)
	return code
}

// isCardField reports whether a details error is about the card's number,
// expiry or security code.
func isCardField(field string) bool {
	switch flows.DetailField(field) {
	case flows.DetailCardNumber, flows.DetailCardExpiry, flows.DetailCardCVC:
		return true
	}
	return false
}

// misplacedDetail finds a detail flag the method does not take (a card
// number given with --method konbini is a mistake worth stopping for).
func misplacedDetail(t komoju.PaymentType, f payFlags) (string, bool) {
	m, _ := flows.LookupMethod(t)
	checks := []struct {
		flag  string
		val   string
		field flows.DetailField
	}{
		{"--card", f.card, flows.DetailCardNumber},
		{"--exp", f.exp, flows.DetailCardExpiry},
		{"--cvc", f.cvc, flows.DetailCardCVC},
		{"--store", f.store, flows.DetailStore},
		{"--phone", f.phone, flows.DetailPhone},
		{"--given-name-kana", f.givenKana, flows.DetailGivenNameKana},
		{"--family-name-kana", f.familyKana, flows.DetailFamilyNameKana},
	}
	for _, c := range checks {
		if strings.TrimSpace(c.val) != "" && !m.Takes(c.field) {
			return c.flag, false
		}
	}
	if t == komoju.TypeCreditCard && (f.givenName != "" || f.familyName != "") {
		return "--given-name/--family-name", false
	}
	return "", true
}

// follow watches a redirect or awaiting payment until it settles or wait
// runs out; timedOut reports the latter.
func (r *runner) follow(ctx context.Context, b *Backend, o flows.Outcome, wait time.Duration) (flows.Outcome, bool) {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	last := o
	done := false
	target := flows.Target{PaymentID: o.PaymentID(), SessionID: o.SessionID}
	for u := range b.Engine.Watch(wctx, target, flows.WatchOptions{Poll: true}) {
		if u.Err != nil {
			if !r.json {
				fmt.Fprintf(r.stderr, "still waiting (could not check: %s)\n", redact(u.Err.Error()))
			}
			continue
		}
		if u.Outcome.Kind == "" {
			continue
		}
		nu := u.Outcome
		if nu.OrderNum == "" {
			nu.OrderNum = o.OrderNum
		}
		if nu.SessionID == "" {
			nu.SessionID = o.SessionID
		}
		if nu.Kind != last.Kind || nu.Status() != last.Status() {
			if r.json {
				r.writeJSON(eventOf("status", r.name, nu, string(u.Source)))
			} else if nu.Kind != last.Kind {
				fmt.Fprintf(r.stderr, "now: %s\n", nu.Kind.String())
			}
		}
		last = nu
		if u.Done {
			done = true
		}
	}
	if !done && !r.json {
		fmt.Fprintf(r.stderr, "gave up waiting after %s: %s\n", wait, strings.ToLower(last.Kind.String()))
	}
	return last, !done
}

// payExit is pay's exit code for an outcome.
func payExit(o flows.Outcome, err error, timedOut bool) int {
	switch o.Kind {
	case flows.OutcomePaid, flows.OutcomeAuthorized, flows.OutcomeAwaiting:
		// Awaiting is a valid sale (the customer pays at the store later),
		// even when --wait ran out before they did.
		return ExitOK
	case flows.OutcomeRedirect:
		if timedOut {
			return ExitNotCompleted
		}
		return ExitOK
	case flows.OutcomeCancelled, flows.OutcomeExpired, flows.OutcomeRefunded:
		return ExitNotCompleted
	}
	if localFailure(err) {
		return ExitFailure
	}
	if code := ExitCode(flows.Classify(o, err)); code != ExitOK {
		return code
	}
	return ExitAPI
}

// localFailure reports an error of this till, not of KOMOJU or the
// network: the journal could not record the intent (so nothing was sent).
func localFailure(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, flows.ErrJournal) {
		return true
	}
	for _, e := range []error{journal.ErrLocked, journal.ErrCorrupt, journal.ErrClosed, journal.ErrTooNew, journal.ErrInvalid, journal.ErrCardData} {
		if errors.Is(err, e) {
			return true
		}
	}
	var oe *journal.OpenError
	return errors.As(err, &oe)
}

// report prints an operation's outcome (text or JSON) and, on failure, a
// one-line error on stderr.
func (r *runner) report(cmd string, o flows.Outcome, err error, code int, waited, timedOut bool) {
	if r.json {
		j := toJSON(cmd, o, err, code)
		j.Waited, j.WaitTimedOut = waited, timedOut
		if r.lines {
			j.Event = "result"
		}
		r.writeJSON(j)
	} else {
		printOutcome(r.stdout, r.name, r.lang, o)
		if cmd != "pay" {
			printPaymentExtras(r.stdout, o.Payment, r.lang)
		}
	}
	if code == ExitOK {
		return
	}
	d := errorOf(o, err, code)
	msg := d.Message // as --json has it
	if lang := r.language(); isJa(lang) {
		// The clerk's language, as the outcome printed above says it:
		// pay's whole sentence, another command's reason.
		s := errorReason(o, lang)
		if cmd == "pay" {
			if said := o.Say(lang); said != "" {
				s = said
			}
		}
		if s != "" {
			msg = redact(s)
		}
	}
	fmt.Fprintf(r.stderr, "komoju-tui %s: %s (exit %d: %s)\n", cmd, msg, code, d.Class)
	if o.Err != nil && komoju.IsNotFound(o.Err) && r.mode == config.ModeSandbox && r.running == nil {
		// Said where a script of several steps fails in SANDBOX mode on a
		// sandbox of its own: the payment an earlier command made is not
		// there.
		fmt.Fprint(r.stderr, say(r.lang, "cli_sandbox_hint"))
	}
}

// confirmTotal checks a sale above --confirm-above with the clerk before
// anything starts, as the console does: on a terminal it asks again; where
// nobody can answer (a script, --json) it refuses and says how to charge
// the amount anyway. A slipped key must not charge ¥99,999,999,999.
func (r *runner) confirmTotal(co flows.Checkout, setting string) (int, bool) {
	above, err := flows.ParseConfirmAbove(setting, co.Currency)
	if err != nil {
		r.usageError("--confirm-above", "%s", r.problem(err))
		return ExitUsage, false
	}
	limit, ask := flows.NeedsConfirm(co.Total(), above)
	if !ask {
		return ExitOK, true
	}
	if f, ok := r.stdin.(*os.File); ok && !r.json && term.IsTerminal(f.Fd()) {
		lang := r.language()
		fmt.Fprint(r.stderr, say(lang, "cli_confirm_charge_s_s", komoju.FormatAmount(co.Total(), co.Currency), komoju.FormatAmount(limit, co.Currency)))
		line, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "yes", "y", "はい":
			return ExitOK, true
		}
		fmt.Fprintln(r.stderr, say(lang, "cli_confirm_declined"))
		return ExitUsage, false
	}
	r.usageError("--amount", "%s", r.problem(flows.ConfirmRefusal(co.Total(), limit, co.Currency)))
	return ExitUsage, false
}
