package ui

// The event inspector: received webhook deliveries, newest first, with
// their signature verdict; a detail view with headers and the pretty JSON
// body; copy id/body (OSC 52); replay to the local receiver and forward to
// the user's own endpoint. It is a self-contained child model: the root
// routes keys and messages to it and renders its View.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// EventsSource is what the inspector needs of the webhook receiver.
// WebhookSource adapts a *webhooks.Receiver; tests use fakes.
type EventsSource interface {
	// List returns up to limit stored deliveries, newest first.
	List(ctx context.Context, limit int) ([]webhooks.Event, error)
	// Replay resends a stored verified event to the local receiver.
	Replay(ctx context.Context, eventID string) (webhooks.ForwardResult, error)
	// Forward posts a stored verified event, re-signed, to the user's
	// forward URL (--forward-to).
	Forward(ctx context.Context, eventID string) (webhooks.ForwardResult, error)
}

// eventsHealthSource is optionally implemented by a source that can say
// whether the receiver is listening; the inspector then shows it.
type eventsHealthSource interface {
	Health() webhooks.Health
}

// WebhookSource adapts a receiver to EventsSource. ForwardTo overrides the
// receiver's own --forward-to URL when set.
type WebhookSource struct {
	Receiver  *webhooks.Receiver
	ForwardTo string
}

// List lists stored deliveries, newest first.
func (s WebhookSource) List(ctx context.Context, limit int) ([]webhooks.Event, error) {
	return s.Receiver.Events(ctx, limit)
}

// Replay resends an event to the local receiver.
func (s WebhookSource) Replay(ctx context.Context, id string) (webhooks.ForwardResult, error) {
	return s.Receiver.Replay(ctx, id)
}

// Forward posts an event to the forward URL.
func (s WebhookSource) Forward(ctx context.Context, id string) (webhooks.ForwardResult, error) {
	return s.Receiver.Forward(ctx, id, s.ForwardTo)
}

// Health reports the receiver's state.
func (s WebhookSource) Health() webhooks.Health { return s.Receiver.Health() }

// WebhookDeliveryMsg carries one delivery from a receiver subscription
// (see WaitWebhook). Closed is set when the subscription ended.
type WebhookDeliveryMsg struct {
	Delivery webhooks.Delivery
	Closed   bool
}

// WaitWebhook waits for the next delivery on ch. The root model issues it
// once after subscribing and again after each WebhookDeliveryMsg.
func WaitWebhook(ch <-chan webhooks.Delivery) tea.Cmd {
	return func() tea.Msg {
		d, ok := <-ch
		return WebhookDeliveryMsg{Delivery: d, Closed: !ok}
	}
}

// EventsBackMsg is sent when the user leaves the inspector (esc in the
// list); the root returns to the previous screen.
type EventsBackMsg struct{}

// eventsLimit is how many deliveries the list loads.
const eventsLimit = 500

// eventsCallTimeout bounds a list, replay or forward call.
const eventsCallTimeout = 20 * time.Second

type eventsLoadedMsg struct {
	gen    int
	events []webhooks.Event
	err    error
}

type eventsActionMsg struct {
	attempt int
	kind    string // "replay" or "forward"
	eventID string
	res     webhooks.ForwardResult
	err     error
}

type eventsCopiedMsg struct {
	what string
	err  error
}

// eventsKeyMap holds the inspector's bindings.
type eventsKeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back                              key.Binding
	Replay, Forward, CopyID, CopyBody       key.Binding
	Reload                                  key.Binding
}

func newEventsKeyMap(t tr) eventsKeyMap {
	b := func(keys []string, h, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, t.S(desc)))
	}
	return eventsKeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d", " "}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g", "newest"),
		Bottom:   b([]string{"end", "G"}, "G", "oldest"),
		Open:     b([]string{"enter"}, "enter", "details"),
		Back:     b([]string{"esc", "backspace"}, "esc", "back"),
		Replay:   b([]string{"r"}, "r", "replay locally"),
		Forward:  b([]string{"f"}, "f", "forward"),
		CopyID:   b([]string{"y"}, "y", "copy id"),
		CopyBody: b([]string{"Y", "c"}, "c", "copy body"),
		Reload:   b([]string{"ctrl+r", "R"}, "R", "reload"),
	}
}

