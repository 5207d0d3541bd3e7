package ui

import (
	"context"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// What happens to sales after the clerk moves on: waiting sales stay
// followed in the background and their outcome is announced in the header;
// abandoned sessions are cancelled; quitting names authorized payments
// left uncaptured; pushed updates (webhooks) refresh what is on screen;
// sales rechecked at start are announced.

// maxWaiting bounds the sales followed in the background (each is a
// watcher that polls with backoff); the oldest is let go beyond it, and
// the journal still has it.
const maxWaiting = 20

// maxNotes is how many announcements the header keeps.
const maxNotes = 4

// startupTimeout bounds the recheck of unsettled sales at start.
const startupTimeout = 60 * time.Second

// waitingSale is a sale the clerk left while it was still waiting (for the
// customer, the store, or KOMOJU's answer), followed by its own watch.
type waitingSale struct {
	gen     int // the watch generation its watchMsgs carry
	cancel  context.CancelFunc
	outcome flows.Outcome
	order   string
	amount  string
}

// note is one announcement in the header.
type note struct {
	text string
	kind flows.OutcomeKind // picks the colour; "" is neutral
}

// uncaptured is an authorized (Two-Step Capture) payment seen this run.
type uncaptured struct {
	order  string
	amount string
}

// pushMsg is a payment update pushed to the engine's hub (a verified
// webhook, the return URL).
type pushMsg struct {
	push flows.Push
	ok   bool
	ch   <-chan flows.Push
}

func waitPush(ch <-chan flows.Push) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		p, ok := <-ch
		return pushMsg{push: p, ok: ok, ch: ch}
	}
}

// startupCheckedMsg answers Options.Recheck.
type startupCheckedMsg struct {
	recs []flows.WaitingUpdate
	err  error
}

func startupCheckCmd(ctx context.Context, f func(context.Context) ([]flows.WaitingUpdate, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, startupTimeout)
		defer cancel()
		recs, err := f(ctx)
		return startupCheckedMsg{recs: recs, err: err}
	}
}

// abandonedMsg answers AbandonSession for a sale the clerk left.
type abandonedMsg struct {
	order   string
	amount  string
	session string
	outcome flows.Outcome
	err     error
}

func abandonCmd(ctx context.Context, eng *flows.Engine, order, amount, session string, saleID int64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		o, err := eng.AbandonSession(ctx, session, saleID)
		return abandonedMsg{order: order, amount: amount, session: session, outcome: o, err: err}
	}
}

// lookedUpMsg answers a look-up of an unknown outcome (g on UNKNOWN).
type lookedUpMsg struct {
	attempt int
	outcome flows.Outcome
	found   bool
	err     error
}

func lookUpCmd(ctx context.Context, eng *flows.Engine, attempt int, t flows.FollowTarget) tea.Cmd {
	return func() tea.Msg {
		// Reconcile first settles what may be settled on proof (an
		// attempt past its send fence, a closed session); the look-up then
		// reads that verdict from the journal, or KOMOJU's payment.
		_, _ = eng.Reconcile(ctx)
		o, found, err := eng.LookUp(ctx, t)
		return lookedUpMsg{attempt: attempt, outcome: o, found: found, err: err}
	}
}

// freshMsg is a payment fetched again before a refund question is asked,
// so the question names what KOMOJU can still refund, not what the screen
// last showed.
type freshMsg struct {
	attempt int
	then    refundAsk
	outcome flows.Outcome
	err     error
}

// refundAsk is the question asked once the payment is fresh.
type refundAsk int

const (
	askRefund refundAsk = iota
	askRefundPartial
	askRefundRequest
)

func freshCmd(ctx context.Context, eng *flows.Engine, attempt int, id string, then refundAsk) tea.Cmd {
	return func() tea.Msg {
		o, err := eng.Refresh(ctx, id)
		return freshMsg{attempt: attempt, then: then, outcome: o, err: err}
	}
}

// followTarget is how an unknown outcome of the current sale is found.
func (m *Model) followTarget(o *flows.Outcome) flows.FollowTarget {
	t := flows.FollowTarget{PaymentID: o.PaymentID(), SessionID: o.SessionID, OrderNum: o.OrderNum,
		Amount: m.checkout.Amount, Tax: m.checkout.Tax, Currency: m.checkout.Currency}
	if t.OrderNum == "" {
		t.OrderNum = m.checkout.OrderNum
	}
	return t
}

