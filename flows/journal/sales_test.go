package journal

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

const testPAN = "4111111111111111" // KOMOJU's Visa test card
const testCVC = "8642"

func TestBeginSaleRefusesCardNumbers(t *testing.T) { both(t, testBeginSaleRefusesCardNumbers) }

func testBeginSaleRefusesCardNumbers(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	cases := []struct {
		name string
		edit func(*Intent)
	}{
		{"description", func(in *Intent) { in.Description = "card " + testPAN + " exp 12/30" }},
		{"grouped in name", func(in *Intent) { in.Name = "4111 1111 1111 1111" }},
		{"dashed in description", func(in *Intent) { in.Description = "4111-1111-1111-1111" }},
		{"amex 4-6-5", func(in *Intent) { in.Description = "paid with 3782 822463 10005" }},
		{"email", func(in *Intent) { in.Email = testPAN + "@example.com" }},
		{"order number", func(in *Intent) { in.OrderNum = "POS-" + testPAN }},
		{"twelve digits", func(in *Intent) { in.Description = "411111111111" }},
		{"last4 holds the PAN", func(in *Intent) { in.CardLast4 = testPAN }},
		{"brand holds the PAN", func(in *Intent) { in.CardBrand = testPAN }},
		{"idempotency key is a PAN", func(in *Intent) { in.IdempotencyKey = testPAN }},
		{"session id is a PAN", func(in *Intent) { in.SessionID = "4111 1111 1111 1111" }},
		{"secret key in description", func(in *Intent) { in.Description = "key sk_live_abcdef0123456789" }},
	}
	for i, c := range cases {
		in := intent("POS-20261124-" + strings.Repeat("9", 1) + string(rune('A'+i)))
		c.edit(&in)
		_, err := j.BeginSale(ctx, in)
		if !errors.Is(err, ErrCardData) {
			t.Errorf("%s: BeginSale error = %v, want ErrCardData", c.name, err)
			continue
		}
		if strings.Contains(err.Error(), "41111111") || strings.Contains(err.Error(), "abcdef0123") {
			t.Errorf("%s: the error message echoes the secret: %v", c.name, err)
		}
	}
	if ss, err := j.Sales(ctx, Filter{}); err != nil || len(ss) != 0 {
		t.Fatalf("refused sales were stored: %+v, %v", ss, err)
	}
	// What must still pass: order numbers, UUID keys whose last group is
	// all digits, phone numbers, amounts, dates in text.
	ok := intent("POS-20261124-0007")
	ok.IdempotencyKey = "0f8fad5b-d9cb-469f-a165-707718203344"
	ok.Description = "2 coffees, table 12, tel 090-1234-5678, 2026-11-24, ¥1,000,000"
	ok.SessionID = "3n5z7f2k9x1c4v8b6m0q2w4e6"
	if _, err := j.BeginSale(ctx, ok); err != nil {
		t.Fatalf("legitimate sale refused: %v", err)
	}
}

func TestBeginSaleValidation(t *testing.T) { both(t, testBeginSaleValidation) }

func testBeginSaleValidation(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	cases := []struct {
		field string
		edit  func(*Intent)
	}{
		{"order number", func(in *Intent) { in.OrderNum = "  " }},
		{"idempotency key", func(in *Intent) { in.IdempotencyKey = "" }},
		{"flow", func(in *Intent) { in.Flow = "carrier-pigeon" }},
		{"amount", func(in *Intent) { in.Amount = 0 }},
		{"amount", func(in *Intent) { in.Amount = -5 }},
		{"tax", func(in *Intent) { in.Tax = -1 }},
		{"currency", func(in *Intent) { in.Currency = "yen" }},
		{"capture", func(in *Intent) { in.Capture = "later" }},
		{"method", func(in *Intent) { in.Method = "credit card!" }},
		{"card last 4", func(in *Intent) { in.CardLast4 = "11" }},
		{"name", func(in *Intent) { in.Name = "Taro \xff" }},
		{"description", func(in *Intent) { in.Description = strings.Repeat("x", maxLong+1) }},
	}
	for _, c := range cases {
		in := intent("POS-V")
		c.edit(&in)
		_, err := j.BeginSale(ctx, in)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error = %v, want ErrInvalid naming the field", c.field, err)
		}
	}
	// Defaults: currency upper-cased, capture auto.
	in := intent("POS-D")
	in.Currency, in.Capture = "usd", ""
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	s, err := j.Sale(ctx, id)
	if err != nil || s.Currency != "USD" || s.Capture != komoju.CaptureAuto {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	if _, err := j.BeginSale(ctx, intent("POS-D")); !errors.Is(err, ErrDuplicateOrder) {
		t.Fatalf("duplicate order number: err = %v, want ErrDuplicateOrder", err)
	}
	if err := j.SetSession(ctx, 999, "sess_1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetSession on a missing sale: %v", err)
	}
	if err := j.FinishSale(ctx, 999, Result{Outcome: OutcomePaid}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FinishSale on a missing sale: %v", err)
	}
	if err := j.FinishSale(ctx, id, Result{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("FinishSale without outcome: %v", err)
	}
	if _, err := j.Sale(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Sale(999): %v", err)
	}
}

