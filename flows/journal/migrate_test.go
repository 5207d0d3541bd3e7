package journal

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestMigrateFromV1 upgrades a file written by the first schema (as an
// early build would have left it) and keeps its data.
func TestMigrateFromV1(t *testing.T) {
	path := testPath(t)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{schemaV1, "PRAGMA user_version = 1", "PRAGMA application_id = 1263160908",
		`INSERT INTO sales (order_num, idempotency_key, flow, amount, currency, capture, created_at, updated_at, payment_id, status, finished_at, outcome)
		 VALUES ('POS-OLD', 'k', 'direct', 1000, 'JPY', 'auto', 1, 1, 'pay_old', 'captured', 2, 'paid')`,
		`INSERT INTO sale_status (sale_id, at, status, source) VALUES (1, 2, 'captured', 'result')`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if applicationID != 1263160908 {
		t.Fatalf("test constant out of date: application id %d", applicationID)
	}
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var v int
	if err := j.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("user_version = %d, %v", v, err)
	}
	s, err := j.SaleByOrder(context.Background(), "POS-OLD")
	if err != nil || s.Status != komoju.PaymentCaptured || len(s.History) != 1 || s.History[0].PaymentID != "pay_old" {
		t.Fatalf("migrated sale = %+v, %v", s, err)
	}
}

// TestMigrationFailureKeepsVersion: a failing step is reported by name and
// leaves the file at the last good version, usable by the older build.
func TestMigrationFailureKeepsVersion(t *testing.T) {
	path := testPath(t)
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(append([]migration(nil), saved...),
		migration{name: "add tips", sql: `ALTER TABLE sales ADD COLUMN tip INTEGER NOT NULL DEFAULT 0`},
		migration{name: "broken step", sql: `ALTER TABLE no_such_table ADD COLUMN x`})
	_, err = Open(path)
	var oe *OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "broken step") || !strings.Contains(err.Error(), path) {
		t.Fatalf("failing migration: %v", err)
	}
	migrations = saved
	j, err = Open(path)
	if err != nil {
		t.Fatalf("the file must still open at the old version: %v", err)
	}
	defer j.Close()
	var v int
	var cols int
	j.db.QueryRow("PRAGMA user_version").Scan(&v)
	j.db.QueryRow("SELECT count(*) FROM pragma_table_info('sales') WHERE name = 'tip'").Scan(&cols)
	if v != len(saved) || cols != 0 {
		t.Fatalf("after a failed migration: version %d, tip column %d; want %d and 0 (all steps in one transaction)", v, cols, len(saved))
	}
}

// TestConcurrentOpenFreshFile: several processes starting at once on a new
// file migrate it exactly once.
func TestConcurrentOpenFreshFile(t *testing.T) { both(t, testConcurrentOpenFreshFile) }

func testConcurrentOpenFreshFile(t *testing.T) {
	path := testPath(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, err := Open(path)
			if err != nil {
				errs <- err
				return
			}
			j.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSeveralPaymentsPerSale: a Method 1 sale whose first attempt was
// declined (payment A) and second captured (payment B). Late events for A
// must not undo B, and a second live payment is kept in the history.
func TestSeveralPaymentsPerSale(t *testing.T) { both(t, testSeveralPaymentsPerSale) }

func testSeveralPaymentsPerSale(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	in := intent("POS-M1")
	in.Flow, in.Method = FlowSession, ""
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	j.SetSession(ctx, id, "sess_m1")
	a1, _ := j.BeginAction(ctx, Action{SaleID: id, Kind: ActionPay, IdempotencyKey: "k1", Method: komoju.TypeCreditCard})
	pA := payment("pay_A", "POS-M1", komoju.PaymentPending, 1000, 0)
	pA.Session = strp("sess_m1")
	if err := j.FinishAction(ctx, a1, ActionResult{Outcome: OutcomeError, Payment: pA, ErrorCode: "card_declined"}); err != nil {
		t.Fatal(err)
	}
	a2, _ := j.BeginAction(ctx, Action{SaleID: id, Kind: ActionPay, IdempotencyKey: "k2", Method: komoju.TypeCreditCard})
	pB := payment("pay_B", "POS-M1", komoju.PaymentCaptured, 1000, 0)
	pB.Session = strp("sess_m1")
	if err := j.FinishAction(ctx, a2, ActionResult{Outcome: OutcomePaid, Payment: pB}); err != nil {
		t.Fatal(err)
	}
	failedA := *pA
	failedA.Status = komoju.PaymentFailed
	for i := 0; i < 2; i++ { // a late payment.failed for A, delivered twice
		if err := j.RecordPayment(ctx, &failedA, SourceWebhook); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := j.Sale(ctx, id)
	if s.PaymentID != "pay_B" || s.Status != komoju.PaymentCaptured || !s.Charged() {
		t.Fatalf("a late event for the declined attempt changed the sale: %+v", s)
	}
	var got []string
	for _, h := range s.History {
		got = append(got, h.PaymentID+":"+string(h.Status)+"/"+h.Source)
	}
	if want := "pay_A:pending/result pay_B:captured/result pay_A:failed/webhook"; strings.Join(got, " ") != want {
		t.Errorf("history = %s\nwant %s", strings.Join(got, " "), want)
	}
	// A Method 2 sale whose payment failed never adopts another payment
	// that merely shares its order number: a Method 2 sale has exactly one
	// payment, and another till may number the same way.
	id2, _ := j.BeginSale(ctx, intent("POS-M2"))
	j.FinishSale(ctx, id2, ResultFromPayment(payment("pay_C", "POS-M2", komoju.PaymentFailed, 1000, 0), OutcomeError))
	if err := j.RecordPayment(ctx, payment("pay_D", "POS-M2", komoju.PaymentCaptured, 1000, 0), SourcePoll); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a foreign payment with the same order number: err = %v, want ErrNotFound", err)
	}
	if s2, _ := j.Sale(ctx, id2); s2.PaymentID != "pay_C" || s2.Status != komoju.PaymentFailed || s2.Charged() {
		t.Errorf("another payment with the same order number was adopted: %+v", s2)
	}
}
