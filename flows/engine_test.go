package flows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

func TestSessionCardPaid(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 1000, Email: "taro@example.com"})
	if !strings.HasPrefix(sale.OrderNum, "POS-") || sale.SessionID() == "" || sale.JournalID == 0 {
		t.Fatalf("sale = %+v", sale)
	}
	if _, ok := sale.Method(komoju.TypeCreditCard); !ok {
		t.Fatalf("session offers %v", sale.Methods)
	}
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111 1111 1111 1111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	if o.PaymentID() == "" || o.SessionID != sale.SessionID() || o.OrderNum != sale.OrderNum || !o.Allows(ActionRefund) {
		t.Errorf("outcome = %+v", o)
	}
	if !strings.Contains(o.Message, "Paid ¥1,000 by Visa •••• 1111") {
		t.Errorf("message = %q", o.Message)
	}
	// The journal has the sale with its result and the pay attempt with
	// its idempotency key, brand and last four digits only.
	js, err := env.j.SaleByOrder(env.ctx(), sale.OrderNum)
	if err != nil {
		t.Fatal(err)
	}
	if js.Flow != "session" || js.SessionID != sale.SessionID() || js.PaymentID != o.PaymentID() || js.Status != komoju.PaymentCaptured ||
		js.Outcome != "paid" || js.CardBrand != BrandVisa || js.CardLast4 != "1111" || js.Attempts != 1 || js.Unfinished() || js.Net() != 1000 {
		t.Errorf("journal sale = %+v", js)
	}
	acts, _ := env.j.Actions(env.ctx(), js.ID)
	if len(acts) != 1 || acts[0].Kind != "pay" || acts[0].IdempotencyKey == "" || acts[0].Outcome != "paid" || acts[0].Method != komoju.TypeCreditCard {
		t.Errorf("journal actions = %+v", acts)
	}
	// Scan the database files' bytes for the card number and the CVC.
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(env.j.Path() + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("4111111111111111")) || bytes.Contains(b, []byte("4111 1111 1111 1111")) {
			t.Errorf("journal file %s holds the card number", env.j.Path()+suffix)
		}
	}
	// The sandbox has exactly one payment for the order.
	if ps := env.payments(sale.OrderNum); len(ps) != 1 || ps[0].Status != komoju.PaymentCaptured || ps[0].Total != 1000 {
		t.Errorf("payments = %+v", ps)
	}
}

// TestSessionPayTable drives every row of the seed's pay-result table
// through Method 1 against the sandbox.
func TestSessionPayTable(t *testing.T) {
	env := newEnv(t)
	cases := []struct {
		row     string
		capture komoju.CaptureMode
		typ     komoju.PaymentType
		details Details
		want    OutcomeKind
		status  komoju.PaymentStatus
	}{
		{"error/*/n.a. (decline)", komoju.CaptureAuto, komoju.TypeCreditCard, card("4123111111111000"), OutcomeError, ""},
		{"completed/auto/captured", komoju.CaptureAuto, komoju.TypeCreditCard, cardAmex("378282246310005"), OutcomePaid, komoju.PaymentCaptured},
		{"completed/auto/authorized konbini", komoju.CaptureAuto, komoju.TypeKonbini, konbini("lawson"), OutcomeAwaiting, komoju.PaymentAuthorized},
		{"completed/auto/authorized bank", komoju.CaptureAuto, komoju.TypeBankTransfer, bankPerson, OutcomeAwaiting, komoju.PaymentAuthorized},
		{"completed/auto/authorized pay-easy", komoju.CaptureAuto, komoju.TypePayEasy, bankPerson, OutcomeAwaiting, komoju.PaymentAuthorized},
		{"completed/manual/authorized", komoju.CaptureManual, komoju.TypeCreditCard, card("5555555555554444"), OutcomeAuthorized, komoju.PaymentAuthorized},
		{"pending/*/pending 3DS", komoju.CaptureAuto, komoju.TypeCreditCard, card("4100000000005000"), OutcomeRedirect, komoju.PaymentPending},
		{"pending/*/pending paypay", komoju.CaptureAuto, komoju.TypePayPay, Details{}, OutcomeRedirect, komoju.PaymentPending},
	}
	for _, c := range cases {
		t.Run(c.row, func(t *testing.T) {
			sale := env.start(Checkout{Amount: 1500, Capture: c.capture})
			o, err := env.e.PaySession(env.ctx(), sale, c.typ, c.details, PayOptions{})
			mustKind(t, o, err, c.want)
			if o.Status() != c.status {
				t.Errorf("payment status %q, want %q", o.Status(), c.status)
			}
			switch c.want {
			case OutcomeError:
				if !o.CanRetry || o.Err == nil || o.Err.Code != komoju.CodeInsufficientFunds || !komoju.IsPaymentError(err) {
					t.Errorf("error outcome %+v err %v", o, err)
				}
			case OutcomeAwaiting:
				if o.InstructionsURL == "" || o.Deadline == nil || !o.Allows(ActionCancel) || o.Allows(ActionCapture) {
					t.Errorf("awaiting outcome %+v", o)
				}
			case OutcomeAuthorized:
				if !o.Allows(ActionCapture) || !o.Allows(ActionCancel) {
					t.Errorf("actions %v", o.Actions)
				}
			case OutcomeRedirect:
				if o.RedirectURL == "" || !strings.HasPrefix(o.RedirectURL, env.sb.BaseURL()) {
					t.Errorf("redirect %q", o.RedirectURL)
				}
			}
		})
	}
}