// TestNoCardNumberInFiles writes a card sale the way flows does (brand and
// last four from the card, the payment KOMOJU answered, the webhook event
// that followed), tries to slip the number in through every field that
// masks rather than refuses, and then scans the raw database files
// (main, -wal, -shm) for the card number and CVC.
func TestNoCardNumberInFiles(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	in := intent("POS-20261124-0001")
	in.CardBrand, in.CardLast4 = "visa", testPAN[len(testPAN)-4:]
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	p := payment("pay_card1", in.OrderNum, komoju.PaymentCaptured, 1000, 0)
	p.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeCreditCard,
		CreditCard: &komoju.CreditCardDetails{Brand: "visa", LastFourDigits: "1111", Month: 12, Year: 2030},
		Raw:        []byte(`{"type":"credit_card","number":"` + testPAN + `","verification_value":"` + testCVC + `"}`)}
	r := ResultFromPayment(p, OutcomePaid)
	r.ErrorMessage = "card " + testPAN + " cvc " + testCVC // a careless error message: masked, not refused
	if err := j.FinishSale(ctx, id, r); err != nil {
		t.Fatal(err)
	}
	p.PaymentDetails.CreditCard.LastFourDigits = testPAN // a buggy source: only the last four survive
	if err := j.RecordPayment(ctx, p, SourceWebhook); err != nil {
		t.Fatal(err)
	}
	// A forged webhook carrying card data: recorded, but without its body.
	forged := []byte(`{"id":"evt_forged","type":"payment.captured","data":{"payment_details":{"number":"` + testPAN + `","verification_value":"` + testCVC + `"}}}`)
	if _, err := j.RecordEvent(ctx, StoredEvent{EventID: "evt_forged", Type: "payment.captured", Body: forged, Verified: false, VerifyError: "signature mismatch",
		Headers: map[string][]string{"Authorization": {"Basic " + "c2tfbGl2ZV9zZWNyZXQ6"}, "X-Komoju-Id": {"d1"}}}); err != nil {
		t.Fatal(err)
	}
	aid, err := j.BeginAction(ctx, Action{Kind: ActionRefund, PaymentID: "pay_card1", IdempotencyKey: "refund-1", Amount: 300, CardBrand: "visa", CardLast4: "1111"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.FinishAction(ctx, aid, ActionResult{Outcome: "error", ErrorMessage: "refund of " + testPAN + " failed"}); err != nil {
		t.Fatal(err)
	}
	s, err := j.Sale(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if s.CardBrand != "visa" || s.CardLast4 != "1111" {
		t.Errorf("card = %q %q, want visa 1111", s.CardBrand, s.CardLast4)
	}
	ev, err := j.Event(ctx, "evt_forged")
	if err != nil || len(ev.Body) != 0 || !strings.Contains(ev.VerifyError, "card number") || ev.Headers.Get("Authorization") != "" || ev.Headers.Get("X-Komoju-Id") != "d1" {
		t.Errorf("forged event stored as %+v, %v", ev, err)
	}

	scan := func(when string) {
		t.Helper()
		found := false
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(j.Path() + suffix)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if suffix == "" || suffix == "-wal" {
				found = found || len(b) > 0
			}
			for _, secret := range []string{testPAN, "4111 1111 1111 1111", `"verification_value"`, testCVC, "c2tfbGl2ZV9zZWNyZXQ6"} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s: %s%s contains %q", when, j.Path(), suffix, secret)
				}
			}
		}
		if !found {
			t.Fatalf("%s: no database bytes to scan", when)
		}
	}
	if _, err := os.Stat(j.Path() + "-wal"); err != nil {
		t.Fatalf("expected a WAL file while the journal is open: %v", err)
	}
	scan("while open (WAL)")
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	scan("after close")
}

