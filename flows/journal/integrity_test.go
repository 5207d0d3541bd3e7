package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// journalWithSales writes n finished sales (long descriptions, so the
// sales table spans many pages) to a new journal and closes it.
func journalWithSales(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < n; i++ {
		in := intent(fmt.Sprintf("POS-20261124-%04d", i+1))
		in.Description = strings.Repeat("a long description to fill pages ", 40)
		id, err := j.BeginSale(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := j.FinishSale(ctx, id, ResultFromPayment(payment(fmt.Sprintf("pay_%d", i), in.OrderNum, komoju.PaymentCaptured, 1000, 0), OutcomePaid)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	return path
}

// smashSalesLeaf overwrites one leaf page of the sales table with garbage:
// which picks it from the table's leaves, left (oldest sales) to right
// (newest).
func smashSalesLeaf(t *testing.T, path string, which func(leaves int) int) {
	t.Helper()
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var pageSize int64
	if err := j.db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	rows, err := j.db.Query(`SELECT pageno FROM dbstat WHERE name = 'sales' AND pagetype = 'leaf' ORDER BY path`)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, p)
	}
	rows.Close()
	j.Close()
	if len(leaves) < 5 {
		t.Fatalf("sales spans %d leaf pages; the test needs more", len(leaves))
	}
	page := leaves[which(len(leaves))]
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	garbage := make([]byte, pageSize)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	if _, err := f.WriteAt(garbage, (page-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}

// A file damaged where the next sale is written is refused at Open with
// the words the full check used to give, though Open no longer reads the
// whole file.
func TestOpenRefusesDamageWhereSalesAreWritten(t *testing.T) {
	path := journalWithSales(t, 60)
	smashSalesLeaf(t, path, func(n int) int { return n - 1 })
	wantOpenError(t, path, Options{}, ErrCorrupt, "damaged", "restore a backup")
}

// Damage among old sales does not stop the till (Open reads a few pages,
// not the file), but the integrity check the console runs in the background
// finds it, says so in words, and every start checks again until the file
// is replaced.
func TestIntegrityCheckFindsDamageOpenDoesNotRead(t *testing.T) {
	path := journalWithSales(t, 60)
	smashSalesLeaf(t, path, func(n int) int { return n / 2 })
	wall := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	j, err := OpenWith(path, Options{Wall: func() time.Time { return wall }})
	if err != nil {
		t.Fatalf("Open read the damaged middle of the file: %v", err)
	}
	defer j.Close()
	ctx := context.Background()
	if _, err := j.BeginSale(ctx, intent("POS-20261124-0061")); err != nil {
		t.Fatalf("a new sale on a journal damaged among old sales: %v", err)
	}

	ran, err := j.CheckIntegrityIfDue(ctx, 24*time.Hour)
	var ie *IntegrityError
	if !ran || !errors.Is(err, ErrCorrupt) || !errors.As(err, &ie) {
		t.Fatalf("CheckIntegrityIfDue = %v, %v; want it to run and report the damage as an *IntegrityError", ran, err)
	}
	for _, f := range []string{path, "damaged", "restore a backup"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not say %q", err, f)
		}
	}
	if len(ie.Problems) == 0 {
		t.Error("no problems listed")
	}
	t.Logf("check: %v", err)

	// Another process on the same file, a minute later: the last check
	// found damage, so it checks again rather than trusting the schedule.
	wall = wall.Add(time.Minute)
	j2, err := OpenWith(path, Options{Wall: func() time.Time { return wall }})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if ran, err := j2.CheckIntegrityIfDue(ctx, 24*time.Hour); !ran || !errors.Is(err, ErrCorrupt) {
		t.Errorf("second process: CheckIntegrityIfDue = %v, %v; want it to check again and find the damage", ran, err)
	}
	if err := j2.CheckIntegrity(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("CheckIntegrity = %v, want ErrCorrupt", err)
	}
}

// The scheduled check runs once per interval across every process on the
// journal, and not while another process is running it.
func TestIntegrityCheckSchedule(t *testing.T) {
	path := journalWithSales(t, 3)
	wall := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return wall }
	open := func() *Journal {
		j, err := OpenWith(path, Options{Wall: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return j
	}
	a, b := open(), open() // two consoles on one journal
	ctx := context.Background()
	day := 24 * time.Hour
	step := func(name string, j *Journal, wantRan bool) {
		t.Helper()
		ran, err := j.CheckIntegrityIfDue(ctx, day)
		if err != nil || ran != wantRan {
			t.Errorf("%s: CheckIntegrityIfDue = %v, %v; want %v, nil", name, ran, err, wantRan)
		}
	}
	step("first start", a, true)
	step("same process again", a, false)
	wall = wall.Add(3 * time.Hour)
	step("the other console, 3 hours later", b, false)
	wall = wall.Add(21 * time.Hour)
	step("the other console, a day after the check", b, true)
	step("the first console after that", a, false)

	// A process that claimed the check and has not finished (or died
	// doing it) keeps the others off for a while, not for ever.
	wall = wall.Add(day + time.Minute)
	if _, err := a.db.Exec(`UPDATE meta SET at = ? WHERE key = ?`, ms(wall), metaIntegrityClaim); err != nil {
		t.Fatal(err)
	}
	step("while another process checks", b, false)
	wall = wall.Add(integrityClaimFor + time.Second)
	step("after that process's claim ran out", b, true)

	if _, err := a.CheckIntegrityIfDue(ctx, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("interval 0: %v, want ErrInvalid", err)
	}
}

// A check stopped before its end (the console quitting) records nothing,
// so the schedule still finds it due; a closed journal is not checked.
func TestIntegrityCheckStoppedEarly(t *testing.T) {
	path := journalWithSales(t, 3)
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ran, err := j.CheckIntegrityIfDue(ctx, time.Hour); ran || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: CheckIntegrityIfDue = %v, %v; want not run, context.Canceled", ran, err)
	}
	if err := j.CheckIntegrity(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: CheckIntegrity = %v, want context.Canceled", err)
	}
	if ran, err := j.CheckIntegrityIfDue(context.Background(), time.Hour); !ran || err != nil {
		t.Errorf("after a cancelled check: CheckIntegrityIfDue = %v, %v; want it due and clean", ran, err)
	}
	j.Close()
	if err := j.CheckIntegrity(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("closed journal: CheckIntegrity = %v, want ErrClosed", err)
	}
}