// TestDirectStatusTable drives every row of the seed's Payment status
// table through Method 2.
func TestDirectStatusTable(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	direct := func(amount int64, capture komoju.CaptureMode, typ komoju.PaymentType, d Details) (Outcome, error) {
		return env.e.PayDirect(ctx, Checkout{Amount: amount, Capture: capture}, typ, d, PayOptions{})
	}

	t.Run("pending", func(t *testing.T) {
		o, err := direct(800, komoju.CaptureAuto, komoju.TypeMerpay, Details{})
		mustKind(t, o, err, OutcomeRedirect)
		if !strings.Contains(o.RedirectURL, "/sandbox/wallet/") {
			t.Errorf("redirect %q", o.RedirectURL)
		}
	})
	t.Run("authorized (async)", func(t *testing.T) {
		o, err := direct(800, komoju.CaptureAuto, komoju.TypeKonbini, konbini("family-mart"))
		mustKind(t, o, err, OutcomeAwaiting)
	})
	t.Run("authorized (two-step)", func(t *testing.T) {
		o, err := direct(800, komoju.CaptureManual, komoju.TypeCreditCard, card("3530111333300000"))
		mustKind(t, o, err, OutcomeAuthorized)
	})
	t.Run("captured", func(t *testing.T) {
		o, err := direct(800, komoju.CaptureAuto, komoju.TypeCreditCard, card("30569309025904"))
		mustKind(t, o, err, OutcomePaid)
		if o.Payment.Tax != 0 || o.Payment.Total != 800 {
			t.Errorf("tax %d total %d: tax must default to 0", o.Payment.Tax, o.Payment.Total)
		}
	})
	t.Run("refunded", func(t *testing.T) {
		o, _ := direct(800, komoju.CaptureAuto, komoju.TypeCreditCard, card("4111111111111111"))
		o, err := env.e.Refund(ctx, o.PaymentID(), 0, "customer changed their mind")
		mustKind(t, o, err, OutcomeRefunded)
	})
	t.Run("cancelled", func(t *testing.T) {
		o, _ := direct(800, komoju.CaptureManual, komoju.TypeCreditCard, card("4111111111111111"))
		o, err := env.e.Cancel(ctx, o.PaymentID())
		mustKind(t, o, err, OutcomeCancelled)
	})
	t.Run("expired", func(t *testing.T) {
		o, _ := direct(800, komoju.CaptureAuto, komoju.TypeKonbini, konbini("ministop"))
		env.sb.Clock().Advance(60 * 24 * time.Hour)
		o, err := env.e.Refresh(ctx, o.PaymentID())
		mustKind(t, o, nil, OutcomeExpired)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("failed", func(t *testing.T) {
		co := Checkout{Amount: 800}
		co.OrderNum = env.e.NextOrderNum()
		o, err := env.e.PayDirect(ctx, co, komoju.TypeCreditCard, card("4123111111111042"), PayOptions{})
		mustKind(t, o, err, OutcomeError)
		if o.CanRetry || o.Err.Code != komoju.CodeCardExpired || !strings.Contains(o.Message, "expired") {
			t.Errorf("decline outcome %+v", o)
		}
		// The declined attempt exists as a failed payment.
		ps := env.payments(co.OrderNum)
		if len(ps) != 1 {
			t.Fatalf("payments for %s: %d", co.OrderNum, len(ps))
		}
		mustKind(t, OutcomeFromPayment(&ps[0]), nil, OutcomeFailed)
	})
}

func TestEveryDeclineCard(t *testing.T) {
	env := newEnv(t)
	for _, tc := range TestCards() {
		if tc.Expect != TestDecline {
			continue
		}
		for _, flow := range []Flow{FlowSession, FlowDirect} {
			var o Outcome
			var err error
			if flow == FlowSession {
				sale := env.start(Checkout{Amount: 500})
				o, err = env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card(tc.Number), PayOptions{})
			} else {
				o, err = env.e.PayDirect(env.ctx(), Checkout{Amount: 500}, komoju.TypeCreditCard, card(tc.Number), PayOptions{})
			}
			if o.Kind != OutcomeError || o.Err == nil || o.Err.Code != tc.Code || err == nil {
				t.Errorf("%s %s: %s %+v", flow, tc.Label, o.Kind, o.Err)
			}
		}
	}
}

func TestRetryAfterErrorOnSameSession(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 2500, Email: "hanako@example.com"})
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4123111111111034"), PayOptions{})
	mustKind(t, o, err, OutcomeError)
	if !o.CanRetry {
		t.Fatal("Method 1 error must allow paying the same session again")
	}
	// Invalid input is refused before anything is sent.
	o, err = env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, Details{CardNumber: "4111", CardExpiry: "01/20"}, PayOptions{})
	var fe FieldErrors
	if o.Kind != OutcomeError || !errors.As(err, &fe) || fe.For(string(DetailCardNumber)) == "" || fe.For(string(DetailCardExpiry)) == "" {
		t.Fatalf("invalid input: %+v %v", o, err)
	}
	// A different method on the same session now succeeds; the email comes
	// from the checkout.
	o, err = env.e.PaySession(env.ctx(), sale, komoju.TypeKonbini, Details{Store: "seicomart"}, PayOptions{})
	mustKind(t, o, err, OutcomeAwaiting)
	if sale.Attempts != 2 || sale.LastOutcome == nil || sale.LastOutcome.Kind != OutcomeAwaiting {
		t.Errorf("sale attempts %d last %+v", sale.Attempts, sale.LastOutcome)
	}
	if acts, _ := env.j.Actions(env.ctx(), sale.JournalID); len(acts) != 2 {
		t.Errorf("%d attempts journaled; invalid input must not be journaled as an attempt", len(acts))
	}
	// One order number, two attempts: the failed one and the konbini slip.
	ps := env.payments(sale.OrderNum)
	if len(ps) != 2 {
		t.Fatalf("payments = %d", len(ps))
	}
	// A method the session does not offer is refused with a clear field.
	_, err = env.e.PaySession(env.ctx(), sale, "wechatpay", Details{}, PayOptions{})
	if !errors.As(err, &fe) || fe.For(FieldMethod) == "" {
		t.Errorf("unknown method: %v", err)
	}
}

