package flows

import (
	"context"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// followClock fixes the date, so card expiry dates in these tests never
// run out.
var followClock = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func TestNewerNeverRollsBack(t *testing.T) {
	p := func(s komoju.PaymentStatus, refunded int64, refunds int) *komoju.Payment {
		return &komoju.Payment{ID: "p1", Status: s, AmountRefunded: refunded, Refunds: make([]komoju.Refund, refunds)}
	}
	for _, c := range []struct {
		name      string
		cur, next *komoju.Payment
		want      bool
	}{
		{"nothing shown yet", nil, p(komoju.PaymentCaptured, 0, 0), true},
		{"no update", p(komoju.PaymentCaptured, 0, 0), nil, false},
		{"captured after pending", p(komoju.PaymentPending, 0, 0), p(komoju.PaymentCaptured, 0, 0), true},
		{"late authorized after captured", p(komoju.PaymentCaptured, 0, 0), p(komoju.PaymentAuthorized, 0, 0), false},
		{"refund created", p(komoju.PaymentCaptured, 0, 0), p(komoju.PaymentCaptured, 2000, 1), true},
		{"late captured event after a refund", p(komoju.PaymentCaptured, 2000, 1), p(komoju.PaymentCaptured, 0, 0), false},
		{"the same picture", p(komoju.PaymentCaptured, 2000, 1), p(komoju.PaymentCaptured, 2000, 1), false},
		{"another payment", p(komoju.PaymentPending, 0, 0), &komoju.Payment{ID: "p2", Status: komoju.PaymentCaptured}, false},
	} {
		if got := Newer(c.cur, c.next); got != c.want {
			t.Errorf("%s: Newer = %v, want %v", c.name, got, c.want)
		}
	}
}

// LookUp of a Method 2 sale by order number: nothing yet is "not found"
// (not "not charged"); a payment with the order number but another amount
// is not the sale's; the sale's own payment is found.
func TestLookUpByOrderNumber(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Clock: sandbox.NewClock(followClock)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()))
	e := NewEngine(Deps{Client: c, Now: sb.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	target := FollowTarget{OrderNum: "LU-1", Amount: 1000, Currency: "JPY"}
	if o, found, err := e.LookUp(ctx, target); found || err != nil || o.Kind == OutcomeError {
		t.Fatalf("empty look-up: %v %v %s", found, err, o.Kind)
	}
	card := &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "2030", VerificationValue: "123"}
	// Someone else's declined ¥300 attempt with the same order number.
	_, _ = c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 300, Currency: "JPY", ExternalOrderNum: "LU-1", PaymentDetails: card},
		komoju.WithScenario("card_declined"))
	if _, found, _ := e.LookUp(ctx, target); found {
		t.Fatal("a ¥300 payment was taken for the ¥1,000 sale")
	}
	p, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 1000, Currency: "JPY", ExternalOrderNum: "LU-1", PaymentDetails: card})
	if err != nil {
		t.Fatal(err)
	}
	o, found, err := e.LookUp(ctx, target)
	if !found || err != nil || o.PaymentID() != p.ID || o.Kind != OutcomePaid {
		t.Fatalf("look-up: %v %v %s %s", found, err, o.PaymentID(), o.Kind)
	}
}

// The console's LookUp and `show`'s Lookup take the same payment for a
// sale by order number, by the one rule (journal.PaymentMatches): a sale
// of ¥1,000 plus ¥100 tax is the payment of 1,000 + 100 tax, and not a
// payment of ¥1,000 with no tax (LookUp took that one before, Lookup did
// not).
func TestLookUpAndLookupAgreeOnOwnership(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Clock: sandbox.NewClock(followClock)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()))
	e := NewEngine(Deps{Client: c, Now: sb.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	card := &komoju.PaymentDetailsParams{Type: komoju.TypeCreditCard, Number: "4111111111111111", Month: "12", Year: "2030", VerificationValue: "123"}
	other, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 1000, Currency: "JPY", ExternalOrderNum: "LU-2", PaymentDetails: card})
	if err != nil {
		t.Fatal(err)
	}
	taxed := FollowTarget{OrderNum: "LU-2", Amount: 1000, Tax: 100, Currency: "JPY"}
	if o, found, _ := e.LookUp(ctx, taxed); found {
		t.Fatalf("LookUp took the untaxed payment %s for the taxed sale", o.PaymentID())
	}
	untaxed := FollowTarget{OrderNum: "LU-2", Amount: 1000, Currency: "JPY"}
	o, found, err := e.LookUp(ctx, untaxed)
	if !found || err != nil || o.PaymentID() != other.ID {
		t.Fatalf("LookUp: %v %v %s", found, err, o.PaymentID())
	}
	// Lookup without a journal takes any payment with the number: the same
	// one, through the same path.
	if lo, err := e.Lookup(ctx, Outcome{OrderNum: "LU-2"}); err != nil || lo.PaymentID() != other.ID {
		t.Fatalf("Lookup: %v %s", err, lo.PaymentID())
	}
}

// AbandonSession cancels an unpaid session, but a session the customer
// paid meanwhile is reported, not cancelled.
func TestAbandonSession(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Clock: sandbox.NewClock(followClock)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()))
	e := NewEngine(Deps{Client: c, Now: sb.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	open := func() *Sale {
		s, err := e.StartSession(ctx, Checkout{Amount: 1000, Currency: "JPY"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1 := open()
	o, err := e.AbandonSession(ctx, s1.SessionID(), 0)
	if err != nil || o.Kind != OutcomeCancelled || o.Payment != nil {
		t.Fatalf("abandon unpaid: %s %v", o.Kind, err)
	}
	if got, _ := c.Sessions.Get(ctx, s1.SessionID()); got.Status != komoju.SessionCancelled {
		t.Fatalf("session %s after abandon", got.Status)
	}
	s2 := open()
	if o, _ := e.PaySession(ctx, s2, komoju.TypeCreditCard, Details{CardNumber: "4111111111111111", CardExpiry: "12/30", CardCVC: "123"}, PayOptions{}); o.Kind != OutcomePaid {
		t.Fatalf("pay: %s", o.Kind)
	}
	o, err = e.AbandonSession(ctx, s2.SessionID(), 0)
	if err != nil || o.Kind != OutcomePaid {
		t.Fatalf("abandon paid: %s %v, want the payment reported", o.Kind, err)
	}
}
