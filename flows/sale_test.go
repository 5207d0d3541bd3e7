package flows

import (
	"net/url"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// PaySale takes and returns the sale as a value, moving it through its
// states; a session stays payable after a decline and after the customer
// fails 3-D Secure (issue 10, case 9: "t try again" there too), and never
// gets a second charge while the customer is still on the 3-D Secure page.
func TestPaySaleStates(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	sp := env.start(Checkout{Amount: 2000})
	if sp.State != SaleOpen || !sp.State.CanPay() {
		t.Fatalf("new sale state %s", sp.State)
	}
	s0 := *sp
	s1, o, err := env.e.PaySale(ctx, s0, komoju.TypeCreditCard, card("4123111111111059"), PayOptions{})
	mustKind(t, o, err, OutcomeError)
	if s1.State != SaleDeclined || s1.Attempts != 1 || s0.Attempts != 0 || s0.State != SaleOpen {
		t.Fatalf("after a decline: new %s/%d, old value changed to %s/%d", s1.State, s1.Attempts, s0.State, s0.Attempts)
	}
	// 3-D Secure: the customer is sent to the page.
	s2, o, err := env.e.PaySale(ctx, s1, komoju.TypeCreditCard, card("4100000000005000"), PayOptions{})
	mustKind(t, o, err, OutcomeRedirect)
	if s2.State != SaleWaiting {
		t.Fatalf("3DS state %s", s2.State)
	}
	// Pressing pay again while the customer is on the page charges nothing.
	s3, o, _ := env.e.PaySale(ctx, s2, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	if o.Kind != OutcomeRedirect || !strings.Contains(o.Message, "not finished") || len(env.payments(sp.OrderNum)) != 2 {
		t.Fatalf("pay while 3DS is open: %s %q, %d payments", o.Kind, o.Message, len(env.payments(sp.OrderNum)))
	}
	// The customer fails 3-D Secure: the session can be paid again.
	env.customer(o.PaymentID(), "3ds", url.Values{"code": {"111111"}})
	s4, o, err := env.e.PaySale(ctx, s3, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	if s4.State != SalePaid || s4.State.CanPay() {
		t.Fatalf("paid sale state %s", s4.State)
	}
	captured := 0
	for _, p := range env.payments(sp.OrderNum) {
		if p.Status == komoju.PaymentCaptured {
			captured++
		}
	}
	if captured != 1 {
		t.Fatalf("%d captured payments for one sale", captured)
	}
}

func TestStateOf(t *testing.T) {
	for o, want := range map[OutcomeKind]SaleState{
		OutcomePaid: SalePaid, OutcomeAuthorized: SaleAuthorized, OutcomeAwaiting: SaleWaiting, OutcomeRedirect: SaleWaiting,
		OutcomeUnknown: SaleUnknown, OutcomeCancelled: SaleClosed, OutcomeExpired: SaleClosed, OutcomeFailed: SaleClosed, OutcomeRefunded: SaleClosed,
	} {
		if got := StateOf(Outcome{Kind: o}); got != want {
			t.Errorf("StateOf(%s) = %s, want %s", o, got, want)
		}
	}
	if StateOf(Outcome{Kind: OutcomeError, CanRetry: true}) != SaleDeclined || StateOf(Outcome{Kind: OutcomeError}) != SaleClosed {
		t.Error("errors: retryable is declined, final is closed")
	}
}

// Issue 12, item 8: an amount above the method's limit is refused before
// anything is sent (KOMOJU would refuse it live).
func TestMethodLimitCheckedBeforeCalling(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	o, err := env.e.PayDirect(ctx, Checkout{Amount: 300_001}, komoju.TypeKonbini, konbini("lawson"), PayOptions{})
	if o.Kind != OutcomeError || o.Field != FieldAmount || err == nil || !strings.Contains(o.Message, "300,000") {
		t.Fatalf("konbini over the limit: %+v %v", o, err)
	}
	sale := env.start(Checkout{Amount: 300_001})
	o, err = env.e.PaySession(ctx, sale, komoju.TypeKonbini, konbini("lawson"), PayOptions{})
	if o.Kind != OutcomeError || o.Field != FieldAmount || err == nil {
		t.Fatalf("Method 1 konbini over the limit: %+v %v", o, err)
	}
	if n := len(env.payments("")); n != 0 {
		t.Fatalf("%d payments were created", n)
	}
	o, err = env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
}
