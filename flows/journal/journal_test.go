package journal

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) set(t time.Time)         { c.t = t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func openTest(t *testing.T) (*Journal, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	j, err := OpenWith(testPath(t), Options{Now: c.now, BusyTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, c
}

func intent(order string) Intent {
	return Intent{
		OrderNum: order, IdempotencyKey: "idem-" + order, Flow: FlowDirect, Method: komoju.TypeCreditCard,
		Amount: 1000, Currency: "JPY", Capture: komoju.CaptureAuto, Email: "a@example.com", Name: "Taro Yamada",
	}
}

func strp(s string) *string { return &s }

func payment(id, order string, st komoju.PaymentStatus, total, refunded int64) *komoju.Payment {
	return &komoju.Payment{ID: id, Resource: "payment", Status: st, Amount: total, Total: total, Currency: "JPY",
		AmountRefunded: refunded, ExternalOrderNum: strp(order)}
}

func TestOpenCreatesSchemaAndReopens(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "deeper", "journal-test.db")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := j.BeginSale(ctx, intent("POS-1")); err != nil {
		t.Fatal(err)
	}
	var v, app int
	if err := j.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("user_version = %d, %v; want %d", v, err, SchemaVersion())
	}
	if err := j.db.QueryRow("PRAGMA application_id").Scan(&app); err != nil || app != applicationID {
		t.Fatalf("application_id = %#x, %v", app, err)
	}
	var mode string
	if err := j.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var sync int
	if err := j.db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
	var fk int
	if err := j.db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("journal dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal file mode = %v, %v; want 0600 (customer data)", fi.Mode().Perm(), err)
	}
	// Re-open twice: migrations are idempotent and the data survives.
	for i := 0; i < 2; i++ {
		j, err = Open(path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		s, err := j.SaleByOrder(ctx, "POS-1")
		if err != nil || s.Amount != 1000 {
			t.Fatalf("reopen %d: sale = %+v, %v", i, s, err)
		}
		j.Close()
	}
	if _, err := j.Sales(ctx, Filter{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: err = %v, want ErrClosed", err)
	}
}

func TestSaleLifecycleUnfinished(t *testing.T) { both(t, testSaleLifecycleUnfinished) }

func testSaleLifecycleUnfinished(t *testing.T) {
	j, c := openTest(t)
	ctx := context.Background()
	in := intent("POS-20261124-0001")
	in.CardBrand, in.CardLast4 = "visa", "1111"
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	un, err := j.Unfinished(ctx)
	if err != nil || len(un) != 1 || un[0].ID != id || un[0].OrderNum != in.OrderNum {
		t.Fatalf("Unfinished after BeginSale = %+v, %v", un, err)
	}
	c.advance(2 * time.Second)
	p := payment("pay_1", in.OrderNum, komoju.PaymentCaptured, 1000, 0)
	if err := j.FinishSale(ctx, id, ResultFromPayment(p, OutcomePaid)); err != nil {
		t.Fatal(err)
	}
	un, err = j.Unfinished(ctx)
	if err != nil || len(un) != 0 {
		t.Fatalf("Unfinished after FinishSale = %+v, %v", un, err)
	}
	// A result written as "unknown" (the answer was lost) keeps the sale
	// open for reconciliation; the reconciled result closes it.
	id2, _ := j.BeginSale(ctx, intent("POS-20261124-0002"))
	if err := j.FinishSale(ctx, id2, Result{Outcome: OutcomeUnknown, ErrorMessage: "timeout"}); err != nil {
		t.Fatal(err)
	}
	if un, _ := j.Unfinished(ctx); len(un) != 1 || un[0].ID != id2 {
		t.Fatalf("Unfinished after an unknown result = %+v", un)
	}
	if err := j.FinishSale(ctx, id2, ResultFromPayment(payment("pay_2", "POS-20261124-0002", komoju.PaymentCaptured, 1000, 0), OutcomePaid)); err != nil {
		t.Fatal(err)
	}
	if un, _ := j.Unfinished(ctx); len(un) != 0 {
		t.Fatalf("Unfinished after reconciling = %+v", un)
	}
	s, err := j.SaleByPayment(ctx, "pay_1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != komoju.PaymentCaptured || s.Outcome != OutcomePaid || s.Total != 1000 || s.FinishedAt == nil ||
		!s.FinishedAt.Equal(c.t) || s.CardLast4 != "1111" || !s.Charged() || s.Net() != 1000 {
		t.Fatalf("sale after finish = %+v", s)
	}
	if len(s.History) != 1 || s.History[0].Status != komoju.PaymentCaptured || s.History[0].Source != SourceResult {
		t.Fatalf("history = %+v", s.History)
	}
}

// Every pooled SQLite connection runs with a 500 KiB page cache, not
// SQLite's 2 MB: the console holds up to five connections, and the
// default put it over its 60 MB budget with 100k sales today.
func TestConnectionsKeepASmallPageCache(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	// Several connections at once, so more than the first is checked.
	var conns []*sql.Conn
	for range 3 {
		c, err := j.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var kib int64
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&kib); err != nil {
			t.Fatal(err)
		}
		if kib != -500 {
			t.Errorf("connection %d: cache_size %d, want -500 (500 KiB)", i, kib)
		}
		c.Close()
	}
}
