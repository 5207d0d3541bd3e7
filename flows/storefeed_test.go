package flows

import (
	"context"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Issue 15 item 4: a konbini slip issued at a till is paid at the store
// hours later; the store's webhook receiver (another process on the
// journal) records it, and the till's follow-up of the slip shows it paid
// without asking KOMOJU and without a webhook of its own. Another till's
// sales are not relayed to this till's follow-ups.
func TestFollowStoreRelaysTheReceiversRecordToTheTill(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	till := NewEngine(Deps{Client: env.c, Journal: env.j, PollBackoff: func(int) time.Duration { return time.Millisecond }})
	fctx, stop := context.WithCancel(ctx)
	done := till.FollowStore(fctx)
	defer func() { stop(); <-done }()

	slip, err := till.PayDirect(ctx, Checkout{Amount: 2480}, komoju.TypeKonbini, konbini("lawson"), PayOptions{})
	mustKind(t, slip, err, OutcomeAwaiting)
	pushes, unsub := till.Hub().Subscribe()
	defer unsub()
	// The till's follow-up of the slip: no polling, so only the journal
	// can tell it.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	updates := till.Watch(wctx, Target{PaymentID: slip.PaymentID()}, WatchOptions{})

	open := func(name string) *journal.Journal {
		j, err := journal.OpenWith(env.j.Path(), journal.Options{Till: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return j
	}
	other, receiver := open("T2"), open("listen")
	// Till 2 sells and is paid meanwhile: not this till's to follow.
	in := journal.Intent{OrderNum: "POS-T2-20261124-0001", IdempotencyKey: "k-t2-1", Flow: journal.FlowDirect, Method: komoju.TypeCreditCard,
		Amount: 990, Currency: "JPY", Capture: komoju.CaptureAuto}
	id2, err := other.BeginSale(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.FinishSale(ctx, id2, journal.Result{Outcome: "paid", PaymentID: "pay_t2", Status: komoju.PaymentCaptured}); err != nil {
		t.Fatal(err)
	}

	// 3 p.m.: paid at the store; the receiver records the webhook.
	paid := env.customer(slip.PaymentID(), "pay_at_store", nil)
	if err := receiver.RecordPayment(ctx, paid, journal.SourceWebhook); err != nil {
		t.Fatal(err)
	}
	var got Update
	for u := range updates {
		if got = u; u.Outcome.Kind == OutcomePaid {
			break
		}
	}
	if got.Outcome.Kind != OutcomePaid || got.Source != SourceWebhook || got.Outcome.PaymentID() != slip.PaymentID() {
		t.Fatalf("the till's follow-up of the slip ended with %+v, want paid by webhook", got)
	}
	for {
		select {
		case p := <-pushes:
			if p.Payment.ID == "pay_t2" {
				t.Fatal("another till's sale was relayed to this till's follow-ups")
			}
			continue
		default:
		}
		break
	}
	// What a history screen re-reads from: every sale, every till.
	ch := till.StoreChanges(fctx)
	if err := other.RecordPayment(ctx, &komoju.Payment{ID: "pay_t2", Status: komoju.PaymentRefunded, Amount: 990, Currency: "JPY", AmountRefunded: 990}, journal.SourceAPI); err != nil {
		t.Fatal(err)
	}
	for c := range ch {
		if c.SaleID == id2 {
			return
		}
	}
	t.Fatal("StoreChanges ended without till 2's refund")
}
