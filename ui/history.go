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
	"github.com/charmbracelet/x/ansi"

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
// filtered by status, for this till or the whole store, with the day's
// summary. It holds only a window of the day (the rows on screen and a
// margin each side), read from the journal a page at a time as the cursor
// moves (journal.Older/Newer: keyset pages, so the 100,000th sale of a
// busy day costs what the first does); filters and totals are the
// database's work, never a loop over the day in Go. It is a child model
// with its own keys and help; what it cannot do itself (leave, open a
// payment, export) it asks the root for with a message.
type historyModel struct {
	common
	keys  historyKeys
	j     *journal.Journal
	ctx   context.Context
	table table.Model
	// rows is the window: matching sales, newest first; offset is how many
	// matching sales come before rows[0], total how many match in all.
	rows   []journal.Sale
	offset int
	total  int64
	atEnd  bool // rows ends with the oldest matching sale
	paging bool // a page is on its way; no second one is asked
	// win counts the window's changes (pages, resets, reloads taken): a
	// reload read from an earlier window is dropped and asked again, or
	// it would put back rows a page replaced, or add them twice.
	win     int
	pending int // rows to move once it comes (down > 0, up < 0)
	// resetting: the list starts again (a filter, the till) and its first
	// page is on its way.
	resetting bool
	filter    int
	store     bool // the whole store, not only this till
	counted   bool // total is the current filter's
	summed    bool // summary is the current till's or store's
	summary   journal.Summary
	sumCtx    context.Context // the totals on their way, cancelled by newTotals
	stopSum   context.CancelFunc
	sumSeq    int // the totals' own sequence: a filter does not change them
	err       error
	loaded    bool
	seq       int
	maxRows   int
	liveDue   bool // sales changed: a re-read is on its way (live.go)
}

// historyKeys are the History screen's keys.
type historyKeys struct {
	Up, Down, Open, Filter, Till, Export, Refresh, Back, NewSale key.Binding
}

func newHistoryKeys(k KeyMap, t tr) historyKeys {
	till := key.NewBinding(key.WithKeys("a"), key.WithHelp("a", t.S("this till / whole store")))
	return historyKeys{Up: k.Up, Down: k.Down, Open: k.Continue, Filter: k.Filter, Till: till, Export: k.Export, Refresh: k.Refresh, Back: k.Back, NewSale: k.NewSale}
}

// ShortHelp is the footer's part for History.
func (k historyKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Open, k.Filter, k.Till, k.Export, k.Back}
}

// FullHelp is every History key, each once.
func (k historyKeys) FullHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Open, k.Filter, k.Till, k.Export, k.Refresh, k.Back, k.NewSale}
}

func newHistoryModel(c common, keys KeyMap, j *journal.Journal, ctx context.Context) historyModel {
	st := table.DefaultStyles()
	// One space between columns, not two: at 80 columns every cell counts.
	st.Header = st.Header.Padding(0, 1, 0, 0)
	st.Cell = st.Cell.Padding(0, 1, 0, 0)
	t := table.New(table.WithFocused(true), table.WithHeight(8), table.WithStyles(st))
	h := historyModel{common: c, keys: newHistoryKeys(keys, c.t), j: j, ctx: ctx, table: t}
	h.store = h.till() == "" // a till with no name sees the whole journal
	h.keys.Till.SetEnabled(!h.store)
	return h
}

// till is this till's name ("" when it has none).
func (h historyModel) till() string {
	if h.j == nil {
		return ""
	}
	return h.j.Till()
}

// What History asks of the root.
type (
	historyBackMsg    struct{}
	historyNewSaleMsg struct{}
	historyOpenMsg    struct{ sale journal.Sale }
	historyExportMsg  struct{ filter journal.PageFilter }
	historyNoticeMsg  struct{ text string }
)