// eventsStyles are the inspector's styles. With the ASCII profile (tests,
// NO_COLOR) colours vanish and the ✓/✗ marks carry the meaning.
type eventsStyles struct {
	title, muted, ok, bad, selected, label, status lipgloss.Style
}

func newEventsStyles() eventsStyles {
	green := lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}
	red := lipgloss.Color("#E5484D")
	accent := lipgloss.AdaptiveColor{Light: "#0969DA", Dark: "#58A6FF"}
	muted := lipgloss.AdaptiveColor{Light: "#6E7781", Dark: "#8B949E"}
	return eventsStyles{
		title:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		muted:    lipgloss.NewStyle().Foreground(muted),
		ok:       lipgloss.NewStyle().Bold(true).Foreground(green),
		bad:      lipgloss.NewStyle().Bold(true).Foreground(red),
		selected: lipgloss.NewStyle().Bold(true).Reverse(true),
		label:    lipgloss.NewStyle().Foreground(muted),
		status:   lipgloss.NewStyle().Bold(true),
	}
}

// EventsModel is the event inspector screen.
type EventsModel struct {
	src    EventsSource
	ctx    context.Context
	width  int
	height int
	keys   eventsKeyMap
	help   help.Model
	st     eventsStyles
	t      tr
	now    func() time.Time
	copyFn func(string) error

	events  []webhooks.Event
	loaded  bool
	loadErr string
	gen     int
	cursor  int
	offset  int

	detail bool
	vp     viewport.Model

	attempt int
	busy    string // "replay"/"forward" while one runs
	status  string
	bad     bool // status is an error
}

// NewEventsModel returns the inspector over src, sized width×height.
// Init loads the list.
func NewEventsModel(src EventsSource, width, height int) EventsModel {
	m := EventsModel{
		src:  src,
		ctx:  context.Background(),
		keys: newEventsKeyMap(newTr("en")),
		help: help.New(),
		st:   newEventsStyles(),
		t:    newTr("en"),
		now:  time.Now,
		vp:   viewport.New(0, 0),
	}
	m.copyFn = func(s string) error { return osc52Copy(os.Stderr, os.Getenv("TERM"), s) }
	m.SetSize(width, height)
	return m
}

// WithLanguage says everything of the inspector's own in lang ("en",
// "ja"); what came in a delivery (headers, body, reasons) stays as it is.
func (m EventsModel) WithLanguage(lang string) EventsModel {
	m.t = newTr(lang)
	m.keys = newEventsKeyMap(m.t)
	return m
}

// WithContext bounds every call the inspector makes.
func (m EventsModel) WithContext(ctx context.Context) EventsModel {
	m.ctx = ctx
	return m
}

// WithClipboard replaces the OSC 52 clipboard writer (tests, or a
// terminal-specific one).
func (m EventsModel) WithClipboard(fn func(string) error) EventsModel {
	m.copyFn = fn
	return m
}

// WithNow replaces the clock used to format times (tests).
func (m EventsModel) WithNow(now func() time.Time) EventsModel {
	m.now = now
	return m
}

// osc52Copy writes an OSC 52 "set clipboard" sequence. It goes to stderr,
// which is the terminal but not the renderer's writer, so it cannot tear a
// frame; inside tmux or screen it is wrapped so they pass it on.
func osc52Copy(w io.Writer, term, s string) error {
	seq := osc52.New(s)
	switch {
	case os.Getenv("TMUX") != "":
		seq = seq.Tmux()
	case strings.HasPrefix(term, "screen"):
		seq = seq.Screen()
	}
	_, err := seq.WriteTo(w)
	return err
}

// SetSize resizes the inspector.
func (m *EventsModel) SetSize(width, height int) {
	m.width, m.height = max(width, 20), max(height, 6)
	m.help.Width = m.width
	m.vp.Width = m.width
	m.vp.Height = max(m.height-4, 1) // title, status, help
	m.clampOffset()
}

