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
	"github.com/komoju-tui/komoju-tui/flows/words"
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
		d.Message = redact(fieldErrorsText(fe, "en")) // JSON is English
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

// methodLabel is the method's name in lang, with the card or store.
func methodLabel(p *komoju.Payment, store, lang string) string {
	t := p.Type()
	if t == "" {
		return ""
	}
	name := string(t)
	if m, ok := flows.LookupMethod(t); ok {
		name = m.Name(lang)
	}
	if c := cardLabel(p); c != "" {
		return name + " (" + c + ")"
	}
	if store != "" {
		if isJa(lang) {
			return name + "、" + flows.StoreName(store, lang)
		}
		return name + ", " + flows.StoreName(store, lang)
	}
	return name
}

// say is a label or phrase of the result block (flows/words) in lang.
func say(lang, id string, args ...any) string { return words.T(id, args...).In(lang) }

// isJa reports whether lang is Japanese.
func isJa(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "ja") }

// line writes one "label: value" row; empty values are skipped. The value
// is made one inert line: it often comes from KOMOJU (names, descriptions,
// bank names, error messages), and a \r or escape in it must neither
// break the row nor reach the terminal.
func line(w io.Writer, label, value string) {
	if value == "" {
		return
	}
	// Padded by the label's width on screen, not its bytes: a Japanese
	// label's characters take two cells each.
	fmt.Fprintf(w, "  %s %s\n", termtext.Pad(label+":", 14), termtext.Line(value))
}

// printOutcome writes o in plain words, in lang: the message first, then
// the facts a clerk or script needs (ids, links, what can be done next).
// cmd is the command that produced it ("pay", "capture", ...). Ids, links,
// statuses' JSON names (--json) and the next commands stay as they are.
func printOutcome(w io.Writer, cmd, lang string, o flows.Outcome) {
	msg := redact(o.Message)
	if isJa(lang) {
		msg = redact(o.Say(lang))
	}
	if msg == "" {
		msg = o.Kind.String()
	}
	what := strings.ReplaceAll(cmd, "-", " ")
	switch {
	case cmd == "pay" && (o.Kind == flows.OutcomeError || o.Kind == flows.OutcomeUnknown):
		if !isJa(lang) { // the Japanese sentence says "not paid" or "unknown" itself
			msg = o.Kind.String() + ": " + msg
		}
	case o.Kind == flows.OutcomeError:
		if isJa(lang) {
			msg = redact(errorReason(o, lang))
		}
		msg = say(lang, "out_failed", what, msg)
	case o.Kind == flows.OutcomeUnknown:
		msg = say(lang, "out_outcome_unknown", what, msg)
	}
	fmt.Fprintln(w, termtext.Line(msg))
	line(w, say(lang, "out_result"), kindName(o.Kind, lang))
	if p := o.Payment; p != nil {
		line(w, say(lang, "out_status"), statusName(string(p.Status), lang))
		line(w, say(lang, "out_payment"), p.ID)
	}
	line(w, say(lang, "out_session"), o.SessionID)
	line(w, say(lang, "out_order"), o.OrderNum)
	if p := o.Payment; p != nil {
		line(w, say(lang, "out_method"), methodLabel(p, o.Store, lang))
		total := p.Total
		if total == 0 {
			total = p.Amount + p.Tax + p.PaymentMethodFee
		}
		amt := komoju.FormatAmount(p.Amount, p.Currency)
		if p.Tax != 0 || p.PaymentMethodFee != 0 || total != p.Amount {
			amt += say(lang, "out_amount_breakdown", komoju.FormatAmount(p.Tax, p.Currency),
				komoju.FormatAmount(p.PaymentMethodFee, p.Currency), komoju.FormatAmount(total, p.Currency))
		}
		line(w, say(lang, "out_amount"), amt)
		if p.AmountRefunded > 0 {
			line(w, say(lang, "out_refunded"), say(lang, "out_still_refundable", komoju.FormatAmount(p.AmountRefunded, p.Currency),
				komoju.FormatAmount(p.RefundableAmount(), p.Currency)))
		}
	}
	if o.Err != nil {
		line(w, say(lang, "out_error_code"), o.Err.Code)
	}
	if o.Field != "" {
		f := o.Field
		if fl := flagFor(o.Field); fl != "" && fl != "ID" {
			f += " (" + fl + ")"
		}
		line(w, say(lang, "out_field"), f)
	}
	if o.Kind == flows.OutcomeRedirect {
		line(w, say(lang, "out_open"), o.RedirectURL)
	}
	line(w, say(lang, "out_instructions"), o.InstructionsURL)
	line(w, say(lang, "out_receipt"), o.Receipt)
	line(w, say(lang, "out_confirmation"), o.ConfirmationCode)
	if o.Deadline != nil {
		label := "out_pay_by"
		if o.Kind == flows.OutcomeAuthorized {
			label = "out_capture_by"
		}
		if o.Kind.Final() {
			label = "out_deadline"
		}
		line(w, say(lang, label), o.Deadline.In(journal.JST).Format("2006-01-02 15:04 MST"))
	}
	if o.CanRetry {
		if o.OrderNum != "" && o.SessionID != "" {
			line(w, say(lang, "out_retry"), say(lang, "out_retry_sale", o.OrderNum))
		} else {
			line(w, say(lang, "out_retry"), say(lang, "out_retry_yes"))
		}
	}
	if o.Kind == flows.OutcomeUnknown {
		// Say how to find out, with what this run knows.
		ref := o.PaymentID()
		if ref == "" {
			ref = o.OrderNum
		}
		if ref != "" {
			line(w, say(lang, "out_check"), "komoju-tui show "+ref)
		}
	}
	var acts []string
	for _, a := range o.Actions {
		acts = append(acts, actionName(a, lang))
	}
	sep := ", "
	if isJa(lang) {
		sep = "、"
	}
	line(w, say(lang, "out_next"), strings.Join(acts, sep))
}

