package journaltest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// PostgresEnv names the test PostgreSQL server: a URL whose user may
// create schemas. scripts/test.sh starts a throwaway cluster and sets it.
const PostgresEnv = "KOMOJU_TUI_TEST_POSTGRES"

var pgAdmin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// PostgresSchema makes an empty schema (named prefix_<random>) on the test
// server and returns a journal URL in it; the schema is dropped when the
// test ends. With no server the test fails: the PostgreSQL half of a suite
// is not optional.
func PostgresSchema(t testing.TB, prefix string) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Fatalf("the PostgreSQL half needs a server and %s is unset: run scripts/test.sh (it starts a throwaway cluster) or set %s=postgres://USER@HOST:PORT/DB?sslmode=disable", PostgresEnv, PostgresEnv)
	}
	pgAdmin.once.Do(func() {
		if pgAdmin.db, pgAdmin.err = sql.Open("pgx", base); pgAdmin.err == nil {
			pgAdmin.err = pgAdmin.db.Ping()
		}
	})
	if pgAdmin.err != nil {
		t.Fatalf("test PostgreSQL server: %v", pgAdmin.err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	if _, err := pgAdmin.db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := pgAdmin.db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
