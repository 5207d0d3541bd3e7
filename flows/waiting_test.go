package flows

import (
	"net/url"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Issue 10, case 8: a restarted till rechecks every waiting sale (konbini
// slip, 3-D Secure redirect, authorization) without the clerk opening
// each one, and says what changed.
func TestRecheckWaitingAfterRestart(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	slip, err := env.e.PayDirect(ctx, Checkout{Amount: 1200}, komoju.TypeKonbini, konbini("lawson"), PayOptions{})
	mustKind(t, slip, err, OutcomeAwaiting)
	sale := env.start(Checkout{Amount: 3400})
	tds, err := env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("4100000000005000"), PayOptions{})
	mustKind(t, tds, err, OutcomeRedirect)
	hold, err := env.e.PayDirect(ctx, Checkout{Amount: 5600, Capture: komoju.CaptureManual}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, hold, err, OutcomeAuthorized)

	// The till is closed; meanwhile the customers finish.
	env.customer(slip.PaymentID(), "pay_at_store", nil)
	env.customer(tds.PaymentID(), "3ds", url.Values{"code": {"123456"}})

	// The till restarts: a new process on the same journal.
	j2, err := journal.Open(env.j.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	e2 := NewEngine(Deps{Client: env.c, Journal: j2})
	ups, err := e2.RecheckWaiting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 3 {
		t.Fatalf("%d updates, want 3: %+v", len(ups), ups)
	}
	byOrder := map[string]WaitingUpdate{}
	for _, u := range ups {
		byOrder[u.OrderNum] = u
	}
	for _, c := range []struct {
		order   string
		changed bool
		after   komoju.PaymentStatus
	}{
		{slip.OrderNum, true, komoju.PaymentCaptured},
		{sale.OrderNum, true, komoju.PaymentCaptured},
		{hold.OrderNum, false, komoju.PaymentAuthorized},
	} {
		u := byOrder[c.order]
		if u.Changed != c.changed || u.After != c.after || (c.changed && !strings.Contains(u.Message, "now captured")) {
			t.Errorf("%s: %+v", c.order, u)
		}
		s, _ := j2.SaleByOrder(ctx, c.order)
		if s.Status != c.after {
			t.Errorf("%s: journal says %s, KOMOJU %s", c.order, s.Status, c.after)
		}
	}
	if !ups[0].Changed || !ups[1].Changed || ups[2].Changed {
		t.Errorf("changed sales are not listed first: %+v", ups)
	}
}