func TestScenarioDeclines(t *testing.T) {
	env := newEnv(t)
	// Method 1: the scenario goes on the session; every attempt fails.
	sale := env.start(Checkout{Amount: 700, Scenario: komoju.CodeInsufficientFunds})
	for i := 0; i < 2; i++ {
		o, err := env.e.PaySession(env.ctx(), sale, komoju.TypePayPay, Details{}, PayOptions{})
		mustKind(t, o, err, OutcomeError)
		if o.Err.Code != komoju.CodeInsufficientFunds || !o.CanRetry {
			t.Errorf("attempt %d: %+v", i, o)
		}
	}
	// Method 1, per attempt (the UI's test-data picker): this attempt
	// fails, the next one on the same session goes through.
	sale = env.start(Checkout{Amount: 700})
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{Scenario: komoju.CodeCardDeclined})
	mustKind(t, o, err, OutcomeError)
	if o.Err.Code != komoju.CodeCardDeclined || !o.CanRetry {
		t.Errorf("per-attempt scenario: %+v", o)
	}
	o, err = env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	// Method 2: per attempt.
	o, err = env.e.PayDirect(env.ctx(), Checkout{Amount: 700}, komoju.TypeKonbini, konbini("lawson"), PayOptions{Scenario: komoju.CodeFraudulent})
	mustKind(t, o, err, OutcomeError)
	if o.Err.Code != komoju.CodeFraudulent || !strings.Contains(o.Message, "fraud") {
		t.Errorf("direct scenario: %+v", o)
	}
}