// ask is a command that hands msg to the root.
func ask(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// What a history query brings back.
type historyLoad int

const (
	historyReset  historyLoad = iota // the first page
	historyOlder                     // the page after the window
	historyNewer                     // the page before the window
	historyCount                     // how many sales match
	historyTotals                    // the day's totals
	historyReload                    // the window again, from its first sale
)

func (l historyLoad) String() string {
	switch l {
	case historyReset:
		return "first page"
	case historyOlder:
		return "older page"
	case historyNewer:
		return "newer page"
	case historyCount:
		return "count"
	case historyTotals:
		return "totals"
	case historyReload:
		return "reload"
	}
	return fmt.Sprintf("historyLoad(%d)", int(l))
}

// historyMsg carries journal query results.
type historyMsg struct {
	seq     int
	load    historyLoad
	sales   []journal.Sale
	total   int64
	summary *journal.Summary // nil: the totals did not change
	want    int              // how many sales a reload asked for
	win     int              // a reload: the window it was read from
	err     error
}

// SetCommon takes the root's size, styles, language and clock; bodyH is
// the height the screen may use.
func (h historyModel) SetCommon(c common, bodyH int) historyModel {
	h.common = c
	h.maxRows = max(bodyH-10, 3) // title, table header, position, summary lines
	h.setRows()
	return h
}

// pageSize is how many sales one query reads: a screenful and as much
// again, so a page down never waits for the journal.
func (h historyModel) pageSize() int { return 2 * max(h.maxRows, 10) }

// The window keeps at most three pages, and asks for the next one when
// the cursor comes within a screenful of its edge.
func (h historyModel) maxWindow() int { return 3 * h.pageSize() }
func (h historyModel) margin() int    { return max(h.maxRows, 10) }

// pageFilter is what the screen shows: today, the status filter, this
// till or the store.
func (h historyModel) pageFilter() journal.PageFilter {
	// Today in Japan, as every time on the screen is shown.
	f := journal.PageFilter{Day: h.now(), Loc: journal.JST}
	f.Status, _ = historyFilter(h.filter)
	if !h.store {
		f.Till = h.till()
	}
	return f
}

// Load reads the screen again from the journal, in commands: the window
// from the sale at its top (so a clerk back from a sale's details, or
// refreshing, stays where they were, with statuses as they are now), the
// count and the day's totals. With nothing shown yet it reads the first
// page.
func (h historyModel) Load() (historyModel, tea.Cmd) {
	if len(h.rows) == 0 || h.j == nil {
		return h.reset(true)
	}
	h.seq++
	h.paging = false
	j, seq, f, ctx := h.j, h.seq, h.pageFilter(), h.ctx
	n := min(max(len(h.rows), h.pageSize()), journal.MaxPage)
	from := journal.KeyOf(&h.rows[0])
	from.ID++ // the window's first sale itself included
	win := h.win
	page := func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		msg := historyMsg{seq: seq, load: historyReload, want: n, win: win}
		msg.sales, msg.err = j.Older(ctx, f, &from, n)
		if msg.err == nil && len(msg.sales) == 0 {
			// The window's sales are gone (another day, a new journal):
			// start from the top.
			msg.load = historyReset
			msg.sales, msg.err = j.Older(ctx, f, nil, h.pageSize())
		}
		return msg
	}
	h = h.newTotals()
	return h, tea.Batch(page, h.countCmd(true))
}

// reset starts the list again from the newest sale. The first page and
// the counting are separate commands: a page is an index range of a few
// dozen rows and is on screen at once, while the count and the day's
// totals read every matching sale of the day (with 100k sales, a few
// hundred milliseconds) and fill in when they are ready.
func (h historyModel) reset(totals bool) (historyModel, tea.Cmd) {
	if h.j == nil {
		return h, nil
	}
	h.seq++
	h.paging = false
	h.resetting, h.pending = true, 0
	h.counted = false
	if totals {
		h.summed = false
	}
	if totals {
		h = h.newTotals()
	}
	return h, tea.Batch(h.firstPageCmd(), h.countCmd(totals))
}

// newTotals stops adding up totals nobody will see (the clerk switched
// between this till and the store, or refreshed, before they came: with
// 100k sales they take a second of CPU) and gives the next ones their own
// context.
func (h historyModel) newTotals() historyModel {
	if h.stopSum != nil {
		h.stopSum()
	}
	h.sumSeq++
	h.sumCtx, h.stopSum = context.WithCancel(h.ctx)
	return h
}