func TestRecordPaymentHistory(t *testing.T) { both(t, testRecordPaymentHistory) }

func testRecordPaymentHistory(t *testing.T) {
	j, c := openTest(t)
	ctx := context.Background()
	in := intent("POS-K1")
	in.Flow, in.Method, in.Amount = FlowSession, "", 500
	id, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SetSession(ctx, id, "sess_k1"); err != nil {
		t.Fatal(err)
	}
	// Matched by session id before the payment id is known.
	p := &komoju.Payment{ID: "pay_k1", Status: komoju.PaymentAuthorized, Amount: 500, Total: 500, Currency: "JPY", Session: strp("sess_k1"),
		PaymentDetails: &komoju.PaymentDetails{Type: komoju.TypeKonbini, Konbini: &komoju.KonbiniDetails{Store: "lawson", InstructionsURL: "https://example.com/i/1"}}}
	step := func(p *komoju.Payment, src string) {
		t.Helper()
		c.advance(time.Minute)
		if err := j.RecordPayment(ctx, p, src); err != nil {
			t.Fatal(err)
		}
	}
	step(p, SourcePoll)
	step(p, SourcePoll)    // same status again: no new row
	step(p, SourceWebhook) // same status from another source: still no new row
	captured := *p
	captured.Status, captured.Session = komoju.PaymentCaptured, nil
	capAt := c.t.Add(30 * time.Second).Truncate(time.Millisecond)
	captured.CapturedAt = &capAt
	step(&captured, SourceWebhook) // matched by payment id now
	late := *p                     // a late, out-of-order payment.authorized
	step(&late, SourceWebhook)
	refunded := captured
	refunded.AmountRefunded = 200
	step(&refunded, SourceAction)
	step(&refunded, SourcePoll)
	full := refunded
	full.Status, full.AmountRefunded = komoju.PaymentRefunded, 500
	step(&full, SourceWebhook)

	s, err := j.Sale(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []StatusChange{
		{Status: komoju.PaymentAuthorized, Source: SourcePoll},
		{Status: komoju.PaymentCaptured, Source: SourceWebhook},
		{Status: komoju.PaymentCaptured, AmountRefunded: 200, Source: SourceAction},
		{Status: komoju.PaymentRefunded, AmountRefunded: 500, Source: SourceWebhook},
	}
	if len(s.History) != len(want) {
		t.Fatalf("history = %+v, want %d rows", s.History, len(want))
	}
	for i, w := range want {
		h := s.History[i]
		if h.Status != w.Status || h.AmountRefunded != w.AmountRefunded || h.Source != w.Source {
			t.Errorf("history[%d] = %+v, want %+v", i, h, w)
		}
	}
	if s.Status != komoju.PaymentRefunded || s.AmountRefunded != 500 || s.PaymentID != "pay_k1" || s.Method != komoju.TypeKonbini ||
		s.InstructionsURL != "https://example.com/i/1" || s.CapturedAt == nil || !s.CapturedAt.Equal(capAt) || s.Net() != 0 {
		t.Errorf("sale = %+v", s)
	}
	// Matched by external order number.
	id2, _ := j.BeginSale(ctx, intent("POS-K2"))
	if err := j.RecordPayment(ctx, payment("pay_k2", "POS-K2", komoju.PaymentCaptured, 1000, 0), SourceReconcile); err != nil {
		t.Fatal(err)
	}
	if s2, _ := j.Sale(ctx, id2); s2.PaymentID != "pay_k2" || s2.Status != komoju.PaymentCaptured {
		t.Errorf("matched by order: %+v", s2)
	}
	if err := j.RecordPayment(ctx, payment("pay_elsewhere", "OTHER-1", komoju.PaymentCaptured, 1, 0), SourceWebhook); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown payment: err = %v, want ErrNotFound", err)
	}
	if err := j.RecordPayment(ctx, p, "telepathy"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad source: err = %v", err)
	}
	if err := j.RecordPayment(ctx, nil, SourcePoll); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil payment: err = %v", err)
	}
}

