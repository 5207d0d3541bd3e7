package ui

// Live updates between tills (issue 15 item 4): the journal announces
// every change of a sale by any till or the store's webhook receiver
// (flows' Engine.StoreChanges: PostgreSQL LISTEN/NOTIFY, or SQLite's
// data_version polled), and the open History and close screens read the
// day again, so a sale paid at till 2 appears in till 1's history without
// a refresh.

import (
	"context"
	"reflect"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
)

// liveEvery is the least time between two re-reads a burst of changes
// causes: a busy store changes sales many times a second, and each
// re-read is a page, a count and the day's totals.
const liveEvery = 500 * time.Millisecond

// storeChangedMsg says sales changed in the journal; ch brings the next
// announcements.
type storeChangedMsg struct{ ch <-chan journal.SaleChanged }

// followStoreCmd subscribes to the journal's announcements (in a command:
// New does no I/O) and waits for the first.
func (m Model) followStoreCmd() tea.Cmd {
	if m.eng == nil || m.opts.Journal == nil {
		return nil
	}
	eng, ctx := m.eng, m.ctx
	return func() tea.Msg { return waitStoreChange(eng.StoreChanges(ctx))() }
}

// waitStoreChange waits for the next announcement; the ones already
// queued behind it come in the same message (one re-read for a burst).
// When the subscription ends (the journal closed) it sends nothing.
func waitStoreChange(ch <-chan journal.SaleChanged) tea.Cmd {
	return func() tea.Msg {
		if _, ok := <-ch; !ok {
			return nil
		}
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					return nil
				}
			default:
				return storeChangedMsg{ch: ch}
			}
		}
	}
}

// onStoreChanged hands the news to the screens that show the day.
func (m *Model) onStoreChanged(msg storeChangedMsg) tea.Cmd {
	var hc tea.Cmd
	if m.screen == screenHistory {
		m.history, hc = m.history.Changed()
	}
	var cc tea.Cmd
	m.closing, cc = m.closing.Changed()
	return tea.Batch(hc, cc, waitStoreChange(msg.ch))
}

// historyLiveMsg: the pause after a change has passed; read again.
type historyLiveMsg struct{}

// Changed notes that sales changed: the screen is read again, keeping the
// clerk's place, at most every liveEvery.
func (h historyModel) Changed() (historyModel, tea.Cmd) {
	if h.j == nil || h.liveDue {
		return h, nil
	}
	h.liveDue = true
	return h, tea.Tick(liveEvery, func(time.Time) tea.Msg { return historyLiveMsg{} })
}

// live reads the window again with what changed: from the newest sale
// when the window starts the list (a new sale shows at the top), else
// from the window's first sale; the cursor stays on the sale it was on.
// Then the count and the day's totals.
func (h historyModel) live() (historyModel, tea.Cmd) {
	h.liveDue = false
	if h.j == nil || !h.loaded {
		return h, nil
	}
	if h.resetting || h.paging {
		// A page is on its way: read again once it is here.
		return h.Changed()
	}
	if len(h.rows) == 0 {
		return h.reset(true)
	}
	h.seq++
	j, seq, f, ctx := h.j, h.seq, h.pageFilter(), h.ctx
	n := min(max(len(h.rows), h.pageSize()), journal.MaxPage)
	var from *journal.PageKey
	if h.offset > 0 {
		k := journal.KeyOf(&h.rows[0])
		k.ID++ // the window's first sale itself included
		from = &k
	}
	win := h.win
	page := func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		msg := historyMsg{seq: seq, load: historyReload, want: n, win: win}
		msg.sales, msg.err = j.Older(ctx, f, from, n)
		if msg.err == nil && len(msg.sales) == 0 && from != nil {
			// The window's sales are gone: start from the top.
			msg.load = historyReset
			msg.sales, msg.err = j.Older(ctx, f, nil, n)
		}
		return msg
	}
	h = h.newTotals()
	return h, tea.Batch(page, h.countCmd(true))
}

// Changed notes that sales changed: the report's totals are added up
// again from the journal (asking KOMOJU nothing) at most every liveEvery,
// once a report is shown.
func (c closeModel) Changed() (closeModel, tea.Cmd) {
	if c.eng == nil || c.liveDue || c.report == nil && !c.running {
		return c, nil
	}
	c.liveDue = true
	return c, tea.Tick(liveEvery, func(time.Time) tea.Msg { return closeLiveMsg{} })
}

// live adds the day up again in a command; a close still asking KOMOJU
// is waited for (its own writes are what changed, mostly).
func (c closeModel) live() (closeModel, tea.Cmd) {
	c.liveDue = false
	if c.running {
		return c.Changed()
	}
	if c.report == nil {
		return c, nil
	}
	seq, eng, ctx, day, till := c.seq, c.eng, c.ctx, c.day, ""
	if c.store {
		till = flows.TillAll
	}
	return c, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		rep, err := eng.Close(ctx, flows.CloseOptions{Day: day, Loc: day.Location(), Till: till, NoRefresh: true})
		return closeTotalsMsg{seq: seq, rep: rep, err: err}
	}
}

// onTotals takes the day added up again: when the takings or the open
// sales differ from the report's (another till sold, the store's
// receiver recorded a konbini payment) the report shows the new ones and
// says when; what KOMOJU was asked at the close stays as it was.
func (c *closeModel) onTotals(msg closeTotalsMsg) {
	if msg.seq != c.seq || msg.err != nil || c.report == nil || c.running {
		return
	}
	r := msg.rep
	if reflect.DeepEqual(r.Summary, c.report.Summary) && reflect.DeepEqual(r.Waiting, c.report.Waiting) && reflect.DeepEqual(r.Unknown, c.report.Unknown) {
		return // this till's own writes, already in the report
	}
	rep := *c.report
	rep.Summary, rep.Waiting, rep.Unknown = r.Summary, r.Waiting, r.Unknown
	c.report, c.updated = &rep, c.now()
}
