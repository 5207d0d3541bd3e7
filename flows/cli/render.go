package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// outcomeJSON is the JSON a payment command prints: the outcome in the
// seed's terms, what to do next, and KOMOJU's payment object (which holds
// a card's brand and last four digits only).
type outcomeJSON struct {
	// Event is "result" on the last line of a JSON-lines stream (pay
	// --wait --json); empty otherwise.
	Event            string          `json:"event,omitempty"`
	Command          string          `json:"command"`
	OK               bool            `json:"ok"`
	ExitCode         int             `json:"exit_code"`
	Outcome          string          `json:"outcome"`
	Message          string          `json:"message"`
	PaymentID        string          `json:"payment_id,omitempty"`
	SessionID        string          `json:"session_id,omitempty"`
	OrderNum         string          `json:"order_num,omitempty"`
	Status           string          `json:"status,omitempty"`
	Method           string          `json:"method,omitempty"`
	Card             string          `json:"card,omitempty"` // "Visa •••• 1111"
	Amount           int64           `json:"amount,omitempty"`
	Total            int64           `json:"total,omitempty"`
	AmountRefunded   int64           `json:"amount_refunded,omitempty"`
	Currency         string          `json:"currency,omitempty"`
	RedirectURL      string          `json:"redirect_url,omitempty"`
	InstructionsURL  string          `json:"instructions_url,omitempty"`
	Store            string          `json:"store,omitempty"`
	Receipt          string          `json:"receipt,omitempty"`
	ConfirmationCode string          `json:"confirmation_code,omitempty"`
	Deadline         *time.Time      `json:"deadline,omitempty"`
	CanRetry         bool            `json:"can_retry,omitempty"`
	Actions          []string        `json:"actions"`
	Waited           bool            `json:"waited,omitempty"`
	WaitTimedOut     bool            `json:"wait_timed_out,omitempty"`
	Error            *errorDetail    `json:"error,omitempty"`
	Payment          *komoju.Payment `json:"payment,omitempty"`
	Journal          *journal.Sale   `json:"journal,omitempty"`
}

// eventJSON is one line of a JSON-lines stream before its result: the
// payment as created ("created": with the URL the customer must open or
// the konbini instructions) or as it changed ("status").
type eventJSON struct {
	Event            string     `json:"event"`
	Command          string     `json:"command"`
	Outcome          string     `json:"outcome"`
	Status           string     `json:"status,omitempty"`
	Message          string     `json:"message"`
	PaymentID        string     `json:"payment_id,omitempty"`
	SessionID        string     `json:"session_id,omitempty"`
	OrderNum         string     `json:"order_num,omitempty"`
	RedirectURL      string     `json:"redirect_url,omitempty"`
	InstructionsURL  string     `json:"instructions_url,omitempty"`
	Store            string     `json:"store,omitempty"`
	Receipt          string     `json:"receipt,omitempty"`
	ConfirmationCode string     `json:"confirmation_code,omitempty"`
	Deadline         *time.Time `json:"deadline,omitempty"`
	// Source says what told us of a status change: poll, webhook or
	// return_url.
	Source string `json:"source,omitempty"`
}

// eventOf builds a stream event from o.
func eventOf(event, cmd string, o flows.Outcome, source string) eventJSON {
	return eventJSON{
		Event: event, Command: cmd, Outcome: string(o.Kind), Status: string(o.Status()), Message: redact(o.Message),
		PaymentID: o.PaymentID(), SessionID: o.SessionID, OrderNum: o.OrderNum,
		RedirectURL: o.RedirectURL, InstructionsURL: o.InstructionsURL, Store: o.Store,
		Receipt: o.Receipt, ConfirmationCode: o.ConfirmationCode, Deadline: o.Deadline, Source: source,
	}
}

