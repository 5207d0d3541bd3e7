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

// historyModel is the History screen: today's sales from the journal,
// filtered by status, with the day's summary. It is a child model with
// its own keys and help; what it cannot do itself (leave, open a
// payment, export) it asks the root for with a message.
type historyModel struct {
	common
	keys    historyKeys
	j       *journal.Journal
	ctx     context.Context
	table   table.Model
	all     []journal.Sale // today, newest first
	shown   []journal.Sale // after the filter
	filter  int
	summary journal.Summary
	err     error
	loaded  bool
	seq     int
	maxRows int
}

// historyKeys are the History screen's keys.
type historyKeys struct {
	Up, Down, Open, Filter, Export, Refresh, Back, NewSale key.Binding
}

func newHistoryKeys(k KeyMap) historyKeys {
	return historyKeys{Up: k.Up, Down: k.Down, Open: k.Continue, Filter: k.Filter, Export: k.Export, Refresh: k.Refresh, Back: k.Back, NewSale: k.NewSale}
}

// ShortHelp is the footer's part for History.
func (k historyKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Open, k.Filter, k.Export, k.Back}
}

// FullHelp is every History key, each once.
func (k historyKeys) FullHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Open, k.Filter, k.Export, k.Refresh, k.Back, k.NewSale}
}

func newHistoryModel(c common, keys KeyMap, j *journal.Journal, ctx context.Context) historyModel {
	t := table.New(table.WithFocused(true), table.WithHeight(8))
	return historyModel{common: c, keys: newHistoryKeys(keys), j: j, ctx: ctx, table: t}
}

// What History asks of the root.
type (
	historyBackMsg    struct{}
	historyNewSaleMsg struct{}
	historyOpenMsg    struct{ sale journal.Sale }
	historyExportMsg  struct{ sales []journal.Sale }
	historyNoticeMsg  struct{ text string }
)

// ask is a command that hands msg to the root.
func ask(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// historyMsg carries journal query results.
type historyMsg struct {
	seq   int
	sales []journal.Sale
	err   error
}

// SetCommon takes the root's size, styles, language and clock; bodyH is
// the height the screen may use.
func (h historyModel) SetCommon(c common, bodyH int) historyModel {
	h.common = c
	h.table.SetWidth(max(c.width-2, 40))
	h.maxRows = max(bodyH-9, 3) // title, table header, summary lines
	h.table.SetColumns(historyColumns(c.width, c.t))
	h.fitHeight()
	return h
}

// fitHeight makes the table as tall as its rows, up to the space there is.
func (h *historyModel) fitHeight() {
	h.table.SetHeight(max(min(len(h.table.Rows()), h.maxRows), 1) + 1) // + the header row
}

func historyColumns(w int, t tr) []table.Column {
	method := 14
	if w >= 100 {
		method = 22
	}
	order := max(min(w-48-method, 30), 14)
	return []table.Column{
		{Title: "", Width: 1}, // cursor mark: visible without colour
		{Title: t.S("Time"), Width: 8},
		{Title: t.S("Order"), Width: order},
		{Title: t.S("Method"), Width: method},
		{Title: t.S("Amount"), Width: 12},
		{Title: t.S("Status"), Width: 12},
	}
}

// Load reads today's sales from the journal (in a command).
func (h historyModel) Load() (historyModel, tea.Cmd) {
	j := h.j
	if j == nil {
		return h, nil
	}
	h.seq++
	seq := h.seq
	day := h.now()
	ctx := h.ctx
	return h, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		sales, err := j.Sales(ctx, journal.Filter{Day: day, Loc: day.Location(), Limit: -1})
		return historyMsg{seq: seq, sales: sales, err: err}
	}
}

// Update handles the journal's answer and the History keys.
func (h historyModel) Update(msg tea.Msg) (historyModel, tea.Cmd) {
	switch msg := msg.(type) {
	case historyMsg:
		if msg.seq != h.seq {
			return h, nil // a reload superseded it
		}
		h.err = msg.err
		h.loaded = true
		h.all = msg.sales
		h.summary = journal.Summarize(h.now(), msg.sales)
		h.applyFilter()
		return h, nil
	case tea.KeyMsg:
		k := h.keys
		switch {
		case key.Matches(msg, k.Back):
			return h, ask(historyBackMsg{})
		case key.Matches(msg, k.NewSale):
			return h, ask(historyNewSaleMsg{})
		case key.Matches(msg, k.Filter):
			_, n := historyFilter(0)
			h.filter = (h.filter + 1) % n
			h.applyFilter()
			return h, nil
		case key.Matches(msg, k.Export):
			return h, ask(historyExportMsg{sales: append([]journal.Sale(nil), h.shown...)})
		case key.Matches(msg, k.Refresh):
			return h.Load()
		case key.Matches(msg, k.Open):
			i := h.table.Cursor()
			if i < 0 || i >= len(h.shown) {
				return h, nil
			}
			s := h.shown[i]
			if s.PaymentID == "" {
				return h, ask(historyNoticeMsg{text: h.t.F("Sale %s has no payment yet (%s).", s.OrderNum, h.t.status(s.StatusKey()))})
			}
			return h, ask(historyOpenMsg{sale: s})
		}
		var c tea.Cmd
		h.table, c = h.table.Update(msg)
		h.markCursor()
		return h, c
	}
	return h, nil
}

