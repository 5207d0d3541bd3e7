package flows

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// Cards of the sandbox's 3-D Secure table (docs/SANDBOX.md).
const (
	card3DSChallenge = "4100000000005000" // NEEDS_VERIFY; 123456 authenticates
	card3DSFails     = "4100000000300005" // NEEDS_VERIFY; authentication fails
	cardNo3DS        = "4111111111111111" // SKIPPED: 3-D Secure does not apply
)

func new3DSEnv(t *testing.T) *testEnv {
	env := newEnv(t)
	env.withReturnURL("http://127.0.0.1:1/return")
	return env
}

// journalSale reads the journal's sale for an order number.
func (env *testEnv) journalSale(orderNum string) journal.Sale {
	env.t.Helper()
	s, err := env.j.SaleByOrder(env.ctx(), orderNum)
	if err != nil {
		env.t.Fatalf("journal sale %s: %v", orderNum, err)
	}
	return s
}

// TestPayCard3DSChallengeThenPays: a 3-D Secure card is not charged until
// the customer has authenticated; meanwhile the sale is in the journal
// with its order number reserved, and the link to show is the token's.
// After authentication the token pays, as the sale's payment.
func TestPayCard3DSChallengeThenPays(t *testing.T) {
	env := new3DSEnv(t)
	ctx := env.ctx()
	r, err := env.e.PayCard3DS(ctx, Checkout{Amount: 2500, Currency: "JPY", Flow: FlowDirect}, card(card3DSChallenge), PayOptions{}, false)
	if err != nil || r.Pending == nil || r.Outcome.Kind != OutcomeRedirect {
		t.Fatalf("start: %v %+v", err, r)
	}
	p := *r.Pending
	if p.AuthenticationURL == "" || r.Outcome.RedirectURL != p.AuthenticationURL || !strings.Contains(p.AuthenticationURL, "/sandbox/secure_tokens/") {
		t.Errorf("authentication link: %q / %q", p.AuthenticationURL, r.Outcome.RedirectURL)
	}
	if p.OrderNum == "" || r.Outcome.OrderNum != p.OrderNum {
		t.Errorf("order number: %q / %q", p.OrderNum, r.Outcome.OrderNum)
	}
	if got := env.payments(""); len(got) != 0 {
		t.Fatalf("charged before authentication: %d payments", len(got))
	}
	s := env.journalSale(p.OrderNum)
	if s.FinishedAt != nil || s.Method != komoju.TypeCreditCard || s.CardLast4 != "5000" || s.Amount != 2500 {
		t.Errorf("journal while authenticating: %+v", s)
	}

	authenticateToken(t, env, p.TokenID, "123456")
	r, err = env.e.Complete3DS(ctx, p)
	mustKind(t, r.Outcome, err, OutcomePaid)
	if r.ThreeDS != ThreeDSAuthenticated || r.Pending != nil {
		t.Errorf("3-D Secure result %v pending %v", r.ThreeDS, r.Pending)
	}
	pay := r.Outcome.Payment
	if pay.OrderNum() != p.OrderNum || pay.Total != 2500 || pay.PaymentDetails.CreditCard == nil || pay.PaymentDetails.CreditCard.LastFourDigits != "5000" {
		t.Errorf("payment: %+v", pay)
	}
	s = env.journalSale(p.OrderNum)
	if s.FinishedAt == nil || s.PaymentID != pay.ID || s.Status != komoju.PaymentCaptured {
		t.Errorf("journal after paying: %+v", s)
	}
}