// firstPageCmd reads the newest page of what the screen shows.
func (h historyModel) firstPageCmd() tea.Cmd {
	j, seq, f, n, ctx := h.j, h.seq, h.pageFilter(), h.pageSize(), h.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		msg := historyMsg{seq: seq, load: historyReset}
		msg.sales, msg.err = j.Older(ctx, f, nil, n)
		return msg
	}
}

// countCmd counts what the screen shows and, with totals, adds up the
// day (every status; this till or the store), each in a command of its
// own: a count is an index range, the totals read every sale of the day.
func (h historyModel) countCmd(totals bool) tea.Cmd {
	j, seq, sumSeq, f, ctx := h.j, h.seq, h.sumSeq, h.pageFilter(), h.ctx
	count := func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		msg := historyMsg{seq: seq, load: historyCount}
		msg.total, msg.err = j.CountSales(ctx, f)
		return msg
	}
	if !totals {
		return count
	}
	if h.sumCtx != nil {
		ctx = h.sumCtx
	}
	sum := func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := j.SummaryOf(ctx, journal.Scope{Day: f.Day, Loc: f.Loc, Till: f.Till})
		return historyMsg{seq: sumSeq, load: historyTotals, summary: &s, err: err}
	}
	return tea.Batch(count, sum)
}

// page asks for the page after (older) or before (newer) the window.
func (h historyModel) page(load historyLoad) (historyModel, tea.Cmd) {
	if h.j == nil || h.paging || len(h.rows) == 0 {
		return h, nil
	}
	h.paging = true
	j, seq, f, n, ctx := h.j, h.seq, h.pageFilter(), h.pageSize(), h.ctx
	first, last := journal.KeyOf(&h.rows[0]), journal.KeyOf(&h.rows[len(h.rows)-1])
	return h, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		msg := historyMsg{seq: seq, load: load}
		if load == historyOlder {
			msg.sales, msg.err = j.Older(ctx, f, &last, n)
		} else {
			msg.sales, msg.err = j.Newer(ctx, f, first, n)
		}
		return msg
	}
}

// Update handles the journal's answer and the History keys.
func (h historyModel) Update(msg tea.Msg) (historyModel, tea.Cmd) {
	switch msg := msg.(type) {
	case historyLiveMsg:
		return h.live()
	case historyMsg:
		if msg.load == historyTotals && msg.seq != h.sumSeq || msg.load != historyTotals && msg.seq != h.seq {
			return h, nil // a reload superseded it
		}
		if msg.load == historyReload && (h.paging || msg.win != h.win) {
			// Read from a window a page has changed since (or is about
			// to): read again once it has come.
			return h.Changed()
		}
		h.onLoad(msg)
		return h.nearEdge()
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
			return h.reset(false)
		case key.Matches(msg, k.Till):
			if h.till() == "" {
				return h, nil // no till name: it is the store already
			}
			h.store = !h.store
			return h.reset(true)
		case key.Matches(msg, k.Export):
			return h, ask(historyExportMsg{filter: h.pageFilter()})
		case key.Matches(msg, k.Refresh):
			return h.Load()
		case key.Matches(msg, k.Open):
			i := h.table.Cursor()
			if i < 0 || i >= len(h.rows) {
				return h, nil
			}
			s := h.rows[i]
			if s.PaymentID == "" {
				return h, ask(historyNoticeMsg{text: h.t.F("Sale %s has no payment yet (%s).", s.OrderNum, h.t.status(s.StatusKey()))})
			}
			return h, ask(historyOpenMsg{sale: s})
		}
		// A key past the window's edge while its next page is on the
		// way (key repeat outruns the journal) is kept and done when the
		// page comes, not lost.
		cur := h.table.Cursor()
		switch {
		case h.resetting && key.Matches(msg, k.Down):
			h.pending++ // moves in the list on its way, not the old one
			return h, nil
		case h.resetting && key.Matches(msg, k.Up):
			h.pending = max(h.pending-1, 0)
			return h, nil
		case key.Matches(msg, k.Down) && !h.atEnd && cur == len(h.rows)-1:
			h.pending++
		case key.Matches(msg, k.Up) && h.offset > 0 && cur == 0:
			h.pending--
		}
		var c tea.Cmd
		h.table, c = h.table.Update(msg)
		h.markCursor()
		var pc tea.Cmd
		h, pc = h.nearEdge()
		return h, tea.Batch(c, pc)
	}
	return h, nil
}

