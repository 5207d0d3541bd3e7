package ui

// The end-of-day close: the day's open sales asked about at KOMOJU (each
// one shown as it is checked), then the Z-report; s saves it as text, CSV
// and JSON. A child model in the style of EventsModel: the root opens it
// (key z on the amount and history screens), routes its messages and keys,
// and draws its View.

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
)

// closeKeys are the close screen's keys.
type closeKeys struct {
	Up, Down, Save, Store, Refresh, Back key.Binding
}

func newCloseKeys(k KeyMap, t tr) closeKeys {
	save, _ := closeWords(t, "close_save")
	store, _ := closeWords(t, "close_toggle_store")
	return closeKeys{
		Up: k.Up, Down: k.Down, Refresh: k.Refresh, Back: k.Back,
		Save:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", save)),
		Store: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", store)),
	}
}

// ShortHelp is the footer's part for the close.
func (k closeKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Save, k.Store, k.Up, k.Down, k.Back}
}

// FullHelp is every close key, each once.
func (k closeKeys) FullHelp() []key.Binding {
	return []key.Binding{k.Save, k.Store, k.Refresh, k.Up, k.Down, k.Back}
}

// closeWords is a close word by id in the model's language.
func closeWords(t tr, id string) (string, bool) {
	return words.Lookup(id, t.lang)
}

// closeModel is the close screen.
type closeModel struct {
	common
	keys  closeKeys
	eng   *flows.Engine
	ctx   context.Context
	dir   string // where s saves (the receipts' directory)
	store bool   // the whole store instead of this till

	seq      int
	running  bool
	checked  []flows.CloseRefresh
	report   *flows.CloseReport
	err      error
	offset   int // first report line shown
	bodyH    int
	closedAt time.Time
	day      time.Time // the day closed
	// liveDue: sales changed, a re-read of the totals is on its way;
	// updated is when one changed the report (live.go).
	liveDue bool
	updated time.Time
}

func newCloseModel(c common, k KeyMap, eng *flows.Engine, ctx context.Context, dir string) closeModel {
	return closeModel{common: c, keys: newCloseKeys(k, c.t), eng: eng, ctx: ctx, dir: dir}
}

// What the close sends itself, and asks of the root.
type (
	closeProgressMsg struct {
		seq int
		r   flows.CloseRefresh
		ch  <-chan tea.Msg
	}
	closeDoneMsg struct {
		seq int
		rep flows.CloseReport
		err error
	}
	closeBackMsg struct{}
	// closeLiveMsg: the pause after sales changed has passed;
	// closeTotalsMsg brings the day added up again (live.go).
	closeLiveMsg   struct{}
	closeTotalsMsg struct {
		seq int
		rep flows.CloseReport
		err error
	}
)

// SetCommon takes the root's size, styles, language and clock.
func (c closeModel) SetCommon(cm common, bodyH int) closeModel {
	c.common, c.bodyH = cm, bodyH
	return c
}

// Run starts a close of today: the engine's Close in a command, its
// progress streamed back one message per sale checked.
func (c closeModel) Run() (closeModel, tea.Cmd) {
	if c.eng == nil {
		return c, nil
	}
	c.seq++
	c.running, c.checked, c.report, c.err, c.offset, c.updated = true, nil, nil, nil, 0, time.Time{}
	seq, eng, ctx := c.seq, c.eng, c.ctx
	// The shop's day in JST, the day History lists as today: the
	// machine's own zone may still be on yesterday (or already on
	// tomorrow).
	day := c.now().In(journal.JST)
	c.day = day
	till := ""
	if c.store {
		till = flows.TillAll
	}
	return c, func() tea.Msg {
		ch := make(chan tea.Msg)
		send := func(m tea.Msg) bool {
			select {
			case ch <- m:
				return true
			case <-ctx.Done():
				return false
			}
		}
		go func() {
			defer close(ch)
			ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
			defer cancel()
			rep, err := eng.Close(ctx, flows.CloseOptions{Day: day, Loc: day.Location(), Till: till,
				Progress: func(r flows.CloseRefresh) { send(closeProgressMsg{seq: seq, r: r, ch: ch}) }})
			send(closeDoneMsg{seq: seq, rep: rep, err: err})
		}()
		return waitClose(ch)()
	}
}

// waitClose waits for the close's next message.
func waitClose(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
}

// Update handles the close's messages and keys.
func (c closeModel) Update(msg tea.Msg) (closeModel, tea.Cmd) {
	switch msg := msg.(type) {
	case closeProgressMsg:
		if msg.seq != c.seq {
			return c, waitClose(msg.ch) // drain a superseded run
		}
		c.checked = append(c.checked, msg.r)
		return c, waitClose(msg.ch)
	case closeDoneMsg:
		if msg.seq != c.seq {
			return c, nil
		}
		c.running = false
		c.err = msg.err
		if !msg.rep.Day.IsZero() {
			rep := msg.rep
			c.report = &rep
			c.closedAt = c.now()
		}
		return c, nil
	case closeLiveMsg:
		return c.live()
	case closeTotalsMsg:
		c.onTotals(msg)
		return c, nil
	case tea.KeyMsg:
		k := c.keys
		switch {
		case key.Matches(msg, k.Back):
			return c, ask(closeBackMsg{})
		case c.running:
			return c, nil
		case key.Matches(msg, k.Save):
			return c, c.save()
		case key.Matches(msg, k.Store):
			c.store = !c.store
			return c.Run()
		case key.Matches(msg, k.Refresh):
			return c.Run()
		case key.Matches(msg, k.Down):
			c.offset = min(c.offset+1, max(len(c.lines())-c.room(), 0))
		case key.Matches(msg, k.Up):
			c.offset = max(c.offset-1, 0)
		}
	}
	return c, nil
}