func (h *historyModel) applyFilter() {
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
			method = meth.Name(h.t.lang)
		}
		if s.CardLast4 != "" {
			method = flows.BrandName(s.CardBrand) + " •••• " + s.CardLast4
		}
		// Journal text may have come from KOMOJU or a webhook.
		rows = append(rows, table.Row{
			"", s.CreatedAt.In(jst()).Format("15:04:05"), termtext.Line(s.OrderNum), termtext.Line(method),
			komoju.FormatAmount(s.Gross(), s.Currency), termtext.Line(h.t.status(s.StatusKey())),
		})
	}
	h.table.SetRows(rows)
	h.fitHeight()
	// An empty filter leaves the table's cursor at -1 and its viewport
	// empty; the next non-empty one must start from a real row, or it
	// draws a blank table (or all but one row) with nothing selected.
	h.table.SetCursor(max(h.table.Cursor(), 0)) // SetCursor clamps to the last row
	h.markCursor()
}

func (m *Model) openHistory() tea.Cmd {
	if m.opts.Journal == nil {
		m.setStatus(m.t.S("History needs the sale journal (it is off in this run)"), nil)
		m.statusOK = false
		return nil
	}
	m.stopWatch()
	m.screen = screenHistory
	m.status = ""
	var cmd tea.Cmd
	m.history, cmd = m.history.SetCommon(m.common, m.bodyHeight()).Load()
	return cmd
}

// onHistoryAsk does what History asked of the root.
func (m *Model) onHistoryAsk(msg tea.Msg) tea.Cmd {
	if m.screen != screenHistory {
		return nil
	}
	switch msg := msg.(type) {
	case historyBackMsg:
		return m.newSaleIfIdle()
	case historyNewSaleMsg:
		return m.newSale()
	case historyOpenMsg:
		return m.openPaymentFromHistory(msg.sale)
	case historyExportMsg:
		return m.exportCSV(msg.sales)
	case historyNoticeMsg:
		m.setStatus(msg.text, nil)
		m.statusOK = false
	}
	return nil
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
		return timelineMsg{payment: pid, hist: hist, err: err, hooks: webhooksFor(ctx, src, pid)}
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
		msg := timelineMsg{payment: paymentID}
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
func (m *Model) exportCSV(sales []journal.Sale) tea.Cmd {
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

// View draws the History screen.
func (h historyModel) View(spin string) string {
	st := h.st
	var b strings.Builder
	filter := h.t.S("all")
	if f, _ := historyFilter(h.filter); f != "" {
		filter = h.t.status(string(f))
	}
	b.WriteString(st.Title.Render(h.t.S("Sales today")) + "  " + st.Muted.Render(h.now().Format("2006-01-02")) +
		"   " + st.Label.Render(h.t.S("Filter")+": ") + st.ToggleOn.Render(" "+filter+" ") + "\n")
	if h.err != nil {
		b.WriteString(st.Err.Render(h.err.Error()) + "\n")
	}
	if !h.loaded {
		b.WriteString(spin + " " + h.t.S("Loading…") + "\n")
		return b.String()
	}
	if len(h.shown) == 0 {
		b.WriteString(st.Muted.Render(h.t.S("No sales match.")) + "\n")
	} else {
		b.WriteString(h.table.View() + "\n")
	}
	b.WriteString(h.viewSummary())
	return b.String()
}

// viewSummary is the day summary: per currency, totals and counts by
// method and status.
func (h historyModel) viewSummary() string {
	st := h.st
	t := h.t
	var b strings.Builder
	for _, c := range h.summary.Currencies {
		b.WriteString(st.Value.Render(fmt.Sprintf("%s  %s %d · %s %s · %s %s · %s %s",
			c.Currency, t.S("sales"), c.Sales,
			t.S("captured"), komoju.FormatAmount(c.Captured, c.Currency),
			t.S("refunded"), komoju.FormatAmount(c.Refunded, c.Currency),
			t.S("net"), komoju.FormatAmount(c.Net, c.Currency))) + "\n")
		var parts []string
		for _, bk := range c.ByMethod {
			name := bk.Key
			if meth, ok := flows.LookupMethod(komoju.PaymentType(bk.Key)); ok {
				name = meth.Name(t.lang)
			} else if bk.Key == "none" {
				name = t.S("no method chosen")
			}
			parts = append(parts, fmt.Sprintf("%s %d (%s)", name, bk.Count, komoju.FormatAmount(bk.Gross, c.Currency)))
		}
		sort.Strings(parts)
		b.WriteString(st.Muted.Render("  "+t.S("by method")+": "+strings.Join(parts, " · ")) + "\n")
		parts = parts[:0]
		for _, bk := range c.ByStatus {
			parts = append(parts, fmt.Sprintf("%s %d", t.status(bk.Key), bk.Count))
		}
		b.WriteString(st.Muted.Render("  "+t.S("by status")+": "+strings.Join(parts, " · ")) + "\n")
	}
	return b.String()
}