// nearEdge reads the next page before the cursor gets to the window's
// edge.
func (h historyModel) nearEdge() (historyModel, tea.Cmd) {
	if len(h.rows) == 0 {
		return h, nil
	}
	cur := h.table.Cursor()
	switch {
	case !h.atEnd && cur >= len(h.rows)-h.margin():
		return h.page(historyOlder)
	case h.offset > 0 && cur < h.margin():
		return h.page(historyNewer)
	}
	return h, nil
}

// onLoad takes a page (or a fresh first page) into the window.
func (h *historyModel) onLoad(msg historyMsg) {
	h.err = msg.err
	switch msg.load {
	case historyCount:
		if msg.err == nil {
			h.total, h.counted = msg.total, true
		}
		return
	case historyTotals:
		if msg.err == nil {
			h.summary, h.summed = *msg.summary, true
		}
		return
	}
	h.loaded = true
	h.paging = false
	h.win++
	if msg.load == historyReset {
		h.resetting = false
	}
	if msg.err != nil {
		h.pending = 0
		return
	}
	n := h.pageSize()
	cur := max(h.table.Cursor(), 0)
	switch msg.load {
	case historyReset:
		h.rows, h.offset = msg.sales, 0
		h.atEnd = len(msg.sales) < n
		// Downs pressed while it was on its way.
		cur = min(h.pending, max(len(h.rows)-1, 0))
		h.pending -= cur
		if h.atEnd {
			h.pending = 0
		}
	case historyOlder:
		h.rows = append(h.rows, msg.sales...)
		h.atEnd = len(msg.sales) < n
		if drop := len(h.rows) - h.maxWindow(); drop > 0 {
			// Forget the top of the window; Newer reads it again if the
			// clerk scrolls back up.
			h.rows = append([]journal.Sale(nil), h.rows[drop:]...)
			h.offset += drop
			cur -= drop
		}
		if h.pending > 0 {
			// As far as the window goes; the rest when the next page comes.
			to := cur + h.pending
			cur = min(to, len(h.rows)-1)
			h.pending = 0
			if !h.atEnd {
				h.pending = to - cur
			}
		}
	case historyReload:
		// The cursor stays on the sale it is on now (keys pressed while
		// the reload was on its way count); new sales above it move it
		// down, not the selection to another sale.
		var keep int64
		if cur < len(h.rows) {
			keep = h.rows[cur].ID
		}
		h.rows = msg.sales
		h.atEnd = len(msg.sales) < msg.want
		for i := range h.rows {
			if h.rows[i].ID == keep {
				cur = i
				break
			}
		}
	case historyNewer:
		if len(msg.sales) == 0 {
			h.offset = 0 // nothing newer: the window starts the list
		}
		h.rows = append(append([]journal.Sale(nil), msg.sales...), h.rows...)
		h.offset = max(h.offset-len(msg.sales), 0)
		cur += len(msg.sales)
		if h.pending < 0 {
			to := cur + h.pending
			cur = max(to, 0)
			h.pending = 0
			if h.offset > 0 {
				h.pending = to - cur
			}
		}
		if len(h.rows) > h.maxWindow() {
			h.rows = h.rows[:h.maxWindow()]
			h.atEnd = false
		}
	}
	h.setRowsAt(cur)
}

// historyLabel is the method cell of a sale: the card's brand and last
// four digits, the konbini store a slip is for, else the method's name.
func historyLabel(s *journal.Sale, t tr) string {
	if s.CardLast4 != "" {
		return flows.BrandName(s.CardBrand) + " •••• " + s.CardLast4
	}
	if s.Method == komoju.TypeKonbini && s.Store != "" {
		return t.S("Konbini") + " · " + flows.StoreName(s.Store, t.lang)
	}
	if meth, ok := flows.LookupMethod(s.Method); ok {
		return meth.Name(t.lang)
	}
	return string(s.Method)
}

