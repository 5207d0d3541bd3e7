package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

func (m *Model) updatePayment(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok || m.payment == nil {
		return nil
	}
	switch {
	case key.Matches(km, m.keys.Back):
		m.screen = m.origin
		if m.origin == screenHistory {
			var cmd tea.Cmd
			m.history, cmd = m.history.Load()
			return cmd
		}
		return nil
	case key.Matches(km, m.keys.History):
		return m.openHistory()
	case key.Matches(km, m.keys.NewSale):
		return m.newSale()
	case key.Matches(km, m.keys.SaveReceipt) && hasReceipt(m.payment):
		return m.saveReceiptOf(m.paymentOutcome())
	case key.Matches(km, m.keys.Print) && hasReceipt(m.payment) && m.canPrint():
		return m.printReceiptOf(m.paymentOutcome())
	}
	return m.actionKeys(km, m.payment)
}

// timelineEntry is one dated line of a payment's timeline.
type timelineEntry struct {
	at   time.Time
	text string
}

// timeline lists what happened to p, oldest first: created, captured,
// refunds, refund requests, and the journal's status history when known.
func (m Model) timeline(p *komoju.Payment) []timelineEntry {
	var tl []timelineEntry
	if !p.CreatedAt.IsZero() {
		tl = append(tl, timelineEntry{p.CreatedAt, m.t.S("created")})
	}
	if p.CapturedAt != nil {
		tl = append(tl, timelineEntry{*p.CapturedAt, m.t.S("captured")})
	}
	for _, r := range p.Refunds {
		tl = append(tl, timelineEntry{r.CreatedAt, m.t.S("refund") + " " + komoju.FormatAmount(r.Amount, p.Currency)})
	}
	for _, r := range p.RefundRequests {
		tl = append(tl, timelineEntry{r.CreatedAt, m.t.S("bank refund request") + " (" + string(r.Status) + ")"})
	}
	for _, h := range m.payTimeline.entries(p.ID, m.t) {
		tl = append(tl, timelineEntry{h.at, h.text})
	}
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].at.Before(tl[j].at) })
	return tl
}

func (m Model) viewPayment() string {
	p := m.payment
	if p == nil {
		return ""
	}
	st := m.st
	o := flows.OutcomeFromPayment(p)
	title, tstyle := m.outcomeTitle(&o)
	var b strings.Builder
	b.WriteString(st.Title.Render(m.t.S("Payment")) + " " + st.Value.Render(termtext.Line(m.showID(p.ID))) + "  " + tstyle.Render(title) + "\n")
	cur := p.Currency
	row := func(label, value string) {
		if value != "" {
			b.WriteString(st.Label.Render(padRight(m.t.S(label), 14)) + termtext.Line(value) + "\n")
		}
	}
	row("Status", m.t.status(string(p.Status)))
	row("Method", m.methodText(p))
	row("Order", p.OrderNum())
	row("Amount", komoju.FormatAmount(p.Amount, cur))
	if p.Tax > 0 {
		row("Tax", komoju.FormatAmount(p.Tax, cur))
	}
	if p.PaymentMethodFee > 0 {
		row("Fee", komoju.FormatAmount(p.PaymentMethodFee, cur))
	}
	row("Total", komoju.FormatAmount(authorizedTotal(p), cur))
	if p.AmountRefunded > 0 {
		row("Refunded", komoju.FormatAmount(p.AmountRefunded, cur))
	}
	if p.Status == komoju.PaymentCaptured {
		row("Refundable", komoju.FormatAmount(p.RefundableAmount(), cur))
	}
	if p.SessionID() != "" {
		row("Session", m.showID(p.SessionID()))
	}
	if p.PaymentDeadline != nil && (p.Status == komoju.PaymentAuthorized || p.Status == komoju.PaymentPending) {
		row("Deadline", p.PaymentDeadline.In(jst()).Format("2006-01-02 15:04 MST"))
	}
	b.WriteString("\n" + st.Title.Render(m.t.S("Timeline")) + "\n")
	for _, e := range m.timeline(p) {
		b.WriteString("  " + st.Muted.Render(e.at.In(m.opts.Now().Location()).Format("15:04:05")) + "  " + termtext.Line(e.text) + "\n")
	}
	var acts []string
	for _, a := range flows.AllowedActions(p) {
		acts = append(acts, m.t.S(a.Label()))
	}
	b.WriteString("\n" + st.Label.Render(m.t.S("Actions")+": ") + strings.Join(acts, " · ") + "\n")
	return b.String()
}

