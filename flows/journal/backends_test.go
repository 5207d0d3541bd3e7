package journal

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for making test schemas
)

// PostgresEnv names the environment variable that gives the journal's
// tests a PostgreSQL server: a URL such as
// postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable whose user
// may create schemas. scripts/test.sh starts a throwaway cluster and sets
// it.
const PostgresEnv = "KOMOJU_TUI_TEST_POSTGRES"

// both runs f against each backend, as subtests "sqlite" and "postgres":
// the same test, one behaviour. Inside f, testPath and openTest give a
// journal on that subtest's backend.
func both(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	t.Run("sqlite", f)
	t.Run("postgres", f)
}

// bothB is both for benchmarks.
func bothB(b *testing.B, f func(b *testing.B)) {
	b.Helper()
	b.Run("sqlite", f)
	b.Run("postgres", f)
}

// onPostgres reports whether t runs under both's "postgres" subtest.
func onPostgres(t testing.TB) bool {
	return strings.Contains(t.Name()+"/", "/postgres/")
}

// testPath returns a new, empty journal location on t's backend: a file in
// a temporary directory, or a URL naming a fresh schema on the test server
// (dropped when the test ends).
func testPath(t testing.TB) string {
	t.Helper()
	if !onPostgres(t) {
		return filepath.Join(t.TempDir(), "journal.db")
	}
	return pgTestURL(t)
}

var pgAdmin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// pgTestURL creates a schema of its own on the test server and returns the
// server's URL with search_path set to it, so tests (and their child
// processes) each see an empty database and may run in parallel.
func pgTestURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Fatalf("the PostgreSQL half of the journal's tests needs a server and %s is unset: run scripts/test.sh (it starts a throwaway cluster), or set %s=postgres://USER@HOST:PORT/DB?sslmode=disable for a server where USER may create schemas",
			PostgresEnv, PostgresEnv)
	}
	pgAdmin.once.Do(func() {
		pgAdmin.db, pgAdmin.err = sql.Open("pgx", base)
		if pgAdmin.err == nil {
			pgAdmin.err = pgAdmin.db.Ping()
		}
	})
	if pgAdmin.err != nil {
		t.Fatalf("test PostgreSQL server %s: %v", redactURL(base), pgAdmin.err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "journal_test_" + hex.EncodeToString(b[:])
	if _, err := pgAdmin.db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("test PostgreSQL server: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pgAdmin.db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// storedText returns everything the journal at path keeps, as text, for
// tests that look for what must never be stored: the raw bytes of an SQLite
// file and its WAL, or every row of every table of a PostgreSQL journal
// (webhook bodies as they were received, not hex).
func storedText(t *testing.T, path string) string {
	t.Helper()
	if !IsPostgresURL(path) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		wal, _ := os.ReadFile(path + "-wal")
		return string(raw) + string(wal)
	}
	db, err := sql.Open("pgx", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, table := range []string{"sales", "sale_status", "actions", "events", "owners", "order_counters", "meta"} {
		var s sql.NullString
		if err := db.QueryRow(`SELECT string_agg(t::text, E'\n') FROM ` + table + ` t`).Scan(&s); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		b.WriteString(s.String)
	}
	var bodies sql.NullString
	if err := db.QueryRow(`SELECT string_agg(encode(body, 'escape'), E'\n') FROM events`).Scan(&bodies); err != nil {
		t.Fatal(err)
	}
	b.WriteString(bodies.String)
	return b.String()
}
