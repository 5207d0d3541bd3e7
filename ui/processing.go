package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// stepState is where one processing step stands.
type stepState int

const (
	stepPending stepState = iota
	stepActive
	stepDone
	stepFailed
)

// step is one line of the processing screen.
type step struct {
	label string
	note  string
	state stepState
}

// processingModel is the processing screen: the steps of the API call in
// flight (done, active with the spinner, or failed) and esc to stop
// waiting, with its own keys and help. The root owns the call (its attempt
// and context) and decides what stopping means for the sale, so the
// screen only asks (processingCancelMsg), as the method and history
// screens do.
type processingModel struct {
	common
	keys  processingKeys
	steps []step
}

// processingKeys are the processing screen's keys.
type processingKeys struct{ Cancel key.Binding }

// ShortHelp is the footer's part.
func (k processingKeys) ShortHelp() []key.Binding { return []key.Binding{k.Cancel} }

// processingCancelMsg asks the root to stop waiting for the call.
type processingCancelMsg struct{}

func newProcessingModel(c common, k KeyMap) processingModel {
	return processingModel{common: c, keys: processingKeys{Cancel: k.CancelStep}}
}

// Start shows steps, the last of which is usually the active one.
func (pm processingModel) Start(steps ...step) processingModel {
	pm.steps = steps
	return pm
}

// End marks the active steps done, or failed, with note.
func (pm processingModel) End(failed bool, note string) processingModel {
	steps := append([]step(nil), pm.steps...)
	for i := range steps {
		if steps[i].state == stepActive {
			steps[i].state = stepDone
			if failed {
				steps[i].state = stepFailed
			}
			steps[i].note = note
		}
	}
	pm.steps = steps
	return pm
}

// Update asks the root to stop waiting on esc.
func (pm processingModel) Update(msg tea.Msg) (processingModel, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok && key.Matches(km, pm.keys.Cancel) {
		return pm, ask(processingCancelMsg{})
	}
	return pm, nil
}

// View draws the steps under the amount; spin is the spinner's frame.
func (pm processingModel) View(amount, spin string) string {
	st := pm.st
	var b strings.Builder
	b.WriteString(st.Title.Render(pm.t.S("Processing")) + "  " + st.Value.Render(amount) + "\n\n")
	for _, s := range pm.steps {
		var mark string
		switch s.state {
		case stepDone:
			mark = st.StepDone.Render("✓")
		case stepActive:
			mark = spin
		case stepFailed:
			mark = st.Err.Render("✗")
		default:
			mark = " "
		}
		line := "  " + mark + " " + s.label
		if s.state == stepActive {
			line = "  " + mark + " " + st.StepActive.Render(s.label+" …")
		}
		if s.note != "" {
			line += "  " + st.Muted.Render(s.note)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n" + st.Muted.Render(pm.t.S("esc cancels this step")) + "\n")
	return b.String()
}
