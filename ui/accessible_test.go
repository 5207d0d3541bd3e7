package ui

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows"
)

// TestAccessibleFormRunsLineByLine: with ACCESSIBLE=1 the details form is
// not drawn in the full-screen view; it runs as a line-by-line huh prompt
// (through tea.Exec) and the flows validators still apply.
func TestAccessibleFormRunsLineByLine(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Accessible = true
	h := newHarness(t, o, 80, 24)
	h.amountTo("1000")
	// Choose konbini and catch the exec command instead of running it.
	for h.m.methodList.methods[h.m.methodList.ix].Type != "konbini" {
		h.send(keyMsg("down"))
	}
	nm, cmd := h.m.Update(keyMsg("enter"))
	h.m = nm.(Model)
	// The method screen asks the root to choose; the root's answer is
	// the exec command.
	nm, cmd = h.m.Update(cmd())
	h.m = nm.(Model)
	if h.m.details.form != nil {
		t.Fatal("accessible mode embedded the form in the view")
	}
	if cmd == nil {
		t.Fatal("no exec command")
	}
	// Run the accessible form as tea.Exec would, answering its prompts: the
	// store (2 = Lawson), a bad email first (refused by flows' validator),
	// then a good one, and skipping the optional fields.
	af := &accessibleForm{form: h.m.details.buildForm(h.m.method, h.m.details.d).WithAccessible(true)}
	var out bytes.Buffer
	af.SetStdin(&lineReader{lines: strings.SplitAfter("2\nnot-an-email\ntaro@example.com\n\n\n\n", "\n")})
	af.SetStdout(&out)
	if err := af.Run(); err != nil {
		t.Fatalf("accessible form: %v\n%s", err, out.String())
	}
	d := h.m.details.d
	if d.Store != "lawson" || d.Email != "taro@example.com" {
		t.Fatalf("accessible answers not applied: store %q email %q\n%q", d.Store, d.Email, out.String())
	}
	if !strings.Contains(out.String(), "not an email address") {
		t.Fatalf("the validator's message was not shown:\n%s", out.String())
	}
	// Back in the console, the sale goes on.
	h.send(formDoneMsg{})
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	if h.m.outcome.Kind != flows.OutcomeAwaiting {
		t.Fatalf("outcome %s", h.m.outcome.Kind)
	}
}

// lineReader returns one line per Read, as a terminal does, so each
// accessible prompt gets its own answer.
type lineReader struct{ lines []string }

func (r *lineReader) Read(p []byte) (int, error) {
	for len(r.lines) > 0 && r.lines[0] == "" {
		r.lines = r.lines[1:]
	}
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0])
	r.lines[0] = r.lines[0][n:]
	return n, nil
}
