package journal

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// A konbini slip paid at the store and then refunded is exported as it
// is now: outcome refunded (not the first answer's "awaiting"), the amount
// refunded, no payment deadline (nobody pays it any more), times in Japan
// time with +09:00 as the console shows them, the till that took it and
// the store the slip was for.
func TestCSVSaysWhatTheSaleIsNow(t *testing.T) { both(t, testCSVSaysWhatTheSaleIsNow) }

func testCSVSaysWhatTheSaleIsNow(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)}
	j, err := OpenWith(testPath(t), Options{Now: c.now, Till: "T2"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	in := intent("POS-T2-20261124-0001")
	in.Method = komoju.TypeKonbini
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Date(2026, 11, 27, 14, 59, 0, 0, time.UTC)
	p := payment("pay_k", in.OrderNum, komoju.PaymentAuthorized, 1000, 0)
	p.PaymentDeadline = &deadline
	p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeKonbini, Konbini: &komoju.KonbiniDetails{Store: komoju.StoreFamilyMart}}
	if err := j.FinishSale(ctx, id, ResultFromPayment(p, OutcomeAwaiting)); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Hour)
	p.Status = komoju.PaymentCaptured
	if err := j.RecordPayment(ctx, p, SourceWebhook); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Hour)
	p.Status, p.AmountRefunded = komoju.PaymentRefunded, 1000
	if err := j.RecordPayment(ctx, p, SourceAction); err != nil {
		t.Fatal(err)
	}
	// Read back in UTC, as a process with TZ unset does.
	var buf bytes.Buffer
	w, err := NewCSVWriter(&buf, jst)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.EachSale(ctx, PageFilter{Loc: time.UTC}, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, %v:\n%s", len(recs), err, buf.String())
	}
	row := map[string]string{}
	for i, h := range recs[0] {
		row[h] = recs[1][i]
	}
	for col, want := range map[string]string{
		"status": "refunded", "outcome": "refunded", "amount_refunded": "1000", "net": "0", "deadline": "",
		"created_at": "2026-11-24T10:00:00+09:00", "till": "T2", "store": komoju.StoreFamilyMart,
	} {
		if row[col] != want {
			t.Errorf("%s = %q, want %q", col, row[col], want)
		}
	}
}
