package ui

import (
	"fmt"
	"slices"
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
	case key.Matches(km, m.keys.CopyLink) && m.qrURL() != "":
		return m.copyLink()
	}
	return m.actionKeys(km, m.payment)
}

// timelineEntry is one dated line of a payment's timeline.
type timelineEntry struct {
	at   time.Time
	text string
}

// timelineEvent is one thing that happened, before it is worded: the
// payment it happened to, its status (or kind), and where it was seen.
type timelineEvent struct {
	at      time.Time
	payment string
	status  string // a payment status, or "" for a line of its own
	text    string // the line when status is ""
	sources []string
}

// webhookStatus is the payment status a payment.* webhook reports, or "".
func webhookStatus(typ string) string {
	switch typ {
	case "payment.authorized":
		return "authorized"
	case "payment.captured":
		return "captured"
	case "payment.refunded":
		return "refunded"
	case "payment.cancelled":
		return "cancelled"
	case "payment.expired":
		return "expired"
	case "payment.failed":
		return "failed"
	}
	return ""
}

// timeline lists what happened to p, oldest first: created, captured,
// refunds, refund requests, and the journal's status history and the
// webhooks when known. Each status of each payment is one line, naming
// every place it was seen (KOMOJU's answer, the journal, a webhook), and
// lines of the sale's other attempts say which payment they belong to.
func (m Model) timeline(p *komoju.Payment) []timelineEntry {
	var evs []timelineEvent
	seen := map[string]int{} // payment|status → index in evs
	add := func(e timelineEvent) {
		if e.status != "" {
			k := e.payment + "|" + e.status
			if i, ok := seen[k]; ok {
				for _, s := range e.sources {
					if !slices.Contains(evs[i].sources, s) {
						evs[i].sources = append(evs[i].sources, s)
					}
				}
				if e.at.Before(evs[i].at) {
					evs[i].at = e.at
				}
				return
			}
			seen[k] = len(evs)
		}
		evs = append(evs, e)
	}
	if !p.CreatedAt.IsZero() {
		add(timelineEvent{at: p.CreatedAt, payment: p.ID, text: m.t.S("created")})
	}
	if p.CapturedAt != nil {
		add(timelineEvent{at: *p.CapturedAt, payment: p.ID, status: string(komoju.PaymentCaptured)})
	}
	for _, r := range p.Refunds {
		add(timelineEvent{at: r.CreatedAt, payment: p.ID, text: m.t.S("refund") + " " + komoju.FormatAmount(r.Amount, p.Currency)})
	}
	for _, r := range p.RefundRequests {
		add(timelineEvent{at: r.CreatedAt, payment: p.ID, text: m.t.S("bank refund request") + " (" + m.t.status(string(r.Status)) + ")"})
	}
	if tl := m.payTimeline; tl.payment == p.ID && p.ID != "" {
		for _, c := range tl.hist {
			add(timelineEvent{at: c.At, payment: c.PaymentID, status: string(c.Status), sources: []string{m.t.status(c.Source)}})
		}
		for _, e := range tl.hooks {
			if st := webhookStatus(e.Type); st != "" && e.Verified {
				add(timelineEvent{at: e.ReceivedAt, payment: p.ID, status: st, sources: []string{"webhook"}})
				continue
			}
			verdict := "verified"
			if !e.Verified {
				verdict = "rejected: " + e.Reason
			}
			add(timelineEvent{at: e.ReceivedAt, payment: p.ID, text: fmt.Sprintf("webhook %s (%s)", e.Type, verdict)})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	tl := make([]timelineEntry, 0, len(evs))
	for _, e := range evs {
		text := e.text
		if e.status != "" {
			text = m.t.status(e.status)
			if len(e.sources) > 0 {
				text += " (" + strings.Join(e.sources, ", ") + ")"
			}
		}
		if e.payment != "" && e.payment != p.ID {
			text += " — " + m.t.F("other attempt %s", m.showID(e.payment))
		}
		tl = append(tl, timelineEntry{e.at, text})
	}
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
		left, known := m.refundLeft(p)
		if asked := m.requestedOpen(p); asked > 0 {
			row("Bank refund requested", komoju.FormatAmount(asked, cur))
		} else if !known {
			row("Bank refund requested", m.t.S("yes (the amount is not known on this till)"))
		}
		if known {
			row("Refundable", komoju.FormatAmount(left, cur))
		}
	}
	if p.SessionID() != "" {
		row("Session", m.showID(p.SessionID()))
	}
	if p.PaymentDeadline != nil && (p.Status == komoju.PaymentAuthorized || p.Status == komoju.PaymentPending) {
		row("Deadline", p.PaymentDeadline.In(jst()).Format("2006-01-02 15:04 MST"))
	}
	// The slip, as the waiting screen showed it, so a clerk who moved on
	// can still tell the customer where and how to pay (store, codes —
	// never 7-Eleven's receipt, flows leaves it out — instructions and
	// their QR code).
	if o.Store != "" {
		row("Store", flows.StoreName(o.Store, m.t.lang))
	}
	row("Receipt number", o.Receipt)
	row("Confirmation code", o.ConfirmationCode)
	b.WriteString("\n" + st.Title.Render(m.t.S("Timeline")) + "\n")
	for _, e := range m.timeline(p) {
		b.WriteString("  " + st.Muted.Render(e.at.In(m.opts.Now().Location()).Format("15:04:05")) + "  " + termtext.Line(e.text) + "\n")
	}
	var acts []string
	for _, a := range m.allowedActions(p) {
		acts = append(acts, m.t.S(a.Label()))
	}
	b.WriteString("\n" + st.Label.Render(m.t.S("Actions")+": ") + strings.Join(acts, " · ") + "\n")
	url, caption := qrTarget(&o)
	if url == "" {
		return b.String()
	}
	links := []string{m.t.S("Instructions"), m.showURL(url, p.ID, p.SessionID())}
	qr := m.qr.get(url, m.qrBox())
	if qr.val == "" {
		return m.withLinks(b.String(), "", 0, links)
	}
	right := qr.val + "\n" + centerText(m.t.S(caption), qr.w)
	return m.withLinks(b.String(), right, m.width-qr.w-2, links)
}

// openRefundRequest asks for the customer's bank account (konbini, bank
// transfer and Pay-easy payments are refunded by bank transfer) and sends
// the refund request after a confirmation.
func (m *Model) openRefundRequest(p *komoju.Payment) tea.Cmd {
	limit, _ := m.refundLeft(p)
	rr := &komoju.RefundRequestParams{Amount: limit, AccountType: "ordinary"}
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
			if err == nil && v > limit {
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

// refundLeft is what can still be refunded of p: KOMOJU's refundable
// amount less the bank refund requests still pending. A request is a
// manual transfer done later, which may be rejected
// (https://doc.komoju.com/reference/createrefundrequest), so a pending one
// has not reached amount_refunded yet; and KOMOJU does not echo its
// amount, so the amounts this till requested are remembered (requested).
// known is false when a pending request's amount is unknown here.
func (m Model) refundLeft(p *komoju.Payment) (left int64, known bool) {
	if p == nil {
		return 0, true
	}
	known = true
	if m.requestedOpen(p) == 0 {
		for _, r := range p.RefundRequests {
			if r.Status == komoju.RefundRequestPending {
				known = false
			}
		}
	}
	return max(p.RefundableAmount()-m.requestedOpen(p), 0), known
}

// requestedOpen is the amount of p's pending bank refund requests as far
// as it is known: echoed by KOMOJU, or remembered from this till.
func (m Model) requestedOpen(p *komoju.Payment) int64 {
	var echoed int64
	pending := false
	for _, r := range p.RefundRequests {
		if r.Status == komoju.RefundRequestPending {
			pending = true
			echoed += r.Amount
		}
	}
	if !pending {
		return 0
	}
	return max(echoed, m.requested[p.ID])
}

// allowedActions are flows' actions for p, without a bank refund request
// when pending requests already cover what is left.
func (m Model) allowedActions(p *komoju.Payment) []flows.Action {
	acts := flows.AllowedActions(p)
	if left, known := m.refundLeft(p); !known || left > 0 {
		return acts
	}
	out := acts[:0:0]
	for _, a := range acts {
		if a != flows.ActionRefundRequest {
			out = append(out, a)
		}
	}
	return out
}

// allows reports whether a is in allowedActions(p).
func (m Model) allows(p *komoju.Payment, a flows.Action) bool {
	for _, x := range m.allowedActions(p) {
		if x == a {
			return true
		}
	}
	return false
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