// toJSON builds the JSON view of o.
func toJSON(cmd string, o flows.Outcome, err error, code int) outcomeJSON {
	j := outcomeJSON{
		Command: cmd, OK: code == ExitOK, ExitCode: code,
		Outcome: string(o.Kind), Message: redact(o.Message),
		PaymentID: o.PaymentID(), SessionID: o.SessionID, OrderNum: o.OrderNum, Status: string(o.Status()),
		RedirectURL: o.RedirectURL, InstructionsURL: o.InstructionsURL, Store: o.Store,
		Receipt: o.Receipt, ConfirmationCode: o.ConfirmationCode, Deadline: o.Deadline,
		CanRetry: o.CanRetry, Actions: []string{}, Payment: o.Payment,
	}
	for _, a := range o.Actions {
		j.Actions = append(j.Actions, string(a))
	}
	if p := o.Payment; p != nil {
		j.Method = string(p.Type())
		j.Card = cardLabel(p)
		j.Amount, j.Total, j.AmountRefunded, j.Currency = p.Amount, p.Total, p.AmountRefunded, p.Currency
	}
	if code != ExitOK {
		j.Error = errorOf(o, err, code)
	}
	return j
}

// errorOf describes a failed outcome for JSON.
func errorOf(o flows.Outcome, err error, code int) *errorDetail {
	d := &errorDetail{Class: className(o, err, code), Message: redact(o.Message), Field: o.Field, Flag: flagFor(o.Field)}
	if o.Err != nil {
		d.Code = o.Err.Code
		if d.Field == "" {
			d.Field = o.Err.Param
		}
	}
	var fe flows.FieldErrors
	if errors.As(err, &fe) && len(fe) > 0 {
		d.Message = redact(fieldErrorsText(fe))
		d.Field, d.Flag = fe[0].Field, flagFor(fe[0].Field)
	}
	if d.Message == "" && err != nil {
		d.Message = redact(err.Error())
	}
	return d
}

// className names the class of a failure for JSON ("declined", "network").
func className(o flows.Outcome, err error, code int) string {
	switch code {
	case ExitNotCompleted:
		return "not_completed"
	case ExitFailure:
		return "local"
	}
	if c := flows.Classify(o, err); c != flows.ClassNone {
		return string(c)
	}
	return "api"
}

// cardLabel is "Visa •••• 1111" for a card payment, else "".
func cardLabel(p *komoju.Payment) string {
	if p == nil || p.PaymentDetails == nil || p.PaymentDetails.CreditCard == nil {
		return ""
	}
	cc := p.PaymentDetails.CreditCard
	s := flows.BrandName(cc.Brand)
	if cc.LastFourDigits != "" {
		s += " •••• " + cc.LastFourDigits
	}
	return s
}

// methodLabel is the method's English name, with the card or store.
func methodLabel(p *komoju.Payment, store string) string {
	t := p.Type()
	if t == "" {
		return ""
	}
	name := string(t)
	if m, ok := flows.LookupMethod(t); ok {
		name = m.NameEn
	}
	if c := cardLabel(p); c != "" {
		return name + " (" + c + ")"
	}
	if store != "" {
		return name + ", " + flows.StoreName(store, "en")
	}
	return name
}

// line writes one "label: value" row; empty values are skipped. The value
// is made one inert line: it often comes from KOMOJU (names, descriptions,
// bank names, error messages), and a \r or escape in it must neither
// break the row nor reach the terminal.
func line(w io.Writer, label, value string) {
	if value == "" {
		return
	}
	fmt.Fprintf(w, "  %-14s %s\n", label+":", termtext.Line(value))
}

