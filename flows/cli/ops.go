package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const captureUsage = `Usage: komoju-tui capture ID [--amount AMOUNT] [--json]

Capture an authorized Two-Step Capture payment (taken with --capture manual):
all of it, or --amount of it (partial capture), typed in the payment's
currency like a clerk would (1000, 10.50).
ID is a payment id, or an order number or session id from the journal.
`

const cancelUsage = `Usage: komoju-tui cancel ID [--json]

Cancel a pending or authorized payment: void a two-step authorization, or
abandon a konbini slip, bank transfer or wallet redirect the customer has not
paid.
ID is a payment id, or an order number or session id from the journal.
`

const refundUsage = `Usage: komoju-tui refund ID [--amount AMOUNT] [--description TEXT] [--json]

Refund a captured card or wallet payment: everything still refundable, or
--amount of it (partial refund, tax included), in the payment's currency.
Konbini, bank transfer and Pay-easy payments need refund-request instead.
ID is a payment id, or an order number or session id from the journal.
`

const refundRequestUsage = `Usage: komoju-tui refund-request ID --customer-name KANA --bank-name NAME
         --branch-number NNN --account-number NNNNNNN [--account-type ordinary]
         [--bank-code NNNN] [--branch-name NAME] [--amount AMOUNT] [--include-fee]
         [--description TEXT] [--json]

Ask KOMOJU to refund a captured konbini, bank transfer or Pay-easy payment by
bank transfer to the customer's account. The amount defaults to everything
still refundable. --customer-name is the account holder in katakana.
ID is a payment id, or an order number or session id from the journal.
`

const showUsage = `Usage: komoju-tui show ID [--json]

Show a payment as KOMOJU has it now: status, amounts, refunds, links and the
actions it allows, with the journal's status history when this till took it.
ID is a payment id, or an order number or session id from the journal.
`

// journalSale is the journal's sale whose order number or session id is
// id, or nil (no journal, or no such sale: id is then a payment id).
func journalSale(ctx context.Context, b *Backend, id string) *journal.Sale {
	if b.Journal == nil {
		return nil
	}
	s, err := b.Journal.SaleByOrder(ctx, id)
	if err != nil {
		s, err = b.Journal.SaleBySession(ctx, id)
	}
	if err != nil {
		return nil
	}
	return &s
}

// salePayment is the payment id that id stands for, as show reads it: an
// order number or session id from the journal stands for the payment the
// journal recorded for that sale (so it is provably the sale's), anything
// else is a payment id. A clerk has the order number on the receipt, in
// History and in the close. ok is false, after reporting, when the sale
// has no payment to act on.
func (r *runner) salePayment(ctx context.Context, b *Backend, id string) (string, bool) {
	s := journalSale(ctx, b, id)
	switch {
	case s == nil:
		return id, true
	case s.PaymentID != "":
		return s.PaymentID, true
	}
	// Message is English, as --json has it; Text says it in the clerk's
	// language (printOutcome, report's line on stderr).
	t := words.T("cli_sale_no_payment_s", termtext.Line(s.OrderNum))
	o := flows.Outcome{Kind: flows.OutcomeError, OrderNum: s.OrderNum, SessionID: s.SessionID, Message: t.In("en"), Text: t}
	r.report(r.name, o, errors.New(o.Message), ExitAPI, false, false)
	return "", false
}

// paymentArg checks that exactly one ID was given.
func (r *runner) paymentArg(pos []string) (string, bool) {
	switch {
	case len(pos) == 0 || strings.TrimSpace(pos[0]) == "":
		r.usageError("ID", "the payment id is required (komoju-tui %s ID)", r.name)
		return "", false
	case len(pos) > 1:
		r.usageError("", "takes one payment id, got %d arguments (%s)", len(pos), strings.Join(pos, " "))
		return "", false
	}
	return strings.TrimSpace(pos[0]), true
}

// moneyAmount reads --amount in the payment's currency (fetched from
// KOMOJU); 0 when not given.
func (r *runner) moneyAmount(ctx context.Context, b *Backend, id, amount string) (int64, *komoju.Payment, int, bool) {
	p, err := b.Engine.Client().Payments.Get(ctx, id)
	if err != nil {
		o := lookupOutcome(err)
		code := ExitCode(flows.Classify(o, err))
		if code == ExitOK {
			code = ExitAPI
		}
		r.report(r.name, o, err, code, false, false)
		return 0, nil, code, false
	}
	if strings.TrimSpace(amount) == "" {
		return 0, p, 0, true
	}
	v, err := parseMoney(amount, p.Currency, false)
	if err != nil {
		r.usageError("--amount", "%s%s", r.problem(err), say(r.language(), "cli_payment_currency_s", p.Currency))
		return 0, nil, ExitUsage, false
	}
	return v, p, 0, true
}

