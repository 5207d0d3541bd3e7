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
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// paymentModel is the screen of one payment (d on a result, enter in
// History): its figures, the konbini slip, the timeline and the actions it
// allows, with its own keys and help. The payment itself is the root's
// (pushed updates and actions change it there) and is handed to Update and
// View, as the method screen gets the sale; the timeline the root loaded
// for it is kept here.
type paymentModel struct {
	common
	keys     paymentKeys
	timeline payTimeline
}

// paymentKeys are the payment screen's keys.
type paymentKeys struct {
	Back, History, NewSale, CopyLink, Refresh                                key.Binding
	SaveReceipt, Print                                                       key.Binding
	Capture, CapturePartial, CancelPay, Refund, RefundPartial, RefundRequest key.Binding
}

func newPaymentModel(c common, k KeyMap) paymentModel {
	return paymentModel{common: c, keys: paymentKeys{Back: k.Back, History: k.History, NewSale: k.NewSale, CopyLink: k.CopyLink,
		Refresh: k.Refresh, Capture: k.Capture, CapturePartial: k.CapturePartial, CancelPay: k.CancelPay,
		Refund: k.Refund, RefundPartial: k.RefundPartial, RefundRequest: k.RefundRequest,
		SaveReceipt: k.SaveReceipt, Print: k.Print}}
}

// ShortHelp is the footer's part: the actions acts allows first, then
// the link (when the screen shows one) and the way out.
// receipt and print say whether the payment has a receipt and the till a
// printer.
func (pm paymentModel) ShortHelp(acts []flows.Action, link, receipt, print bool) []key.Binding {
	k := pm.keys
	var b []key.Binding
	if slices.Contains(acts, flows.ActionCapture) {
		b = append(b, k.Capture, k.CapturePartial)
	}
	if slices.Contains(acts, flows.ActionCancel) {
		b = append(b, k.CancelPay)
	}
	if slices.Contains(acts, flows.ActionRefund) {
		b = append(b, k.Refund, k.RefundPartial)
	}
	if slices.Contains(acts, flows.ActionRefundRequest) {
		b = append(b, k.RefundRequest)
	}
	if receipt {
		b = append(b, k.SaveReceipt)
		if print {
			b = append(b, k.Print)
		}
	}
	if link {
		b = append(b, k.CopyLink)
	}
	b = append(b, k.Back, k.NewSale)
	if slices.Contains(acts, flows.ActionRefresh) {
		b = append(b, k.Refresh)
	}
	return append(b, k.History)
}

// What the payment screen asks of the root.
type (
	paymentBackMsg     struct{}
	paymentHistoryMsg  struct{}
	paymentNewSaleMsg  struct{}
	paymentCopyLinkMsg struct{}
	// paymentReceiptMsg saves the payment's receipt, or prints it.
	paymentReceiptMsg struct{ print bool }
	// paymentActionMsg is an action key (capture, cancel, refund, …):
	// the root asks, confirms and runs it.
	paymentActionMsg struct{ key tea.KeyMsg }
)

// SetTimeline keeps the journal's history and webhooks of a payment.
func (pm paymentModel) SetTimeline(tl payTimeline) paymentModel {
	pm.timeline = tl
	return pm
}

// Update turns keys into asks for the root.
func (pm paymentModel) Update(msg tea.Msg, p *komoju.Payment) (paymentModel, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || p == nil {
		return pm, nil
	}
	k := pm.keys
	switch {
	case key.Matches(km, k.Back):
		return pm, ask(paymentBackMsg{})
	case key.Matches(km, k.History):
		return pm, ask(paymentHistoryMsg{})
	case key.Matches(km, k.NewSale):
		return pm, ask(paymentNewSaleMsg{})
	case key.Matches(km, k.CopyLink):
		return pm, ask(paymentCopyLinkMsg{})
	case key.Matches(km, k.SaveReceipt) && hasReceipt(p):
		return pm, ask(paymentReceiptMsg{})
	case key.Matches(km, k.Print) && hasReceipt(p):
		return pm, ask(paymentReceiptMsg{print: true})
	case key.Matches(km, k.Capture, k.CapturePartial, k.CancelPay, k.Refund, k.RefundPartial, k.RefundRequest, k.Refresh):
		return pm, ask(paymentActionMsg{key: km})
	}
	return pm, nil
}

