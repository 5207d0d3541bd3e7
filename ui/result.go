package ui

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// onProcessingCancel stops waiting for the call in flight (esc on the
// processing screen) and goes where that leaves the sale.
func (m *Model) onProcessingCancel() tea.Cmd {
	if m.screen != screenProcessing || m.busy == nil {
		return nil
	}
	kind := m.busy.kind
	m.busy.cancel()
	m.busy = nil
	m.processing = m.processing.End(true, m.t.S("cancelled"))
	switch kind {
	case opSession:
		m.screen = screenAmount
	case opPay:
		if m.sale != nil {
			// The answer is lost to the console, not the attempt: the
			// next attempt on this sale first looks at the session
			// (flows' previousAttempt) so it never charges twice.
			s := *m.sale
			lo := flows.Outcome{Kind: flows.OutcomeUnknown, SessionID: s.SessionID(), OrderNum: s.OrderNum}
			s.State, s.LastOutcome = flows.SaleUnknown, &lo
			s.Attempts++
			m.sale = &s
		}
		m.setStatus(m.t.S("Cancelled while waiting for KOMOJU. The attempt is in the journal; if it went through anyway, History shows it. Check before charging again."), nil)
		m.statusOK = false
		if len(m.method.Fields()) > 0 {
			m.screen = screenDetails
			return m.openDetails()
		}
		m.screen = screenMethod
	default:
		m.screen = m.origin
	}
	return nil
}

func (m *Model) onPayResult(msg payResultMsg) tea.Cmd {
	m.adoptSale(msg)
	if !m.finish(msg.attempt) {
		return nil // stale: cancelled or superseded
	}
	o := msg.outcome
	if o.Message == "" && msg.err != nil {
		o.Message = plainError(msg.err)
	}
	m.processing = m.processing.End(o.Kind == flows.OutcomeError || o.Kind == flows.OutcomeUnknown, m.showID(o.PaymentID()))
	m.customerEnded = false
	m.track(o.Payment, o.OrderNum)
	if o.Kind == flows.OutcomeError && o.Field == flows.FieldOrderNum {
		return m.fixOrderNum(o)
	}
	m.outcome = &o
	m.screen = screenResult
	m.status = ""
	m.lastUpdate = ""
	return m.afterOutcome()
}

// adoptSale takes the sale a Method 1 pay attempt returned, when it is the
// sale on screen. A stale answer (the clerk cancelled the wait) is adopted
// too: its attempt may have charged, and the sale's last outcome is what
// makes the next attempt look before it charges again.
func (m *Model) adoptSale(msg payResultMsg) {
	if !msg.hasSale || m.sale == nil || msg.sale.SessionID() == "" ||
		msg.sale.SessionID() != m.sale.SessionID() || msg.sale.Attempts < m.sale.Attempts {
		return
	}
	s := msg.sale
	s.Checkout.Capture = m.sale.Checkout.Capture
	m.sale = &s
}

// fixOrderNum keeps the clerk where the order number can be changed when
// KOMOJU or the journal refuses it as another sale's: the amount screen,
// with the order number field focused and the reason under it. Nothing
// was charged.
func (m *Model) fixOrderNum(o flows.Outcome) tea.Cmd {
	a := &m.amount
	if o.OrderNum != "" && a.input(fieldOrder) == "" {
		a.inputs[fieldOrder-1].SetValue(o.OrderNum)
	}
	a.errs = flows.FieldErrors{{Field: flows.FieldOrderNum, Message: m.t.S("is already used by another sale: type a new one (nothing was charged)")}}
	a.message = m.outcomeMessage(o)
	m.outcome = nil
	m.status = ""
	m.screen = screenAmount
	return m.amountFocus(fieldOrder)
}

