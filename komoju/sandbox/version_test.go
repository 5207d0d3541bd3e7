package sandbox

import (
	"context"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// A declined payment reads "failed" from API version 2024-07-15 on and
// "pending" before it, as KOMOJU keeps older versions; the client pins a
// version that sees "failed".
func TestDeclinedPaymentStatusFollowsAPIVersion(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	mustErr(t, c.post("/payments", cardPayment("4123111111111000", "external_order_num", "V-1")), 502, "insufficient_funds")
	ss := must(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY", "payment_types": []string{"credit_card"}}), 200)
	mustErr(t, c.post("/sessions/"+ss.str("id")+"/pay", map[string]any{"payment_details": card("4123111111111000")}), 502, "insufficient_funds")
	l := must(t, c.getr("/payments"), 200)
	id := l.get("data").([]any)[1].(map[string]any)["id"].(string) // the direct one, oldest

	for _, tc := range []struct{ version, want string }{
		{"", "failed"}, {"2024-07-15", "failed"}, {komoju.DefaultAPIVersion, "failed"}, {"2026-01-27", "failed"},
		{"2024-07-14", "pending"}, {"2023-01-01", "pending"}, {"not-a-date", "failed"},
	} {
		h := []string{}
		if tc.version != "" {
			h = []string{"X-KOMOJU-API-VERSION", tc.version}
		}
		if got := must(t, c.call("GET", "/payments/"+id, nil, h...), 200).str("status"); got != tc.want {
			t.Errorf("version %q: payment status %s, want %s", tc.version, got, tc.want)
		}
		lst := must(t, c.call("GET", "/payments", nil, h...), 200)
		for _, p := range lst.get("data").([]any) {
			if st := p.(map[string]any)["status"]; st != tc.want {
				t.Errorf("version %q: listed status %v, want %s", tc.version, st, tc.want)
			}
		}
		if got := must(t, c.call("GET", "/sessions/"+ss.str("id"), nil, h...), 200).str("payment", "status"); got != tc.want {
			t.Errorf("version %q: session payment status %s, want %s", tc.version, got, tc.want)
		}
	}
	// The event records what happened, whatever the version.
	if n := eventCounts(t, c)["payment.failed"]; n != 2 {
		t.Errorf("payment.failed events = %d", n)
	}
	p, err := newClient(sb).Payments.Get(context.Background(), id)
	if err != nil || p.Status != komoju.PaymentFailed {
		t.Errorf("client sees %v %v, want failed", p, err)
	}
}
