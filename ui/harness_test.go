package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/flowstest"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

func TestMain(m *testing.M) {
	// Goldens and text assertions see plain characters.
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	os.Exit(m.Run())
}

// fixedNow is the clock of the deterministic tests (order numbers, card
// expiry checks, receipts).
var fixedNow = flowstest.Start

// testEnv is an in-process sandbox with an engine (and journal) on it.
type testEnv struct {
	sb     *sandbox.Server
	eng    *flows.Engine
	client *komoju.Client
	j      *journal.Journal
	dir    string
	opened *openedURLs
}

// openedURLs records what the model asked the browser to open.
type openedURLs struct {
	mu   sync.Mutex
	urls []string
	err  error
}

func (o *openedURLs) open(u string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.urls = append(o.urls, u)
	return o.err
}

func (o *openedURLs) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.urls...)
}

type envOpt struct {
	journal bool
	clock   bool // kept for call sites; every env now runs on the one fixed clock
}

func newEnv(t testing.TB, eo envOpt) *testEnv {
	t.Helper()
	// One clock for the sandbox, the engine, the journal and the screens
	// (flowstest): a test that mixes the fixed UI date with the machine's
	// date passes on one day only ("Sales today" empty on every other).
	w := flowstest.New(t, flowstest.Options{Frozen: true, Sandbox: sandbox.Options{Seed: 1}, NoJournal: !eo.journal})
	env := &testEnv{sb: w.Sandbox, client: w.Client, dir: w.Dir, opened: &openedURLs{}, j: w.Journal}
	// Timeout bounds the engine's resolution of a lost answer (default
	// 15s of retrying): fault tests want the UNKNOWN screen quickly.
	deps := flows.Deps{Client: w.Client, Now: w.Now, PollBackoff: func(int) time.Duration { return 20 * time.Millisecond }, Timeout: time.Second}
	// A return URL, as main gives the console: Method 2 card payments need
	// one for 3-D Secure.
	ret := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(ret.Close)
	deps.ReturnURL = ret.URL + "/return"
	if w.Journal != nil {
		deps.Journal = w.Journal
	}
	env.eng = flows.NewEngine(deps)
	return env
}

// options are the model options for env; tweak the copy before New.
func (e *testEnv) options() Options {
	return Options{
		Engine:     e.eng,
		Journal:    e.j,
		Mode:       "sandbox",
		KeyMasked:  "sk_test_…0000",
		SandboxURL: e.sb.BaseURL(),
		OpenURL:    e.opened.open,
		Now:        e.sb.Now,
		ReceiptDir: e.dir,
		Getenv:     func(string) string { return "" },
	}
}

// harness drives a Model like the bubbletea runtime does: commands run in
// goroutines and their messages are fed back on the test goroutine.
type harness struct {
	t    testing.TB
	m    Model
	msgs chan tea.Msg
	done chan struct{}
}

// newJaHarness is a Japanese console at 120×40 on a sandbox of its own.
func newJaHarness(t testing.TB) (*testEnv, *harness) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Lang = "ja"
	return env, newHarness(t, o, 120, 40)
}

func newHarness(t testing.TB, opts Options, w, h int) *harness {
	t.Helper()
	hs := &harness{t: t, m: New(opts), msgs: make(chan tea.Msg, 256), done: make(chan struct{})}
	t.Cleanup(func() {
		close(hs.done)
		hs.m.stopAll()
		if hs.m.busy != nil {
			hs.m.busy.cancel()
		}
	})
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(hs.m.Init())
	return hs
}

// run starts cmd in a goroutine like the runtime does. A command that
// answers at once (huh's field moves, most sandbox calls) is handled right
// away, so key sequences do not depend on goroutine scheduling; slow ones
// (timers, watches) deliver later through the queue.
func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		h.send(msg)
	case <-time.After(30 * time.Millisecond):
		go func() {
			select {
			case msg := <-done:
				select {
				case h.msgs <- msg:
				case <-h.done:
				}
			case <-h.done:
			}
		}()
	}
}

var sequenceType = reflect.TypeOf(tea.Sequence(func() tea.Msg { return nil })())

