package flows

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// secondTill is another engine with its own, empty journal on the same
// KOMOJU account: it numbers its orders exactly like the first till.
func (env *testEnv) secondTill() (*Engine, *journal.Journal) {
	env.t.Helper()
	j, err := journal.OpenWith(filepath.Join(env.t.TempDir(), "till2.db"), journal.Options{Now: env.sb.Now})
	if err != nil {
		env.t.Fatal(err)
	}
	env.t.Cleanup(func() { _ = j.Close() })
	return NewEngine(Deps{Client: env.c, Journal: j, Now: env.sb.Now}), j
}

// TestGeneratedOrderNumberTakenElsewhere: two tills (or a reinstalled
// journal) generate the same POS-YYYYMMDD-0001. KOMOJU refuses the second
// one; nothing was charged, so the engine takes a fresh number and the sale
// goes through, once. Before, the clerk was told to try again and every
// retry collided again.
func TestGeneratedOrderNumberTakenElsewhere(t *testing.T) {
	for _, flow := range []Flow{FlowDirect, FlowSession} {
		t.Run(string(flow), func(t *testing.T) {
			env := newEnv(t)
			ctx := env.ctx()
			first, _, err := env.e.Pay(ctx, Checkout{Amount: 700, Flow: flow}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
			mustKind(t, first, err, OutcomePaid)

			till2, j2 := env.secondTill()
			o, _, err := till2.Pay(ctx, Checkout{Amount: 900, Flow: flow}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
			mustKind(t, o, err, OutcomePaid)
			if o.OrderNum == first.OrderNum || !strings.HasPrefix(o.OrderNum, first.OrderNum[:len(first.OrderNum)-4]) {
				t.Fatalf("second till's order %q (first %q): want a fresh number of the same day", o.OrderNum, first.OrderNum)
			}
			if o.Payment.Amount != 900 {
				t.Fatalf("second till charged %d, want 900", o.Payment.Amount)
			}
			if ps := env.payments(first.OrderNum); len(ps) != 1 || ps[0].Amount != 700 {
				t.Fatalf("order %s has %d payments, want only the first till's", first.OrderNum, len(ps))
			}
			if ps := env.payments(o.OrderNum); len(ps) != 1 {
				t.Fatalf("order %s has %d payments, want 1", o.OrderNum, len(ps))
			}
			// The refused number is in the second till's journal as not
			// charged, the new one as paid.
			if s, err := j2.SaleByOrder(ctx, first.OrderNum); err != nil || s.Charged() || s.Unfinished() {
				t.Errorf("refused number in the journal: charged %v unfinished %v err %v", s.Charged(), s.Unfinished(), err)
			}
			if s, err := j2.SaleByOrder(ctx, o.OrderNum); err != nil || !s.Charged() {
				t.Errorf("new number in the journal: charged %v err %v", s.Charged(), err)
			}
		})
	}
}

// TestTypedOrderNumberTakenByAnotherSale: a number the clerk typed that
// KOMOJU already has for a different amount is someone else's order: the
// clerk gets an error naming the order number, never "paid".
func TestTypedOrderNumberTakenByAnotherSale(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	first, err := env.e.PayDirect(ctx, Checkout{Amount: 700, OrderNum: "SHOP-42"}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, first, err, OutcomePaid)
	till2, _ := env.secondTill()
	o, err := till2.PayDirect(ctx, Checkout{Amount: 1200, OrderNum: "SHOP-42"}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomeError)
	if !strings.Contains(o.Message, "SHOP-42") || !strings.Contains(o.Message, "Nothing was charged") {
		t.Errorf("message %q", o.Message)
	}
	if ps := env.payments("SHOP-42"); len(ps) != 1 || ps[0].Amount != 700 {
		t.Errorf("SHOP-42 has %d payments", len(ps))
	}
}