// afterOutcome opens the redirect page and follows a payment that is not
// settled yet.
func (m *Model) afterOutcome() tea.Cmd {
	o := m.outcome
	var cmds []tea.Cmd
	if o.Kind == flows.OutcomeRedirect && o.RedirectURL != "" && !m.phone {
		if m.noBrowser && !m.opts.NoBrowser {
			m.browser = m.t.S("No browser here: the page was not opened. Show the QR code or the link.")
		} else if m.opts.NoBrowser {
			m.browser = m.t.S("--no-browser: the page was not opened. Show the QR code or the link.")
		} else {
			m.browser = m.t.S("Opening the page in the browser…")
			cmds = append(cmds, openURLCmd(m.opts.OpenURL, o.RedirectURL))
		}
	}
	switch {
	case o.Kind == flows.OutcomeUnknown:
		// The answer was lost: follow the sale until KOMOJU shows what
		// happened (by payment, session or order number). An empty look-up
		// meanwhile changes nothing: the screen stays UNKNOWN.
		if c := m.startFollowUnknown(m.followTarget(o)); c != nil {
			cmds = append(cmds, c, m.spin.Tick)
		}
	case !flows.Settled(*o) && (o.PaymentID() != "" || o.SessionID != ""):
		cmds = append(cmds, m.startWatch(flows.Target{PaymentID: o.PaymentID(), SessionID: o.SessionID}), m.spin.Tick)
	}
	return tea.Batch(cmds...)
}

// startWatch follows a payment or session with flows' Watch (polling plus
// pushed webhooks); updates arrive as watchMsg.
func (m *Model) startWatch(t flows.Target) tea.Cmd {
	m.stopWatch()
	if m.eng == nil {
		return nil
	}
	m.watchSeq++
	m.watchGen = m.watchSeq
	ctx, cancel := context.WithCancel(m.ctx)
	m.watchCancel = cancel
	ch := m.eng.Watch(ctx, t, flows.WatchOptions{Poll: true})
	return waitWatch(m.watchGen, ch)
}

func (m *Model) stopWatch() {
	if m.watchCancel != nil {
		m.watchCancel()
		m.watchCancel = nil
	}
}

func (m *Model) onWatch(msg watchMsg) tea.Cmd {
	if i, w := m.waitingByGen(msg.gen); w != nil {
		return m.onBackgroundWatch(i, w, msg)
	}
	if msg.gen != m.watchGen || m.watchGen == 0 {
		return nil // an old watch: let it end
	}
	if !msg.ok {
		m.stopWatch()
		return nil
	}
	u := msg.update
	if u.Err == nil && u.Outcome.Kind != "" {
		o := u.Outcome
		if m.outcome != nil && o.Message == "" {
			o.Message = m.outcome.Message
		}
		if m.outcome != nil && (m.outcome.Kind != o.Kind || m.outcome.Status() != o.Status()) {
			m.lastUpdate = m.t.F("Status changed to %s (%s, %s).", m.t.status(string(o.Status())), m.t.status(string(u.Source)), m.opts.Now().In(journal.JST).Format("15:04:05"))
		}
		if o.Payment != nil {
			switch o.Kind {
			case flows.OutcomeCancelled, flows.OutcomeExpired, flows.OutcomeFailed:
				// Followed to this end, not caused by the clerk's own
				// cancel: the customer ended the attempt.
				m.customerEnded = m.outcome == nil || m.outcome.Kind != o.Kind
			}
		}
		m.track(o.Payment, o.OrderNum)
		m.outcome = &o
		if m.payment != nil && o.Payment != nil && o.Payment.ID == m.payment.ID {
			m.payment = o.Payment
		}
		if m.phone && o.Payment != nil && o.Kind != flows.OutcomeRedirect {
			m.phone = false // the customer chose and paid: show that outcome
		}
	}
	if u.Done {
		m.stopWatch()
		return nil
	}
	return waitWatch(msg.gen, msg.ch)
}

// currentActions are the allowed actions of what is on screen.
func (m Model) currentActions() []flows.Action {
	if m.screen == screenPayment {
		return m.requested.allowedActions(m.payment)
	}
	if m.outcome == nil {
		return nil
	}
	if m.outcome.Payment != nil {
		return m.requested.allowedActions(m.outcome.Payment)
	}
	return m.outcome.Actions
}

