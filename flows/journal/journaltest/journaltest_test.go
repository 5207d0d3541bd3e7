package journaltest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
)

// The built journal is one the journal package reads like a till's own:
// the open work where Reconcilable and Outstanding find it, a full day of
// sales per day, a clean integrity check, and today's numbering free.
func TestBuildIsARealJournal(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	o := WithOpenWork(2000)
	if err := Build(ctx, path, o); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if s, err := j.Reconcilable(ctx); err != nil || len(s) != 7 {
		t.Errorf("Reconcilable: %d sales, %v; want 5 open and 2 with an open refund", len(s), err)
	}
	if a, err := j.ReconcilableActions(ctx); err != nil || len(a) != 2 {
		t.Errorf("ReconcilableActions: %d, %v; want 2", len(a), err)
	}
	if s, err := j.Outstanding(ctx); err != nil || len(s) != 5 {
		t.Errorf("Outstanding: %d, %v; want 5", len(s), err)
	}
	yesterday := DefaultEnd.Add(-12 * time.Hour)
	if s, err := j.Sales(ctx, journal.Filter{Day: yesterday, Limit: -1}); err != nil || len(s) == 0 || len(s) > 300 {
		t.Errorf("sales of %s: %d, %v; want up to 300", yesterday.Format("2006-01-02"), len(s), err)
	} else if !strings.HasPrefix(s[0].OrderNum, "POS-20261123-") {
		t.Errorf("newest order number %q is not of the day", s[0].OrderNum)
	}
	if err := j.CheckIntegrity(ctx); err != nil {
		t.Errorf("CheckIntegrity: %v", err)
	}
	if n, err := j.LastOrderNum(ctx, "POS-20261124-"); err != nil || n != "" {
		t.Errorf("today's last order number = %q, %v; want none", n, err)
	}
}