func TestActionsAndPayAttempts(t *testing.T) { both(t, testActionsAndPayAttempts) }

func testActionsAndPayAttempts(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	// Method 1: sale begun before the session exists; two pay attempts.
	in := intent("POS-S1")
	in.Flow, in.Method = FlowSession, ""
	sid, err := j.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SetSession(ctx, sid, "sess_1"); err != nil {
		t.Fatal(err)
	}
	if err := j.FinishSale(ctx, sid, Result{Outcome: "session_created"}); err != nil {
		t.Fatal(err)
	}
	a1, err := j.BeginAction(ctx, Action{SaleID: sid, Kind: ActionPay, IdempotencyKey: "pay-1", Method: komoju.TypeCreditCard, CardBrand: "visa", CardLast4: "0002"})
	if err != nil {
		t.Fatal(err)
	}
	un, _ := j.Unfinished(ctx)
	if len(un) != 1 || un[0].ID != sid || len(un[0].OpenActions) != 1 || un[0].OpenActions[0].ID != a1 {
		t.Fatalf("Unfinished during a pay attempt = %+v", un)
	}
	if err := j.FinishAction(ctx, a1, ActionResult{Outcome: OutcomeError, ErrorCode: "card_declined", ErrorMessage: "The card was declined"}); err != nil {
		t.Fatal(err)
	}
	s, _ := j.Sale(ctx, sid)
	if s.Unfinished() || s.Outcome != OutcomeError || s.ErrorCode != "card_declined" || s.Attempts != 1 || s.CardLast4 != "0002" {
		t.Fatalf("after declined attempt: %+v", s)
	}
	a2, err := j.BeginAction(ctx, Action{SaleID: sid, Kind: ActionPay, IdempotencyKey: "pay-2", Method: komoju.TypeCreditCard, CardBrand: "visa", CardLast4: "1111"})
	if err != nil {
		t.Fatal(err)
	}
	if un, _ := j.Unfinished(ctx); len(un) != 1 {
		t.Fatalf("a retry must reopen the sale: %+v", un)
	}
	p := payment("pay_s1", "POS-S1", komoju.PaymentAuthorized, 1000, 0)
	p.Session = strp("sess_1")
	if err := j.FinishAction(ctx, a2, ActionResult{Outcome: OutcomeAuthorized, Payment: p}); err != nil {
		t.Fatal(err)
	}
	s, _ = j.Sale(ctx, sid)
	if s.Unfinished() || s.PaymentID != "pay_s1" || s.Status != komoju.PaymentAuthorized || s.ErrorCode != "" || s.Attempts != 2 || s.IdempotencyKey != "pay-2" {
		t.Fatalf("after second attempt: %+v", s)
	}
	// Capture, then a refund whose answer is lost (crash): it stays open.
	cap1, err := j.BeginAction(ctx, Action{PaymentID: "pay_s1", Kind: ActionCapture, IdempotencyKey: "cap-1"})
	if err != nil {
		t.Fatal(err)
	}
	capP := *p
	capP.Status = komoju.PaymentCaptured
	if err := j.FinishAction(ctx, cap1, ActionResult{Outcome: "ok", Payment: &capP}); err != nil {
		t.Fatal(err)
	}
	ref, err := j.BeginAction(ctx, Action{PaymentID: "pay_s1", Kind: ActionRefund, IdempotencyKey: "ref-1", Amount: 300, Currency: "jpy", Description: "customer changed mind"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.FinishAction(ctx, ref, ActionResult{Outcome: OutcomeUnknown, ErrorMessage: "timeout"}); err != nil {
		t.Fatal(err)
	}
	un, _ = j.Unfinished(ctx)
	if len(un) != 1 || len(un[0].OpenActions) != 1 || un[0].OpenActions[0].Kind != ActionRefund || un[0].OpenActions[0].Amount != 300 ||
		un[0].OpenActions[0].SaleID != sid || un[0].OpenActions[0].Currency != "JPY" {
		t.Fatalf("Unfinished with an unknown refund = %+v", un)
	}
	refP := capP
	refP.AmountRefunded = 300
	if err := j.FinishAction(ctx, ref, ActionResult{Outcome: "ok", Payment: &refP, Reference: "rf_1"}); err != nil {
		t.Fatal(err)
	}
	if un, _ := j.Unfinished(ctx); len(un) != 0 {
		t.Fatalf("Unfinished after reconciling the refund = %+v", un)
	}
	s, _ = j.Sale(ctx, sid)
	if s.Status != komoju.PaymentCaptured || s.AmountRefunded != 300 || s.Net() != 700 {
		t.Fatalf("after refund: %+v", s)
	}
	sources := []string{}
	for _, h := range s.History {
		sources = append(sources, string(h.Status)+"/"+h.Source)
	}
	if got := strings.Join(sources, " "); got != "authorized/result captured/action captured/action" {
		t.Errorf("history = %s", got)
	}
	acts, _ := j.Actions(ctx, sid)
	if len(acts) != 4 || acts[3].Reference != "rf_1" || acts[3].Status != komoju.PaymentCaptured || acts[3].AmountRefunded != 300 {
		t.Errorf("actions = %+v", acts)
	}
	// An action on a payment the journal does not know.
	foreign, err := j.BeginAction(ctx, Action{PaymentID: "pay_foreign", Kind: ActionCancel, IdempotencyKey: "c-1"})
	if err != nil {
		t.Fatal(err)
	}
	ua, _ := j.UnfinishedActions(ctx)
	if len(ua) != 1 || ua[0].ID != foreign || ua[0].SaleID != 0 {
		t.Fatalf("UnfinishedActions = %+v", ua)
	}
	if un, _ := j.Unfinished(ctx); len(un) != 0 {
		t.Fatalf("a foreign action must not list a sale: %+v", un)
	}
	if err := j.FinishAction(ctx, foreign, ActionResult{Outcome: "ok", Status: komoju.PaymentCancelled}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Action{
		{Kind: "steal", PaymentID: "p", IdempotencyKey: "k"},
		{Kind: ActionPay, IdempotencyKey: "k"},
		{Kind: ActionRefund, IdempotencyKey: "k"},
		{Kind: ActionRefund, PaymentID: "p"},
		{Kind: ActionRefund, PaymentID: "p", IdempotencyKey: "k", Amount: -1},
	} {
		if _, err := j.BeginAction(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("BeginAction(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := j.BeginAction(ctx, Action{Kind: ActionRefund, PaymentID: "p", IdempotencyKey: "k", Description: "refund to " + testPAN}); !errors.Is(err, ErrCardData) {
		t.Errorf("card number in an action: %v", err)
	}
	if err := j.FinishAction(ctx, 9999, ActionResult{Outcome: "ok"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishAction(9999) = %v", err)
	}
}

func TestLastOrderNum(t *testing.T) { both(t, testLastOrderNum) }

func testLastOrderNum(t *testing.T) {
	j, _ := openTest(t)
	ctx := context.Background()
	for _, n := range []string{"POS-20261124-0001", "POS-20261124-0009", "POS-20261124-0010-K3F", "POS-20261124-0002", "POS-20261125-0050", "POS-2026112-9999"} {
		if _, err := j.BeginSale(ctx, intent(n)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := j.LastOrderNum(ctx, "POS-20261124-")
	if err != nil || got != "POS-20261124-0010-K3F" {
		t.Errorf("LastOrderNum = %q, %v", got, err)
	}
	if got, _ := j.LastOrderNum(ctx, "POS-20261126-"); got != "" {
		t.Errorf("LastOrderNum of an empty day = %q", got)
	}
	if used, err := j.OrderNumUsed(ctx, "POS-20261124-0009"); !used || err != nil {
		t.Errorf("OrderNumUsed = %v, %v", used, err)
	}
	if used, _ := j.OrderNumUsed(ctx, "POS-20261124-0003"); used {
		t.Error("OrderNumUsed of a free number = true")
	}
}