// onResultAsk does what the result screen asked. The conditions are
// checked again here: the outcome may have changed (a watch, a push)
// between the key and the ask.
func (m *Model) onResultAsk(msg tea.Msg) tea.Cmd {
	if m.screen != screenResult || m.outcome == nil || m.modal != nil {
		return nil
	}
	o := m.outcome
	switch msg := msg.(type) {
	case resultNewSaleMsg:
		return m.newSale()
	case resultHistoryMsg:
		return m.openHistory()
	case resultRetryMsg:
		if !canRetry(o, m.customerEnded) {
			return nil
		}
		m.details.errs = nil
		m.customerEnded = false
		if m.flow == flows.FlowSession && (m.sale == nil || m.sale.State == flows.SaleClosed) {
			// This session cannot be paid again: a fresh session for the
			// same sale (a new order number unless the clerk typed one),
			// then the method list; the old session is cancelled. A
			// FAILED payment, a cancelled 3-D Secure or a wallet the
			// customer declined leaves its session payable (the guide:
			// "You may call Session: Pay again on the same session"), so
			// those pay the same session again below.
			abandon := m.abandon()
			if m.amount.input(fieldOrder) == "" {
				m.checkout.OrderNum = ""
			}
			return tea.Batch(abandon, m.loadMethods())
		}
		if len(m.method.Fields()) == 0 {
			m.screen = screenMethod
			return nil
		}
		return m.openDetails()
	case resultDetailMsg:
		if o.Payment == nil {
			return nil
		}
		m.payment = o.Payment
		m.origin = screenResult
		m.screen = screenPayment
		return m.loadStatusHistory(o.Payment.ID)
	case resultReceiptMsg:
		if o.Kind != flows.OutcomePaid {
			return nil
		}
		if msg.print {
			if !m.canPrint() {
				return nil
			}
			return m.printReceipt()
		}
		return m.saveReceipt()
	case resultCopyLinkMsg:
		return m.copyLink()
	case resultOpenLinkMsg:
		if o.RedirectURL == "" {
			return nil
		}
		m.browser = m.t.S("Opening the page in the browser…")
		return openURLCmd(m.opts.OpenURL, o.RedirectURL)
	case resultRefreshMsg:
		if o.Kind == flows.OutcomeUnknown {
			return m.lookUpUnknown()
		}
		id, ctx := m.begin(opRefresh, false, actionTimeout)
		m.status = ""
		return tea.Batch(recheckCmd(ctx, m.eng, id, *o), m.spin.Tick)
	case resultSandboxPaidMsg:
		if m.opts.SandboxURL == "" || o.PaymentID() == "" {
			return nil
		}
		return sandboxPayCmd(m.opts.SandboxURL, o.PaymentID(), o.Payment.Type())
	case resultCancelPhoneMsg:
		if m.phoneWaiting() {
			return m.cancelPhone()
		}
	case resultActionMsg:
		return m.actionKeys(msg.key, o.Payment)
	}
	return nil
}

// canRetry reports an outcome t tries again: an error, a failure, or an
// attempt the customer ended.
func canRetry(o *flows.Outcome, customerEnded bool) bool {
	return o != nil && (o.Kind == flows.OutcomeError || o.Kind == flows.OutcomeFailed || endedByCustomer(o, customerEnded))
}

// endedByCustomer is customerEndedOutcome without the root: an attempt
// followed to its end that the clerk did not cause.
func endedByCustomer(o *flows.Outcome, customerEnded bool) bool {
	if o == nil || !customerEnded {
		return false
	}
	switch o.Kind {
	case flows.OutcomeCancelled, flows.OutcomeExpired, flows.OutcomeFailed:
		return true
	}
	return false
}

// resultState is what the result screen shows and which keys it offers,
// as the root knows it; bodyH is the room under the header. The root's
// small value methods are written out here: inlined, each would copy the
// whole root (150 KB) to the heap on every frame.
func (m Model) resultState(bodyH int) resultState {
	o := m.outcome
	ended := endedByCustomer(o, m.customerEnded)
	s := resultState{outcome: o, phone: m.phone, retry: canRetry(o, m.customerEnded),
		phoneWaiting: m.screen == screenResult && m.phone && o != nil && o.Payment == nil && o.Kind == flows.OutcomeRedirect,
		acts:         m.currentActions(), canPrint: m.opts.Printer.Configured() || m.lpPath != "",
		sandbox: m.opts.SandboxURL != "", link: m.qrURL(),
		total: m.checkout.Total(), currency: m.checkout.Currency, browser: m.browser, watching: m.watchCancel != nil,
		lastUpdate: m.lastUpdate, spin: m.spin.View(), bodyH: bodyH}
	if o == nil {
		return s
	}
	s.message = m.outcomeMessage(*o)
	if ended {
		s.message = m.customerMessage(*o)
	}
	s.method = m.methodText(o.Payment)
	s.threeDS = m.threeDSNote(o)
	if url, _ := qrTarget(o); url != "" {
		// As Update rendered it (qrCache), or none when it was not
		// rendered for this size: View never encodes.
		c := m.qr.get(url, m.common.qrBox(bodyH))
		s.qr, s.qrW, s.qrH = c.val, c.w, c.h
	}
	return s
}

