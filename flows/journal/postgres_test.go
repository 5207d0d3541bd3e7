package journal

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`SELECT coalesce((SELECT v FROM m WHERE k = ?1), ''), (SELECT at FROM m WHERE k = ?2)`, `SELECT coalesce((SELECT v FROM m WHERE k = $1), ''), (SELECT at FROM m WHERE k = $2)`},
		{`SELECT '?', "a?b", ? -- why?` + "\n" + `, ?`, `SELECT '?', "a?b", $1 -- why?` + "\n" + `, $2`},
	} {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPostgresURLPasswordNeverShown(t *testing.T) {
	if !IsPostgresURL("postgres://a@b/c") || !IsPostgresURL("PostgreSQL://a@b/c") || IsPostgresURL("/tmp/postgres.db") {
		t.Fatal("IsPostgresURL misclassifies")
	}
	// Nothing listens on port 1: the open fails, and its message names the
	// server without the password.
	_, err := OpenWith("postgres://till:s3cret-pw@127.0.0.1:1/store?sslmode=disable&connect_timeout=2", Options{BusyTimeout: time.Second})
	if err == nil {
		t.Fatal("open of a server that is not there succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("error %q: want \"cannot connect\" and no password", err)
	}
	if _, err := Open("postgres://till:pw@%zz/store"); !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "pw@") {
		t.Fatalf("malformed URL: %v, want ErrInvalid without the password", err)
	}
}

// pgRaw opens the test schema at path directly, as another program would.
func pgRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPostgresSchemaVersions(t *testing.T) {
	if onPostgres(t) {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		path := testPath(t)
		j, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		db := pgRaw(t, path)
		var v, n int
		if err := db.QueryRow(`SELECT max(version), count(*) FROM schema_version`).Scan(&v, &n); err != nil || v != SchemaVersion() || n != SchemaVersion() {
			t.Fatalf("schema_version: max %d, %d rows, %v; want %d", v, n, err, SchemaVersion())
		}
		// Reopening migrates nothing.
		j, err = Open(path)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		// A newer komoju-tui migrated it: this one refuses, and says so.
		if _, err := db.Exec(`INSERT INTO schema_version (version, name, migrated_at) VALUES ($1, 'from the future', 0)`, SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
		_, err = Open(path)
		var oe *OpenError
		if !errors.Is(err, ErrTooNew) || !errors.As(err, &oe) || !strings.Contains(err.Error(), "upgrade komoju-tui") {
			t.Fatalf("open of a newer schema: %v, want ErrTooNew", err)
		}
	})
	t.Run("postgres/foreign", func(t *testing.T) {
		path := testPath(t)
		if _, err := pgRaw(t, path).Exec(`CREATE TABLE sales (id int)`); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "not a komoju-tui journal") {
			t.Fatalf("open of another program's sales table: %v, want ErrCorrupt", err)
		}
	})
}

// A till whose write waits for another till holding the journal's lock
// gives up after the busy timeout with ErrLocked, as on SQLite, and
// succeeds once the lock is free.
func TestPostgresLockedJournal(t *testing.T) {
	if onPostgres(t) {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		path := testPath(t)
		j, err := OpenWith(path, Options{BusyTimeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		other := pgRaw(t, path)
		tx, err := other.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(rebind(pgLockSQL), pgLockClass); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		_, err = j.BeginSale(ctx, intent("POS-LOCK-1"))
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("BeginSale while another till holds the lock: %v, want ErrLocked", err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if _, err := j.BeginSale(ctx, intent("POS-LOCK-1")); err != nil {
			t.Fatalf("BeginSale once the lock is free: %v", err)
		}
	})
}