// openRefundRequest asks for the customer's bank account (konbini, bank
// transfer and Pay-easy payments are refunded by bank transfer) and sends
// the refund request after a confirmation.
func (m *Model) openRefundRequest(p *komoju.Payment) tea.Cmd {
	rr := &komoju.RefundRequestParams{Amount: p.RefundableAmount(), AccountType: "ordinary"}
	amountText := komoju.Currency{}.FormatPlain(0)
	if c, ok := komoju.LookupCurrency(p.Currency); ok {
		amountText = c.FormatPlain(rr.Amount)
	}
	kana := func(s string) error { return flows.ValidateKana(s) }
	required := func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errRequired
		}
		return nil
	}
	digits := func(n int) func(string) error {
		return func(s string) error {
			fe := flows.ValidateRefundRequest(komoju.RefundRequestParams{Amount: 1, CustomerName: "ア", BankName: "x", BranchNumber: pad3(s, n == 3), AccountType: "ordinary", AccountNumber: pad7(s, n == 7)})
			if len(fe) > 0 {
				return fe
			}
			return nil
		}
	}
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().Title(m.t.S("Amount")).Value(&amountText).Validate(func(s string) error {
			v, err := komoju.ParseAmount(s, p.Currency)
			if err == nil && v > p.RefundableAmount() {
				return errTooMuch
			}
			return err
		}),
		huh.NewInput().Title(m.t.S("Account holder (katakana)")).Value(&rr.CustomerName).Validate(kana),
		huh.NewInput().Title(m.t.S("Bank name")).Value(&rr.BankName).Validate(required),
		huh.NewInput().Title(m.t.S("Branch number (3 digits)")).Value(&rr.BranchNumber).Validate(digits(3)),
		huh.NewSelect[string]().Title(m.t.S("Account type")).Options(
			huh.NewOption(m.t.S("ordinary"), "ordinary"), huh.NewOption(m.t.S("checking"), "checking"), huh.NewOption(m.t.S("savings"), "savings")).Value(&rr.AccountType),
		huh.NewInput().Title(m.t.S("Account number (7 digits)")).Value(&rr.AccountNumber).Validate(digits(7)),
	)).WithShowHelp(false).WithWidth(60).WithHeight(max(m.bodyHeight()-6, 8))
	id := p.ID
	cur := p.Currency
	m.modal = &modal{
		title:    m.t.S("Bank refund request"),
		formNote: m.t.S("KOMOJU sends the money to the customer's bank account."),
		form:     form,
		onForm: func(m *Model) tea.Cmd {
			v, err := komoju.ParseAmount(amountText, cur)
			if err != nil {
				m.setStatus(m.t.S("Bank refund request"), err)
				return nil
			}
			rr.Amount = v
			req := *rr
			m.modal = m.confirmModal(m.t.F("Request a bank refund of %s for payment %s?", komoju.FormatAmount(v, cur), m.showID(id)), "",
				func(m *Model) tea.Cmd { return m.runAction(flows.ActionRefundRequest, id, v, &req) })
			return nil
		},
	}
	return form.Init()
}

// pad3 and pad7 let one field be checked with ValidateRefundRequest by
// giving the other digit fields valid values.
func pad3(s string, mine bool) string {
	if mine {
		return s
	}
	return "001"
}

func pad7(s string, mine bool) string {
	if mine {
		return s
	}
	return "1234567"
}

// uiError is a constant error message of this package.
type uiError string

// Error returns the message.
func (e uiError) Error() string { return string(e) }

const (
	errRequired uiError = "is required"
	errTooMuch  uiError = "is more than can be refunded"
)

// payTimeline is the journal's status history and the webhook events of the
// payment on the payment screen.
type payTimeline struct {
	payment string
	hist    []journal.StatusChange
	hooks   []webhooks.Event
}

// timelineMsg carries a payment's status history and webhook events.
type timelineMsg struct {
	payment string
	hist    []journal.StatusChange
	hooks   []webhooks.Event
	err     error
}

func (tl payTimeline) entries(paymentID string, t tr) []timelineEntry {
	if paymentID == "" || tl.payment != paymentID {
		return nil
	}
	var out []timelineEntry
	for _, c := range tl.hist {
		out = append(out, timelineEntry{c.At, fmt.Sprintf("%s (%s)", t.status(string(c.Status)), t.status(c.Source))})
	}
	for _, e := range tl.hooks {
		verdict := "verified"
		if !e.Verified {
			verdict = "rejected: " + e.Reason
		}
		out = append(out, timelineEntry{e.ReceivedAt, fmt.Sprintf("webhook %s (%s)", e.Type, verdict)})
	}
	return out
}