// newSale clears everything about the last sale (keeping flow, capture
// and currency) and returns to the amount screen.
func (m *Model) newSale() tea.Cmd {
	// A sale still waiting (customer paying, store, unknown) stays
	// followed in the background; a Method 1 session nothing was paid on
	// is cancelled, so it cannot be paid by a customer who kept its page.
	var cmd tea.Cmd
	waiting := m.watching() && m.outcome != nil && !flows.Settled(*m.outcome)
	m.park()
	if !waiting && m.sale != nil && !m.salePaid() {
		cmd = m.abandon()
	}
	if m.busy != nil {
		m.busy.cancel()
		m.busy = nil
	}
	m.details.wipeSecrets()
	m.details = detailsModel{}
	m.amount = newAmountModel(m.common, m.keys, m.opts.Currency)
	m.sale = nil
	m.outcome = nil
	m.payment = nil
	m.phone = false
	m.browser = ""
	m.status = ""
	m.lastUpdate = ""
	m.customerEnded = false
	m.checkout = flows.Checkout{}
	m.screen = screenAmount
	return cmd
}

// salePaid reports whether the result on screen holds money (or a
// customer's slip) on the current sale's session, which must not be
// cancelled as abandoned.
func (m *Model) salePaid() bool {
	o := m.outcome
	if o == nil || o.Payment == nil {
		return false
	}
	switch o.Kind {
	case flows.OutcomeError, flows.OutcomeFailed, flows.OutcomeCancelled, flows.OutcomeExpired:
		return false
	}
	return true
}

// title is the headline of an outcome.
func (c common) outcomeTitle(o *flows.Outcome, phone bool) (string, lipgloss.Style) {
	m := c
	st := m.st
	switch o.Kind {
	case flows.OutcomePaid:
		return m.t.S("PAID"), st.Ok
	case flows.OutcomeAwaiting:
		return m.t.S("WAITING FOR PAYMENT"), st.Warn
	case flows.OutcomeAuthorized:
		return m.t.S("AUTHORIZED: CAPTURE PENDING"), st.Warn
	case flows.OutcomeRedirect:
		if phone {
			return m.t.S("CUSTOMER PAYS ON THEIR PHONE"), st.Warn
		}
		return m.t.S("CUSTOMER MUST FINISH PAYING"), st.Warn
	case flows.OutcomeError:
		return m.t.S("NOT PAID"), st.Err
	case flows.OutcomeUnknown:
		return m.t.S("UNKNOWN: CHECK BEFORE CHARGING AGAIN"), st.Err
	case flows.OutcomeRefunded:
		return m.t.S("REFUNDED"), st.Warn
	case flows.OutcomeCancelled:
		return m.t.S("CANCELLED"), st.Warn
	case flows.OutcomeExpired:
		return m.t.S("EXPIRED"), st.Err
	case flows.OutcomeFailed:
		return m.t.S("FAILED"), st.Err
	}
	return strings.ToUpper(string(o.Kind)), st.Value
}

// qrTarget is the link the customer scans: instructions for cash methods,
// the redirect page (3DS, wallet, session page) otherwise.
func qrTarget(o *flows.Outcome) (url, caption string) {
	switch o.Kind {
	case flows.OutcomeAwaiting:
		if o.InstructionsURL != "" {
			return o.InstructionsURL, "Scan for instructions"
		}
	case flows.OutcomeRedirect:
		if o.RedirectURL != "" {
			return o.RedirectURL, "Scan to pay"
		}
	}
	return "", ""
}

