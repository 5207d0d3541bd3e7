package ui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// resultModel is the result screen: the outcome of a pay attempt (and
// "customer pays on their phone"), with its own keys and help. The
// outcome is the root's (watches, pushes and actions change it there) and
// is handed to Update and View in a resultState, as the payment screen
// gets its payment; everything beyond drawing and reading keys (actions,
// receipts, a new sale, trying again) is asked of the root.
type resultModel struct {
	common
	keys resultKeys
}

// resultKeys are the result screen's keys. Each means one thing here:
// c captures, x cancels (the payment, or the phone's session page), n
// starts a new sale; esc does nothing on a result.
type resultKeys struct {
	Capture, CapturePartial, CancelPay, Refund, RefundPartial, RefundRequest, Refresh    key.Binding
	Retry, SaveReceipt, Print, OpenLink, CopyLink, SandboxPaid, Detail, NewSale, History key.Binding
}

func newResultModel(c common, k KeyMap) resultModel {
	return resultModel{common: c, keys: resultKeys{Capture: k.Capture, CapturePartial: k.CapturePartial, CancelPay: k.CancelPay,
		Refund: k.Refund, RefundPartial: k.RefundPartial, RefundRequest: k.RefundRequest, Refresh: k.Refresh,
		Retry: k.Retry, SaveReceipt: k.SaveReceipt, Print: k.Print, OpenLink: k.OpenLink, CopyLink: k.CopyLink,
		SandboxPaid: k.SandboxPaid, Detail: k.Detail, NewSale: k.NewSale, History: k.History}}
}

// resultState is the outcome on screen and what the root knows around it.
type resultState struct {
	outcome      *flows.Outcome
	acts         []flows.Action // what the outcome's payment allows now
	phone        bool           // customer pays on their phone
	phoneWaiting bool           // … and has not chosen a method yet: x closes the page
	retry        bool           // t tries again
	canPrint     bool
	sandbox      bool   // the embedded sandbox: P pays as the customer
	link         string // the link in the QR code (u copies it)
	// for the view
	total           int64 // the sale's, until a payment says its own
	currency        string
	message, method string
	threeDS         string
	browser         string
	watching        bool
	lastUpdate      string
	spin            string
	qr              string // the QR code Update rendered, or ""
	qrW, qrH        int
	bodyH           int
}

// What the result screen asks of the root.
type (
	resultNewSaleMsg     struct{}
	resultHistoryMsg     struct{}
	resultRetryMsg       struct{}
	resultDetailMsg      struct{}
	resultCopyLinkMsg    struct{}
	resultOpenLinkMsg    struct{}
	resultRefreshMsg     struct{}
	resultSandboxPaidMsg struct{}
	resultCancelPhoneMsg struct{}
	// resultReceiptMsg saves the receipt of a paid sale, or prints it.
	resultReceiptMsg struct{ print bool }
	// resultActionMsg is an action key (capture, cancel, refund, …) on
	// the outcome's payment: the root asks, confirms and runs it.
	resultActionMsg struct{ key tea.KeyMsg }
)

// ShortHelp is the footer's part: the actions the payment allows, then
// what the outcome offers, then the ways on.
func (r resultModel) ShortHelp(s resultState) []key.Binding {
	k := r.keys
	o := s.outcome
	var b []key.Binding
	if slices.Contains(s.acts, flows.ActionCapture) {
		b = append(b, k.Capture, k.CapturePartial)
	}
	if slices.Contains(s.acts, flows.ActionCancel) || s.phoneWaiting {
		b = append(b, k.CancelPay)
	}
	if slices.Contains(s.acts, flows.ActionRefund) {
		b = append(b, k.Refund, k.RefundPartial)
	}
	if slices.Contains(s.acts, flows.ActionRefundRequest) {
		b = append(b, k.RefundRequest)
	}
	if s.retry {
		b = append(b, k.Retry)
	}
	if o != nil && o.Kind == flows.OutcomePaid {
		b = append(b, k.SaveReceipt)
		if s.canPrint {
			b = append(b, k.Print)
		}
	}
	if o != nil && o.RedirectURL != "" && o.Kind == flows.OutcomeRedirect {
		b = append(b, k.OpenLink)
	}
	if s.link != "" {
		b = append(b, k.CopyLink)
	}
	if s.sandboxPays() {
		b = append(b, k.SandboxPaid)
	}
	if o != nil && o.Payment != nil {
		b = append(b, k.Detail)
	}
	b = append(b, k.NewSale)
	if slices.Contains(s.acts, flows.ActionRefresh) {
		b = append(b, k.Refresh)
	}
	return append(b, k.History)
}

// FullHelp is what ? lists: every key the result on screen takes.
func (r resultModel) FullHelp(s resultState) []key.Binding { return r.ShortHelp(s) }

// sandboxPays reports whether P can pay as the customer (embedded
// sandbox, a payment the customer still has to finish).
func (s resultState) sandboxPays() bool {
	o := s.outcome
	return o != nil && s.sandbox && o.PaymentID() != "" && (o.Kind == flows.OutcomeAwaiting || o.Kind == flows.OutcomeRedirect)
}