// Init loads the list.
func (m EventsModel) Init() tea.Cmd { return m.loadCmd(m.gen) }

// Reload returns a command that reloads the list (the root may call it on
// entering the screen).
func (m *EventsModel) Reload() tea.Cmd { return m.load() }

// load starts a reload; results of earlier loads are then ignored.
func (m *EventsModel) load() tea.Cmd {
	m.gen++
	return m.loadCmd(m.gen)
}

func (m EventsModel) loadCmd(gen int) tea.Cmd {
	src, ctx := m.src, m.ctx
	return func() tea.Msg {
		if src == nil {
			return eventsLoadedMsg{gen: gen, err: errors.New(m.t.S("the webhook receiver is not running"))}
		}
		c, cancel := context.WithTimeout(ctx, eventsCallTimeout)
		defer cancel()
		evs, err := src.List(c, eventsLimit)
		return eventsLoadedMsg{gen: gen, events: evs, err: err}
	}
}

// Selected returns the event under the cursor.
func (m EventsModel) Selected() (webhooks.Event, bool) {
	if m.cursor < 0 || m.cursor >= len(m.events) {
		return webhooks.Event{}, false
	}
	return m.events[m.cursor], true
}

// InDetail reports whether the detail view is open (the root may use it to
// decide what esc means).
func (m EventsModel) InDetail() bool { return m.detail }

// Update handles a message.
func (m EventsModel) Update(msg tea.Msg) (EventsModel, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		if m.detail {
			m.vp.SetContent(m.detailContent())
		}
		return m, nil
	case WebhookDeliveryMsg:
		if msg.Closed {
			return m, nil
		}
		return m, m.load()
	case eventsLoadedMsg:
		if msg.gen != m.gen {
			return m, nil // a newer load is under way
		}
		m.loaded = true
		if msg.err != nil {
			m.loadErr = m.t.F("could not load events: %s", msg.err.Error())
			return m, nil
		}
		m.loadErr = ""
		m.setEvents(msg.events)
		return m, nil
	case eventsActionMsg:
		if msg.attempt != m.attempt {
			return m, nil
		}
		m.busy = ""
		m.status, m.bad = describeAction(m.t, msg)
		// A replay bumps the delivery count; reload to show it.
		return m, m.load()
	case eventsCopiedMsg:
		if msg.err != nil {
			m.status, m.bad = m.t.F("copy failed: %s", m.t.S(msg.err.Error())), true
		} else {
			m.status, m.bad = m.t.F("copied %s to the clipboard (OSC 52)", msg.what), false
		}
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	if m.detail {
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return m, cmd
	}
	return m, nil
}

// setEvents replaces the list, keeping the cursor on the same delivery.
func (m *EventsModel) setEvents(evs []webhooks.Event) {
	var keep webhooks.Event
	had := false
	if e, ok := m.Selected(); ok {
		keep, had = e, true
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].ReceivedAt.After(evs[j].ReceivedAt) })
	m.events = evs
	m.cursor = 0
	if had {
		for i, e := range evs {
			if sameEvent(e, keep) {
				m.cursor = i
				break
			}
		}
	}
	m.clampOffset()
	if m.detail {
		if _, ok := m.Selected(); ok {
			m.vp.SetContent(m.detailContent())
		} else {
			m.detail = false
		}
	}
}

func sameEvent(a, b webhooks.Event) bool {
	if a.Seq != 0 || b.Seq != 0 {
		return a.Seq == b.Seq
	}
	return a.EventID == b.EventID && a.Verified == b.Verified && a.ReceivedAt.Equal(b.ReceivedAt)
}