// TestKonbiniPerStore pays at each of the six stores with both methods:
// instructions always, receipt never for 7-Eleven, and "customer paid at
// the store" turns the payment captured.
func TestKonbiniPerStore(t *testing.T) {
	env := newEnv(t)
	for _, store := range komoju.KonbiniStores {
		for _, flow := range []Flow{FlowSession, FlowDirect} {
			t.Run(store+"/"+string(flow), func(t *testing.T) {
				var o Outcome
				var err error
				if flow == FlowSession {
					sale := env.start(Checkout{Amount: 1200})
					o, err = env.e.PaySession(env.ctx(), sale, komoju.TypeKonbini, konbini(store), PayOptions{})
				} else {
					o, err = env.e.PayDirect(env.ctx(), Checkout{Amount: 1200}, komoju.TypeKonbini, konbini(store), PayOptions{})
				}
				mustKind(t, o, err, OutcomeAwaiting)
				if o.Store != store || o.InstructionsURL == "" || o.Deadline == nil {
					t.Errorf("outcome %+v", o)
				}
				raw := o.Payment.PaymentDetails.Konbini
				if raw.Receipt == nil || *raw.Receipt == "" {
					t.Fatalf("the sandbox sent no receipt for %s, so hiding it proves nothing", store)
				}
				if store == komoju.StoreSevenEleven {
					if o.Receipt != "" || o.ConfirmationCode != "" {
						t.Errorf("7-Eleven receipt shown: %q %q", o.Receipt, o.ConfirmationCode)
					}
				} else {
					if o.Receipt != *raw.Receipt {
						t.Errorf("receipt %q, payment has %q", o.Receipt, *raw.Receipt)
					}
					if raw.ConfirmationCode != nil && o.ConfirmationCode != *raw.ConfirmationCode {
						t.Errorf("confirmation code %q, payment has %q", o.ConfirmationCode, *raw.ConfirmationCode)
					}
				}
				paid := env.customer(o.PaymentID(), "pay_at_store", nil)
				if paid.Status != komoju.PaymentCaptured {
					t.Fatalf("after paying at the store: %s", paid.Status)
				}
				o, err = env.e.Refresh(env.ctx(), o.PaymentID())
				mustKind(t, o, err, OutcomePaid)
				if !o.Allows(ActionRefundRequest) || o.Allows(ActionRefund) {
					t.Errorf("paid konbini actions %v", o.Actions)
				}
			})
		}
	}
}

func Test3DSRedirectThenComplete(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 3000})
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4100000000005000"), PayOptions{})
	mustKind(t, o, err, OutcomeRedirect)
	if !strings.Contains(o.RedirectURL, "/sandbox/3ds/") || !strings.Contains(o.Message, "3D Secure") {
		t.Fatalf("redirect %q message %q", o.RedirectURL, o.Message)
	}
	id := o.PaymentID()
	done := make(chan Update, 1)
	go func() {
		done <- env.waitFor(Target{SessionID: sale.SessionID()}, WatchOptions{Poll: true}, func(u Update) bool { return u.Done })
	}()
	env.customer(id, "3ds", url.Values{"code": {"123456"}})
	u := <-done
	mustKind(t, u.Outcome, nil, OutcomePaid)
	if u.Source != SourcePoll || u.Outcome.PaymentID() != id {
		t.Errorf("update %+v", u)
	}
	if got := env.history(sale.OrderNum); !strings.Contains(got, "pending@result") || !strings.Contains(got, "captured@poll") {
		t.Errorf("journal history %q", got)
	}

	// A failed challenge leaves the payment failed and the session payable.
	sale = env.start(Checkout{Amount: 3000})
	o, _ = env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4100000000300005"), PayOptions{})
	env.customer(o.PaymentID(), "3ds", url.Values{"code": {"111111"}})
	o, err = env.e.Refresh(env.ctx(), o.PaymentID())
	mustKind(t, o, err, OutcomeFailed)
	o, err = env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
}