// setRows puts the window into the table, with columns sized to it, the
// cursor on the row it is on (a resize calls this, not only a page).
func (h *historyModel) setRows() { h.setRowsAt(h.table.Cursor()) }

// setRowsAt is setRows with the cursor on row cur (clamped to the rows:
// an empty page leaves the table's cursor at -1, and the next non-empty
// one must start from a real row, or it draws a blank table, or all but
// one row, with nothing selected). Every setter of the table renders its
// visible rows again, so the rows go in once, marked, after the columns,
// width and height: a page costs two renders of the table, not seven.
func (h *historyModel) setRowsAt(cur int) {
	cur = max(min(cur, len(h.rows)-1), 0)
	showTill := h.store && (h.till() != "" || h.hasTills())
	rows := make([]table.Row, 0, len(h.rows))
	for i := range h.rows {
		s := &h.rows[i]
		mark := ""
		if i == cur {
			mark = "›"
		}
		// Journal text may have come from KOMOJU or a webhook.
		r := table.Row{mark, s.CreatedAt.In(journal.JST).Format("15:04:05")}
		if showTill {
			r = append(r, termtext.Line(s.Till))
		}
		r = append(r, termtext.Line(s.OrderNum), termtext.Line(historyLabel(s, h.t)),
			komoju.FormatAmount(s.Gross(), s.Currency), termtext.Line(h.t.status(s.StatusKey())))
		rows = append(rows, r)
	}
	cols := historyColumns(h.width, h.t, showTill, rows)
	// Columns first, with no rows: the table renders its rows with the
	// columns it has. (SetRows(nil) moves its cursor to -1; SetCursor
	// puts it back.)
	h.table.SetRows(nil)
	h.table.SetColumns(cols)
	tw := 0
	for _, c := range cols {
		tw += c.Width + 1
	}
	h.table.SetWidth(tw)                                     // no blank tail on each row
	h.table.SetHeight(max(min(len(rows), h.maxRows), 1) + 1) // + the header row
	h.table.SetRows(rows)
	h.table.SetCursor(cur)
}

// hasTills reports whether the window holds a sale with a till name (a
// store journal whose till this console has no name for).
func (h *historyModel) hasTills() bool {
	for i := range h.rows {
		if h.rows[i].Till != "" {
			return true
		}
	}
	return false
}

// historyColumns sizes the columns to what they hold at width w: each
// column as wide as its widest cell, the time without seconds when space
// is short, and an order number too long for what is left cut from the
// left (its sequence number, at the end, is what tells two sales apart).
// The method column (brand and last four, konbini store) is never cut
// while the other columns can give way. Cells that need cutting are cut
// here, in rows.
func historyColumns(w int, t tr, showTill bool, rows []table.Row) []table.Column {
	titles := []string{"", t.S("Time")}
	if showTill {
		titles = append(titles, t.S("Till"))
	}
	titles = append(titles, t.S("Order"), t.S("Method"), t.S("Amount"), t.S("Status"))
	n := len(titles)
	order, method := n-4, n-3
	wid := make([]int, n)
	for i, title := range titles {
		wid[i] = ansi.StringWidth(title)
	}
	wid[0] = 1 // the cursor mark
	for _, r := range rows {
		for i := 1; i < n && i < len(r); i++ {
			wid[i] = max(wid[i], ansi.StringWidth(r[i]))
		}
	}
	avail := max(w-2, 40) - n // the table's width less a space per column
	sum := func() int {
		s := 0
		for _, x := range wid {
			s += x
		}
		return s
	}
	if sum() > avail {
		// HH:MM is still today's time of day.
		wid[1] = max(5, ansi.StringWidth(titles[1]))
		for _, r := range rows {
			r[1] = r[1][:min(len(r[1]), 5)]
		}
	}
	if over := sum() - avail; over > 0 {
		wid[order] = max(wid[order]-over, 8)
		for _, r := range rows {
			r[order] = cutLeft(r[order], wid[order])
		}
	}
	if over := sum() - avail; over > 0 {
		wid[method] = max(wid[method]-over, 8) // last resort: the table cuts it
	}
	cols := make([]table.Column, n)
	for i := range titles {
		cols[i] = table.Column{Title: titles[i], Width: wid[i]}
	}
	return cols
}