// lookupOutcome turns a failed look-up into an error outcome.
func lookupOutcome(err error) flows.Outcome {
	var ke *komoju.Error
	if errors.As(err, &ke) {
		msg := flows.ErrorMessage(ke)
		if komoju.IsNotFound(ke) {
			msg = "KOMOJU has no such payment. Check the payment id."
		}
		return flows.Outcome{Kind: flows.OutcomeError, Err: ke, Message: msg}
	}
	return flows.Outcome{Kind: flows.OutcomeUnknown, Message: "Could not reach KOMOJU to look the payment up: " + err.Error()}
}

// opExit is the exit code of capture, cancel, refund and refund-request:
// 0 when the engine reports no error.
func opExit(o flows.Outcome, err error) int {
	if err == nil && o.Kind != flows.OutcomeError && o.Kind != flows.OutcomeUnknown {
		return ExitOK
	}
	if localFailure(err) {
		return ExitFailure
	}
	if code := ExitCode(flows.Classify(o, err)); code != ExitOK {
		return code
	}
	return ExitAPI
}

// simpleOp is the shape shared by capture, cancel and refund.
func (r *runner) simpleOp(args []string, usage string, withAmount, withDesc bool,
	do func(ctx context.Context, b *Backend, id string, amount int64, desc string) (flows.Outcome, error)) int {
	fs, c := r.newFlagSet(true)
	amount, desc := new(string), new(string)
	if withAmount {
		fs.StringVar(amount, "amount", "", "amount in the payment's currency (default: all of it)")
	}
	if withDesc {
		fs.StringVar(desc, "description", "", "reason, kept with the refund")
	}
	pos, code, ok := r.parse(fs, usage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	id, ok := r.paymentArg(pos)
	if !ok {
		return ExitUsage
	}
	b, ctx, done, code := r.start(c, false)
	if code != ExitOK {
		return code
	}
	defer done()
	id, ok = r.salePayment(ctx, b, id)
	if !ok {
		return ExitAPI
	}
	var amt int64
	if withAmount && strings.TrimSpace(*amount) != "" {
		v, _, code, ok := r.moneyAmount(ctx, b, id, *amount)
		if !ok {
			return code
		}
		amt = v
	}
	o, err := do(ctx, b, id, amt, *desc)
	code = opExit(o, err)
	r.report(r.name, o, err, code, false, false)
	return code
}

func (r *runner) capture(args []string) int {
	return r.simpleOp(args, captureUsage, true, false, func(ctx context.Context, b *Backend, id string, amount int64, _ string) (flows.Outcome, error) {
		return b.Engine.Capture(ctx, id, amount)
	})
}

func (r *runner) cancel(args []string) int {
	return r.simpleOp(args, cancelUsage, false, false, func(ctx context.Context, b *Backend, id string, _ int64, _ string) (flows.Outcome, error) {
		return b.Engine.Cancel(ctx, id)
	})
}

func (r *runner) refund(args []string) int {
	return r.simpleOp(args, refundUsage, true, true, func(ctx context.Context, b *Backend, id string, amount int64, desc string) (flows.Outcome, error) {
		o, err := b.Engine.Refund(ctx, id, amount, desc)
		if o.Err != nil && o.Err.Code == komoju.CodeNotRefundable {
			o.Message = refundRequestHint(ctx, b, id, o)
		}
		return o, err
	})
}

// refundRequestHint is the message for a refund KOMOJU refused: konbini,
// bank transfer and Pay-easy payments cannot be refunded to where the money
// came from, only by a refund request with the customer's bank account
// (https://doc.komoju.com/reference/createrefundrequest: "This can be used
// for payment methods that do not support refunds, such as konbini").
func refundRequestHint(ctx context.Context, b *Backend, id string, o flows.Outcome) string {
	p := o.Payment
	if p == nil {
		if got, err := b.Engine.Client().Payments.Get(ctx, id); err == nil {
			p = got
		}
	}
	if p == nil {
		return o.Message
	}
	switch p.Type() {
	case komoju.TypeKonbini, komoju.TypeBankTransfer, komoju.TypePayEasy:
		return fmt.Sprintf("A %s payment cannot be refunded to where the money came from: ask KOMOJU to pay it back by bank transfer with "+
			"'komoju-tui refund-request %s --customer-name KANA --bank-name NAME --branch-number NNN --account-number NNNNNNN' "+
			"(see komoju-tui refund-request --help).", p.Type(), id)
	}
	return o.Message
}

func (r *runner) refundRequest(args []string) int {
	fs, c := r.newFlagSet(true)
	var amount string
	var p komoju.RefundRequestParams
	fs.StringVar(&amount, "amount", "", "amount to refund in the payment's currency (default: all that is refundable)")
	fs.StringVar(&p.CustomerName, "customer-name", "", "account holder's name in katakana (required)")
	fs.StringVar(&p.BankName, "bank-name", "", "bank name (required)")
	fs.StringVar(&p.BankCode, "bank-code", "", "4-digit bank code")
	fs.StringVar(&p.BranchName, "branch-name", "", "branch name")
	fs.StringVar(&p.BranchNumber, "branch-number", "", "3-digit branch number (required)")
	fs.StringVar(&p.AccountType, "account-type", "ordinary", "ordinary, checking or savings")
	fs.StringVar(&p.AccountNumber, "account-number", "", "7-digit account number (required)")
	fs.BoolVar(&p.IncludePaymentMethodFee, "include-fee", false, "also refund the payment method fee")
	fs.StringVar(&p.Description, "description", "", "reason for the refund")
	pos, code, ok := r.parse(fs, refundRequestUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	id, ok := r.paymentArg(pos)
	if !ok {
		return ExitUsage
	}
	cfg, ok := r.resolve(c)
	if !ok {
		return ExitUsage
	}
	// Check the bank fields offline first (with a stand-in amount when it
	// is to be worked out from the payment).
	check := p
	check.Amount = 1
	if fe := flows.ValidateRefundRequest(check); len(fe) > 0 {
		r.usageError("", "%s", fieldErrorsText(fe, r.language()))
		return ExitUsage
	}
	b, ok := r.open(cfg)
	if !ok {
		return ExitFailure
	}
	defer closeBackend(b, r.stderr)
	ctx, cancel := r.withTimeout(c, 0)
	defer cancel()
	if id, ok = r.salePayment(ctx, b, id); !ok {
		return ExitAPI
	}
	v, pay, code, ok := r.moneyAmount(ctx, b, id, amount)
	if !ok {
		return code
	}
	if v == 0 {
		v = pay.RefundableAmount()
		if v <= 0 {
			o := flows.OutcomeFromPayment(pay)
			o.Message = fmt.Sprintf("Nothing left to refund on this payment (status %s, %s refunded).", pay.Status, komoju.FormatAmount(pay.AmountRefunded, pay.Currency))
			r.report(r.name, o, errors.New(o.Message), ExitAPI, false, false)
			return ExitAPI
		}
	}
	p.Amount = v
	o, err := b.Engine.RefundRequest(ctx, id, p)
	code = opExit(o, err)
	r.report(r.name, o, err, code, false, false)
	return code
}

func (r *runner) show(args []string) int {
	fs, c := r.newFlagSet(true)
	pos, code, ok := r.parse(fs, showUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	id, ok := r.paymentArg(pos)
	if !ok {
		return ExitUsage
	}
	b, ctx, done, code := r.start(c, false)
	if code != ExitOK {
		return code
	}
	defer done()

	// An order number or session id from the journal stands for its
	// payment.
	sale := journalSale(ctx, b, id)
	if sale != nil {
		if sale.PaymentID == "" {
			return r.showUnpaidSale(ctx, b, sale)
		}
		id = sale.PaymentID
	}
	o, err := b.Engine.Refresh(ctx, id)
	if err != nil {
		if lo := lookupOutcome(err); lo.Err != nil && komoju.IsNotFound(lo.Err) {
			o = lo
		}
		code := opExit(o, err)
		r.report(r.name, o, err, code, false, false)
		return code
	}
	if sale == nil && b.Journal != nil {
		if s, err := b.Journal.SaleByPayment(ctx, id); err == nil {
			sale = &s
		}
	}
	if r.json {
		j := toJSON(r.name, o, nil, ExitOK)
		j.Journal = sale
		r.writeJSON(j)
		return ExitOK
	}
	printOutcome(r.stdout, r.name, r.lang, o)
	printPaymentExtras(r.stdout, o.Payment, r.lang)
	printJournalSale(r.stdout, sale, r.lang)
	return ExitOK
}

// showUnpaidSale shows a journal sale that has no payment (a Method 1
// session nobody paid, a refused attempt), asking KOMOJU where it stands.
func (r *runner) showUnpaidSale(ctx context.Context, b *Backend, s *journal.Sale) int {
	o := flows.Outcome{Kind: flows.OutcomeError, SessionID: s.SessionID, OrderNum: s.OrderNum}
	if s.Unfinished() {
		// Nobody knows yet whether it was charged. show only reads: it
		// never writes a verdict (the sale may be in flight at another
		// till); the look-up records the statuses it sees.
		o.Kind = flows.OutcomeUnknown
	}
	o, err := b.Engine.Lookup(ctx, o)
	if err == nil {
		if fresh, ferr := b.Journal.SaleByOrder(ctx, s.OrderNum); ferr == nil {
			s = &fresh
		}
	}
	code := ExitOK
	if err != nil || o.Kind == flows.OutcomeUnknown {
		code = opExit(o, err)
	}
	if r.json {
		j := toJSON(r.name, o, err, code)
		j.Journal = s
		r.writeJSON(j)
	} else {
		printOutcome(r.stdout, r.name, r.lang, o)
		printJournalSale(r.stdout, s, r.lang)
	}
	return code
}