func (m EventsModel) handleKey(msg tea.KeyMsg) (EventsModel, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Reload):
		m.status = ""
		return m, m.load()
	case key.Matches(msg, k.Replay):
		return m.act("replay")
	case key.Matches(msg, k.Forward):
		return m.act("forward")
	case key.Matches(msg, k.CopyID):
		e, ok := m.Selected()
		if !ok {
			return m, nil
		}
		id := e.EventID
		what := m.t.F("event id %s", id)
		if id == "" {
			id, what = e.PaymentID, m.t.F("payment id %s", e.PaymentID)
		}
		if id == "" {
			m.status, m.bad = m.t.S("this delivery has no event id to copy"), true
			return m, nil
		}
		return m, m.copyCmd(what, id)
	case key.Matches(msg, k.CopyBody):
		e, ok := m.Selected()
		if !ok {
			return m, nil
		}
		return m, m.copyCmd(m.t.S("the body"), e.PrettyBody())
	}
	if m.detail {
		if key.Matches(msg, k.Back) {
			m.detail = false
			return m, nil
		}
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return m, cmd
	}
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-m.listHeight())
	case key.Matches(msg, k.PageDown):
		m.move(m.listHeight())
	case key.Matches(msg, k.Top):
		m.move(-len(m.events))
	case key.Matches(msg, k.Bottom):
		m.move(len(m.events))
	case key.Matches(msg, k.Open):
		if _, ok := m.Selected(); ok {
			m.detail = true
			m.vp.SetContent(m.detailContent())
			m.vp.GotoTop()
		}
	case key.Matches(msg, k.Back):
		return m, func() tea.Msg { return EventsBackMsg{} }
	}
	return m, nil
}

func (m *EventsModel) move(d int) {
	if len(m.events) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+d, 0), len(m.events)-1)
	m.clampOffset()
}

// listHeight is the number of rows the list shows: the height less the
// title, column header, status and help lines.
func (m EventsModel) listHeight() int { return max(m.height-4, 1) }

func (m *EventsModel) clampOffset() {
	h := m.listHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(min(m.offset, len(m.events)-h), 0)
}

// act starts a replay or forward of the selected event.
func (m EventsModel) act(kind string) (EventsModel, tea.Cmd) {
	e, ok := m.Selected()
	if !ok {
		return m, nil
	}
	if !e.Verified {
		m.status, m.bad = m.t.F("cannot %s a rejected delivery (%s): only verified events are re-signed", m.t.S(kind), e.Reason), true
		return m, nil
	}
	if m.busy != "" {
		m.status, m.bad = m.t.F("%s still running…", m.t.S(m.busy)), false
		return m, nil
	}
	m.attempt++
	m.busy = kind
	m.status, m.bad = m.t.F("%s %s…", m.t.S(kind), e.EventID), false
	attempt, src, ctx, id := m.attempt, m.src, m.ctx, e.EventID
	return m, func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, eventsCallTimeout)
		defer cancel()
		var res webhooks.ForwardResult
		var err error
		if kind == "replay" {
			res, err = src.Replay(c, id)
		} else {
			res, err = src.Forward(c, id)
		}
		return eventsActionMsg{attempt: attempt, kind: kind, eventID: id, res: res, err: err}
	}
}

func describeAction(t tr, msg eventsActionMsg) (string, bool) {
	if msg.err != nil {
		return t.F("%s failed: %s", t.S(msg.kind), strings.TrimPrefix(msg.err.Error(), "webhooks: ")), true
	}
	target := t.S("local receiver")
	if msg.kind == "forward" {
		target = msg.res.URL
	}
	return t.F("%s %s → %s: %s", t.S(msg.kind), msg.eventID, target, msg.res.String()), !msg.res.OK()
}

func (m EventsModel) copyCmd(what, text string) tea.Cmd {
	fn := m.copyFn
	return func() tea.Msg {
		if fn == nil {
			return eventsCopiedMsg{what: what, err: errors.New(noClipboard)}
		}
		return eventsCopiedMsg{what: what, err: fn(text)}
	}
}

// View renders the inspector.
func (m EventsModel) View() string {
	var b strings.Builder
	title := m.st.title.Render(m.t.F("Webhook events (%d)", len(m.events)))
	if hs, ok := m.src.(eventsHealthSource); ok {
		title += "  " + m.st.muted.Render(hs.Health().In(m.t.lang))
	}
	b.WriteString(ansi.Truncate(title, m.width, "…") + "\n")
	if m.detail {
		b.WriteString(m.vp.View() + "\n")
	} else {
		b.WriteString(m.listView())
	}
	b.WriteString(m.statusLine() + "\n")
	b.WriteString(m.helpLine())
	return b.String()
}