// send delivers msg to the model and runs what it returns.
func (h *harness) send(msg tea.Msg) {
	switch mm := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range mm {
			h.run(c)
		}
		return
	case spinner.TickMsg:
		return // no animation in tests
	case tea.QuitMsg:
		return
	}
	if v := reflect.ValueOf(msg); v.Type() == sequenceType {
		for i := 0; i < v.Len(); i++ {
			if c, ok := v.Index(i).Interface().(tea.Cmd); ok {
				h.run(c)
			}
		}
		return
	}
	if strings.Contains(reflect.TypeOf(msg).String(), "Blink") {
		return // cursor blinking
	}
	nm, cmd := h.m.Update(msg)
	h.m = nm.(Model)
	h.run(cmd)
}

// settle feeds queued messages until none arrives for a short while.
func (h *harness) settle() {
	for {
		select {
		case msg := <-h.msgs:
			h.send(msg)
		case <-time.After(40 * time.Millisecond):
			return
		}
	}
}

// keys types each key name ("enter", "esc", "ctrl+t", ...) or literal text.
func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
		h.settle()
	}
}

// typeAhead hands every key to the model before any command it returned
// has answered, as when the terminal delivers them in one read (a fast
// typist, tmux, a script); then it runs the commands.
func (h *harness) typeAhead(keys ...string) {
	h.t.Helper()
	var cmds []tea.Cmd
	for _, k := range keys {
		nm, cmd := h.m.Update(keyMsg(k))
		h.m = nm.(Model)
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		h.run(c)
	}
	h.settle()
}

func keyMsg(k string) tea.KeyMsg {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"backspace": tea.KeyBackspace, "delete": tea.KeyDelete, "up": tea.KeyUp, "down": tea.KeyDown,
		"ctrl+t": tea.KeyCtrlT, "ctrl+s": tea.KeyCtrlS, "ctrl+c": tea.KeyCtrlC, "ctrl+x": tea.KeyCtrlX, "space": tea.KeySpace,
	}
	if t, ok := named[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// view is the rendered screen without ANSI sequences.
func (h *harness) view() string { return ansi.Strip(h.m.View()) }

// waitFor feeds messages until cond holds, failing with the screen after
// timeout.
func (h *harness) waitFor(what string, cond func(m Model) bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond(h.m) {
		select {
		case msg := <-h.msgs:
			h.send(msg)
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s; screen %s:\n%s", what, h.m.Screen(), h.view())
		}
	}
}

// waitText waits until the view contains all of texts.
func (h *harness) waitText(texts ...string) {
	h.t.Helper()
	h.waitFor(strings.Join(texts, ", "), func(m Model) bool {
		v := ansi.Strip(m.View())
		for _, s := range texts {
			if !strings.Contains(v, s) {
				return false
			}
		}
		return true
	})
}

func (h *harness) mustContain(texts ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range texts {
		if !strings.Contains(v, s) {
			h.t.Fatalf("screen %s lacks %q:\n%s", h.m.Screen(), s, v)
		}
	}
}

func (h *harness) mustNotContain(texts ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range texts {
		if strings.Contains(v, s) {
			h.t.Fatalf("screen %s must not show %q:\n%s", h.m.Screen(), s, v)
		}
	}
}

// amountTo types an amount and continues to the method screen.
func (h *harness) amountTo(digits string) {
	h.t.Helper()
	h.keys(digits, "enter")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
}

// pickMethod moves the cursor to the method named name and presses enter.
func (h *harness) pickMethod(name string) {
	h.t.Helper()
	for i := 0; i < h.m.methodList.choices(); i++ {
		if h.m.methodList.ix < len(h.m.methodList.methods) && (strings.EqualFold(h.m.methodList.methods[h.m.methodList.ix].NameEn, name) || string(h.m.methodList.methods[h.m.methodList.ix].Type) == name) {
			h.keys("enter")
			return
		}
		if h.m.methodList.ix >= len(h.m.methodList.methods) && name == "phone" {
			h.keys("enter")
			return
		}
		h.keys("down")
	}
	h.t.Fatalf("method %q not offered:\n%s", name, h.view())
}

// testData opens the picker, filters by query and picks the first match.
func (h *harness) testData(query string) {
	h.t.Helper()
	h.keys("ctrl+t")
	if h.m.details.picker == nil {
		h.t.Fatalf("test-data picker did not open:\n%s", h.view())
	}
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(query)})
	h.settle()
	h.keys("enter")
}

// sandboxPost calls a sandbox-only endpoint, as the customer's page does.
func (e *testEnv) sandboxPost(t testing.TB, path string, form string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sandboxPost(ctx, e.sb.BaseURL()+path, form); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
}