// withLinks draws the text column (and the QR code beside it) with the
// links under both, each URL on one line of the whole width: a wrapped
// URL can be neither clicked nor copied. The text column gives up its
// last lines for them; only when even the QR code alone leaves no room
// do the links go in the text column, wrapped, as the last resort.
func (c common) withLinks(left, right string, leftW, bodyH int, links []string) string {
	m, st := c, c.st
	var below strings.Builder
	for i := 0; i+1 < len(links); i += 2 {
		below.WriteString("\n" + st.Label.Render(links[i]) + "\n" + st.Selected.Render(midTruncate(links[i+1], max(m.width-1, 20))))
	}
	join := func(l string) string {
		if right == "" {
			return l
		}
		return lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(leftW).Render(l), "  ", right)
	}
	if len(links) == 0 {
		return join(left)
	}
	need := lipgloss.Height(below.String()) // a blank line, then label and URL per link
	room := bodyH - need
	if lipgloss.Height(right) <= room {
		l := strings.Split(strings.TrimSuffix(left, "\n"), "\n")
		if len(l) > room {
			l = l[:room]
		}
		return join(strings.Join(l, "\n")) + below.String()
	}
	w := max(leftW-2, 20)
	if right == "" {
		w = max(m.width-1, 20)
	}
	var in strings.Builder
	in.WriteString(strings.TrimSuffix(left, "\n"))
	for i := 0; i+1 < len(links); i += 2 {
		in.WriteString("\n" + st.Label.Render(links[i]) + "\n" + st.Selected.Render(midTruncate(links[i+1], w)))
	}
	return join(in.String())
}

// midTruncate fits a link into w cells on one line by cutting its middle
// ("https://example.com/pay…/instructions"): the host and the end stay
// readable, and a link is never wrapped, which breaks clicking and
// copying. The whole link is in the QR code and u copies it.
func midTruncate(s string, w int) string {
	if w <= 0 || ansi.StringWidth(s) <= w {
		return s
	}
	if w < 3 {
		return ansi.Truncate(s, w, "")
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, ansi.StringWidth(s)-tail, "")
}

// copyLink puts the link of the screen (the one in its QR code) on the
// clipboard with OSC 52, as the event inspector copies ids.
func (m Model) copyLink() tea.Cmd {
	u := m.qrURL()
	if u == "" {
		return nil
	}
	cp := m.opts.Copy
	done := m.t.S("Link copied to the clipboard.")
	return func() tea.Msg { return savedMsg{text: done, err: cp(u)} }
}

// showURL is a link as shown: whole, or in presenter mode with the
// payment id in it masked like everywhere else on screen.
func (c common) showURL(u string, ids ...string) string {
	m := c
	u = termtext.Line(u)
	for _, id := range ids {
		if m.demo && len(id) > 4 {
			u = strings.ReplaceAll(u, id, m.showID(id))
		}
	}
	return u
}

// shortLabel is the narrow-screen form of a result label.
func shortLabel(label string) string {
	switch label {
	case "Payment id":
		return "Payment"
	case "Receipt number":
		return "Receipt"
	case "Confirmation code":
		return "Conf. code"
	}
	return label
}

// qrBox is the room a QR code may take beside the text column, and the
// background it is drawn for.
type qrBox struct {
	maxW, maxH int
	dark       bool
}

func (c common) qrBox(bodyH int) qrBox {
	m := c
	maxW := m.width - 36 // keep room for the text column
	if m.width < 100 {
		maxW = m.width - 43 // narrow: the smallest code, more room for text
	}
	return qrBox{maxW: maxW, maxH: bodyH, dark: m.dark}
}

// qrURL is the link the active screen shows as a QR code, if any.
func (m Model) qrURL() string {
	switch m.screen {
	case screenResult:
		if m.outcome != nil {
			u, _ := qrTarget(m.outcome)
			return u
		}
	case screenPayment:
		if m.payment != nil {
			o := flows.OutcomeFromPayment(m.payment)
			u, _ := qrTarget(&o)
			return u
		}
	case screen3DS:
		if m.sec.pending != nil {
			return m.sec.pending.AuthenticationURL
		}
	}
	return ""
}