// startFollowUnknown follows an unknown outcome until KOMOJU shows its
// payment (or proves there is none); updates arrive as watchMsg.
func (m *Model) startFollowUnknown(t flows.FollowTarget) tea.Cmd {
	m.stopWatch()
	if m.eng == nil || t.PaymentID == "" && t.SessionID == "" && t.OrderNum == "" {
		return nil
	}
	m.watchSeq++
	m.watchGen = m.watchSeq
	ctx, cancel := context.WithCancel(m.ctx)
	m.watchCancel = cancel
	ch := m.eng.FollowUnknown(ctx, t, flows.WatchOptions{Poll: true})
	return waitWatch(m.watchGen, ch)
}

// lookUpUnknown is g on an UNKNOWN result: one look-up that never turns an
// empty answer into "not charged".
func (m *Model) lookUpUnknown() tea.Cmd {
	id, ctx := m.begin(opRefresh, false, actionTimeout)
	m.status = ""
	return tea.Batch(lookUpCmd(ctx, m.eng, id, m.followTarget(m.outcome)), m.spin.Tick)
}

func (m *Model) onLookedUp(msg lookedUpMsg) tea.Cmd {
	if !m.finish(msg.attempt) || m.outcome == nil || m.outcome.Kind != flows.OutcomeUnknown {
		return nil
	}
	switch {
	case msg.found:
		o := msg.outcome
		m.outcome = &o
		m.track(o.Payment, o.OrderNum)
		m.status, m.statusOK = m.t.S("Checked with KOMOJU")+": "+m.outcomeMessage(o), true
		if flows.Settled(o) {
			m.stopWatch()
			return nil
		}
		return tea.Batch(m.startWatch(flows.Target{PaymentID: o.PaymentID(), SessionID: o.SessionID}), m.spin.Tick)
	case msg.err != nil:
		m.status, m.statusOK = m.t.S("Could not ask KOMOJU")+": "+plainError(msg.err)+". "+m.t.S("Still unknown: do not charge again."), false
	default:
		m.status, m.statusOK = m.t.S("KOMOJU shows no payment for this sale yet. That does not prove the customer was not charged: the request may still be in progress. The till keeps checking; do not charge again."), false
	}
	return nil
}

// park moves the foreground watch to the background when the clerk leaves
// a sale that is still waiting, so it stays followed.
func (m *Model) park() {
	if !m.watching() || m.outcome == nil || flows.Settled(*m.outcome) {
		m.stopWatch()
		return
	}
	o := *m.outcome
	order := o.OrderNum
	if order == "" {
		order = m.checkout.OrderNum
	}
	m.addWaiting(&waitingSale{gen: m.watchGen, cancel: m.watchCancel, outcome: o, order: order,
		amount: komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency)})
	m.watchCancel = nil // the watch runs on under the waiting sale
	m.watchGen = 0      // its updates are the waiting sale's now
}

func (m *Model) addWaiting(w *waitingSale) {
	for len(m.waiting) >= maxWaiting {
		old := m.waiting[0]
		old.cancel()
		m.waiting = m.waiting[1:]
		m.announce(m.t.F("%s is no longer followed here (too many waiting sales); History has it.", old.order), "")
	}
	m.waiting = append(m.waiting, w)
}

// followInBackground starts a background watch for a sale that is not on
// screen (left by the clerk, or found unsettled at start).
func (m *Model) followInBackground(o flows.Outcome, order, amount string, unknown flows.FollowTarget) tea.Cmd {
	if m.eng == nil {
		return nil
	}
	m.watchSeq++
	gen := m.watchSeq
	ctx, cancel := context.WithCancel(m.ctx)
	var ch <-chan flows.Update
	if o.Kind == flows.OutcomeUnknown {
		ch = m.eng.FollowUnknown(ctx, unknown, flows.WatchOptions{Poll: true, Background: true})
	} else {
		ch = m.eng.Watch(ctx, flows.Target{PaymentID: o.PaymentID(), SessionID: o.SessionID}, flows.WatchOptions{Poll: true, Background: true})
	}
	m.addWaiting(&waitingSale{gen: gen, cancel: cancel, outcome: o, order: order, amount: amount})
	return waitWatch(gen, ch)
}

func (m *Model) waitingByGen(gen int) (int, *waitingSale) {
	for i, w := range m.waiting {
		if w.gen == gen {
			return i, w
		}
	}
	return -1, nil
}

