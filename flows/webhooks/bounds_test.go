package webhooks

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// fakeClock is a settable clock for the rate limit.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestUnsignedFloodCannotFillTheJournal is the attack: 30 unsigned
// 1 MiB posts (which added 29.5 MB to the sale journal before) and then a
// sustained flood of small forgeries. The journal keeps a summary of a
// bounded number of them, a genuine delivery in the middle is applied,
// and the flood is counted.
func TestUnsignedFloodCannotFillTheJournal(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	clk := &fakeClock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	r, err := New(Options{Secret: testSecret, Journal: j, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	before := dirBytes(t, dir)
	mib := bytes.Repeat([]byte("A"), DefaultMaxBody)
	for i := 0; i < 30; i++ {
		body := append([]byte{byte('a' + i%26)}, mib[1:]...)
		a := deliver(t, r, http.MethodPost, Path, body, badSig())
		if a.status != http.StatusUnauthorized {
			t.Fatalf("post %d: %d", i, a.status)
		}
		clk.add(30 * time.Millisecond) // 30 posts in 0.9 s, as in the issue
	}
	st, err := j.EventStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	grown := dirBytes(t, dir) - before
	t.Logf("30 unsigned 1 MiB posts: %d recorded, %d bytes of events stored, journal files grew %d bytes", st.Rejected, st.Bytes, grown)
	if st.Rejected > DefaultRejectBurst+2 || st.Bytes > 32<<10 {
		t.Errorf("stored %d rejected deliveries, %d bytes", st.Rejected, st.Bytes)
	}
	if grown > 1<<20 {
		t.Errorf("journal grew %d bytes", grown)
	}
	evs, _ := r.Events(context.Background(), 1)
	if len(evs) != 1 || len(evs[0].Body) > RejectedBodyPrefix+3 || evs[0].Headers[HeaderReceivedBytes] != "1048576" || evs[0].Reason != ReasonMismatch {
		t.Errorf("summary of a rejected delivery: %d body bytes, headers %v, reason %q", len(evs[0].Body), evs[0].Headers, evs[0].Reason)
	}

	// A sustained flood with no time passing: nothing more is recorded,
	// and a request without a signature is turned away unread.
	for i := 0; i < 2000; i++ {
		deliver(t, r, http.MethodPost, Path, []byte(`{"id":"evt_forged`+strings.Repeat("x", i%7)+`"}`), badSig())
	}
	if a := deliver(t, r, http.MethodPost, Path, mib, nil); a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Errorf("unsigned post in a flood answered %d", a.status)
	}
	// A genuine delivery goes through whatever the flood.
	body := eventBody(t, "evt_genuine", komoju.EventPaymentCaptured, "pay_g", komoju.PaymentCaptured, 100)
	if a := deliver(t, r, http.MethodPost, Path, body, signed(body, testSecret)); a.status != http.StatusOK {
		t.Fatalf("genuine delivery in a flood: %d", a.status)
	}
	st2, _ := j.EventStats(context.Background())
	if st2.Rejected != st.Rejected || st2.Verified != 1 {
		t.Errorf("after the flood: %+v (before %+v)", st2, st)
	}
	h := r.Health()
	if h.Rejected != 30+2000+1 || h.RejectedUnrecorded != h.Rejected-st.Rejected || h.RejectedBytes < 30<<20 {
		t.Errorf("health %+v", h)
	}
	if !strings.Contains(h.String(), "not recorded (flood)") {
		t.Errorf("health line %q does not say so", h.String())
	}
	// Time passes: rejected deliveries are recorded again, at the rate.
	clk.add(10 * time.Second)
	for i := 0; i < 100; i++ {
		deliver(t, r, http.MethodPost, Path, []byte(`later`+strings.Repeat("x", i)), badSig())
	}
	st3, _ := j.EventStats(context.Background())
	if got := st3.Rejected - st2.Rejected; got != DefaultRejectBurst {
		t.Errorf("after 10 s, %d more recorded, want %d (the burst refilled)", got, DefaultRejectBurst)
	}
}

// TestReceiverPrunesOnStart: the retention policy runs when a receiver
// starts on a journal.
func TestReceiverPrunesOnStart(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for _, age := range []time.Duration{0, 100 * 24 * time.Hour} {
		id := "evt_" + age.String()
		if _, err := j.RecordEvent(ctx, journal.StoredEvent{EventID: id, Verified: true, ReceivedAt: now.Add(-age), Body: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := New(Options{Secret: testSecret, Journal: j, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // waits for the prune
	st, _ := j.EventStats(ctx)
	if st.Verified != 1 {
		t.Errorf("%d verified events after the prune, want 1", st.Verified)
	}
}

// badSig() is a well-formed signature that does not match.
func badSig() map[string]string {
	return map[string]string{"X-Komoju-Signature": strings.Repeat("0", 64)}
}