// qrCache is the last QR code rendered, kept in the model by value.
// Encoding is the costly part of a screen with a code, so Update renders
// it when the link or the room changes and View only reads it: views
// stay pure (issue 13, "The shape of ui").
type qrCache struct {
	key, val string
	w, h     int
}

func qrKey(url string, b qrBox) string {
	return fmt.Sprintf("%s|%d|%d|%v", url, b.maxW, b.maxH, b.dark)
}

// get is the code of url in room b, or the zero value when the cache holds
// another.
func (c qrCache) get(url string, b qrBox) qrCache {
	if url == "" || c.key != qrKey(url, b) {
		return qrCache{}
	}
	return c
}

// refresh renders url for room b unless the cache already holds it.
func (c qrCache) refresh(url string, b qrBox) qrCache {
	if url == "" {
		return c
	}
	k := qrKey(url, b)
	if c.key == k {
		return c
	}
	s, err := renderQR(url, b.maxW, b.maxH, b.dark)
	if err != nil || s == "" {
		return qrCache{key: k}
	}
	return qrCache{key: k, val: s, w: lipgloss.Width(s), h: lipgloss.Height(s)}
}

func centerText(s string, w int) string {
	if d := w - lipgloss.Width(s); d > 0 {
		return strings.Repeat(" ", d/2) + s
	}
	return s
}

// spaced writes "P A I D" for presenter mode.
func spaced(s string) string {
	r := []rune(s)
	parts := make([]string, len(r))
	for i, c := range r {
		parts[i] = string(c)
	}
	return strings.Join(parts, " ")
}