// onBackgroundWatch handles an update of a sale the clerk left.
func (m *Model) onBackgroundWatch(i int, w *waitingSale, msg watchMsg) tea.Cmd {
	drop := func() {
		w.cancel()
		m.waiting = append(m.waiting[:i:i], m.waiting[i+1:]...)
	}
	if !msg.ok {
		drop()
		return nil
	}
	u := msg.update
	if u.Err == nil && u.Outcome.Kind != "" {
		o := u.Outcome
		if o.OrderNum == "" {
			o.OrderNum = w.order
		}
		m.track(o.Payment, w.order)
		if o.Kind != w.outcome.Kind {
			m.announceOutcome(w.order, o)
		}
		w.outcome = o
		// A webhook for the sale on screen reaches its own watch; this
		// keeps a result screen showing the same payment in step too.
		if m.outcome != nil && o.Payment != nil && m.outcome.PaymentID() == o.PaymentID() && flows.Newer(m.outcome.Payment, o.Payment) {
			oc := o
			m.outcome = &oc
		}
	}
	if u.Done {
		drop()
		return nil
	}
	return waitWatch(msg.gen, msg.ch)
}

// announceOutcome puts "ORDER: TITLE — message" in the header.
func (m *Model) announceOutcome(order string, o flows.Outcome) {
	title, _ := m.outcomeTitle(&o, false)
	if o.Kind == flows.OutcomeRedirect {
		title = m.t.S("CUSTOMER MUST FINISH PAYING")
	}
	m.announce(order+": "+title+" — "+m.outcomeMessage(o), o.Kind)
}

func (m *Model) announce(text string, kind flows.OutcomeKind) {
	m.notes = append(m.notes, note{text: text, kind: kind})
	if len(m.notes) > maxNotes {
		m.notes = m.notes[len(m.notes)-maxNotes:]
	}
}

// track keeps the list of authorized, uncaptured payments for the quit
// warning: every payment the console sees passes here.
func (m *Model) track(p *komoju.Payment, order string) {
	if p == nil || p.ID == "" {
		return
	}
	if flows.OutcomeFromPayment(p).Kind != flows.OutcomeAuthorized {
		delete(m.uncaptured, p.ID)
		return
	}
	if order == "" {
		order = p.OrderNum()
	}
	if m.uncaptured == nil {
		m.uncaptured = map[string]uncaptured{}
	}
	m.uncaptured[p.ID] = uncaptured{order: order, amount: komoju.FormatAmount(authorizedTotal(p), p.Currency)}
}

// abandon cancels the current sale's session (in the background) when the
// clerk leaves it before anything was paid on it, and forgets the sale.
func (m *Model) abandon() tea.Cmd {
	s := m.sale
	m.sale = nil
	if s == nil || s.Session == nil || m.eng == nil {
		return nil
	}
	return abandonCmd(m.ctx, m.eng, s.OrderNum, komoju.FormatAmount(s.Checkout.Total(), s.Checkout.Currency), s.SessionID(), s.JournalID)
}

func (m *Model) onAbandoned(msg abandonedMsg) tea.Cmd {
	o := msg.outcome
	if o.OrderNum == "" {
		o.OrderNum = msg.order
	}
	switch {
	case o.Payment != nil:
		// Paid (or started) before it could be cancelled: say so and
		// follow it like any sale the clerk left.
		m.track(o.Payment, msg.order)
		m.announceOutcome(msg.order, o)
		if !flows.Settled(o) {
			return m.followInBackground(o, msg.order, msg.amount, flows.FollowTarget{SessionID: msg.session})
		}
	case msg.err != nil:
		m.announce(m.t.F("Could not cancel the session of %s (%s): it may still be open at KOMOJU. The till keeps following it.", msg.order, plainError(msg.err)), flows.OutcomeError)
		return m.followInBackground(flows.Outcome{Kind: flows.OutcomeRedirect, SessionID: msg.session, OrderNum: msg.order}, msg.order, msg.amount, flows.FollowTarget{})
	}
	return nil
}

// onPush applies a pushed payment update to what is on screen when no
// watch follows it any more (a refund made elsewhere, say), unless it is
// older than what is shown.
func (m *Model) onPush(msg pushMsg) tea.Cmd {
	if !msg.ok {
		return nil
	}
	p := msg.push.Payment
	if p != nil {
		m.track(p, "")
		if m.outcome != nil && m.outcome.PaymentID() == p.ID && !m.watching() && flows.Newer(m.outcome.Payment, p) {
			o := flows.OutcomeFromPayment(p)
			if o.SessionID == "" {
				o.SessionID = m.outcome.SessionID
			}
			if o.OrderNum == "" {
				o.OrderNum = m.outcome.OrderNum
			}
			m.outcome = &o
			m.lastUpdate = m.t.F("Updated by a %s at %s.", m.t.status(string(msg.push.Source)), m.opts.Now().In(journal.JST).Format("15:04:05"))
		}
		if m.payment != nil && m.payment.ID == p.ID && flows.Newer(m.payment, p) {
			m.payment = p
		}
	}
	return waitPush(msg.ch)
}