// cutLeft keeps the end of s within width w cells, marking the cut with …
func cutLeft(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && ansi.StringWidth(string(r))+1 > w {
		r = r[1:]
	}
	return "…" + string(r)
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
	// Opening History starts from the newest sale.
	m.history, cmd = m.history.SetCommon(m.common, m.bodyHeight()).reset(true)
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
		return m.exportCSV(msg.filter)
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

// exportCSV writes the sales History shows (every page of them, not
// only the window on screen) to sales-YYYYMMDD.csv, with times in Japan
// time as the screen shows them. The rows stream from the journal a page
// at a time.
func (m *Model) exportCSV(f journal.PageFilter) tea.Cmd {
	dir, name := m.opts.ReceiptDir, "sales-"+m.opts.Now().In(journal.JST).Format("20060102")+".csv" // History's day
	j, ctx := m.opts.Journal, m.ctx
	return func() tea.Msg {
		var buf bytes.Buffer
		w, err := journal.NewCSVWriter(&buf, journal.JST)
		n := 0
		if err == nil {
			err = j.EachSale(ctx, f, func(s *journal.Sale) error { n++; return w.Write(s) })
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return savedMsg{text: "Export failed", err: err}
		}
		path, err := saveNew(dir, name, buf.Bytes())
		if err != nil {
			return savedMsg{text: "Export failed", err: err}
		}
		abs, _ := filepath.Abs(path)
		return savedMsg{text: fmt.Sprintf("Exported %d sales to %s", n, abs)}
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
	scope := h.t.S("whole store")
	if !h.store {
		scope = h.t.F("till %s", termtext.Line(h.till()))
	}
	b.WriteString(st.Title.Render(h.t.S("Sales today")) + "  " + st.Muted.Render(h.now().In(journal.JST).Format("2006-01-02")) +
		"   " + st.Label.Render(h.t.S("Filter")+": ") + st.ToggleOn.Render(" "+filter+" ") +
		"  " + st.ToggleOn.Render(" "+scope+" ") + "\n")
	if h.err != nil {
		b.WriteString(st.Err.Render(h.err.Error()) + "\n")
	}
	if !h.loaded {
		b.WriteString(spin + " " + h.t.S("Loading…") + "\n")
		return b.String()
	}
	if len(h.rows) == 0 {
		b.WriteString(st.Muted.Render(h.t.S("No sales match.")) + "\n")
	} else {
		b.WriteString(h.table.View() + "\n")
		// The count of a new scope or filter can come before its first
		// page (it reads the kept totals, the page reads sales): the rows
		// on screen are still the old list's, so no position in the new
		// one is given for them.
		if h.counted && !h.resetting {
			b.WriteString(st.Muted.Render(h.t.F("%d of %d", h.offset+h.table.Cursor()+1, h.total)) + "\n")
		} else {
			b.WriteString(st.Muted.Render(spin+" "+h.t.S("Loading…")) + "\n")
		}
	}
	if !h.summed {
		b.WriteString(st.Muted.Render(spin+" "+h.t.S("Loading…")) + "\n")
		return b.String()
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
			// Takings are what was paid, less refunds: a failed, cancelled
			// or unfinished sale is counted, never added (the asked-for
			// gross read as takings next to "captured").
			parts = append(parts, fmt.Sprintf(t.S("%[1]s %[2]d (paid %[3]d, net %[4]s)"), name, bk.Count, bk.Paid, komoju.FormatAmount(bk.Net, c.Currency)))
		}
		sort.Strings(parts)
		// One line, cut to the window: the close screen (z) has the whole
		// breakdown.
		b.WriteString(st.Muted.Render(ansi.Truncate("  "+t.S("by method")+": "+strings.Join(parts, " · "), max(h.width, 20), "…")) + "\n")
		parts = parts[:0]
		for _, bk := range c.ByStatus {
			parts = append(parts, fmt.Sprintf("%s %d", t.status(bk.Key), bk.Count))
		}
		b.WriteString(st.Muted.Render("  "+t.S("by status")+": "+strings.Join(parts, " · ")) + "\n")
	}
	return b.String()
}