// kindName is an outcome's name in lang (its JSON name in English).
func kindName(k flows.OutcomeKind, lang string) string {
	if !isJa(lang) {
		return string(k)
	}
	return say(lang, "kind_"+string(k))
}

// statusName is a payment status in lang (KOMOJU's name in English).
func statusName(s, lang string) string {
	if !isJa(lang) {
		return s
	}
	return words.Status(s, lang)
}

// actionName is what the clerk can do next: the command's word in English
// (as --json has it), in Japanese the action's name with that word.
func actionName(a flows.Action, lang string) string {
	if !isJa(lang) {
		return string(a)
	}
	id := map[flows.Action]string{
		flows.ActionCapture: "action_capture", flows.ActionCancel: "action_cancel_payment", flows.ActionRefund: "action_refund",
		flows.ActionRefundRequest: "action_request_bank_refund", flows.ActionRefresh: "action_refresh",
	}[a]
	if id == "" {
		return string(a)
	}
	return say(lang, id) + " (" + string(a) + ")"
}

// flowName is a sale's flow (session, direct) in lang.
func flowName(flow, lang string) string {
	if !isJa(lang) {
		return flow
	}
	return say(lang, "out_flow_"+flow)
}

// errorReason is why o failed, in lang where the table knows KOMOJU's
// code (KOMOJU words its errors in English) or the sentence is the
// till's own (Outcome.Text).
func errorReason(o flows.Outcome, lang string) string {
	if o.Err != nil {
		if r, ok := words.Decline(o.Err.Code, lang); ok {
			return r
		}
		if o.Err.Message != "" {
			return o.Err.Message
		}
	}
	if o.Text.ID != "" {
		return o.Text.In(lang)
	}
	return o.Message
}

// printPaymentExtras writes a payment's refunds and refund requests (for
// show).
func printPaymentExtras(w io.Writer, p *komoju.Payment, lang string) {
	if p == nil {
		return
	}
	if !p.CreatedAt.IsZero() {
		line(w, say(lang, "out_created"), p.CreatedAt.In(journal.JST).Format(time.RFC3339))
	}
	if p.CapturedAt != nil {
		line(w, say(lang, "out_captured"), p.CapturedAt.In(journal.JST).Format(time.RFC3339))
	}
	for _, rf := range p.Refunds {
		d := ""
		if rf.Description != nil && *rf.Description != "" {
			d = " — " + redact(*rf.Description)
		}
		line(w, say(lang, "out_refund"), say(lang, "out_refund_row", rf.ID, komoju.FormatAmount(rf.Amount, p.Currency), rf.CreatedAt.In(journal.JST).Format("2006-01-02 15:04"), d))
	}
	for _, rr := range p.RefundRequests {
		amt := ""
		if rr.Amount > 0 {
			amt = komoju.FormatAmount(rr.Amount, p.Currency) + " "
		}
		line(w, say(lang, "out_refund_request"), say(lang, "out_refund_request_row", rr.ID, amt, statusName(string(rr.Status), lang), rr.BankName))
	}
}

// printJournalSale writes what the journal knows about a sale.
func printJournalSale(w io.Writer, s *journal.Sale, lang string) {
	if s == nil {
		return
	}
	line(w, say(lang, "out_journal"), say(lang, "out_journal_sale", s.ID, flowName(string(s.Flow), lang), s.Attempts))
	for _, h := range s.History {
		st := statusName(string(h.Status), lang)
		if h.AmountRefunded > 0 {
			st += say(lang, "out_history_refunded", komoju.FormatAmount(h.AmountRefunded, s.Currency))
		}
		line(w, say(lang, "out_history"), say(lang, "out_history_row", h.At.In(journal.JST).Format("2006-01-02 15:04:05"), st, statusName(h.Source, lang)))
	}
	if len(s.OpenActions) > 0 {
		line(w, say(lang, "out_unfinished"), say(lang, "out_open_actions", len(s.OpenActions)))
	}
}