// TestPayCard3DSAuthenticationFails: ERRORED charges nothing and the sale
// is finished as not charged, never left for Reconcile to guess.
func TestPayCard3DSAuthenticationFails(t *testing.T) {
	env := new3DSEnv(t)
	ctx := env.ctx()
	r, err := env.e.PayCard3DS(ctx, Checkout{Amount: 1200, Currency: "JPY", OrderNum: "T3DS-FAIL"}, card(card3DSFails), PayOptions{}, false)
	if err != nil || r.Pending == nil {
		t.Fatalf("start: %v %+v", err, r)
	}
	authenticateToken(t, env, r.Pending.TokenID, "123456")
	r, err = env.e.Complete3DS(ctx, *r.Pending)
	mustKind(t, r.Outcome, err, OutcomeError)
	if r.ThreeDS != ThreeDSFailed || r.Outcome.Message != Msg3DSFailed || !strings.Contains(r.Outcome.Message, "Nothing was charged") {
		t.Errorf("result: %v %q", r.ThreeDS, r.Outcome.Message)
	}
	if got := env.payments(""); len(got) != 0 {
		t.Errorf("a failed authentication charged: %d payments", len(got))
	}
	s := env.journalSale("T3DS-FAIL")
	if s.FinishedAt == nil || s.ErrorCode != codeNotCharged || s.Outcome != string(OutcomeError) {
		t.Errorf("journal: %+v", s)
	}
	if rc, err := env.e.Reconcile(ctx); err != nil || len(rc) != 0 {
		t.Errorf("Reconcile found %d to settle (%v): the sale was already finished", len(rc), err)
	}
}