func TestWalletApproveAndDecline(t *testing.T) {
	env := newEnv(t)
	for _, approve := range []bool{true, false} {
		for _, flow := range []Flow{FlowSession, FlowDirect} {
			name := fmt.Sprintf("%s/approve=%v", flow, approve)
			t.Run(name, func(t *testing.T) {
				var o Outcome
				var err error
				target := Target{}
				if flow == FlowSession {
					sale := env.start(Checkout{Amount: 990})
					o, err = env.e.PaySession(env.ctx(), sale, komoju.TypePayPay, Details{}, PayOptions{})
					target.SessionID = sale.SessionID()
				} else {
					o, err = env.e.PayDirect(env.ctx(), Checkout{Amount: 990}, komoju.TypePayPay, Details{}, PayOptions{})
					target.PaymentID = o.PaymentID()
				}
				mustKind(t, o, err, OutcomeRedirect)
				action, want := "decline", OutcomeCancelled
				if approve {
					action, want = "approve", OutcomePaid
				}
				env.customer(o.PaymentID(), action, nil)
				u := env.waitFor(target, WatchOptions{Poll: true}, func(u Update) bool { return u.Done })
				mustKind(t, u.Outcome, nil, want)
			})
		}
	}
}

func TestTwoStepCaptureRefund(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	auth := func() Outcome {
		sale := env.start(Checkout{Amount: 10000, Capture: komoju.CaptureManual})
		o, err := env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
		mustKind(t, o, err, OutcomeAuthorized)
		return o
	}

	// Full capture, then a partial and a full refund.
	o := auth()
	o, err := env.e.Capture(ctx, o.PaymentID(), 0)
	mustKind(t, o, err, OutcomePaid)
	if o.Payment.Total != 10000 {
		t.Errorf("captured total %d", o.Payment.Total)
	}
	o, err = env.e.Refund(ctx, o.PaymentID(), 3000, "one item returned")
	mustKind(t, o, err, OutcomePaid)
	if o.Payment.AmountRefunded != 3000 || o.Payment.RefundableAmount() != 7000 || !o.Allows(ActionRefund) {
		t.Errorf("after partial refund: refunded %d", o.Payment.AmountRefunded)
	}
	o, err = env.e.Refund(ctx, o.PaymentID(), 0, "")
	mustKind(t, o, err, OutcomeRefunded)
	if o.Payment.AmountRefunded != 10000 || len(o.Payment.Refunds) != 2 {
		t.Errorf("after full refund: %+v", o.Payment)
	}
	// Refunding "the rest" again is refused before anything is sent: the
	// payment, read first, has nothing left.
	o, err = env.e.Refund(ctx, o.PaymentID(), 0, "")
	mustKind(t, o, err, OutcomeError)
	if !strings.Contains(o.Message, "Nothing is left to refund") {
		t.Errorf("refund of nothing: %q", o.Message)
	}

	// Partial capture.
	o = auth()
	o, err = env.e.Capture(ctx, o.PaymentID(), 6000)
	mustKind(t, o, err, OutcomePaid)
	if o.Payment.Total != 6000 || o.Payment.Amount != 6000 || o.Payment.RefundableAmount() != 6000 {
		t.Errorf("partial capture: amount %d total %d", o.Payment.Amount, o.Payment.Total)
	}
	// Capturing twice is refused.
	o2, err := env.e.Capture(ctx, o.PaymentID(), 0)
	mustKind(t, o2, err, OutcomeError)
	if o2.Err == nil || o2.Err.Code != komoju.CodeNotCapturable {
		t.Errorf("second capture: %+v", o2.Err)
	}

	// Cancel an authorization.
	o = auth()
	o, err = env.e.Cancel(ctx, o.PaymentID())
	mustKind(t, o, err, OutcomeCancelled)

	// Every money-moving call was journaled with a result.
	if open, _ := env.j.UnfinishedActions(ctx); len(open) != 0 {
		t.Errorf("open actions: %+v", open)
	}
	if ops := env.actionKinds(); ops["capture"] != 3 || ops["refund"] != 2 || ops["cancel"] != 1 || ops["pay"] != 3 {
		t.Errorf("journaled actions %v", ops)
	}
}

