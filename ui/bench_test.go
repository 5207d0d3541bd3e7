package ui

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkView measures one View() of the busiest screen a clerk sees
// often: a konbini result with its QR code, at 120x40.
func BenchmarkView(b *testing.B) {
	env := newEnv(b, envOpt{})
	h := newHarness(b, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Konbini (convenience store)")
	h.testData("Sample customer")
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	h.m.stopWatch()
	m := h.m
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkViewAmount is the amount screen at 120x40 (redrawn on every
// keypad press).
func BenchmarkViewAmount(b *testing.B) {
	env := newEnv(b, envOpt{})
	h := newHarness(b, env.options(), 120, 40)
	h.keys("1234500")
	m := h.m
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkFirstFrame measures start-up to the first frame: New, the
// window size, and the first View, as the runtime does before anything
// else (no I/O happens in between).
func BenchmarkFirstFrame(b *testing.B) {
	env := newEnv(b, envOpt{})
	opts := env.options()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := New(opts)
		nm, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		_ = nm.View()
	}
}

// BenchmarkUpdate is what every message costs before any screen looks at
// it: bubbletea keeps the root model by value, so each Update takes a copy
// of it and hands another back (a spinner tick, a clock tick, a key, a
// journal answer). With each child carrying its own copy of the styles the
// root was 153 KB and a message it ignores cost 0.27-0.34 ms and 339 KB;
// sharing them (common.st is a pointer) took it to 32 KB.
func BenchmarkUpdate(b *testing.B) {
	env := newEnv(b, envOpt{})
	var m tea.Model = New(env.options())
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	b.ReportAllocs()
	for b.Loop() {
		m, _ = m.Update(struct{}{}) // a message no screen handles
	}
}

// BenchmarkFirstFrameProgram runs a real bubbletea program on a pipe and
// measures until its first frame is written.
func BenchmarkFirstFrameProgram(b *testing.B) {
	env := newEnv(b, envOpt{})
	opts := env.options()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out := &frameWriter{first: make(chan struct{})}
		p := tea.NewProgram(New(opts), tea.WithInput(bytes.NewReader(nil)), tea.WithOutput(out), tea.WithoutSignals())
		go func() { _, _ = p.Run() }()
		select {
		case <-out.first:
		case <-time.After(5 * time.Second):
			b.Fatal("no first frame within 5s")
		}
		p.Kill()
		p.Wait()
	}
}

// frameWriter signals the first write that contains the header.
type frameWriter struct {
	first chan struct{}
	done  bool
	buf   bytes.Buffer
}

func (w *frameWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.buf.Write(p)
		if bytes.Contains(w.buf.Bytes(), []byte("SANDBOX")) {
			w.done = true
			close(w.first)
		}
	}
	return len(p), nil
}

// BenchmarkViewScreens is View() of the other screens of a sale at
// 120x40: the sale's details of a konbini slip (figures, timeline and the
// slip's QR code), the customer paying on their phone (QR code), and the
// card form filled from the test-data picker (huh's form).
func BenchmarkViewScreens(b *testing.B) {
	screens := []struct {
		name  string
		drive func(h *harness)
	}{
		{"payment_details", func(h *harness) {
			h.amountTo("1000")
			h.pickMethod("Konbini (convenience store)")
			h.testData("Sample customer")
			h.keys("ctrl+s")
			h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
			h.keys("d")
			h.waitFor("details", func(m Model) bool { return m.screen == screenPayment })
		}},
		{"details_form", func(h *harness) {
			h.amountTo("1000")
			h.pickMethod("Credit card")
			h.testData("Visa")
			h.waitFor("card form", func(m Model) bool { return m.screen == screenDetails && m.details.form != nil })
		}},
		{"phone", func(h *harness) {
			h.amountTo("1000")
			h.pickMethod("phone")
			h.waitFor("phone", func(m Model) bool { return m.screen == screenResult })
		}},
	}
	for _, sc := range screens {
		b.Run(sc.name, func(b *testing.B) {
			env := newEnv(b, envOpt{})
			h := newHarness(b, env.options(), 120, 40)
			sc.drive(h)
			h.m.stopWatch()
			m := h.m
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}
