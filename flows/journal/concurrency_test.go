package journal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestConcurrentWritersTwoJournals writes sales from many goroutines
// through two Journals open on the same file (as two komoju-tui processes
// would), with readers running alongside. Run with -race.
func TestConcurrentWritersTwoJournals(t *testing.T) { both(t, testConcurrentWritersTwoJournals) }

func testConcurrentWritersTwoJournals(t *testing.T) {
	path := testPath(t)
	j1, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j1.Close()
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	ctx := context.Background()
	const workers, perWorker = 4, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker+16)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			j := j1
			if w%2 == 1 {
				j = j2
			}
			for i := 0; i < perWorker; i++ {
				order := fmt.Sprintf("POS-W%d-%04d", w, i)
				id, err := j.BeginSale(ctx, intent(order))
				if err != nil {
					errs <- err
					return
				}
				p := payment("pay_"+order, order, komoju.PaymentAuthorized, 1000, 0)
				if err := j.FinishSale(ctx, id, ResultFromPayment(p, OutcomeAuthorized)); err != nil {
					errs <- err
					return
				}
				p.Status = komoju.PaymentCaptured
				// The other journal sees the webhook.
				other := j2
				if j == j2 {
					other = j1
				}
				if err := other.RecordPayment(ctx, p, SourceWebhook); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	// Both journals race for the same order number: exactly one wins.
	var dupWins sync.WaitGroup
	wins := make(chan error, 2)
	for _, j := range []*Journal{j1, j2} {
		dupWins.Add(1)
		go func(j *Journal) {
			defer dupWins.Done()
			_, err := j.BeginSale(ctx, intent("POS-SAME"))
			wins <- err
		}(j)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for _, j := range []*Journal{j1, j2} {
		readers.Add(1)
		go func(j *Journal) {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := j.Sales(ctx, Filter{Limit: 50}); err != nil {
					errs <- err
					return
				}
				if _, err := j.Unfinished(ctx); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Millisecond)
			}
		}(j)
	}
	wg.Wait()
	dupWins.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(wins)
	var ok, dup int
	for err := range wins {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrDuplicateOrder):
			dup++
		default:
			t.Errorf("racing order number: %v", err)
		}
	}
	if ok != 1 || dup != 1 {
		t.Errorf("racing order number: %d won, %d duplicate; want 1 and 1", ok, dup)
	}
	for _, j := range []*Journal{j1, j2} {
		ss, err := j.Sales(ctx, Filter{Status: komoju.PaymentCaptured, Limit: -1})
		if err != nil || len(ss) != workers*perWorker {
			t.Fatalf("captured sales = %d, %v; want %d", len(ss), err, workers*perWorker)
		}
	}
	s, err := j2.SaleByOrder(ctx, "POS-W0-0003")
	if err != nil || len(s.History) != 2 || s.History[1].Source != SourceWebhook {
		t.Errorf("history = %+v, %v", s.History, err)
	}
	// Two journals writing at once keep the day totals the rows' own.
	if n, err := j1.totalsDiffer(ctx); err != nil || n != 0 {
		t.Errorf("the kept totals differ from the sales in %d rows (%v)", n, err)
	}
	if n, err := j2.CountSales(ctx, PageFilter{Status: komoju.PaymentCaptured}); err != nil || n != workers*perWorker {
		t.Errorf("captured sales counted %d (%v), want %d", n, err, workers*perWorker)
	}
}

// TestCrashBetweenIntentAndResult kills (SIGKILL) a process that is writing
// sales, then checks that every sale it reported as begun is in the
// journal, that the ones it never finished are listed by Unfinished, and
// that the file is intact.
func TestCrashBetweenIntentAndResult(t *testing.T) { both(t, testCrashBetweenIntentAndResult) }

func testCrashBetweenIntentAndResult(t *testing.T) {
	if os.Getenv("JOURNAL_CRASH_CHILD") != "" {
		return // only the child mode of TestCrashChild runs
	}
	path := testPath(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "JOURNAL_CRASH_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	begun, finished := map[int64]bool{}, map[int64]bool{}
	sc := bufio.NewScanner(out)
	deadline := time.After(30 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
read:
	for len(begun) < 30 {
		select {
		case l, ok := <-lines:
			if !ok {
				break read
			}
			f := strings.Fields(l)
			if len(f) != 2 {
				continue
			}
			id, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[0] {
			case "begun":
				begun[id] = true
			case "finished":
				finished[id] = true
			}
		case <-deadline:
			break read
		}
	}
	_ = cmd.Process.Kill() // SIGKILL: no deferred Close, no checkpoint
	_ = cmd.Wait()
	for range lines {
	}
	if len(begun) < 30 {
		t.Fatalf("child reported only %d sales", len(begun))
	}
	j, err := Open(path)
	if err != nil {
		t.Fatalf("journal after a crash: %v", err)
	}
	defer j.Close()
	ctx := context.Background()
	// Killed at any line, the day totals are still the rows' own: the
	// triggers write in the sale's transaction. (Before CheckIntegrity,
	// which would mend them.)
	if n, err := j.totalsDiffer(ctx); err != nil || n != 0 {
		t.Errorf("after the crash the kept totals differ from the sales in %d rows (%v)", n, err)
	}
	if err := j.CheckIntegrity(ctx); err != nil { // the whole file, as Open used to
		t.Fatalf("journal after a crash: %v", err)
	}
	un, err := j.Unfinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	open := map[int64]bool{}
	for _, s := range un {
		open[s.ID] = true
	}
	for id := range begun {
		s, err := j.Sale(ctx, id)
		if err != nil {
			t.Errorf("sale %d reported as begun is missing: %v", id, err)
			continue
		}
		if finished[id] && (s.Unfinished() || s.Status != komoju.PaymentCaptured) {
			t.Errorf("sale %d reported finished is %+v", id, s)
		}
		if !finished[id] && s.FinishedAt == nil && !open[id] {
			t.Errorf("sale %d has no result but is not in Unfinished", id)
		}
	}
	if len(un) == 0 {
		t.Error("no unfinished sales after the crash; the child leaves every third one open")
	}
}

// TestCrashChild is the process TestCrashBetweenIntentAndResult kills. It
// does nothing unless started by it.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("JOURNAL_CRASH_CHILD")
	if path == "" {
		return
	}
	j, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		order := fmt.Sprintf("POS-CRASH-%05d", i)
		id, err := j.BeginSale(ctx, intent(order))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("begun %d\n", id)
		if i%3 == 2 {
			continue // "crashed" before the answer came
		}
		if err := j.FinishSale(ctx, id, ResultFromPayment(payment("pay_"+order, order, komoju.PaymentCaptured, 1000, 0), OutcomePaid)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("finished %d\n", id)
	}
}
