package proof

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver: test schemas and the SQL checks

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// storeJournal makes an empty schema on the test server and returns the
// URL of a journal kept in it, and a connection to it for SQL checks. With
// no server the suite fails: the store's behaviour is not optional.
func storeJournal(t testing.TB) (string, *sql.DB) {
	t.Helper()
	u := journaltest.PostgresSchema(t, "proof_store")
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return u, db
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

// Issue 15 item 4, end to end on PostgreSQL: the store's one webhook
// endpoint is `komoju-tui listen --journal postgres://…` (the built
// binary); till T1 (a process of its own, here in the test) issues a
// konbini slip; the customer pays at the store; KOMOJU's webhook reaches
// the receiver only, which applies it to T1's sale and says so; T1's
// follow-up of the slip shows it paid, heard from the database (NOTIFY),
// and till T2's history lists it paid without asking anyone.
func TestStoreReceiverTellsTheTill(t *testing.T) {
	jurl, _ := storeJournal(t)
	sb := startSandbox(t, sandbox.Options{})
	ctx := testCtx(t, 60*time.Second)

	// The receiver.
	out := &syncBuffer{}
	cmd := newCmd(t, []string{"KOMOJU_WEBHOOK_SECRET=" + sb.WebhookSecret()}, "listen", "--json", "--journal", jurl)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var hook string
	for deadline := time.Now().Add(30 * time.Second); hook == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var first struct {
			Listening string `json:"listening"`
		}
		line, _, _ := strings.Cut(out.String(), "\n")
		if json.Unmarshal([]byte(line), &first) == nil {
			hook = first.Listening
		}
	}
	if hook == "" {
		t.Fatalf("listen did not start: %s", out.String())
	}
	if err := sb.AddWebhook(hook); err != nil {
		t.Fatal(err)
	}

	// Till T1, following the store.
	j1, err := journal.OpenWith(jurl, journal.Options{Till: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	defer j1.Close()
	till := flows.NewEngine(flows.Deps{Client: fastClient(sb), Journal: j1, OrderPrefix: "POS-T1"})
	till.FollowStore(ctx)
	slip, err := till.PayDirect(ctx, flows.Checkout{Amount: 2480}, komoju.TypeKonbini,
		flows.Details{Store: "lawson", Email: "taro@example.com", Phone: "09012345678"}, flows.PayOptions{})
	if err != nil || slip.Kind != flows.OutcomeAwaiting {
		t.Fatalf("konbini slip: %s %v", slip.Kind, err)
	}
	// No polling: only the store can tell the till.
	updates := till.Watch(ctx, flows.Target{PaymentID: slip.PaymentID()}, flows.WatchOptions{})

	// 3 p.m.: paid at the store.
	if code, b := rawCall(t, "POST", sb.BaseURL()+"/sandbox/payments/"+slip.PaymentID()+"/pay_at_store", sb.SecretKey(), "", nil); code != 200 {
		t.Fatalf("pay at store: HTTP %d %s", code, b)
	}
	var last flows.Update
	for u := range updates {
		if last = u; u.Outcome.Kind == flows.OutcomePaid {
			break
		}
	}
	if last.Outcome.Kind != flows.OutcomePaid || last.Source != flows.SourceWebhook {
		t.Fatalf("till T1's follow-up of the slip ended with %s from %s; receiver said:\n%s", last.Outcome.Kind, last.Source, out.String())
	}
	// The receiver's line names the sale and the till.
	var named bool
	for deadline := time.Now().Add(10 * time.Second); !named && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(out.String(), "\n") {
			var d struct {
				EventType string `json:"event_type"`
				Sale      *struct {
					OrderNum string `json:"order_num"`
					Till     string `json:"till"`
					Status   string `json:"status"`
				} `json:"sale"`
			}
			if json.Unmarshal([]byte(line), &d) == nil && d.EventType == komoju.EventPaymentCaptured && d.Sale != nil &&
				d.Sale.OrderNum == slip.OrderNum && d.Sale.Till == "T1" && d.Sale.Status == string(komoju.PaymentCaptured) {
				named = true
			}
		}
	}
	if !named {
		t.Errorf("no receiver line names T1's sale %s:\n%s", slip.OrderNum, out.String())
	}
	// Till T2's history: T1's sale, paid.
	j2, err := journal.OpenWith(jurl, journal.Options{Till: "T2"})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	s, err := j2.SaleByOrder(ctx, slip.OrderNum)
	if err != nil || s.Status != komoju.PaymentCaptured || s.Till != "T1" || s.Owner != j1.OwnerID() {
		t.Errorf("T2 reads T1's sale: %s till %q owner %q (T1 is %q), %v", s.Status, s.Till, s.Owner, j1.OwnerID(), err)
	}
}