// onStartupChecked announces what the start-up recheck of waiting sales
// found changed (paid at the store while the till was off, say), and
// follows the sales still waiting.
func (m *Model) onStartupChecked(msg startupCheckedMsg) tea.Cmd {
	m.startCheck = false
	var cmds []tea.Cmd
	var changed []flows.WaitingUpdate
	failed := 0
	for _, u := range msg.recs {
		m.track(u.Outcome.Payment, u.OrderNum)
		switch {
		case u.Err != nil:
			failed++
		case u.Changed:
			changed = append(changed, u)
		}
		if u.Err == nil && u.PaymentID != "" && u.Outcome.Kind != "" && !flows.Settled(u.Outcome) {
			amt := ""
			if p := u.Outcome.Payment; p != nil {
				amt = komoju.FormatAmount(authorizedTotal(p), p.Currency)
			}
			cmds = append(cmds, m.followInBackground(u.Outcome, u.OrderNum, amt, flows.FollowTarget{}))
		}
	}
	for i, u := range changed {
		if i == maxNotes-1 && len(changed) > maxNotes {
			m.announce(m.t.F("…and %d more: see History (h).", len(changed)-i), "")
			break
		}
		m.announce(u.Say(m.t.lang), u.Outcome.Kind)
	}
	if failed > 0 || msg.err != nil && len(msg.recs) == 0 {
		why := ""
		if msg.err != nil {
			why = ": " + plainError(msg.err)
		}
		m.announce(m.t.F("Could not check %d waiting sale(s) with KOMOJU; History shows them as they were", failed)+why, flows.OutcomeUnknown)
	}
	return tea.Batch(cmds...)
}

// askFresh fetches the payment again before a refund question.
func (m *Model) askFresh(p *komoju.Payment, then refundAsk) tea.Cmd {
	id, ctx := m.begin(opRefresh, false, actionTimeout)
	m.status, m.statusOK = m.t.S("Checking what can be refunded with KOMOJU…"), true
	return tea.Batch(freshCmd(ctx, m.eng, id, p.ID, then), m.spin.Tick)
}

func (m *Model) onFresh(msg freshMsg) tea.Cmd {
	if !m.finish(msg.attempt) {
		return nil
	}
	p := msg.outcome.Payment
	if msg.err != nil || p == nil {
		why := msg.outcome.Message
		if msg.err != nil {
			why = plainError(msg.err)
		}
		m.status, m.statusOK = m.t.S("Could not check the payment with KOMOJU, so nothing was refunded")+": "+why, false
		return nil
	}
	m.status = ""
	m.track(p, "")
	onScreen := false
	if m.screen == screenResult && m.outcome != nil && m.outcome.PaymentID() == p.ID {
		o := msg.outcome
		if o.SessionID == "" {
			o.SessionID = m.outcome.SessionID
		}
		m.outcome = &o
		onScreen = true
	}
	if m.screen == screenPayment && m.payment != nil && m.payment.ID == p.ID {
		m.payment = p
		onScreen = true
	}
	if !onScreen {
		return nil // the clerk moved on meanwhile
	}
	switch msg.then {
	case askRefund, askRefundPartial:
		if !flows.Allows(p, flows.ActionRefund) || p.RefundableAmount() <= 0 {
			m.status, m.statusOK = m.t.S("KOMOJU says there is nothing left to refund on this payment."), false
			return nil
		}
		if msg.then == askRefund {
			return m.confirmAction(flows.ActionRefund, p, p.RefundableAmount())
		}
		return m.amountPrompt(m.t.S("Refund how much?"), p, p.RefundableAmount(), flows.ActionRefund)
	case askRefundRequest:
		if left, _ := m.requested.left(p); !m.requested.allows(p, flows.ActionRefundRequest) || left <= 0 {
			m.status, m.statusOK = m.t.S("KOMOJU says there is nothing left to refund on this payment."), false
			return nil
		}
		return m.openRefundRequest(p)
	}
	return nil
}