// wrap breaks s at spaces (or anywhere, for long URLs and Japanese) to
// width w in terminal cells.
func wrap(s string, w int) string {
	s = termtext.Text(s) // shown data may come from KOMOJU
	if w <= 0 || lipgloss.Width(s) <= w {
		return s
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for lipgloss.Width(word) > w {
				if line != "" {
					out = append(out, line)
					line = ""
				}
				// Cut by terminal cells, not runes: Japanese has no spaces
				// and each character takes two cells.
				head := ansi.Truncate(word, w, "")
				if head == "" { // one character wider than the line
					_, size := utf8.DecodeRuneInString(word)
					head = word[:size]
				}
				out = append(out, head)
				word = word[len(head):]
			}
			switch {
			case line == "":
				line = word
			case lipgloss.Width(line)+1+lipgloss.Width(word) <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// phoneWaiting reports the phone screen before the customer chose a
// method: a session page and no payment yet.
func (m Model) phoneWaiting() bool {
	o := m.outcome
	return m.screen == screenResult && m.phone && o != nil && o.Payment == nil && o.Kind == flows.OutcomeRedirect
}

// cancelPhone closes the session page the customer was shown (KOMOJU's
// Session: Cancel, so the page can no longer be paid) and goes back to
// the method list of the same amount with a fresh session. A customer who
// paid in the meantime is not lost: onAbandoned announces that payment and
// follows it.
func (m *Model) cancelPhone() tea.Cmd {
	m.stopWatch()
	abandon := m.abandon()
	if m.amount.input(fieldOrder) == "" {
		m.checkout.OrderNum = ""
	}
	m.phone = false
	m.outcome = nil
	m.browser = ""
	m.lastUpdate = ""
	m.setStatus(m.t.S("The payment page was cancelled: the customer can no longer pay on it."), nil)
	return tea.Batch(abandon, m.loadMethods())
}

// methodText is "Visa •••• 1111" or the method's name.
func (m Model) methodText(p *komoju.Payment) string {
	if p == nil && m.phone {
		// Nothing chosen yet: not the method of the sale before.
		return m.t.S("chosen on the phone")
	}
	if p == nil || p.PaymentDetails == nil {
		if m.lastCard != "" && m.method.Type == komoju.TypeCreditCard {
			return m.lastCard
		}
		if m.method.Type != "" {
			return m.method.Name(m.t.lang)
		}
		return ""
	}
	return m.paymentMethodText(p)
}

// paymentMethodText is "Visa •••• 1111" or the name of p's method.
func (c common) paymentMethodText(p *komoju.Payment) string {
	if p == nil || p.PaymentDetails == nil {
		return ""
	}
	m := c
	d := p.PaymentDetails
	if d.CreditCard != nil {
		s := flows.BrandName(d.CreditCard.Brand)
		if d.CreditCard.LastFourDigits != "" {
			s += " •••• " + d.CreditCard.LastFourDigits
		}
		return s
	}
	if meth, ok := flows.LookupMethod(d.Type); ok {
		return meth.Name(m.t.lang)
	}
	return string(d.Type)
}

// confirmAction asks before an action that moves money, showing amount
// and payment id, then runs it.
func (m *Model) confirmAction(a flows.Action, p *komoju.Payment, amount int64) tea.Cmd {
	var what string
	amt := komoju.FormatAmount(amount, p.Currency)
	switch a {
	case flows.ActionCapture:
		what = m.t.F("Capture %s of payment %s?", amt, m.showID(p.ID))
	case flows.ActionCancel:
		what = m.t.F("Cancel payment %s (%s will not be charged)?", m.showID(p.ID), amt)
	case flows.ActionRefund:
		what = m.t.F("Refund %s of payment %s to the customer?", amt, m.showID(p.ID))
	}
	id := p.ID
	full := amount
	if a == flows.ActionCapture && amount == authorizedTotal(p) {
		full = 0 // the whole authorization
	}
	// A refund always names its amount: an amount-less refund is "the
	// whole payment" at KOMOJU (komoju/komoju-node-sdk
	// docs/Apis/PaymentsApi.md, Payment: Refund), which is not what the
	// clerk confirmed if the payment changed since the screen was drawn.
	if a == flows.ActionCapture && m.opts.Mode == "live" {
		// LIVE: a capture is a charge, so the amount is typed again.
		cur := p.Currency
		m.modal = m.promptModal(what, m.t.S("Type the amount again to confirm (LIVE)"), "",
			func(s string) error {
				v, err := komoju.ParseAmount(s, cur)
				if err != nil {
					return err
				}
				if v != amount {
					return fmt.Errorf("%s", m.t.S("The amounts do not match. Nothing was sent."))
				}
				return nil
			},
			func(m *Model, _ string) tea.Cmd { return m.runAction(a, id, full, nil) })
		return m.modal.input.Focus()
	}
	m.modal = m.confirmModal(what, "", func(m *Model) tea.Cmd { return m.runAction(a, id, full, nil) })
	return nil
}

func authorizedTotal(p *komoju.Payment) int64 {
	if p.Total > 0 {
		return p.Total
	}
	return p.Amount + p.Tax + p.PaymentMethodFee
}

// runAction starts an action as a command.
func (m *Model) runAction(a flows.Action, paymentID string, amount int64, rr *komoju.RefundRequestParams) tea.Cmd {
	money := a != flows.ActionRefresh
	id, ctx := m.begin(opAction, money, actionTimeout)
	if money {
		m.origin = m.screen
		m.processing = m.processing.Start(step{label: m.t.S(a.Label()), state: stepActive, note: m.showID(paymentID)})
		m.screen = screenProcessing
	}
	return tea.Batch(actionCmd(ctx, m.eng, id, a, paymentID, amount, rr), m.spin.Tick)
}

// actionDone is the line that says an action went through, in a clerk's
// words: what happened and how much.
func (m Model) actionDone(msg actionResultMsg) string {
	p := msg.outcome.Payment
	cur := ""
	if p != nil {
		cur = p.Currency
	}
	amt := msg.amount
	switch msg.action {
	case flows.ActionCapture:
		if amt == 0 && p != nil {
			amt = authorizedTotal(p)
		}
		return "✓ " + m.t.F("Captured %s.", komoju.FormatAmount(amt, cur))
	case flows.ActionCancel:
		return "✓ " + m.t.S("Payment cancelled: nothing will be charged.")
	case flows.ActionRefund:
		return "✓ " + m.t.F("Refunded %s to the customer.", komoju.FormatAmount(amt, cur))
	case flows.ActionRefundRequest:
		return "✓ " + m.t.F("Bank refund of %s requested: KOMOJU sends it to the customer's bank account.", komoju.FormatAmount(amt, cur))
	}
	return "✓ " + m.t.S(msg.action.Label())
}

func (m *Model) onActionResult(msg actionResultMsg) tea.Cmd {
	if !m.finish(msg.attempt) {
		return nil
	}
	if m.screen == screenProcessing {
		m.screen = m.origin
	}
	o := msg.outcome
	m.track(o.Payment, o.OrderNum)
	if msg.recheck && msg.err == nil && m.outcome != nil {
		oc := o
		m.outcome = &oc
		m.status, m.statusOK = m.t.S("Checked with KOMOJU")+": "+o.Message, o.Kind != flows.OutcomeUnknown
		if m.screen == screenResult && !flows.Settled(oc) && !m.watching() && (oc.PaymentID() != "" || oc.SessionID != "") {
			return tea.Batch(m.startWatch(flows.Target{PaymentID: oc.PaymentID(), SessionID: oc.SessionID}), m.spin.Tick)
		}
		return nil
	}
	if msg.err != nil || o.Kind == flows.OutcomeError || o.Kind == flows.OutcomeUnknown {
		text := o.Message
		if text == "" && msg.err != nil {
			text = plainError(msg.err)
		}
		m.status, m.statusOK = m.t.S(msg.action.Label())+": "+text, false
		return nil
	}
	if msg.action != flows.ActionRefresh {
		m.status, m.statusOK = m.actionDone(msg), true
	}
	if msg.action == flows.ActionRefundRequest && o.Payment != nil {
		if m.requested == nil {
			m.requested = requestedRefunds{}
		}
		m.requested[o.Payment.ID] += msg.amount
	}

	if o.Payment != nil {
		if m.payment != nil && m.payment.ID == o.Payment.ID {
			m.payment = o.Payment
		}
		if m.outcome != nil && m.outcome.PaymentID() == o.Payment.ID {
			oc := o
			m.outcome = &oc
		}
	}
	return nil
}

// actionKeys handles capture/cancel/refund/refresh keys for p.
func (m *Model) actionKeys(km tea.KeyMsg, p *komoju.Payment) tea.Cmd {
	if p == nil {
		return nil
	}
	k := m.keys
	allowed := func(a flows.Action) bool { return m.requested.allows(p, a) }
	switch {
	case key.Matches(km, k.Capture) && allowed(flows.ActionCapture):
		return m.confirmAction(flows.ActionCapture, p, authorizedTotal(p))
	case key.Matches(km, k.CapturePartial) && allowed(flows.ActionCapture):
		return m.amountPrompt(m.t.S("Capture how much?"), p, authorizedTotal(p), flows.ActionCapture)
	case key.Matches(km, k.CancelPay) && allowed(flows.ActionCancel):
		return m.confirmAction(flows.ActionCancel, p, authorizedTotal(p))
	// Refunds ask KOMOJU first what is left to refund (another till, the
	// dashboard or an earlier refund whose answer was lost may have taken
	// some), and the question names that figure.
	case key.Matches(km, k.Refund) && allowed(flows.ActionRefund):
		return m.askFresh(p, askRefund)
	case key.Matches(km, k.RefundPartial) && allowed(flows.ActionRefund):
		return m.askFresh(p, askRefundPartial)
	case key.Matches(km, k.RefundRequest) && allowed(flows.ActionRefundRequest):
		return m.askFresh(p, askRefundRequest)
	case key.Matches(km, k.Refresh):
		return m.runAction(flows.ActionRefresh, p.ID, 0, nil)
	}
	return nil
}

// amountPrompt asks for a partial amount (at most limit), then confirms.
func (m *Model) amountPrompt(title string, p *komoju.Payment, limit int64, a flows.Action) tea.Cmd {
	cur := p.Currency
	m.modal = m.promptModal(title, m.t.F("at most %s", komoju.FormatAmount(limit, cur)), "",
		func(s string) error {
			v, err := komoju.ParseAmount(s, cur)
			if err != nil {
				return err
			}
			if v > limit {
				return fmt.Errorf("%s", m.t.F("at most %s", komoju.FormatAmount(limit, cur)))
			}
			return nil
		},
		func(m *Model, s string) tea.Cmd {
			v, _ := komoju.ParseAmount(s, cur)
			return m.confirmAction(a, p, v)
		})
	return m.modal.input.Focus()
}