// onPaymentAsk does what the payment screen asked.
func (m *Model) onPaymentAsk(msg tea.Msg) tea.Cmd {
	if m.screen != screenPayment || m.payment == nil {
		return nil
	}
	switch msg := msg.(type) {
	case paymentBackMsg:
		m.screen = m.origin
		if m.origin == screenHistory {
			var cmd tea.Cmd
			m.history, cmd = m.history.Load()
			return cmd
		}
	case paymentHistoryMsg:
		return m.openHistory()
	case paymentNewSaleMsg:
		return m.newSale()
	case paymentReceiptMsg:
		if msg.print {
			if !m.canPrint() {
				return nil
			}
			return m.printReceiptOf(m.paymentOutcome())
		}
		return m.saveReceiptOf(m.paymentOutcome())
	case paymentCopyLinkMsg:
		return m.copyLink()
	case paymentActionMsg:
		return m.actionKeys(msg.key, m.payment)
	}
	return nil
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
func (pm paymentModel) timelineOf(p *komoju.Payment) []timelineEntry {
	m := pm
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
	if tl := m.timeline; tl.payment == p.ID && p.ID != "" {
		for _, c := range tl.hist {
			add(timelineEvent{at: c.At, payment: c.PaymentID, status: string(c.Status), sources: []string{m.t.status(c.Source)}})
		}
		for _, e := range tl.hooks {
			if st := webhookStatus(e.Type); st != "" && e.Verified {
				add(timelineEvent{at: e.ReceivedAt, payment: p.ID, status: st, sources: []string{m.t.status("webhook")}})
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

// View draws p; req are the bank refund requests this till sent, qr the
// QR codes the root rendered, bodyH the rows the screen has.
func (pm paymentModel) View(p *komoju.Payment, req requestedRefunds, qr qrCache, bodyH int) string {
	if p == nil {
		return ""
	}
	m := pm
	st := m.st
	o := flows.OutcomeFromPayment(p)
	title, tstyle := m.outcomeTitle(&o, false)
	var b strings.Builder
	b.WriteString(st.Title.Render(m.t.S("Payment")) + " " + st.Value.Render(termtext.Line(m.showID(p.ID))) + "  " + tstyle.Render(title) + "\n")
	cur := p.Currency
	row := func(label, value string) {
		if value != "" {
			b.WriteString(st.Label.Render(padRight(m.t.S(label), 14)) + termtext.Line(value) + "\n")
		}
	}
	row("Status", m.t.status(string(p.Status)))
	row("Method", m.paymentMethodText(p))
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
		left, known := req.left(p)
		if asked := req.open(p); asked > 0 {
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
		row("Deadline", p.PaymentDeadline.In(journal.JST).Format("2006-01-02 15:04 MST"))
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
	for _, e := range m.timelineOf(p) {
		b.WriteString("  " + st.Muted.Render(e.at.In(journal.JST).Format("15:04:05")) + "  " + termtext.Line(e.text) + "\n")
	}
	var acts []string
	for _, a := range req.allowedActions(p) {
		acts = append(acts, m.t.S(a.Label()))
	}
	b.WriteString("\n" + st.Label.Render(m.t.S("Actions")+": ") + strings.Join(acts, " · ") + "\n")
	url, caption := qrTarget(&o)
	if url == "" {
		return b.String()
	}
	links := []string{m.t.S("Instructions"), m.showURL(url, p.ID, p.SessionID())}
	code := qr.get(url, m.qrBox(bodyH))
	if code.val == "" {
		return m.withLinks(b.String(), "", 0, bodyH, links)
	}
	right := code.val + "\n" + centerText(m.t.S(caption), code.w)
	return m.withLinks(b.String(), right, m.width-code.w-2, bodyH, links)
}

// openRefundRequest asks for the customer's bank account (konbini, bank
// transfer and Pay-easy payments are refunded by bank transfer) and sends
// the refund request after a confirmation.
func (m *Model) openRefundRequest(p *komoju.Payment) tea.Cmd {
	limit, _ := m.requested.left(p)
	rr := &komoju.RefundRequestParams{Amount: limit, AccountType: "ordinary"}
	amountText := komoju.Currency{}.FormatPlain(0)
	if c, ok := komoju.LookupCurrency(p.Currency); ok {
		amountText = c.FormatPlain(rr.Amount)
	}
	kana := m.t.check(flows.ValidateKana)
	required := m.t.check(func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errRequired
		}
		return nil
	})
	digits := func(n int) func(string) error {
		return m.t.check(func(s string) error {
			fe := flows.ValidateRefundRequest(komoju.RefundRequestParams{Amount: 1, CustomerName: "ア", BankName: "x", BranchNumber: pad3(s, n == 3), AccountType: "ordinary", AccountNumber: pad7(s, n == 7)})
			if len(fe) > 0 {
				return fe
			}
			return nil
		})
	}
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().Title(m.t.S("Amount")).Value(&amountText).Validate(m.t.check(func(s string) error {
			v, err := komoju.ParseAmount(s, p.Currency)
			if err == nil && v > limit {
				return errTooMuch
			}
			return err
		})),
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

// requestedRefunds are the amounts of the bank refund requests this till
// sent, by payment id. A request is a manual transfer done later, which
// may be rejected (https://doc.komoju.com/reference/createrefundrequest),
// so a pending one has not reached amount_refunded yet; and KOMOJU does
// not echo its amount, so the till remembers what it asked for.
type requestedRefunds map[string]int64

// left is what can still be refunded of p: KOMOJU's refundable amount
// less the pending bank refund requests. known is false when a pending
// request's amount is unknown here.
func (r requestedRefunds) left(p *komoju.Payment) (left int64, known bool) {
	if p == nil {
		return 0, true
	}
	known = true
	open := r.open(p)
	if open == 0 {
		for _, rr := range p.RefundRequests {
			if rr.Status == komoju.RefundRequestPending {
				known = false
			}
		}
	}
	return max(p.RefundableAmount()-open, 0), known
}

// open is the amount of p's pending bank refund requests as far as it is
// known: echoed by KOMOJU, or remembered by this till.
func (r requestedRefunds) open(p *komoju.Payment) int64 {
	var echoed int64
	pending := false
	for _, rr := range p.RefundRequests {
		if rr.Status == komoju.RefundRequestPending {
			pending = true
			echoed += rr.Amount
		}
	}
	if !pending {
		return 0
	}
	return max(echoed, r[p.ID])
}

// allowedActions are flows' actions for p, without a bank refund request
// when pending requests already cover what is left.
func (r requestedRefunds) allowedActions(p *komoju.Payment) []flows.Action {
	acts := flows.AllowedActions(p)
	if left, known := r.left(p); !known || left > 0 {
		return acts
	}
	return slices.DeleteFunc(acts, func(a flows.Action) bool { return a == flows.ActionRefundRequest })
}

// allows reports whether a is in allowedActions(p).
func (r requestedRefunds) allows(p *komoju.Payment, a flows.Action) bool {
	return slices.Contains(r.allowedActions(p), a)
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

// The refund request form's own checks, worded in the table as flows'
// are (tr.problem says them in the clerk's language).
var (
	errRequired = flows.Problem{Text: words.T("val_required")}
	errTooMuch  = flows.Problem{Text: words.T("val_more_than_refundable")}
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