// Update turns keys into asks for the root.
func (r resultModel) Update(msg tea.Msg, s resultState) (resultModel, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	o := s.outcome
	if !ok || o == nil {
		return r, nil
	}
	k := r.keys
	switch {
	case key.Matches(km, k.NewSale):
		return r, ask(resultNewSaleMsg{})
	case key.Matches(km, k.History):
		return r, ask(resultHistoryMsg{})
	case key.Matches(km, k.Retry) && s.retry:
		return r, ask(resultRetryMsg{})
	case key.Matches(km, k.Detail) && o.Payment != nil:
		return r, ask(resultDetailMsg{})
	case key.Matches(km, k.SaveReceipt) && o.Kind == flows.OutcomePaid:
		return r, ask(resultReceiptMsg{})
	case key.Matches(km, k.Print) && o.Kind == flows.OutcomePaid && s.canPrint:
		return r, ask(resultReceiptMsg{print: true})
	case key.Matches(km, k.CopyLink) && s.link != "":
		return r, ask(resultCopyLinkMsg{})
	case key.Matches(km, k.OpenLink) && o.RedirectURL != "":
		return r, ask(resultOpenLinkMsg{})
	case key.Matches(km, k.Refresh):
		return r, ask(resultRefreshMsg{})
	case key.Matches(km, k.SandboxPaid) && s.sandbox && o.PaymentID() != "":
		return r, ask(resultSandboxPaidMsg{})
	case key.Matches(km, k.CancelPay) && s.phoneWaiting:
		return r, ask(resultCancelPhoneMsg{})
	case o.Payment != nil && key.Matches(km, k.Capture, k.CapturePartial, k.CancelPay, k.Refund, k.RefundPartial, k.RefundRequest):
		return r, ask(resultActionMsg{key: km})
	}
	return r, nil
}

// View draws the outcome: headline, amount, message, the sale's rows,
// the QR code beside them and the links under both.
func (r resultModel) View(s resultState) string {
	m := r
	o := s.outcome
	if o == nil {
		return ""
	}
	st := m.st
	title, tstyle := m.outcomeTitle(o, s.phone)
	var left strings.Builder
	if m.demo {
		left.WriteString(tstyle.Render(spaced(title)) + "\n")
	} else {
		left.WriteString(tstyle.Render(title) + "\n")
	}
	amount, cur := s.total, s.currency
	if p := o.Payment; p != nil {
		amount, cur = p.Total, p.Currency
		if amount == 0 {
			amount = p.Amount + p.Tax + p.PaymentMethodFee
		}
	}
	amt := komoju.FormatAmount(amount, cur)
	if o.Kind == flows.OutcomePaid || m.demo {
		left.WriteString(bigText(amt) + "\n")
	} else {
		left.WriteString(st.Value.Render(amt) + "\n")
	}
	url, caption := qrTarget(o)
	qrBlock, qrW := s.qr, s.qrW
	leftW := m.width - 2
	if qrW > 0 {
		leftW = m.width - qrW - 2
	}
	wrapW := max(leftW-2, 20)
	left.WriteString(wrap(s.message, wrapW) + "\n")
	labelW := 18
	if leftW < 50 {
		labelW = 11 // narrow: short labels
	}
	row := func(label, value string) {
		if value == "" {
			return
		}
		text := m.t.S(label)
		if labelW < 18 {
			text = m.t.S(shortLabel(label))
		}
		left.WriteString(st.Label.Render(padRight(text, labelW)) + wrap(value, max(wrapW-labelW-1, 10)) + "\n")
	}
	row("Method", s.method)
	row("3-D Secure", s.threeDS)
	row("Payment id", m.showID(o.PaymentID()))
	row("Order", o.OrderNum)
	if o.Payment == nil {
		row("Session", m.showID(o.SessionID))
	}
	if o.Store != "" {
		row("Store", flows.StoreName(o.Store, m.t.lang))
	}
	if o.Deadline != nil && o.Kind == flows.OutcomeAwaiting {
		row("Deadline", o.Deadline.In(journal.JST).Format("2006-01-02 15:04 MST"))
	}
	row("Receipt number", o.Receipt)
	row("Confirmation code", o.ConfirmationCode)
	// Links go under everything, each on one line of the whole width:
	// a wrapped URL can be neither clicked nor copied.
	var links []string // label, URL, label, URL …
	if o.InstructionsURL != "" && o.Kind == flows.OutcomeAwaiting {
		links = append(links, m.t.S("Instructions"), m.showURL(o.InstructionsURL, o.PaymentID(), o.SessionID))
	}
	if o.Kind == flows.OutcomeRedirect && o.RedirectURL != "" {
		links = append(links, m.t.S("Link"), m.showURL(o.RedirectURL, o.PaymentID(), o.SessionID))
	}
	if s.browser != "" && o.Kind == flows.OutcomeRedirect {
		left.WriteString(st.Muted.Render(wrap(s.browser, wrapW)) + "\n")
	}
	if s.watching {
		left.WriteString(s.spin + " " + st.Muted.Render(m.t.S("following the status live")) + "\n")
	}
	if s.lastUpdate != "" {
		left.WriteString(st.Muted.Render(wrap(s.lastUpdate, wrapW)) + "\n")
	}
	if s.sandbox && o.PaymentID() != "" && (o.Kind == flows.OutcomeAwaiting || o.Kind == flows.OutcomeRedirect) {
		left.WriteString(st.Muted.Render(wrap(m.t.S("Sandbox: the customer's page has the buttons; P simulates the customer here."), wrapW)) + "\n")
	}
	if url != "" && qrBlock == "" {
		left.WriteString(st.Muted.Render(m.t.S("(widen the window to show the QR code)")) + "\n")
	}
	if qrBlock == "" {
		return m.withLinks(strings.TrimSuffix(left.String(), "\n"), "", 0, s.bodyH, links)
	}
	// The QR code is drawn without styling so that it stays plain block
	// characters that any terminal shows the same.
	right := qrBlock + "\n" + centerText(m.t.S(caption), qrW)
	if lipgloss.Height(right) > s.bodyH {
		right = qrBlock
	}
	return m.withLinks(left.String(), right, leftW, s.bodyH, links)
}
