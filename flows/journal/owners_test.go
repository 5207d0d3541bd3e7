package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// twoProcesses opens one journal file twice, as two processes would: each
// handle has its own owner id.
func twoProcesses(t *testing.T) (a, b *Journal, path string) {
	t.Helper()
	path = testPath(t)
	open := func() *Journal {
		j, err := OpenWith(path, Options{BusyTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return j
	}
	return open(), open(), path
}

func TestReportNeverSettlesAnotherLiveProcessesSale(t *testing.T) {
	both(t, testReportNeverSettlesAnotherLiveProcessesSale)
}

func testReportNeverSettlesAnotherLiveProcessesSale(t *testing.T) {
	till, report, path := twoProcesses(t)
	ctx := context.Background()
	id, err := till.BeginSale(ctx, intent("POS-LIVE-0001"))
	if err != nil {
		t.Fatal(err)
	}
	un, err := report.Unfinished(ctx)
	if err != nil || len(un) != 1 {
		t.Fatalf("Unfinished = %v, %v; want the till's sale", un, err)
	}
	rec, err := report.Reconcilable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 0 {
		t.Fatalf("a second process may settle the till's in-flight sale: %+v", rec)
	}
	if err := report.Claim(ctx, id); !errors.Is(err, ErrOwned) {
		t.Fatalf("Claim of a live till's sale: err = %v, want ErrOwned", err)
	}
	// The till's own handle sees it as its own.
	if mine, _ := till.Reconcilable(ctx); len(mine) != 1 {
		t.Fatalf("the owner cannot reconcile its own sale: %+v", mine)
	}
	// The till closes (or dies): the sale is orphaned and can be claimed.
	if err := till.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err = report.Reconcilable(ctx)
	if err != nil || len(rec) != 1 || !rec[0].OwnerGone {
		t.Fatalf("after the till closed: %+v, %v; want its sale, owner gone", rec, err)
	}
	if err := report.Claim(ctx, id); err != nil {
		t.Fatal(err)
	}
	s, _ := report.Sale(ctx, id)
	if s.Owner != report.OwnerID() {
		t.Fatalf("owner after claim = %q, want %q", s.Owner, report.OwnerID())
	}
	_ = path
}

func TestOwnerWhoseProcessDiedIsGoneAtOnce(t *testing.T) {
	both(t, testOwnerWhoseProcessDiedIsGoneAtOnce)
}

func testOwnerWhoseProcessDiedIsGoneAtOnce(t *testing.T) {
	path := testPath(t)
	// A child process begins a sale and is SIGKILLed: no Close, no owner
	// row removed, heartbeat fresh. Its pid is gone, so the sale is
	// reconcilable at once, without waiting out the lease.
	cmd := exec.Command(os.Args[0], "-test.run=^TestOwnerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "JOURNAL_OWNER_CHILD="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "begun") {
		t.Fatalf("child said %q", out)
	}
	j, err := OpenWith(path, Options{Lease: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	owners, _ := j.Owners(context.Background())
	if len(owners) != 1 {
		t.Fatalf("owners = %+v, want the dead child's row", owners)
	}
	rec, err := j.Reconcilable(context.Background())
	if err != nil || len(rec) != 1 {
		t.Fatalf("the dead child's sale is not reconcilable: %+v %v", rec, err)
	}
}

// TestOwnerChild begins a sale and exits without closing the journal.
func TestOwnerChild(t *testing.T) {
	path := os.Getenv("JOURNAL_OWNER_CHILD")
	if path == "" {
		return
	}
	j, err := Open(path)
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	if _, err := j.BeginSale(context.Background(), intent("POS-DEAD-0001")); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	fmt.Println("begun")
	os.Exit(0) // no Close: as a crash leaves it
}

func TestOwnerLeaseExpires(t *testing.T) { both(t, testOwnerLeaseExpires) }

func testOwnerLeaseExpires(t *testing.T) {
	path := testPath(t)
	wall := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	other, err := OpenWith(path, Options{Wall: wall.now, Lease: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.BeginSale(context.Background(), intent("POS-LEASE-0001")); err != nil {
		t.Fatal(err)
	}
	// Another host's owner: the pid cannot be checked, only the lease.
	if _, err := other.db.Exec(`UPDATE owners SET host = 'till-2.example', pid = 1`); err != nil {
		t.Fatal(err)
	}
	me, err := OpenWith(path, Options{Wall: wall.now, Lease: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer me.Close()
	if rec, _ := me.Reconcilable(context.Background()); len(rec) != 0 {
		t.Fatalf("within the lease: %+v", rec)
	}
	lapse(t, other, wall, 31*time.Second) // no heartbeat since (the ticker runs on real time)
	if rec, _ := me.Reconcilable(context.Background()); len(rec) != 1 {
		t.Fatalf("after the lease: %d sales, want 1", len(rec))
	}
}

func TestReserveSaleNumbersAreUniqueAcrossProcesses(t *testing.T) {
	both(t, testReserveSaleNumbersAreUniqueAcrossProcesses)
}

func testReserveSaleNumbersAreUniqueAcrossProcesses(t *testing.T) {
	a, b, _ := twoProcesses(t)
	ctx := context.Background()
	const per = 25
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for _, j := range []*Journal{a, b} {
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func(j *Journal) {
				defer wg.Done()
				for i := 0; i < per; i++ {
					in := intent("")
					// Both processes showed their clerk the same "next"
					// number: only one may get it.
					_, num, err := j.ReserveSale(ctx, in, "POS-T1-20261124-", "POS-T1-20261124-0001")
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seen[num]++
					mu.Unlock()
				}
			}(j)
		}
	}
	wg.Wait()
	if len(seen) != 4*per {
		t.Fatalf("%d distinct numbers for %d sales", len(seen), 4*per)
	}
	for n, c := range seen {
		if c != 1 {
			t.Errorf("%s reserved %d times", n, c)
		}
	}
	if seen["POS-T1-20261124-0001"] != 1 || seen[fmt.Sprintf("POS-T1-20261124-%04d", 4*per)] != 1 {
		t.Errorf("numbers are not the dense sequence 0001..%04d: %v", 4*per, seen)
	}
}

func TestReserveSaleSkipsTypedNumbersAndSeedsFromOldJournals(t *testing.T) {
	both(t, testReserveSaleSkipsTypedNumbersAndSeedsFromOldJournals)
}

func testReserveSaleSkipsTypedNumbersAndSeedsFromOldJournals(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	// A journal from before counters, and a clerk who typed the next number.
	for _, n := range []string{"POS-20261124-0007", "POS-20261124-0009"} {
		if _, err := j.BeginSale(ctx, intent(n)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for i := 0; i < 2; i++ {
		_, n, err := j.ReserveSale(ctx, intent(""), "POS-20261124-", "")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if strings.Join(got, " ") != "POS-20261124-0010 POS-20261124-0011" {
		t.Fatalf("reserved %v", got)
	}
	// The screen's number is kept when free, refused when taken.
	if _, n, _ := j.ReserveSale(ctx, intent(""), "POS-20261124-", "POS-20261124-0009"); n != "POS-20261124-0012" {
		t.Fatalf("a taken wanted number gave %s", n)
	}
	if _, n, _ := j.ReserveSale(ctx, intent(""), "POS-20261124-", "POS-20261124-0020"); n != "POS-20261124-0020" {
		t.Fatalf("a free wanted number gave %s", n)
	}
	if _, _, err := j.ReserveSale(ctx, intent(""), "POS 1;--", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad prefix: %v", err)
	}
}

// Issue 10 case 7: a genuine webhook for another till's payment that
// shares an order number must not touch this till's sale.
func TestForeignPaymentWithSameOrderNumberIsNotAdopted(t *testing.T) {
	both(t, testForeignPaymentWithSameOrderNumberIsNotAdopted)
}

func testForeignPaymentWithSameOrderNumberIsNotAdopted(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	in := intent("POS-20261124-0001")
	in.Amount = 8000
	id, _ := j.BeginSale(ctx, in)
	if err := j.FinishSale(ctx, id, Result{Outcome: OutcomeError, ErrorCode: "card_declined"}); err != nil {
		t.Fatal(err)
	}
	other := payment("pay_B", "POS-20261124-0001", komoju.PaymentCaptured, 300, 0)
	if err := j.RecordPayment(ctx, other, SourceWebhook); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	s, _ := j.Sale(ctx, id)
	if s.Charged() || s.PaymentID != "" || s.Status != "" {
		t.Fatalf("till B's payment became till A's sale: %+v", s)
	}
	// The sale's own payment, seen by order number before its id was
	// known (a lost answer), is adopted.
	in2 := intent("POS-20261124-0002")
	id2, _ := j.BeginSale(ctx, in2)
	own := payment("pay_C", "POS-20261124-0002", komoju.PaymentCaptured, in2.Amount, 0)
	if err := j.RecordPayment(ctx, own, SourceReconcile); err != nil {
		t.Fatal(err)
	}
	if s2, _ := j.Sale(ctx, id2); s2.PaymentID != "pay_C" || !s2.Charged() {
		t.Fatalf("own payment not adopted: %+v", s2)
	}
}

// Owner rows of processes that died without closing the journal do not
// pile up: a week past its last heartbeat a row goes when another
// process registers.
func TestDeadOwnerRowsAreRemoved(t *testing.T) { both(t, testDeadOwnerRowsAreRemoved) }

func testDeadOwnerRowsAreRemoved(t *testing.T) {
	path := testPath(t)
	wall := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	old, err := OpenWith(path, Options{Wall: wall.now, Lease: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := old.BeginSale(context.Background(), intent("POS-OLD-0001")); err != nil {
		t.Fatal(err)
	}
	if _, err := old.db.Exec(`UPDATE owners SET host = 'gone.example'`); err != nil {
		t.Fatal(err)
	}
	// It stops heartbeating (as if killed; its next beat is 20 min away).
	lapse(t, old, wall, 8*24*time.Hour)
	now, err := OpenWith(path, Options{Wall: wall.now})
	if err != nil {
		t.Fatal(err)
	}
	defer now.Close()
	if _, err := now.BeginSale(context.Background(), intent("POS-NEW-0001")); err != nil {
		t.Fatal(err)
	}
	owners, _ := now.Owners(context.Background())
	if len(owners) != 1 || owners[0].ID != now.OwnerID() {
		t.Fatalf("owners = %+v, want only the live one", owners)
	}
}

// lapse lets d pass on the clock leases are measured on without a
// heartbeat: the test's wall clock on SQLite; on PostgreSQL, whose leases
// run on the server's clock, every owner's last heartbeat moves d back.
func lapse(t *testing.T, j *Journal, wall *clock, d time.Duration) {
	t.Helper()
	if !j.pg {
		wall.advance(d)
		return
	}
	if _, err := j.db.Exec(`UPDATE owners SET heartbeat_at = heartbeat_at - ?, started_at = started_at - ?`, d.Milliseconds(), d.Milliseconds()); err != nil {
		t.Fatal(err)
	}
}

// Issue 15 item 5: tills on several machines share a PostgreSQL journal,
// and their clocks disagree. A till whose clock runs an hour fast must not
// take a live till's sale (it used to: the other's heartbeat looked an
// hour old), one whose clock runs an hour slow must still settle a dead
// till's sale once its lease has lapsed on the server's clock, and a till
// whose own clock is behind keeps its sales while it heartbeats.
func TestLeaseOnTheServersClock(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		path := testPath(t)
		ctx := context.Background()
		skewed := func(d time.Duration) *Journal {
			j, err := OpenWith(path, Options{Lease: 30 * time.Second, Wall: func() time.Time { return time.Now().Add(d) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			return j
		}
		slow, fast := skewed(-time.Hour), skewed(time.Hour)
		slowSale, err := slow.BeginSale(ctx, intent("POS-SLOW-0001"))
		if err != nil {
			t.Fatal(err)
		}
		fastSale, err := fast.BeginSale(ctx, intent("POS-FAST-0001"))
		if err != nil {
			t.Fatal(err)
		}
		// Other machines: the same-host pid shortcut does not apply.
		if _, err := slow.db.Exec(`UPDATE owners SET host = 'till-' || id || '.example'`); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			who   string
			j     *Journal
			other int64
		}{{"the fast till", fast, slowSale}, {"the slow till", slow, fastSale}} {
			rec, err := c.j.Reconcilable(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range rec {
				if s.ID == c.other {
					t.Errorf("%s may settle the other live till's sale %s (clock skew took it)", c.who, s.OrderNum)
				}
			}
			if err := c.j.Claim(ctx, c.other); !errors.Is(err, ErrOwned) {
				t.Errorf("%s claims the other live till's sale: %v, want ErrOwned", c.who, err)
			}
		}
		// The fast till dies (its heartbeat stops; 31 s pass on the
		// server): the slow till may settle its sale.
		close(fast.hbStop)
		<-fast.hbDone
		fast.hbStop = nil
		if _, err := slow.db.Exec(`UPDATE owners SET heartbeat_at = heartbeat_at - 31000 WHERE id = $1`, fast.OwnerID()); err != nil {
			t.Fatal(err)
		}
		rec, err := slow.Reconcilable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != 2 || !slices.ContainsFunc(rec, func(s Sale) bool { return s.ID == fastSale && s.OwnerGone }) {
			t.Fatalf("after the fast till's lease lapsed on the server's clock the slow till may settle %+v, want its own sale and the dead till's", rec)
		}
		if err := slow.Claim(ctx, fastSale); err != nil {
			t.Fatalf("claim of the dead till's sale: %v", err)
		}
	})
}