// printOutcome writes o in plain words: the message first, then the facts a
// clerk or script needs (ids, links, what can be done next). cmd is the
// command that produced it ("pay", "capture", ...).
func printOutcome(w io.Writer, cmd string, o flows.Outcome) {
	msg := redact(o.Message)
	if msg == "" {
		msg = o.Kind.String()
	}
	switch {
	case cmd == "pay" && (o.Kind == flows.OutcomeError || o.Kind == flows.OutcomeUnknown):
		msg = o.Kind.String() + ": " + msg
	case o.Kind == flows.OutcomeError:
		msg = strings.ReplaceAll(cmd, "-", " ") + " failed: " + msg
	case o.Kind == flows.OutcomeUnknown:
		msg = strings.ReplaceAll(cmd, "-", " ") + ": outcome unknown: " + msg
	}
	fmt.Fprintln(w, termtext.Line(msg))
	line(w, "result", string(o.Kind))
	if p := o.Payment; p != nil {
		line(w, "status", string(p.Status))
		line(w, "payment", p.ID)
	}
	line(w, "session", o.SessionID)
	line(w, "order", o.OrderNum)
	if p := o.Payment; p != nil {
		line(w, "method", methodLabel(p, o.Store))
		total := p.Total
		if total == 0 {
			total = p.Amount + p.Tax + p.PaymentMethodFee
		}
		amt := komoju.FormatAmount(p.Amount, p.Currency)
		if p.Tax != 0 || p.PaymentMethodFee != 0 || total != p.Amount {
			amt += fmt.Sprintf(" (tax %s, fee %s, total %s)", komoju.FormatAmount(p.Tax, p.Currency),
				komoju.FormatAmount(p.PaymentMethodFee, p.Currency), komoju.FormatAmount(total, p.Currency))
		}
		line(w, "amount", amt)
		if p.AmountRefunded > 0 {
			line(w, "refunded", fmt.Sprintf("%s (%s still refundable)", komoju.FormatAmount(p.AmountRefunded, p.Currency),
				komoju.FormatAmount(p.RefundableAmount(), p.Currency)))
		}
	}
	if o.Err != nil {
		line(w, "error code", o.Err.Code)
	}
	if o.Field != "" {
		f := o.Field
		if fl := flagFor(o.Field); fl != "" && fl != "ID" {
			f += " (" + fl + ")"
		}
		line(w, "field", f)
	}
	if o.Kind == flows.OutcomeRedirect {
		line(w, "open", o.RedirectURL)
	}
	line(w, "instructions", o.InstructionsURL)
	line(w, "receipt", o.Receipt)
	line(w, "confirmation", o.ConfirmationCode)
	if o.Deadline != nil {
		label := "pay by"
		if o.Kind == flows.OutcomeAuthorized {
			label = "capture by"
		}
		if o.Kind.Final() {
			label = "deadline"
		}
		line(w, label, o.Deadline.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:04 MST"))
	}
	if o.CanRetry {
		if o.OrderNum != "" && o.SessionID != "" {
			line(w, "retry", "yes: pay the same sale again with: komoju-tui pay --sale "+o.OrderNum+" --method ...")
		} else {
			line(w, "retry", "yes: the same sale can be paid again")
		}
	}
	if o.Kind == flows.OutcomeUnknown {
		// Say how to find out, with what this run knows.
		ref := o.PaymentID()
		if ref == "" {
			ref = o.OrderNum
		}
		if ref != "" {
			line(w, "check", "komoju-tui show "+ref)
		}
	}
	var acts []string
	for _, a := range o.Actions {
		acts = append(acts, string(a))
	}
	line(w, "next", strings.Join(acts, ", "))
}

// printPaymentExtras writes a payment's refunds and refund requests (for
// show).
func printPaymentExtras(w io.Writer, p *komoju.Payment) {
	if p == nil {
		return
	}
	if !p.CreatedAt.IsZero() {
		line(w, "created", p.CreatedAt.Local().Format(time.RFC3339))
	}
	if p.CapturedAt != nil {
		line(w, "captured", p.CapturedAt.Local().Format(time.RFC3339))
	}
	for _, rf := range p.Refunds {
		d := ""
		if rf.Description != nil && *rf.Description != "" {
			d = " — " + redact(*rf.Description)
		}
		line(w, "refund", fmt.Sprintf("%s %s on %s%s", rf.ID, komoju.FormatAmount(rf.Amount, p.Currency), rf.CreatedAt.Local().Format("2006-01-02 15:04"), d))
	}
	for _, rr := range p.RefundRequests {
		amt := ""
		if rr.Amount > 0 {
			amt = komoju.FormatAmount(rr.Amount, p.Currency) + " "
		}
		line(w, "refund request", fmt.Sprintf("%s %s(%s) to %s", rr.ID, amt, rr.Status, rr.BankName))
	}
}

// printJournalSale writes what the journal knows about a sale.
func printJournalSale(w io.Writer, s *journal.Sale) {
	if s == nil {
		return
	}
	line(w, "journal", fmt.Sprintf("sale %d, %s flow, %d attempt(s)", s.ID, s.Flow, s.Attempts))
	for _, h := range s.History {
		st := string(h.Status)
		if h.AmountRefunded > 0 {
			st += fmt.Sprintf(" (refunded %s)", komoju.FormatAmount(h.AmountRefunded, s.Currency))
		}
		line(w, "history", h.At.Local().Format("2006-01-02 15:04:05")+" "+st+" via "+h.Source)
	}
	if len(s.OpenActions) > 0 {
		line(w, "unfinished", fmt.Sprintf("%d action(s) without a definite result", len(s.OpenActions)))
	}
}
