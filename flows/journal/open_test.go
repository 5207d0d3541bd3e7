package journal

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wantOpenError asserts that opening path fails quickly with an *OpenError
// naming the path and containing every fragment.
func wantOpenError(t *testing.T, path string, o Options, target error, fragments ...string) {
	t.Helper()
	start := time.Now()
	j, err := OpenWith(path, o)
	if err == nil {
		j.Close()
		t.Fatalf("OpenWith(%s) succeeded, want an error", path)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("OpenWith took %v; it must not hang", d)
	}
	t.Logf("OpenWith(%s): %v", filepath.Base(path), err)
	var oe *OpenError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not an *OpenError", err, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) {
		t.Errorf("error %q does not name the path %s", msg, path)
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("error %q does not say %q", msg, f)
		}
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("error %v is not %v", err, target)
	}
}

func TestOpenGarbageFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	garbage := []byte(strings.Repeat("this is not a database, just text the user saved by mistake\n", 200))
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	wantOpenError(t, path, Options{}, ErrCorrupt, "not an SQLite database")
	// The file was left alone for the user to inspect.
	if got, _ := os.ReadFile(path); string(got) != string(garbage) {
		t.Error("Open modified the garbage file")
	}
}

func TestOpenDamagedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		in := intent("POS-" + strings.Repeat("x", 50) + "-" + strconv.Itoa(i))
		in.Description = strings.Repeat("a long description to fill pages ", 100)
		if _, err := j.BeginSale(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8*4096 {
		t.Fatalf("database only %d bytes; test needs more pages", len(b))
	}
	// Smash the b-tree pages after the schema page with garbage, keeping
	// the header intact so SQLite still takes it for a database.
	for i := 2 * 4096; i < len(b)-4096; i++ {
		b[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	wantOpenError(t, path, Options{}, ErrCorrupt, "damaged")
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	wantOpenError(t, dir, Options{}, nil, "is a directory")
}

func TestOpenUnderAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plainfile")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "journal.db")
	wantOpenError(t, path, Options{}, nil, "cannot create its directory")
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open(""); err == nil || !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open(\"\") = %v, want ErrInvalid", err)
	}
}

func TestOpenForeignSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	wantOpenError(t, path, Options{}, ErrCorrupt, "not a komoju-tui journal")
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	j.Close()
	wantOpenError(t, path, Options{}, ErrTooNew, "schema version 99", "upgrade komoju-tui")
}

// holdExclusiveLock opens path with a plain connection that takes and
// keeps an exclusive lock, as a crashed or misbehaving process might.
func holdExclusiveLock(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`PRAGMA user_version`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS lock_holder (x); INSERT INTO lock_holder VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback(); db.Close() }
}

func TestLockedJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	// A brand-new file locked by someone else: Open cannot migrate it and
	// says so within the busy timeout.
	release := holdExclusiveLock(t, path)
	wantOpenError(t, path, Options{BusyTimeout: 300 * time.Millisecond}, ErrLocked, "locked by another process")
	release()

	// An existing journal opens (WAL readers are not blocked), but a write
	// while another process holds the write lock fails with ErrLocked after
	// the busy timeout instead of hanging.
	j0, err := Open(path) // migrate it
	if err != nil {
		t.Fatal(err)
	}
	j0.Close()
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(100)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	j, err := OpenWith(path, Options{BusyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("opening a journal another process is writing to: %v", err)
	}
	defer j.Close()
	if _, err := j.Sales(context.Background(), Filter{}); err != nil {
		t.Fatalf("reading while another process writes: %v", err)
	}
	start := time.Now()
	_, err = j.BeginSale(context.Background(), intent("POS-LOCKED"))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("BeginSale waited %v", d)
	}
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("BeginSale while locked = %v, want ErrLocked naming %s", err, path)
	}
	tx.Rollback()
	if _, err := j.BeginSale(context.Background(), intent("POS-LOCKED")); err != nil {
		t.Fatalf("BeginSale after the lock was released: %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data/xdg")
	for _, mode := range []string{ModeSandbox, ModeTest, ModeLive} {
		got, err := DefaultPath(mode)
		if want := "/data/xdg/komoju-tui/journal-" + mode + ".db"; err != nil || got != want {
			t.Errorf("DefaultPath(%q) = %q, %v; want %q", mode, got, err, want)
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "")
	got, err := DefaultPath(ModeLive)
	if want := filepath.Join(home, ".local", "share", "komoju-tui", "journal-live.db"); err != nil || got != want {
		t.Errorf("DefaultPath without XDG_DATA_HOME = %q, %v; want %q", got, err, want)
	}
	t.Setenv("XDG_DATA_HOME", "relative/dir") // the XDG spec says to ignore relative paths
	if got2, _ := DefaultPath(ModeLive); got2 != got {
		t.Errorf("relative XDG_DATA_HOME: got %q, want %q", got2, got)
	}
	for _, bad := range []string{"", "prod", "LIVE", "../live"} {
		if _, err := DefaultPath(bad); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "sandbox, test or live") {
			t.Errorf("DefaultPath(%q) error = %v", bad, err)
		}
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my till #1 ?100% ü")
	path := filepath.Join(dir, "journal live.db")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.BeginSale(context.Background(), intent("POS-URI")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("journal not at the path given: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files in %s: %v; want only the journal", dir, entries)
	}
}
