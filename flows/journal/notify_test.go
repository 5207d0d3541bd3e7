package journal

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// waitChange reads ch until a change of sale id arrives (true) or the
// channel closes or a generous bound passes (false): a bound for a broken
// subscription, not a speed target.
func waitChange(t *testing.T, ch <-chan SaleChanged, id int64) (SaleChanged, bool) {
	t.Helper()
	bound := time.After(20 * time.Second)
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				return SaleChanged{}, false
			}
			if c.SaleID == id {
				return c, true
			}
		case <-bound:
			return SaleChanged{}, false
		}
	}
}

// drain empties ch of what is already announced.
func drain(ch <-chan SaleChanged) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// Issue 15 item 4: a konbini slip issued at till 1 is paid at the store;
// the store's webhook receiver (another process on the journal) records the
// payment, and till 1 hears of it from the journal, as does till 2, whose
// history lists till 1's sales without a refresh.
func TestSubscribeHearsOtherTillsChanges(t *testing.T) { both(t, testSubscribeHearsOtherTillsChanges) }

func testSubscribeHearsOtherTillsChanges(t *testing.T) {
	path := testPath(t)
	open := func(till string) *Journal {
		j, err := OpenWith(path, Options{Till: till})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return j
	}
	till1, till2, receiver := open("T1"), open("T2"), open("listen")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	at1, at2 := till1.SubscribeEvery(ctx, 10*time.Millisecond), till2.SubscribeEvery(ctx, 10*time.Millisecond)

	in := intent("POS-T1-20261124-0001")
	in.Method = komoju.TypeKonbini
	id, err := till1.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := waitChange(t, at2, id); !ok || c.OrderNum != in.OrderNum {
		t.Fatalf("till 2 did not hear of till 1's new sale: %+v", c)
	}
	if err := till1.FinishSale(ctx, id, Result{Outcome: "awaiting", PaymentID: "pay_konbini1", Status: komoju.PaymentPending}); err != nil {
		t.Fatal(err)
	}
	if _, ok := waitChange(t, at1, id); !ok {
		t.Fatal("till 1 did not hear of its own sale's answer")
	}
	drain(at1)
	drain(at2)

	// 3 p.m.: the customer pays at the store; the receiver records it.
	p := payment("pay_konbini1", in.OrderNum, komoju.PaymentCaptured, 1000, 0)
	if err := receiver.RecordPayment(ctx, p, SourceWebhook); err != nil {
		t.Fatal(err)
	}
	for i, ch := range []<-chan SaleChanged{at1, at2} {
		// On PostgreSQL the announcement says who wrote it, so a till
		// can tell its own writes from news (earlier announcements of
		// till 1's own writes may still be on their way).
		for {
			c, ok := waitChange(t, ch, id)
			if !ok {
				t.Fatalf("till %d did not hear that the slip was paid", i+1)
			}
			if !onPostgres(t) || c.By == receiver.OwnerID() {
				break
			}
			if c.By != till1.OwnerID() {
				t.Fatalf("announcement by %q: neither till 1 %q nor the receiver %q", c.By, till1.OwnerID(), receiver.OwnerID())
			}
		}
	}
	s, err := till1.Sale(ctx, id)
	if err != nil || s.Status != komoju.PaymentCaptured {
		t.Fatalf("till 1 reads its sale: %s %v, want captured", s.Status, err)
	}
	// Till 2's history lists it, paid, without a refresh of its own.
	list, err := till2.Sales(ctx, Filter{})
	if err != nil || len(list) != 1 || list[0].Status != komoju.PaymentCaptured || list[0].Till != "T1" {
		t.Fatalf("till 2's history: %+v %v", list, err)
	}
}

// Closing the journal ends its subscriptions: the channel is closed, so a
// console that quits leaves no goroutine or connection behind.
func TestSubscribeEndsWithTheJournal(t *testing.T) { both(t, testSubscribeEndsWithTheJournal) }

func testSubscribeEndsWithTheJournal(t *testing.T) {
	j, _ := openTest(t)
	ch := j.SubscribeEvery(context.Background(), 10*time.Millisecond)
	j.Close()
	if _, ok := waitChange(t, ch, -1); ok {
		t.Fatal("unreachable")
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("the subscription outlived the journal")
		}
	default:
		t.Fatal("the subscription outlived the journal")
	}
}

// A till whose connection to the server drops (a restart, a network
// blip) reconnects and says Resync: what was announced meanwhile is lost,
// so the console re-reads what it shows.
func TestSubscribeReconnectsAndResyncs(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		j, _ := openTest(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch := j.Subscribe(ctx)
		admin := pgRaw(t, testPath(t))
		res, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN "komoju_tui_sales_` + j.channel[len("komoju_tui_sales_"):] + `"%'`)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("terminated %d listening connections, want 1", n)
		}
		if c, ok := waitChange(t, ch, 0); !ok || !c.Resync {
			t.Fatalf("after the connection dropped: %+v, want Resync", c)
		}
		id, err := j.BeginSale(ctx, intent("POS-AFTER-0001"))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := waitChange(t, ch, id); !ok {
			t.Fatal("no announcement after reconnecting")
		}
	})
}

// On SQLite every commit moves data_version, the heartbeats of the
// journal's own processes included. A commit that changes no sale
// announces nothing: the sale changed last is not announced again (it
// was, after every heartbeat, and History and the close read the day
// again each time); a second change of it within the same millisecond
// (a frozen clock here) is still announced.
func TestSubscribeSkipsCommitsThatMoveNoSale(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	j, err := OpenWith(filepath.Join(t.TempDir(), "journal.db"), Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const every = 5 * time.Millisecond
	ch := j.SubscribeEvery(ctx, every)
	id, err := j.BeginSale(ctx, intent("POS-20261124-0001"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := waitChange(t, ch, id); !ok {
		t.Fatal("the new sale was not announced")
	}
	// Heartbeat-like commits: another process's owner row, again and again,
	// each given time to be polled.
	for i := range 10 {
		if _, err := j.db.Exec(`INSERT INTO owners (id, till, host, pid, started_at, heartbeat_at) VALUES ('other', 'T2', 'h', 1, 0, ?)
			ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`, i); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * every)
	}
	stale := 0
	for n := len(ch); n > 0; n-- {
		if (<-ch).SaleID == id {
			stale++
		}
	}
	if stale > 0 {
		t.Errorf("the unchanged sale was announced %d more times for commits that changed no sale", stale)
	}
	// Then a real change, of the same sale in the same millisecond.
	if err := j.FinishSale(ctx, id, Result{Outcome: "awaiting", PaymentID: "pay_1", Status: komoju.PaymentPending}); err != nil {
		t.Fatal(err)
	}
	if _, ok := waitChange(t, ch, id); !ok {
		t.Fatal("the sale's second change, within its millisecond, was not announced")
	}
}
