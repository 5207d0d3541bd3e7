package ui

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// historyFilter returns the i-th status filter Tab cycles through ("" is
// all) and how many there are.
func historyFilter(i int) (komoju.PaymentStatus, int) {
	f := [...]komoju.PaymentStatus{"", komoju.PaymentCaptured, komoju.PaymentAuthorized, komoju.PaymentPending, komoju.PaymentRefunded, komoju.PaymentCancelled, komoju.PaymentExpired, komoju.PaymentFailed}
	return f[i%len(f)], len(f)
}

// historyModel is today's sales from the journal.
type historyModel struct {
	table   table.Model
	all     []journal.Sale // today, newest first
	shown   []journal.Sale // after the filter
	filter  int
	summary journal.Summary
	err     error
	loaded  bool
	seq     int
	// hist is the journal's status history of one payment (for the
	// payment screen's timeline).
	histPayment string
	hist        []journal.StatusChange
	maxRows     int
	// hooks are the webhook events received for histPayment.
	hooks []webhooks.Event
}

func newHistoryModel() historyModel {
	t := table.New(table.WithFocused(true), table.WithHeight(8))
	return historyModel{table: t}
}

// historyMsg carries journal query results.
type historyMsg struct {
	seq     int
	sales   []journal.Sale
	err     error
	payment string
	hist    []journal.StatusChange
	forHist bool
	hooks   []webhooks.Event
}

func (h *historyModel) resize(w, bodyH int) {
	h.table.SetWidth(max(w-2, 40))
	h.maxRows = max(bodyH-9, 3) // title, table header, summary lines
	h.fitHeight()
	h.table.SetColumns(historyColumns(w))
}

// fitHeight makes the table as tall as its rows, up to the space there is.
func (h *historyModel) fitHeight() {
	h.table.SetHeight(max(min(len(h.table.Rows()), h.maxRows), 1) + 1) // + the header row
}

func historyColumns(w int) []table.Column {
	method := 14
	if w >= 100 {
		method = 22
	}
	order := max(min(w-48-method, 30), 14)
	return []table.Column{
		{Title: "", Width: 1}, // cursor mark: visible without colour
		{Title: "Time", Width: 8},
		{Title: "Order", Width: order},
		{Title: "Method", Width: method},
		{Title: "Amount", Width: 12},
		{Title: "Status", Width: 12},
	}
}

func (h historyModel) statusHistory(paymentID string) []timelineEntry {
	if paymentID == "" || h.histPayment != paymentID {
		return nil
	}
	var out []timelineEntry
	for _, c := range h.hist {
		out = append(out, timelineEntry{c.At, fmt.Sprintf("%s (%s)", c.Status, c.Source)})
	}
	for _, e := range h.hooks {
		verdict := "verified"
		if !e.Verified {
			verdict = "rejected: " + e.Reason
		}
		out = append(out, timelineEntry{e.ReceivedAt, fmt.Sprintf("webhook %s (%s)", e.Type, verdict)})
	}
	return out
}

func (m *Model) openHistory() tea.Cmd {
	if m.opts.Journal == nil {
		m.setStatus("History needs the sale journal (it is off in this run)", nil)
		m.statusOK = false
		return nil
	}
	m.stopWatch()
	m.screen = screenHistory
	m.status = ""
	m.history.resize(m.width, m.bodyHeight())
	return m.loadHistory()
}

func (m *Model) loadHistory() tea.Cmd {
	j := m.opts.Journal
	if j == nil {
		return nil
	}
	m.history.seq++
	seq := m.history.seq
	day := m.opts.Now()
	ctx := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		sales, err := j.Sales(ctx, journal.Filter{Day: day, Loc: day.Location(), Limit: -1})
		return historyMsg{seq: seq, sales: sales, err: err}
	}
}

func (m *Model) onHistory(msg historyMsg) tea.Cmd {
	h := &m.history
	if msg.forHist {
		if msg.err == nil {
			h.histPayment, h.hist, h.hooks = msg.payment, msg.hist, msg.hooks
		}
		return nil
	}
	if msg.seq != h.seq {
		return nil
	}
	h.err = msg.err
	h.loaded = true
	h.all = msg.sales
	h.summary = journal.Summarize(m.opts.Now(), msg.sales)
	m.applyHistoryFilter()
	return nil
}

