package proof

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver: test schemas and the SQL checks

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// postgresEnv is the server the store suites keep their journal on
// (scripts/test.sh starts a throwaway cluster and sets it).
const postgresEnv = "KOMOJU_TUI_TEST_POSTGRES"

var pgAdmin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// storeJournal makes an empty schema on the test server and returns the
// URL of a journal kept in it, and a connection to it for SQL checks. With
// no server the suite fails: the store's behaviour is not optional.
func storeJournal(t testing.TB) (string, *sql.DB) {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Fatalf("the store suites need a PostgreSQL server and %s is unset: run scripts/test.sh (it starts a throwaway cluster) or set %s=postgres://USER@HOST:PORT/DB?sslmode=disable", postgresEnv, postgresEnv)
	}
	pgAdmin.once.Do(func() {
		if pgAdmin.db, pgAdmin.err = sql.Open("pgx", base); pgAdmin.err == nil {
			pgAdmin.err = pgAdmin.db.Ping()
		}
	})
	if pgAdmin.err != nil {
		t.Fatalf("test PostgreSQL server: %v", pgAdmin.err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "proof_store_" + hex.EncodeToString(b[:])
	if _, err := pgAdmin.db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := pgAdmin.db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop %s: %v", schema, err)
		}
	})
	return u.String(), db
}

// machine is one till's machine: its directories, till id, host name and
// KOMOJU endpoint.
func machine(t testing.TB, till, host, key, api string) []string {
	return append(append(apiEnv(key, api), machineEnv(t.TempDir())...),
		"KOMOJU_TUI_TILL="+till, journal.HostEnv+"="+host)
}

// waitSale waits until the journal at db has a sale of till.
func waitSale(t *testing.T, db *sql.DB, till string) (id int64, order string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if db.QueryRow(`SELECT id, order_num FROM sales WHERE till = $1`, till).Scan(&id, &order) == nil {
			return id, order
		}
	}
	t.Fatalf("no sale of till %s in the journal", till)
	return 0, ""
}

// saleRow is what the checks read of a sale.
type saleRow struct {
	unfinished bool
	owner      string
	status     string
	paymentID  string
}

func readSale(t *testing.T, db *sql.DB, id int64) saleRow {
	t.Helper()
	var r saleRow
	var finished sql.NullInt64
	var outcome string
	if err := db.QueryRow(`SELECT finished_at, outcome, owner, status, payment_id FROM sales WHERE id = $1`, id).
		Scan(&finished, &outcome, &r.owner, &r.status, &r.paymentID); err != nil {
		t.Fatal(err)
	}
	r.unfinished = !finished.Valid || outcome == journal.OutcomeUnknown
	return r
}

// Issue 15 item 5, end to end: tills on three machines share one
// PostgreSQL journal and one KOMOJU (the sandbox). Till A is killed
// mid-sale (its payment went through, the answer never came back); till B
// is alive, mid-sale (KOMOJU has not answered yet); till C runs reconcile.
// The machines have different names, so nothing can be judged by pid:
// only leases. C leaves both sales alone while A's lease runs, then, once
// A's lease has lapsed on the server's clock, settles A's sale — paid,
// with the payment KOMOJU holds — and still leaves live B's alone.
func TestTillsOnSeveralMachines(t *testing.T) {
	jurl, db := storeJournal(t)
	sb := startSandbox(t, sandbox.Options{})
	binary(t)
	proxy := func(forward bool) (*holdProxy, string) {
		px := &holdProxy{target: sb.BaseURL(), forward: forward, arrived: make(chan struct{}),
			match: func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/payments")
			}}
		s := httptest.NewServer(px)
		t.Cleanup(s.Close)
		return px, s.URL + "/api/v1"
	}
	pa, apiA := proxy(true)  // A's payment is made; its answer is lost
	pb, apiB := proxy(false) // B's request is still on its way
	a := machine(t, "TA", "till-a.example", sb.SecretKey(), apiA)
	b := machine(t, "TB", "till-b.example", sb.SecretKey(), apiB)
	c := machine(t, "TC", "till-c.example", sb.SecretKey(), sb.URL())

	killA := startKill(t, a, cardPay(1200, "--flow", "direct", "--journal", jurl)...)
	killB := startKill(t, b, cardPay(3400, "--flow", "direct", "--journal", jurl)...)
	for name, px := range map[string]*holdProxy{"A": pa, "B": pb} {
		select {
		case <-px.arrived:
		case <-time.After(60 * time.Second):
			t.Fatalf("till %s's payment never reached KOMOJU", name)
		}
	}
	saleA, orderA := waitSale(t, db, "TA")
	saleB, _ := waitSale(t, db, "TB")
	if out := killA(); strings.Contains(out, "4111111111111111") {
		t.Error("the killed till printed the card number")
	}
	ownerA, ownerB := readSale(t, db, saleA).owner, readSale(t, db, saleB).owner

	reconcile := func() string {
		res := run(t, c, "reconcile", "--json", "--journal", jurl, "--fence", "1s")
		if res.code != 0 && res.code != 5 {
			t.Fatalf("reconcile on till C: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
		return res.stdout
	}
	// A died seconds ago: its lease (30 s) still runs, and C, on another
	// machine, cannot see that its pid is gone.
	out := reconcile()
	for _, id := range []int64{saleA, saleB} {
		if r := readSale(t, db, id); !r.unfinished || r.owner != map[int64]string{saleA: ownerA, saleB: ownerB}[id] {
			t.Errorf("reconcile within the leases touched sale %d: %+v\n%s", id, r, out)
		}
	}
	// A's lease lapses on the server's clock (B keeps heartbeating).
	if _, err := db.Exec(`UPDATE owners SET heartbeat_at = heartbeat_at - 31000 WHERE id = $1`, ownerA); err != nil {
		t.Fatal(err)
	}
	out = reconcile()
	ra := readSale(t, db, saleA)
	ps := allPayments(t, fastClient(sb), orderA)
	if ra.unfinished || ra.status != string(komoju.PaymentCaptured) || len(ps) != 1 || ra.paymentID != ps[0].ID {
		t.Errorf("after A's lease lapsed, C left A's sale %+v (KOMOJU holds %d payments for %s)\n%s", ra, len(ps), orderA, out)
	}
	if rb := readSale(t, db, saleB); !rb.unfinished || rb.owner != ownerB {
		t.Errorf("C touched live till B's sale: %+v\n%s", rb, out)
	}
	killB()
	var n int
	if err := db.QueryRow(`SELECT count(DISTINCT host) FROM owners`).Scan(&n); err != nil || n < 2 {
		t.Errorf("owners on %d hosts (%v), want the machines apart", n, err)
	}
}
