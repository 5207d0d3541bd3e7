package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
)

// A journal damaged among old sales opens (start-up reads a few pages, not
// the file), the first frame comes at once, and the background check then
// puts the damage in the header, where it stays.
func TestDamagedJournalIsAnnouncedAfterTheFirstFrame(t *testing.T) {
	env := newEnv(t, envOpt{})
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := journaltest.Build(context.Background(), path, journaltest.Options{Sales: 500}); err != nil {
		t.Fatal(err)
	}
	if err := journaltest.DamageSales(path, 0.5); err != nil {
		t.Fatal(err)
	}
	j, err := journal.OpenWith(path, journal.Options{Now: env.sb.Now})
	if err != nil {
		t.Fatalf("a journal damaged among old sales must still open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	opts := env.options()
	opts.Journal = j
	h := newHarness(t, opts, 100, 30)
	const notice = "Sale journal damaged: restore a backup"
	first := ansi.Strip(h.m.View())
	if !strings.Contains(first, "KOMOJU POS") || strings.Contains(first, notice) {
		t.Fatalf("first frame should come before the check:\n%s", first)
	}
	h.waitFor("the damage in the header", func(m Model) bool { return strings.Contains(ansi.Strip(m.View()), notice) })
	h.keys("1", "0", "0")
	if v := ansi.Strip(h.m.View()); !strings.Contains(v, notice) || !strings.Contains(v, "100") {
		t.Errorf("the notice should stay while the clerk works:\n%s", v)
	}
	if got := strings.Count(ansi.Strip(h.m.View()), "\n") + 1; got > 30 {
		t.Errorf("the view is %d lines in a 30-line terminal after the notice", got)
	}
}