func (m *Model) applyHistoryFilter() {
	h := &m.history
	want, _ := historyFilter(h.filter)
	h.shown = h.shown[:0]
	var rows []table.Row
	for _, s := range h.all {
		if want != "" && s.Status != want {
			continue
		}
		h.shown = append(h.shown, s)
		method := string(s.Method)
		if meth, ok := flows.LookupMethod(s.Method); ok {
			method = meth.Name(m.t.lang)
		}
		if s.CardLast4 != "" {
			method = flows.BrandName(s.CardBrand) + " •••• " + s.CardLast4
		}
		// Journal text may have come from KOMOJU or a webhook.
		rows = append(rows, table.Row{
			"", s.CreatedAt.Format("15:04:05"), termtext.Line(s.OrderNum), termtext.Line(method),
			komoju.FormatAmount(s.Gross(), s.Currency), termtext.Line(s.StatusKey()),
		})
	}
	h.table.SetRows(rows)
	h.fitHeight()
	if h.table.Cursor() >= len(rows) {
		h.table.SetCursor(max(len(rows)-1, 0))
	}
	h.markCursor()
}

// markCursor puts › in the first column of the selected row.
func (h *historyModel) markCursor() {
	rows := h.table.Rows()
	for i := range rows {
		mark := ""
		if i == h.table.Cursor() {
			mark = "›"
		}
		if len(rows[i]) > 0 {
			rows[i][0] = mark
		}
	}
	h.table.SetRows(rows)
}

func (m *Model) updateHistory(msg tea.Msg) tea.Cmd {
	h := &m.history
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(km, m.keys.Back):
		return m.newSaleIfIdle()
	case key.Matches(km, m.keys.NewSale):
		return m.newSale()
	case key.Matches(km, m.keys.Filter):
		_, n := historyFilter(0)
		h.filter = (h.filter + 1) % n
		m.applyHistoryFilter()
		return nil
	case key.Matches(km, m.keys.Export):
		return m.exportCSV()
	case key.Matches(km, m.keys.Refresh):
		return m.loadHistory()
	case key.Matches(km, m.keys.Continue):
		i := h.table.Cursor()
		if i < 0 || i >= len(h.shown) {
			return nil
		}
		s := h.shown[i]
		if s.PaymentID == "" {
			m.setStatus(m.t.F("Sale %s has no payment yet (%s).", s.OrderNum, s.StatusKey()), nil)
			m.statusOK = false
			return nil
		}
		return m.openPaymentFromHistory(s)
	}
	var c tea.Cmd
	h.table, c = h.table.Update(msg)
	h.markCursor()
	return c
}

// newSaleIfIdle leaves history: back to the sale on screen, or a new one.
func (m *Model) newSaleIfIdle() tea.Cmd {
	if o := m.outcome; o != nil {
		m.screen = screenResult
		if !flows.Settled(*o) && !m.watching() && (o.PaymentID() != "" || o.SessionID != "") && o.Kind != flows.OutcomeUnknown {
			// Following stopped while history was open: pick it up again.
			return tea.Batch(m.startWatch(flows.Target{PaymentID: o.PaymentID(), SessionID: o.SessionID}), m.spin.Tick)
		}
		return nil
	}
	m.screen = screenAmount
	return nil
}

// openPaymentFromHistory fetches the payment (fresh from KOMOJU) and its
// journal status history, then shows the payment screen.
func (m *Model) openPaymentFromHistory(s journal.Sale) tea.Cmd {
	m.origin = screenHistory
	m.payment = &komoju.Payment{ID: s.PaymentID, Status: s.Status, Currency: s.Currency, Amount: s.Amount, Tax: s.Tax, Total: s.Total, AmountRefunded: s.AmountRefunded}
	m.screen = screenPayment
	j := m.opts.Journal
	saleID, pid := s.ID, s.PaymentID
	ctx := m.ctx
	src := m.opts.Events
	histCmd := func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		hist, err := j.History(ctx, saleID)
		return historyMsg{forHist: true, payment: pid, hist: hist, err: err, hooks: webhooksFor(ctx, src, pid)}
	}
	return tea.Batch(histCmd, m.runAction(flows.ActionRefresh, pid, 0, nil))
}

