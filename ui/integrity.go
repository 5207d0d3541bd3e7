package ui

import (
	"errors"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
)

// The journal's whole-file check (issue 10) runs here, not when the
// journal opens: it reads every page, about a second for a year of sales,
// and the clerk's first frame must not wait for it. It starts a moment
// after start-up and at most once a day across every process on the
// journal (journal.CheckIntegrityIfDue); a damaged file is checked, and
// announced, at every start until it is replaced.
const (
	integrityDelay = time.Second
	integrityEvery = 24 * time.Hour
)

// integrityMsg is the background check's verdict.
type integrityMsg struct{ err error }

// checkJournalLater is the background check, started from Init.
func (m Model) checkJournalLater() tea.Cmd {
	j, ctx := m.opts.Journal, m.ctx
	if j == nil {
		return nil
	}
	return tea.Tick(integrityDelay, func(time.Time) tea.Msg {
		_, err := j.CheckIntegrityIfDue(ctx, integrityEvery)
		if ctx.Err() != nil {
			return nil // the console is closing: no verdict
		}
		return integrityMsg{err: err}
	})
}

// onIntegrity puts a damaged journal in the header, where it stays. Other
// failures (the journal busy or closing) are left to the next start.
func (m *Model) onIntegrity(msg integrityMsg) tea.Cmd {
	if !errors.Is(msg.err, journal.ErrCorrupt) {
		return nil
	}
	n := words.T("journal_damaged")
	if slices.ContainsFunc(m.opts.Notices, func(x words.Text) bool { return x.ID == n.ID }) {
		return nil
	}
	m.opts.Notices = append(slices.Clip(m.opts.Notices), n)
	// The header grew a line: lay the screens out again.
	return m.update(tea.WindowSizeMsg{Width: m.width, Height: m.height})
}