func (m EventsModel) statusLine() string {
	switch {
	case m.loadErr != "":
		return ansi.Truncate(m.st.bad.Render(termtext.Line(m.loadErr)), m.width, "…")
	case m.status == "":
		return ""
	case m.bad:
		return ansi.Truncate(m.st.bad.Render(termtext.Line(m.status)), m.width, "…")
	}
	return ansi.Truncate(m.st.status.Render(termtext.Line(m.status)), m.width, "…")
}

func (m EventsModel) helpLine() string {
	k := m.keys
	var keys []key.Binding
	if m.detail {
		keys = []key.Binding{k.Up, k.Down, k.Replay, k.Forward, k.CopyID, k.CopyBody, k.Back}
	} else {
		keys = []key.Binding{k.Up, k.Down, k.Open, k.Replay, k.Forward, k.CopyID, k.CopyBody, k.Reload, k.Back}
	}
	return m.help.ShortHelpView(keys)
}

// Column widths of the list.
const (
	evColTime    = 8
	evColType    = 22
	evColPayment = 20
	evColAmount  = 11
	evColCount   = 4
)

func (m EventsModel) listView() string {
	var b strings.Builder
	h := m.listHeight()
	// Padded by screen width: the Japanese headings take two cells a
	// character.
	head := "  " + termtext.Pad(m.t.S("TIME"), evColTime) + " " + termtext.Pad(m.t.S("TYPE"), evColType) + " " +
		termtext.Pad(m.t.S("PAYMENT"), evColPayment) + " " + termtext.PadLeft(m.t.S("AMOUNT"), evColAmount) + " " +
		termtext.PadLeft(m.t.S("DLV"), evColCount) + "  " + m.t.S("VERDICT")
	b.WriteString(m.st.label.Render(ansi.Truncate(head, m.width, "…")) + "\n")
	if !m.loaded {
		b.WriteString("  " + m.t.S("loading…") + "\n")
		h--
	} else if len(m.events) == 0 && m.loadErr == "" {
		msg := "  " + m.t.S("No webhook events yet.")
		if hs, ok := m.src.(eventsHealthSource); ok {
			if u := hs.Health().URL; u != "" && hs.Health().Listening {
				msg += m.t.F(" Deliveries to %s appear here.", u)
			} else {
				msg += m.t.S(" The receiver is not listening.")
			}
		}
		b.WriteString(ansi.Truncate(msg, m.width, "…") + "\n")
		h--
	}
	end := min(m.offset+h, len(m.events))
	for i := m.offset; i < end; i++ {
		b.WriteString(m.row(i) + "\n")
		h--
	}
	for ; h > 0; h-- {
		b.WriteString("\n")
	}
	return b.String()
}

// row renders one delivery: time, type, payment id, amount, delivery count,
// verdict and the reason for ✗.
func (m EventsModel) row(i int) string {
	e := inert(m.events[i])
	amount := ""
	if e.Currency != "" {
		amount = komoju.FormatAmount(e.Amount, e.Currency)
	}
	typ := e.Type
	if typ == "" {
		typ = "?"
	}
	line := fmt.Sprintf("%-*s %-*s %-*s %*s %*s  ", evColTime, m.shortTime(e.LastAt, e.ReceivedAt), evColType, evFit(typ, evColType),
		evColPayment, evFit(e.PaymentID, evColPayment), evColAmount, amount, evColCount, fmt.Sprintf("×%d", max(e.Deliveries, 1)))
	verdict := m.st.ok.Render("✓")
	if !e.Verified {
		verdict = m.st.bad.Render("✗ " + e.Reason)
	}
	prefix := "  "
	if i == m.cursor {
		prefix = "> "
		line = m.st.selected.Render(line)
	}
	return ansi.Truncate(prefix+line+verdict, m.width, "…")
}