// quitWarnings are what quitting now would leave behind.
func (m *Model) quitWarnings() (title string, body []string) {
	if n := len(m.uncaptured); n > 0 {
		var list []string
		for id, u := range m.uncaptured {
			list = append(list, strings.TrimSpace(u.order+" "+u.amount+" ("+m.showID(id)+")"))
		}
		sortStrings(list)
		title = m.t.S("Quit with payments authorized but not captured?")
		body = append(body, m.t.F("Authorized, not captured: %s. The money is only held: capture it before the authorization expires (History h, open it, c), or cancel it (x) to release it.", strings.Join(list, ", ")))
	}
	if m.busy != nil && m.busy.money {
		if title == "" {
			title = m.t.S("Quit while a payment is in progress?")
		}
		body = append(body, m.t.S("The sale journal keeps the attempt; on the next start it is checked with KOMOJU before anything is charged again."))
	}
	waiting := len(m.waiting)
	if m.screen == screenResult && m.outcome != nil && m.watching() && !flows.Settled(*m.outcome) {
		waiting++
	}
	if waiting > 0 {
		if title == "" {
			title = m.t.S("Quit while a payment is in progress?")
		}
		body = append(body, m.t.F("%d sale(s) still wait for the customer or for KOMOJU's answer. The journal keeps them; on the next start they are checked with KOMOJU.", waiting))
	}
	return title, body
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// headerExtra are the header lines about sales off screen: announcements
// and the waiting list, each cut to one line.
func (m Model) headerExtra() []string {
	var lines []string
	cut := func(s string) string {
		if m.width > 0 && ansi.StringWidth(s) > m.width {
			return ansi.Truncate(s, m.width, "…")
		}
		return s
	}
	for _, n := range m.notes {
		st := m.st.Notice
		switch n.kind {
		case flows.OutcomePaid, flows.OutcomeAuthorized, flows.OutcomeAwaiting:
			st = m.st.Ok
		case flows.OutcomeError, flows.OutcomeUnknown, flows.OutcomeFailed, flows.OutcomeExpired, flows.OutcomeCancelled:
			st = m.st.Err
		}
		// Announcements carry KOMOJU's and the journal's words: inert.
		lines = append(lines, st.Render(cut("» "+termtext.Line(n.text))))
	}
	var items []string
	if m.startCheck {
		items = append(items, m.t.S("checking waiting sales with KOMOJU…"))
	}
	for _, w := range m.waiting {
		items = append(items, termtext.Line(strings.TrimSpace(w.order+" "+w.amount)))
	}
	if len(items) > 0 {
		lines = append(lines, m.st.Warn.Render(cut("⏳ "+m.t.S("Waiting")+": "+strings.Join(items, " · "))))
	}
	return lines
}

func (m *Model) headerExtraHeight() int {
	n := len(m.notes)
	if m.startCheck || len(m.waiting) > 0 {
		n++
	}
	return n
}

// customerMessage is the result sentence when the customer ended the
// attempt (cancelled 3-D Secure, declined in the wallet app, let it
// expire): the sale can be tried again.
func (m Model) customerMessage(o flows.Outcome) string {
	amt := komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency)
	if p := o.Payment; p != nil {
		amt = komoju.FormatAmount(authorizedTotal(p), p.Currency)
	}
	again := " " + m.t.S("Press t to try again.")
	if m.flow == flows.FlowSession && m.sale != nil {
		again = " " + m.t.S("Press t to try again (same sale).")
	}
	if m.t.lang == "ja" {
		again = strings.TrimSpace(again) // no space between Japanese sentences
	}
	switch {
	case o.Kind == flows.OutcomeExpired:
		return m.t.F("The customer did not finish in time: %s was not charged.", amt) + again
	case o.Kind == flows.OutcomeFailed && o.Payment.Type() == komoju.TypeCreditCard:
		return m.t.F("The customer's authentication failed: %s was not charged.", amt) + again
	case o.Kind == flows.OutcomeFailed:
		return m.outcomeMessage(o)
	case o.Payment.Type() == komoju.TypeCreditCard:
		return m.t.F("The customer cancelled 3-D Secure: %s was not charged.", amt) + again
	}
	return m.t.F("The customer declined or cancelled in %s: %s was not charged.", m.methodText(o.Payment), amt) + again
}

// customerEnded reports a result the customer ended (see customerMessage).
func (m Model) customerEndedOutcome(o *flows.Outcome) bool {
	if o == nil || !m.customerEnded {
		return false
	}
	switch o.Kind {
	case flows.OutcomeCancelled, flows.OutcomeExpired, flows.OutcomeFailed:
		return true
	}
	return false
}