func TestRefundRequestForCash(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	o, err := env.e.PayDirect(ctx, Checkout{Amount: 4000}, komoju.TypeBankTransfer, bankPerson, PayOptions{})
	mustKind(t, o, err, OutcomeAwaiting)
	env.customer(o.PaymentID(), "pay_at_store", nil)
	// The refund endpoint cannot return cash.
	o, err = env.e.Refund(ctx, o.PaymentID(), 0, "")
	mustKind(t, o, err, OutcomeError)
	id := ""
	if o.Err != nil {
		id = o.Err.Code
	}
	if id != komoju.CodeNotRefundable {
		t.Errorf("refund of bank transfer: %+v", o.Err)
	}
	ps := env.payments("")
	pid := ""
	for _, p := range ps {
		if p.Type() == komoju.TypeBankTransfer {
			pid = p.ID
		}
	}
	req := komoju.RefundRequestParams{Amount: 4000, CustomerName: "ﾔﾏﾀﾞ ﾀﾛｳ", BankName: "Mizuho", BankCode: "0001",
		BranchNumber: "123", AccountType: "ordinary", AccountNumber: "1234567"}
	bad := req
	bad.AccountNumber = "12"
	if _, err := env.e.RefundRequest(ctx, pid, bad); err == nil || !strings.Contains(err.Error(), "account_number") {
		t.Errorf("bad refund request accepted: %v", err)
	}
	o, err = env.e.RefundRequest(ctx, pid, req)
	mustKind(t, o, err, OutcomePaid)
	if len(o.Payment.RefundRequests) != 1 || o.Payment.RefundRequests[0].Status != komoju.RefundRequestPending {
		t.Errorf("refund requests %+v", o.Payment.RefundRequests)
	}
}

func TestJournalFailureBlocksCharge(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 100})
	env.rec.fail(errors.New("disk full"))
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	if o.Kind != OutcomeError || err == nil || !strings.Contains(o.Message, "Nothing was sent") || !strings.Contains(o.Message, "disk full") {
		t.Fatalf("outcome %+v err %v", o, err)
	}
	if ps := env.payments(sale.OrderNum); len(ps) != 0 {
		t.Errorf("a payment was made without a journal entry: %+v", ps)
	}
}

func TestSessionOutcomeBeforePayment(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 5000})
	o, err := env.e.RefreshSession(env.ctx(), sale.SessionID())
	if err != nil || o.Kind != OutcomeRedirect || o.RedirectURL != sale.Session.SessionURL {
		t.Fatalf("fresh session: %+v %v", o, err)
	}
	if _, err := env.c.Sessions.Cancel(env.ctx(), sale.SessionID()); err != nil {
		t.Fatal(err)
	}
	if o, _ := env.e.RefreshSession(env.ctx(), sale.SessionID()); o.Kind != OutcomeCancelled {
		t.Errorf("cancelled session: %s", o.Kind)
	}
}

