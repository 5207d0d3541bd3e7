package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// hostileAPI answers every GET with a payment whose text fields (order
// number, description, method, refund description, refund request bank,
// customer and branch names, metadata) all carry s, and every POST with a
// KOMOJU error whose message carries s: what another integration on the
// account, a dashboard user or a customer on a hosted page can put there.
func hostileAPI(t *testing.T, s string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "bad_request" + s, "message": "refused: " + s, "param": "amount" + s}})
			return
		}
		desc := "refund " + s
		json.NewEncoder(w).Encode(map[string]any{
			"id": "pay_hostile", "resource": "payment", "status": "captured", "amount": 1000, "total": 1000, "currency": "JPY",
			"external_order_num": "ORD-" + s, "description": "desc " + s, "amount_refunded": 100,
			"payment_details": map[string]any{"type": "konbini" + s, "store": "lawson" + s, "receipt": "R" + s, "email": "a@b.c" + s},
			"refunds":         []map[string]any{{"id": "ref_" + s, "amount": 100, "currency": "JPY", "description": desc, "created_at": "2026-11-24T09:00:00Z"}},
			"refund_requests": []map[string]any{{"id": "rr_" + s, "payment": "pay_hostile", "amount": 100, "customer_name": "ヤマダ" + s,
				"bank_name": "Bank " + s, "branch_name": "Branch " + s, "status": "pending" + s, "created_at": "2026-11-24T09:00:00Z"}},
			"metadata":   map[string]any{"note": s},
			"created_at": "2026-11-24T09:00:00Z",
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestTextOutputIsInert pushes every hostile string through every API
// text field `show` prints, through a KOMOJU error message (capture), and
// through `history` and `summary` of a journal holding it: stdout and
// stderr must carry none of it, in text or JSON.
func TestTextOutputIsInert(t *testing.T) {
	h := newHarness(t)
	for _, c := range termtext.HostileCases() {
		srv := hostileAPI(t, c.In)
		env := map[string]string{"KOMOJU_SECRET_KEY": "sk_test_hostile", "KOMOJU_API_URL": srv.URL}
		for _, args := range [][]string{
			{"show", "pay_hostile"},
			{"show", "pay_hostile", "--json"},
			{"capture", "pay_hostile"},
			{"capture", "pay_hostile", "--json"},
			{"refund", "pay_hostile", "--amount", "100", "--description", "x"},
		} {
			_, stdout, stderr := h.runEnv(env, args...)
			for name, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
				if err := termtext.Check(out); err != nil {
					t.Errorf("%s: %s %s: %v\n%q", c.Name, strings.Join(args, " "), name, err, out)
				}
			}
			if args[len(args)-1] != "--json" && strings.Contains(stdout+stderr, "aGFja2Vk") {
				t.Errorf("%s: %s shows what an OSC 52 carried", c.Name, args[0])
			}
		}
	}

	// The journal: a sale whose result holds the strings (its error message,
	// method and card brand came from KOMOJU).
	j, err := journal.Open(h.env["KOMOJU_TUI_JOURNAL"])
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, c := range termtext.HostileCases() {
		id, err := j.BeginSale(ctx, journal.Intent{OrderNum: "H-" + strings.Repeat("x", i+1), IdempotencyKey: "k" + strings.Repeat("x", i+1),
			Flow: journal.FlowDirect, Amount: 100, Currency: "JPY"})
		if err != nil {
			t.Fatal(err)
		}
		if err := j.FinishSale(ctx, id, journal.Result{Outcome: "error", Status: komoju.PaymentStatus("failed" + c.In),
			Method: komoju.PaymentType("konbini" + c.In), ErrorMessage: "declined " + c.In, ErrorCode: "code" + c.In}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	for _, args := range [][]string{{"history"}, {"history", "--json"}, {"history", "--csv"}, {"summary"}, {"summary", "--json"}} {
		code, stdout, stderr := h.run(args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if err := termtext.Check(stdout + stderr); err != nil {
			t.Errorf("%v: %v\n%s", args, err, stdout)
		}
	}
}