// TestComplete3DSStopsWithTheTill: when the till stops waiting (new sale,
// quit) the sale ends not charged, and a customer who authenticates later
// charges nothing either.
func TestComplete3DSStopsWithTheTill(t *testing.T) {
	env := new3DSEnv(t)
	r, err := env.e.PayCard3DS(env.ctx(), Checkout{Amount: 900, Currency: "JPY", OrderNum: "T3DS-STOP"}, card(card3DSChallenge), PayOptions{}, false)
	if err != nil || r.Pending == nil {
		t.Fatalf("start: %v %+v", err, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r2, err := env.e.Complete3DS(ctx, *r.Pending)
	mustKind(t, r2.Outcome, err, OutcomeError)
	if r2.Outcome.Message != Msg3DSAbandoned {
		t.Errorf("message %q", r2.Outcome.Message)
	}
	authenticateToken(t, env, r.Pending.TokenID, "123456")
	if got := env.payments(""); len(got) != 0 {
		t.Errorf("charged after the till stopped: %d payments", len(got))
	}
	if s := env.journalSale("T3DS-STOP"); s.FinishedAt == nil || s.ErrorCode != codeNotCharged {
		t.Errorf("journal: %+v", s)
	}
}

// TestPayCard3DSNotApplicablePaysAtOnce: a card 3-D Secure does not apply
// to (SKIPPED) pays at once and the result says why there was no check.
func TestPayCard3DSNotApplicablePaysAtOnce(t *testing.T) {
	env := new3DSEnv(t)
	r, err := env.e.PayCard3DS(env.ctx(), Checkout{Amount: 700, Currency: "JPY"}, card(cardNo3DS), PayOptions{}, false)
	mustKind(t, r.Outcome, err, OutcomePaid)
	if r.Pending != nil || r.ThreeDS != ThreeDSNotApplicable || !strings.Contains(r.Outcome.Message, "does not apply") {
		t.Errorf("result: %+v", r)
	}
}

// TestPayCard3DSSkippedByClerk: the clerk's explicit skip charges the card
// directly and the result says 3-D Secure was skipped.
func TestPayCard3DSSkippedByClerk(t *testing.T) {
	env := new3DSEnv(t)
	r, err := env.e.PayCard3DS(env.ctx(), Checkout{Amount: 800, Currency: "JPY"}, card(card3DSChallenge), PayOptions{}, true)
	mustKind(t, r.Outcome, err, OutcomePaid)
	if r.Pending != nil || r.ThreeDS != ThreeDSSkipped || !strings.Contains(r.Outcome.Message, Msg3DSSkippedNote) || r.ThreeDS.String() != "skipped by the clerk" {
		t.Errorf("result: %v %q", r.ThreeDS, r.Outcome.Message)
	}
}

// TestPayCard3DSDeclinedAfterAuthentication: authentication is not a
// charge: a decline afterwards is a decline, with nothing charged.
func TestPayCard3DSDeclinedAfterAuthentication(t *testing.T) {
	env := new3DSEnv(t)
	ctx := env.ctx()
	r, err := env.e.PayCard3DS(ctx, Checkout{Amount: 600, Currency: "JPY", OrderNum: "T3DS-DECL"}, card(card3DSChallenge), PayOptions{Scenario: komoju.CodeInsufficientFunds}, false)
	if err != nil || r.Pending == nil {
		t.Fatalf("start: %v %+v", err, r)
	}
	authenticateToken(t, env, r.Pending.TokenID, "123456")
	r, err = env.e.Complete3DS(ctx, *r.Pending)
	mustKind(t, r.Outcome, err, OutcomeError)
	if r.Outcome.Err == nil || r.Outcome.Err.Code != komoju.CodeInsufficientFunds || r.ThreeDS != ThreeDSAuthenticated {
		t.Errorf("result: %v %+v", r.ThreeDS, r.Outcome)
	}
	if s := env.journalSale("T3DS-DECL"); s.FinishedAt == nil || s.Outcome != string(OutcomeError) {
		t.Errorf("journal: %+v", s)
	}
}

// TestPayCard3DSNeverAdoptsAnotherPayment: an order number someone else
// already used at KOMOJU is refused after authentication, and that other
// payment is never taken for this sale's.
func TestPayCard3DSNeverAdoptsAnotherPayment(t *testing.T) {
	env := new3DSEnv(t)
	ctx := env.ctx()
	other, err := env.c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 600, Currency: "JPY", ExternalOrderNum: "T3DS-TAKEN",
		PaymentDetails: card(cardNo3DS).Params(komoju.TypeCreditCard)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := env.e.PayCard3DS(ctx, Checkout{Amount: 600, Currency: "JPY", OrderNum: "T3DS-TAKEN"}, card(cardNo3DS), PayOptions{}, false)
	mustKind(t, r.Outcome, err, OutcomeError)
	if r.Outcome.Field != FieldOrderNum || r.Outcome.PaymentID() == other.ID {
		t.Errorf("outcome: %+v", r.Outcome)
	}
}

// TestPayCard3DSJournalFirst: nothing is sent — not even the token — when
// the intent cannot be journaled, and bad input is refused before that.
func TestPayCard3DSJournalFirst(t *testing.T) {
	env := new3DSEnv(t)
	env.rec.fail(errors.New("disk full"))
	r, err := env.e.PayCard3DS(env.ctx(), Checkout{Amount: 600, Currency: "JPY", OrderNum: "T3DS-J"}, card(card3DSChallenge), PayOptions{}, false)
	mustKind(t, r.Outcome, err, OutcomeError)
	if !strings.Contains(r.Outcome.Message, "Nothing was sent") || r.Pending != nil {
		t.Errorf("outcome: %+v", r.Outcome)
	}

	noReturn := newEnv(t)
	r, err = noReturn.e.PayCard3DS(noReturn.ctx(), Checkout{Amount: 600, Currency: "JPY"}, card(card3DSChallenge), PayOptions{}, false)
	if r.Outcome.Kind != OutcomeError || !strings.Contains(r.Outcome.Message, "return_url") || err == nil {
		t.Errorf("without a return URL: %v %+v", err, r.Outcome)
	}
	r, err = env.e.PayCard3DS(env.ctx(), Checkout{Amount: 600, Currency: "JPY"}, card("4111111111111112"), PayOptions{}, false)
	if r.Outcome.Kind != OutcomeError || r.Outcome.Field != string(DetailCardNumber) || err == nil {
		t.Errorf("bad card number: %v %+v", err, r.Outcome)
	}
	if strings.Contains(r.Outcome.Message, "4111111111111112") {
		t.Errorf("the message holds the card number: %q", r.Outcome.Message)
	}
}

// TestLostAnswerOfTokenPaymentRecovered: the answer of the payment made
// with an authenticated token is lost after KOMOJU charged: the engine
// re-sends with the same key and says PAID; there is one payment, and the
// journal holds it.
func TestLostAnswerOfTokenPaymentRecovered(t *testing.T) {
	for _, tc := range []struct {
		name string
		pay  func(env *testEnv) (Outcome, error)
	}{
		{"3-D Secure", func(env *testEnv) (Outcome, error) {
			r, err := env.e.PayCard3DS(env.ctx(), Checkout{Amount: 1800, Currency: "JPY", OrderNum: "LOST-1"}, card(card3DSChallenge), PayOptions{}, false)
			if err != nil || r.Pending == nil {
				t.Fatalf("start: %v %+v", err, r)
			}
			authenticateToken(t, env, r.Pending.TokenID, "123456")
			r, err = env.e.Complete3DS(env.ctx(), *r.Pending)
			return r.Outcome, err
		}},
		{"scanned code", func(env *testEnv) (Outcome, error) {
			return env.e.PayScannedCode(env.ctx(), Checkout{Amount: 1800, Currency: "JPY", OrderNum: "LOST-1"}, "000000000000000001", PayOptions{})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dt := &dropTransport{suffix: "/payments", n: 1}
			env := newEnvWith(t, sandbox.Options{}, &http.Client{Transport: dt}, komoju.WithMaxRetries(0))
			env.withReturnURL("http://127.0.0.1:1/return")
			o, err := tc.pay(env)
			mustKind(t, o, err, OutcomePaid)
			if dt.seen != 2 {
				t.Errorf("%d payment POSTs, want the original and one same-key retry", dt.seen)
			}
			ps := env.payments("LOST-1")
			if len(ps) != 1 || ps[0].Total != 1800 || ps[0].ID != o.PaymentID() {
				t.Fatalf("payments: %+v", ps)
			}
			if s := env.journalSale("LOST-1"); s.FinishedAt == nil || s.PaymentID != o.PaymentID() {
				t.Errorf("journal: %+v", s)
			}
		})
	}
}

// TestComplete3DSFollowsAtTheCounterPace: the customer authenticating a
// Method 2 card is at the counter, so the secure token is asked about at
// least every CounterPoll (the default backoff used to reach 10 s between
// two looks). The waits are read off the engine's timer, not the wall.
func TestComplete3DSFollowsAtTheCounterPace(t *testing.T) {
	env := new3DSEnv(t)
	r, err := env.e.PayCard3DS(env.ctx(), Checkout{Amount: 900, Currency: "JPY", OrderNum: "T3DS-PACE"}, card(card3DSChallenge), PayOptions{}, false)
	if err != nil || r.Pending == nil {
		t.Fatalf("start: %v %+v", err, r)
	}
	var waits []time.Duration
	e := NewEngine(Deps{Client: env.c, Journal: env.rec, Now: env.e.now, Timeout: 5 * time.Second,
		After: func(d time.Duration) <-chan time.Time {
			waits = append(waits, d) // one goroutine calls it: Complete3DS's
			if len(waits) == 8 {
				authenticateToken(t, env, r.Pending.TokenID, "123456")
			}
			ch := make(chan time.Time, 1)
			ch <- time.Time{}
			return ch
		}})
	r2, err := e.Complete3DS(env.ctx(), *r.Pending)
	mustKind(t, r2.Outcome, err, OutcomePaid)
	if len(waits) < 8 {
		t.Fatalf("only %d waits: %v", len(waits), waits)
	}
	for i, d := range waits {
		if d > CounterPoll {
			t.Errorf("wait %d before looking at the token again: %s, want at most %s (all: %v)", i+1, d, CounterPoll, waits)
		}
	}
}
