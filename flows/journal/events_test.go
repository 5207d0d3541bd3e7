package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRecordEventDedupe(t *testing.T) { both(t, testRecordEventDedupe) }

func testRecordEventDedupe(t *testing.T) {
	j, c := openTest(t)
	ctx := context.Background()
	body := []byte(`{"id":"evt_1","type":"payment.captured","resource":"event","data":{"id":"pay_1","amount":1000,"currency":"JPY"}}`)
	ev := StoredEvent{DeliveryID: "dlv_1", EventID: "evt_1", Type: "payment.captured", PaymentID: "pay_1", Amount: 1000, Currency: "jpy",
		Headers: http.Header{"X-Komoju-Signature": {"abc123"}, "X-Komoju-Id": {"dlv_1"}, "Authorization": {"Bearer sk_test_secretsecret"}},
		Body:    body, Verified: true}

	// A forged delivery claiming the same event id arrives first: it is
	// stored, but must not make the genuine event look like a duplicate.
	forged := ev
	forged.Verified, forged.VerifyError, forged.Body = false, "signature mismatch", []byte(`{"id":"evt_1","type":"payment.captured","data":{"amount":1}}`)
	if dup, err := j.RecordEvent(ctx, forged); err != nil || dup {
		t.Fatalf("forged: dup=%v err=%v", dup, err)
	}
	c.advance(time.Second)
	if dup, err := j.RecordEvent(ctx, ev); err != nil || dup {
		t.Fatalf("first genuine delivery: dup=%v err=%v, want a new event", dup, err)
	}
	c.advance(time.Minute)
	redelivery := ev
	redelivery.DeliveryID = "dlv_2"
	for i := 0; i < 2; i++ {
		if dup, err := j.RecordEvent(ctx, redelivery); err != nil || !dup {
			t.Fatalf("redelivery %d: dup=%v err=%v, want duplicate", i, dup, err)
		}
	}
	// The same forged body again is counted, not stored twice.
	if dup, err := j.RecordEvent(ctx, forged); err != nil || !dup {
		t.Fatalf("forged again: dup=%v err=%v", dup, err)
	}
	c.advance(time.Second)
	ping := StoredEvent{EventID: "evt_2", Type: "ping", Body: []byte(`{"id":"evt_2","type":"ping"}`), Verified: true}
	if dup, err := j.RecordEvent(ctx, ping); err != nil || dup {
		t.Fatal(dup, err)
	}

	got, err := j.Event(ctx, "evt_1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Verified || got.DeliveryCount != 3 || got.DeliveryID != "dlv_1" || string(got.Body) != string(body) ||
		got.Currency != "JPY" || got.Amount != 1000 || got.PaymentID != "pay_1" ||
		!got.LastReceivedAt.Equal(got.ReceivedAt.Add(time.Minute)) {
		t.Errorf("event = %+v", got)
	}
	if got.Headers.Get("X-Komoju-Signature") != "abc123" || got.Headers.Get("Authorization") != "" {
		t.Errorf("headers = %v", got.Headers)
	}
	list, err := j.Events(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].EventID != "evt_2" || list[1].EventID != "evt_1" || !list[1].Verified ||
		list[2].Verified || list[2].VerifyError != "signature mismatch" || list[2].DeliveryCount != 2 {
		t.Errorf("events newest first = %+v", list)
	}
	if l, _ := j.Events(ctx, 1); len(l) != 1 {
		t.Errorf("limit ignored: %d events", len(l))
	}
	if _, err := j.Event(ctx, "evt_none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing event: %v", err)
	}
	if _, err := j.RecordEvent(ctx, StoredEvent{EventID: "big", Verified: true, Body: make([]byte, MaxEventBody+1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversize verified body: %v", err)
	}
	// Events survive a restart.
	path := j.Path()
	j.Close()
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if l, err := j2.Events(ctx, 0); err != nil || len(l) != 3 {
		t.Errorf("after reopen: %d events, %v", len(l), err)
	}
}

func TestPruneEventsAndBackup(t *testing.T) {
	j, c := openTest(t)
	ctx := context.Background()
	for i, id := range []string{"evt_old", "evt_new"} {
		c.advance(time.Duration(i) * 48 * time.Hour)
		if _, err := j.RecordEvent(ctx, StoredEvent{EventID: id, Type: "ping", Body: []byte(`{}`), Verified: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.BeginSale(ctx, intent("POS-BK")); err != nil {
		t.Fatal(err)
	}
	n, err := j.PruneEvents(ctx, c.t.Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneEvents = %d, %v", n, err)
	}
	if l, _ := j.Events(ctx, 0); len(l) != 1 || l[0].EventID != "evt_new" {
		t.Fatalf("after prune: %+v", l)
	}
	dest := filepath.Join(t.TempDir(), "backups", "journal-copy.db")
	if err := j.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := j.Backup(ctx, dest); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second backup over the first: %v", err)
	}
	b, err := Open(dest)
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer b.Close()
	if s, err := b.SaleByOrder(ctx, "POS-BK"); err != nil || s.Amount != 1000 {
		t.Fatalf("backup lacks the sale: %+v, %v", s, err)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestRejectedDeliveriesAreBounded: whatever an unauthenticated sender
// posts, the journal keeps a short prefix of each rejected delivery and
// at most MaxRejectedEvents of them; verified events are untouched.
func TestRejectedDeliveriesAreBounded(t *testing.T) { both(t, testRejectedDeliveriesAreBounded) }

func testRejectedDeliveriesAreBounded(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	if _, err := j.RecordEvent(ctx, StoredEvent{EventID: "evt_real", Type: "payment.captured", Verified: true, Body: []byte(`{"id":"evt_real"}`)}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("A"), MaxEventBody+100) // more than even a verified body may be
	for i := 0; i < MaxRejectedEvents+50; i++ {
		body := append([]byte(fmt.Sprintf("%06d", i)), big...)
		hdr := http.Header{"User-Agent": {strings.Repeat("u", 4000)}}
		if _, err := j.RecordEvent(ctx, StoredEvent{Type: "payment.captured", Body: body, Headers: hdr, VerifyError: "signature mismatch"}); err != nil {
			t.Fatalf("rejected delivery %d: %v", i, err)
		}
	}
	st, err := j.EventStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Verified != 1 || st.Rejected != MaxRejectedEvents {
		t.Fatalf("stats %+v, want 1 verified and %d rejected", st, MaxRejectedEvents)
	}
	if limit := int64(MaxRejectedEvents*(MaxRejectedBody+MaxRejectedHeader+200) + 1000); st.Bytes > limit {
		t.Errorf("stored %d bytes, bound %d", st.Bytes, limit)
	}
	list, _ := j.Events(ctx, 0)
	if !strings.HasPrefix(string(list[0].Body), fmt.Sprintf("%06d", MaxRejectedEvents+49)) {
		t.Errorf("newest rejected delivery not kept: %.20q", list[0].Body)
	}
	if _, err := j.Event(ctx, "evt_real"); err != nil {
		t.Errorf("the verified event went: %v", err)
	}
}

func TestPruneVerifiedEventsPolicy(t *testing.T) { both(t, testPruneVerifiedEventsPolicy) }

func testPruneVerifiedEventsPolicy(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		at := now.Add(-time.Duration(i) * 24 * time.Hour * 20) // 0, 20, 40, ... 180 days old
		if _, err := j.RecordEvent(ctx, StoredEvent{EventID: fmt.Sprintf("evt_%d", i), Verified: true, ReceivedAt: at, Body: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := j.PruneVerifiedEvents(ctx, now, 0, 0)
	if err != nil || n != 5 { // 100..180 days old
		t.Fatalf("pruned %d, %v; want the 5 older than 90 days", n, err)
	}
	if n, err := j.PruneVerifiedEvents(ctx, now, 0, 2); err != nil || n != 3 {
		t.Fatalf("count cap pruned %d, %v; want 3", n, err)
	}
	if _, err := j.Event(ctx, "evt_0"); err != nil {
		t.Errorf("newest event went: %v", err)
	}
}