// save writes the report as text, CSV and JSON under the receipts'
// directory: 0600, never over an existing file (saveNew).
func (c closeModel) save() tea.Cmd {
	if c.report == nil {
		return nil
	}
	rep, dir, lang, t := *c.report, c.dir, c.t.lang, c.t
	stem := "close-" + rep.Day.Format("20060102")
	if c.store {
		stem += "-store"
	} else if rep.Till != "" {
		stem += "-" + safeName(rep.Till)
	}
	return func() tea.Msg {
		var paths []string
		for _, f := range []struct {
			ext   string
			write func(*bytes.Buffer) error
		}{
			{".txt", func(b *bytes.Buffer) error { return flows.WriteCloseText(b, rep, lang) }},
			{".csv", func(b *bytes.Buffer) error { return flows.WriteCloseCSV(b, rep) }},
			{".json", func(b *bytes.Buffer) error { return flows.WriteCloseJSON(b, rep) }},
		} {
			var b bytes.Buffer
			if err := f.write(&b); err != nil {
				return savedMsg{text: "Export failed", err: err}
			}
			p, err := saveNew(dir, stem+f.ext, b.Bytes())
			if err != nil {
				return savedMsg{text: "Export failed", err: err}
			}
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
			paths = append(paths, p)
		}
		// One line: the text file's path, the others beside it.
		return savedMsg{text: t.F("Saved the close to %s", strings.TrimSuffix(paths[0], ".txt")+".{txt,csv,json}")}
	}
}

// safeName keeps letters, digits and dashes of a till name for a file name.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lines is the report as text lines (the same text s saves).
func (c closeModel) lines() []string {
	if c.report == nil {
		return nil
	}
	var b bytes.Buffer
	_ = flows.WriteCloseText(&b, *c.report, c.t.lang)
	return strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
}

// room is how many report lines fit.
func (c closeModel) room() int {
	if !c.updated.IsZero() {
		return max(c.bodyH-4, 3)
	}
	return max(c.bodyH-3, 3)
}

// View draws the close.
func (c closeModel) View(spin string) string {
	st, t := c.st, c.t
	var b strings.Builder
	title, _ := closeWords(t, "close_title")
	scope := t.S("till")
	if c.report != nil && c.report.Till != "" && c.report.Till != flows.TillAll {
		scope += " " + termtext.Line(c.report.Till)
	}
	if c.store {
		scope, _ = closeWords(t, "close_whole_store")
	}
	day := c.day // the day the report is of, though the clock may have passed midnight since
	if day.IsZero() {
		day = c.now().In(journal.JST)
	}
	b.WriteString(st.Title.Render(title) + "  " + st.Muted.Render(day.Format("2006-01-02")+" · "+scope) + "\n")
	if c.running {
		msg, _ := closeWords(t, "close_refreshing")
		b.WriteString(spin + " " + msg + "\n")
		f, _ := closeWords(t, "close_refreshing_d_s")
		from := max(len(c.checked)-max(c.bodyH-3, 1), 0)
		for i := from; i < len(c.checked); i++ {
			r := c.checked[i]
			what := t.status(r.Before)
			if r.Changed {
				what += " → " + t.status(r.After)
			}
			b.WriteString(st.Muted.Render(fmt.Sprintf(f, i+1, termtext.Line(r.OrderNum)+" "+what)) + "\n")
		}
		return b.String()
	}
	if c.err != nil {
		f, _ := closeWords(t, "close_check_failed_v")
		b.WriteString(st.Err.Render(fmt.Sprintf(f, termtext.Line(c.err.Error()))) + "\n")
	}
	if !c.updated.IsZero() {
		f, _ := closeWords(t, "close_updated_s")
		b.WriteString(st.Muted.Render(fmt.Sprintf(f, c.updated.In(journal.JST).Format("15:04:05"))) + "\n")
	}
	lines := c.lines()
	if len(lines) > 0 {
		lines = lines[1:] // the title line is drawn above
	}
	end := min(c.offset+c.room(), len(lines))
	for _, l := range lines[min(c.offset, end):end] {
		switch {
		case c.report != nil && len(c.report.Unknown) > 0 && strings.Contains(l, firstWord(t, "close_unknown")):
			b.WriteString(st.Err.Render(l) + "\n")
		default:
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// firstWord is the first word of a close word (to spot its heading).
func firstWord(t tr, id string) string {
	s, _ := closeWords(t, id)
	f, _, _ := strings.Cut(s, " ")
	return f
}

// openClose shows the close and starts it.
func (m *Model) openClose() tea.Cmd {
	if m.eng == nil || m.opts.Journal == nil {
		m.setStatus(m.t.S("History needs the sale journal (it is off in this run)"), nil)
		m.statusOK = false
		return nil
	}
	m.stopWatch()
	m.closeOrigin = m.screen
	m.screen = screenClose
	m.status = ""
	var cmd tea.Cmd
	m.closing, cmd = m.closing.SetCommon(m.common, m.bodyHeight()).Run()
	return cmd
}
