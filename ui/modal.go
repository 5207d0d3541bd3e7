package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
)

// modal is a question over the screen: a yes/no confirmation, a one-line
// prompt, or a small form. Callbacks receive the model, so they never
// capture a stale copy of it.
type modal struct {
	title string
	body  string
	// confirm
	onYes func(m *Model) tea.Cmd
	// prompt
	prompt   bool
	input    textinput.Model
	validate func(string) error
	onSubmit func(m *Model, value string) tea.Cmd
	err      string
	// form
	form      *huh.Form
	formFocus formFocus
	onForm    func(m *Model) tea.Cmd
	formNote  string
}

func (m *Model) confirmModal(title, body string, onYes func(m *Model) tea.Cmd) *modal {
	return &modal{title: title, body: body, onYes: onYes}
}

func (m *Model) promptModal(title, body, value string, validate func(string) error, onSubmit func(m *Model, value string) tea.Cmd) *modal {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.SetValue(value)
	ti.CharLimit = 32
	ti.Width = 30
	return &modal{title: title, body: body, prompt: true, input: ti, validate: validate, onSubmit: onSubmit}
}

func (m *Model) updateModal(msg tea.Msg) tea.Cmd {
	md := m.modal
	km, isKey := msg.(tea.KeyMsg)
	switch {
	case md.form != nil:
		if isKey && km.Type == tea.KeyEsc {
			m.modal = nil
			return nil
		}
		var cmd tea.Cmd
		md.form, cmd = md.formFocus.update(md.form, msg)
		switch md.form.State {
		case huh.StateCompleted:
			m.modal = nil
			return md.onForm(m)
		case huh.StateAborted:
			m.modal = nil
		}
		return cmd
	case md.prompt:
		if !isKey {
			var c tea.Cmd
			md.input, c = md.input.Update(msg)
			return c
		}
		switch km.Type {
		case tea.KeyEsc:
			m.modal = nil
			return nil
		case tea.KeyEnter:
			v := strings.TrimSpace(md.input.Value())
			if md.validate != nil {
				if err := md.validate(v); err != nil {
					md.err = m.t.problem(err)
					return nil
				}
			}
			m.modal = nil
			return md.onSubmit(m, v)
		}
		var c tea.Cmd
		md.input, c = md.input.Update(msg)
		md.err = ""
		return c
	default:
		if !isKey {
			return nil
		}
		switch {
		case key.Matches(km, m.keys.Yes):
			m.modal = nil
			return md.onYes(m)
		case key.Matches(km, m.keys.No):
			m.modal = nil
		}
	}
	return nil
}

func (m Model) viewModal() string {
	md := m.modal
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render(md.title) + "\n")
	if md.body != "" {
		b.WriteString(wrap(md.body, min(m.width-10, 70)) + "\n")
	}
	switch {
	case md.form != nil:
		if md.formNote != "" {
			b.WriteString(st.Muted.Render(md.formNote) + "\n")
		}
		b.WriteString(md.form.View())
	case md.prompt:
		b.WriteString("\n" + md.input.View() + "\n")
		if md.err != "" {
			b.WriteString(st.Err.Render(md.err) + "\n")
		}
		b.WriteString(st.Muted.Render(m.t.S("enter confirms · esc cancels")))
	default:
		b.WriteString("\n" + st.Value.Render("[y] "+m.t.S("yes")) + "   " + st.Muted.Render("[n] "+m.t.S("no")))
	}
	return st.Modal.Render(b.String())
}