// loadStatusHistory reads the journal's status history of a payment for
// the payment screen's timeline.
func (m *Model) loadStatusHistory(paymentID string) tea.Cmd {
	j, src := m.opts.Journal, m.opts.Events
	if j == nil && src == nil {
		return nil
	}
	ctx := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		msg := historyMsg{forHist: true, payment: paymentID}
		if j != nil {
			if s, err := j.SaleByPayment(ctx, paymentID); err == nil {
				msg.hist, _ = j.History(ctx, s.ID)
			}
		}
		msg.hooks = webhooksFor(ctx, src, paymentID)
		return msg
	}
}

// webhooksFor lists the received webhook events of one payment, oldest
// first.
func webhooksFor(ctx context.Context, src EventsSource, paymentID string) []webhooks.Event {
	if src == nil {
		return nil
	}
	evs, err := src.List(ctx, 500)
	if err != nil {
		return nil
	}
	var out []webhooks.Event
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].PaymentID == paymentID {
			out = append(out, evs[i])
		}
	}
	return out
}

// exportCSV writes the shown sales to sales-YYYYMMDD.csv.
func (m *Model) exportCSV() tea.Cmd {
	sales := append([]journal.Sale(nil), m.history.shown...)
	dir, name := m.opts.ReceiptDir, "sales-"+m.opts.Now().Format("20060102")+".csv"
	return func() tea.Msg {
		var buf bytes.Buffer
		if err := journal.WriteCSV(&buf, sales); err != nil {
			return savedMsg{text: "Export failed", err: err}
		}
		path, err := saveNew(dir, name, buf.Bytes())
		if err != nil {
			return savedMsg{text: "Export failed", err: err}
		}
		abs, _ := filepath.Abs(path)
		return savedMsg{text: fmt.Sprintf("Exported %d sales to %s", len(sales), abs)}
	}
}

func (m Model) viewHistory() string {
	h := m.history
	st := m.st
	var b strings.Builder
	filter := m.t.S("all")
	if f, _ := historyFilter(h.filter); f != "" {
		filter = string(f)
	}
	b.WriteString(st.Title.Render(m.t.S("Sales today")) + "  " + st.Muted.Render(m.opts.Now().Format("2006-01-02")) +
		"   " + st.Label.Render(m.t.S("Filter")+": ") + st.ToggleOn.Render(" "+filter+" ") + "\n")
	if h.err != nil {
		b.WriteString(st.Err.Render(h.err.Error()) + "\n")
	}
	if !h.loaded {
		b.WriteString(m.spin.View() + " " + m.t.S("Loading…") + "\n")
		return b.String()
	}
	if len(h.shown) == 0 {
		b.WriteString(st.Muted.Render(m.t.S("No sales match.")) + "\n")
	} else {
		b.WriteString(h.table.View() + "\n")
	}
	b.WriteString(m.viewSummary())
	return b.String()
}

// viewSummary is the day summary: per currency, totals and counts by
// method and status.
func (m Model) viewSummary() string {
	st := m.st
	var b strings.Builder
	for _, c := range m.history.summary.Currencies {
		b.WriteString(st.Value.Render(fmt.Sprintf("%s  %s %d · %s %s · %s %s · %s %s",
			c.Currency, m.t.S("sales"), c.Sales,
			m.t.S("captured"), komoju.FormatAmount(c.Captured, c.Currency),
			m.t.S("refunded"), komoju.FormatAmount(c.Refunded, c.Currency),
			m.t.S("net"), komoju.FormatAmount(c.Net, c.Currency))) + "\n")
		var parts []string
		for _, bk := range c.ByMethod {
			name := bk.Key
			if meth, ok := flows.LookupMethod(komoju.PaymentType(bk.Key)); ok {
				name = meth.Name(m.t.lang)
			} else if bk.Key == "none" {
				name = m.t.S("no method chosen")
			}
			parts = append(parts, fmt.Sprintf("%s %d (%s)", name, bk.Count, komoju.FormatAmount(bk.Gross, c.Currency)))
		}
		sort.Strings(parts)
		b.WriteString(st.Muted.Render("  "+m.t.S("by method")+": "+strings.Join(parts, " · ")) + "\n")
		parts = parts[:0]
		for _, bk := range c.ByStatus {
			parts = append(parts, fmt.Sprintf("%s %d", bk.Key, bk.Count))
		}
		b.WriteString(st.Muted.Render("  "+m.t.S("by status")+": "+strings.Join(parts, " · ")) + "\n")
	}
	return b.String()
}