// shortTime shows the latest delivery's time; a day other than today gets
// its date.
func (m EventsModel) shortTime(last, first time.Time) string {
	t := last
	if t.IsZero() {
		t = first
	}
	if t.IsZero() {
		return "-"
	}
	t = t.In(journal.JST) // the shop's clock, as every other time on screen
	n := m.now().In(journal.JST)
	if t.Year() == n.Year() && t.YearDay() == n.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("01-02 15h")
}

// evFit shortens s to w cells with an ellipsis.
func evFit(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// detailContent is the viewport's text: summary, headers and body.
func (m EventsModel) detailContent() string {
	raw, ok := m.Selected()
	if !ok {
		return ""
	}
	e := inert(raw)
	var b strings.Builder
	l := func(s string) string { return m.st.label.Render(m.t.S(s)) }
	verdict := m.st.ok.Render(m.t.S("✓ signature verified"))
	if !e.Verified {
		verdict = m.st.bad.Render(m.t.F("✗ rejected: %s", e.Reason))
	}
	id := e.EventID
	if id == "" {
		id = m.t.S("(no event id)")
	}
	fmt.Fprintf(&b, "%s %s   %s %s   %s\n", l("Event"), id, l("Type"), orDash(e.Type), verdict)
	fmt.Fprintf(&b, "%s %s   %s %s   %s %d\n", l("First received"), fmtTime(e.ReceivedAt), l("Last"), fmtTime(e.LastAt), l("Deliveries"), max(e.Deliveries, 1))
	if e.PaymentID != "" {
		amount := "-"
		if e.Currency != "" {
			amount = komoju.FormatAmount(e.Amount, e.Currency)
		}
		fmt.Fprintf(&b, "%s %s   %s %s   %s %s\n", l("Payment"), e.PaymentID, l("Amount"), amount, l("Status"), orDash(m.t.status(string(e.PaymentStatus))))
	}
	if !e.CreatedAt.IsZero() {
		fmt.Fprintf(&b, "%s %s\n", l("Event created"), fmtTime(e.CreatedAt))
	}
	if !e.Verified {
		b.WriteString(m.st.bad.Render(m.t.S("Unverified: the fields above come from a body nobody signed.")) + "\n")
	}
	b.WriteString("\n" + m.st.title.Render(m.t.S("Headers")) + "\n")
	names := make([]string, 0, len(e.Headers))
	for k := range e.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "  %s: %s\n", k, e.Headers[k])
	}
	if len(names) == 0 {
		b.WriteString("  " + m.t.S("(none stored)") + "\n")
	}
	b.WriteString("\n" + m.st.title.Render(m.t.S("Body")) + "\n")
	body := termtext.Text(raw.PrettyBody())
	if body == "" {
		body = m.t.S("(empty)")
	}
	// Wrapped to the width so a long line cannot push the frame sideways.
	b.WriteString(ansi.Hardwrap(body, max(m.width-1, 10), true))
	return b.String()
}

// noClipboard is why a copy did not happen when there is no clipboard
// writer (said through the table when shown).
const noClipboard = "no clipboard"

// inert returns a copy of e fit for the screen: every text field made one
// inert line (termtext.Line). Anyone who can reach the receiver chooses
// them, signature or not, and a stored delivery is shown again each time
// the inspector opens. The stored event itself is untouched: replay and
// copy use the bytes as received.
func inert(e webhooks.Event) webhooks.Event {
	e.EventID, e.DeliveryID, e.Type = termtext.Line(e.EventID), termtext.Line(e.DeliveryID), termtext.Line(e.Type)
	e.PaymentID, e.Currency, e.Reason = termtext.Line(e.PaymentID), termtext.Line(e.Currency), termtext.Line(e.Reason)
	e.PaymentStatus = komoju.PaymentStatus(termtext.Line(string(e.PaymentStatus)))
	h := make(map[string]string, len(e.Headers))
	for k, v := range e.Headers {
		h[termtext.Line(k)] = termtext.Line(v)
	}
	e.Headers = h
	return e
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(journal.JST).Format("2006-01-02 15:04:05")
}