// TestSessionStatusTable drives the Payment status table's later rows
// through Method 1 (pending, authorized and captured are in
// TestSessionPayTable).
func TestSessionStatusTable(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	pay := func(capture komoju.CaptureMode, typ komoju.PaymentType, d Details) Outcome {
		t.Helper()
		sale := env.start(Checkout{Amount: 1300, Capture: capture})
		o, err := env.e.PaySession(ctx, sale, typ, d, PayOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	t.Run("refunded", func(t *testing.T) {
		o := pay(komoju.CaptureAuto, komoju.TypeCreditCard, card("4111111111111111"))
		o, err := env.e.Refund(ctx, o.PaymentID(), 0, "")
		mustKind(t, o, err, OutcomeRefunded)
	})
	t.Run("cancelled", func(t *testing.T) {
		o := pay(komoju.CaptureAuto, komoju.TypeBankTransfer, bankPerson)
		o, err := env.e.Cancel(ctx, o.PaymentID())
		mustKind(t, o, err, OutcomeCancelled)
		if len(o.Actions) != 1 || o.Actions[0] != ActionRefresh {
			t.Errorf("actions after cancel %v", o.Actions)
		}
	})
	t.Run("expired", func(t *testing.T) {
		o := pay(komoju.CaptureAuto, komoju.TypePayEasy, bankPerson)
		env.sb.Clock().Advance(60 * 24 * time.Hour)
		u := env.waitFor(Target{PaymentID: o.PaymentID()}, WatchOptions{Poll: true}, func(u Update) bool { return u.Done })
		mustKind(t, u.Outcome, nil, OutcomeExpired)
	})
	t.Run("failed", func(t *testing.T) {
		o := pay(komoju.CaptureAuto, komoju.TypeCreditCard, card("4100000000500000"))
		mustKind(t, o, nil, OutcomeRedirect)
		env.customer(o.PaymentID(), "3ds", url.Values{"code": {"123456"}})
		o, err := env.e.Refresh(ctx, o.PaymentID())
		mustKind(t, o, err, OutcomeFailed)
		if Classify(o, err) != ClassDeclined {
			t.Errorf("class %q", Classify(o, err))
		}
	})
}

func TestMethodsAndPushEvent(t *testing.T) {
	env := newEnv(t)
	ms, err := env.e.Methods(env.ctx())
	if err != nil || len(ms) == 0 {
		t.Fatalf("methods %v err %v", ms, err)
	}
	for _, m := range ms {
		if !m.Known || m.NameEn == "" {
			t.Errorf("method %+v", m)
		}
	}
	o, _ := env.e.PayDirect(env.ctx(), Checkout{Amount: 800}, komoju.TypeKonbini, konbini("lawson"), PayOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	updates := env.e.Watch(ctx, Target{PaymentID: o.PaymentID()}, WatchOptions{})
	paid := env.customer(o.PaymentID(), "pay_at_store", nil)
	data, _ := json.Marshal(paid)
	if err := env.e.PushEvent(ctx, &komoju.Event{ID: "ev1", Type: komoju.EventPing}); err != nil {
		t.Errorf("ping: %v", err)
	}
	if err := env.e.PushEvent(ctx, &komoju.Event{ID: "ev2", Type: komoju.EventPaymentCaptured, Data: data}); err != nil {
		t.Fatal(err)
	}
	if u := <-updates; u.Source != SourceWebhook || u.Outcome.Kind != OutcomePaid {
		t.Errorf("update %+v", u)
	}
	if err := env.e.PushEvent(ctx, &komoju.Event{ID: "ev3", Type: komoju.EventPaymentCaptured, Data: []byte(`{"resource":"session"}`)}); err == nil {
		t.Error("a payment event without a payment was accepted")
	}
}

func TestPayBothFlowsWithTax(t *testing.T) {
	env := newEnv(t)
	for _, flow := range []Flow{FlowSession, FlowDirect} {
		o, sale, err := env.e.Pay(env.ctx(), Checkout{Amount: 1000, Tax: 100, Flow: flow}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
		mustKind(t, o, err, OutcomePaid)
		if (sale != nil) != (flow == FlowSession) {
			t.Errorf("%s: sale %v", flow, sale)
		}
		if o.Payment.Total != 1100 {
			t.Errorf("%s: total %d, want amount + tax = 1100", flow, o.Payment.Total)
		}
		if s, _ := env.j.SaleByOrder(env.ctx(), o.OrderNum); s.Net() != 1100 {
			t.Errorf("%s: journal net %d", flow, s.Net())
		}
	}
	// Invalid details are refused before a session is created.
	o, sale, err := env.e.Pay(env.ctx(), Checkout{Amount: 1000}, komoju.TypeKonbini, Details{Store: "circle-k"}, PayOptions{})
	if o.Kind != OutcomeError || sale != nil || err == nil || o.Field == "" {
		t.Errorf("invalid konbini: %+v %v %v", o, sale, err)
	}
	// A session that cannot be created is a plain error: nothing charged.
	env.sb.SetFaults(sandbox.Faults{FailRate: 1})
	o, _, err = env.e.Pay(env.ctx(), Checkout{Amount: 1000}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	if o.Kind != OutcomeError || err == nil || !strings.Contains(o.Message, "nothing was charged") {
		t.Errorf("session create failure: %+v %v", o, err)
	}
}
