package proof

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// TestPartialRefundUnderFaults holds issue 10 case 6 ("a refund that never
// happened is reported done"). A card payment of ¥1,000 has an earlier
// ¥100 partial refund; then `komoju-tui refund ID --amount 300` meets a
// network fault:
//
//   - never-reached: the proxy drops the refund request three times
//     without forwarding it, then answers 503 to every re-send;
//   - answer-lost: the proxy forwards the first refund request and drops
//     its answer, answers 503 to every re-send, and drops the look-ups that
//     follow, so the command cannot see the refund either.
//
// Either way the command must not exit 0 or journal "ok": its journal
// action keeps the payment's refund state before the call (¥100, one
// refund). Then `reconcile --fence 1s` (faults off) must say what really
// happened: the refund did NOT happen (KOMOJU still shows ¥100), or it
// went through (¥400), and the journal records the same. Before the fix
// "did it happen?" was AmountRefunded > 0, so the never-reached refund
// exited 0, was journaled "ok", and a reconcile said it went through.
func TestPartialRefundUnderFaults(t *testing.T) {
	for _, reached := range []bool{false, true} {
		name := "never-reached"
		if reached {
			name = "answer-lost"
		}
		t.Run(name, func(t *testing.T) {
			sb := startSandbox(t, sandbox.Options{})
			var faulty, forwarded atomic.Bool
			var refunds atomic.Int64
			px := newFaultProxy(t, sb.BaseURL(), func(r *http.Request) proxyAction {
				if !faulty.Load() {
					return pass
				}
				if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/refund") {
					n := refunds.Add(1)
					switch {
					case !reached && n <= 3:
						return dropBefore
					case reached && n == 1:
						forwarded.Store(true)
						return dropAfter
					}
					return unavailable
				}
				if reached && forwarded.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/payments/") {
					return dropBefore // the command cannot see what became of it
				}
				return pass
			})
			dir := t.TempDir()
			jpath := filepath.Join(dir, "journal.db")
			env := append(apiEnv(sb.SecretKey(), px.API()), machineEnv(dir)...)
			binary(t)

			pay := run(t, env, cardPay(1000, "--flow", "direct", "--journal", jpath)...)
			paid, err := parsePay(pay.stdout)
			if err != nil || pay.code != 0 {
				t.Fatalf("pay: exit %d %v\n%s", pay.code, err, pay.stderr)
			}
			id := paid.PaymentID
			if r := run(t, env, "refund", id, "--amount", "100", "--json", "--journal", jpath); r.code != 0 {
				t.Fatalf("the first ¥100 refund: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}

			faulty.Store(true)
			r := run(t, env, "refund", id, "--amount", "300", "--json", "--journal", jpath, "--timeout", "4s")
			out, _ := parsePay(r.stdout)
			faulty.Store(false)
			px.settle()
			if r.code == 0 || out.OK {
				t.Errorf("the ¥300 refund %s KOMOJU exited %d ok=%v: %s", map[bool]string{false: "that never reached", true: "whose answer was lost at"}[reached], r.code, out.OK, out.Message)
			}
			j := openJournal(t, jpath)
			act := refundAction(t, j, id, 300)
			if act.Outcome == "ok" || act.BeforeRefunded != 100 || act.BeforeCount != 1 {
				t.Errorf("journal action of the ¥300 refund: outcome %q, before ¥%d in %d refund(s); want not ok, before ¥100 in 1", act.Outcome, act.BeforeRefunded, act.BeforeCount)
			}
			first := r

			// The fence is measured from the last send, which happened
			// before the command ended.
			time.Sleep(1100 * time.Millisecond)
			rec := run(t, env, "reconcile", "--fence", "1s", "--json", "--journal", jpath)
			var recs []reconcileJSON
			if err := json.Unmarshal([]byte(rec.stdout), &recs); err != nil || rec.code != 0 {
				t.Fatalf("reconcile: exit %d %v\n%s%s", rec.code, err, rec.stdout, rec.stderr)
			}
			var said string
			for _, rc := range recs {
				if rc.Op == "refund" && rc.PaymentID == id {
					said = rc.Message
				}
			}
			p, err := fastClient(sb).Payments.Get(testCtx(t, 30*time.Second), id)
			if err != nil {
				t.Fatal(err)
			}
			act = refundAction(t, j, id, 300)
			s, err := j.SaleByPayment(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			want, verdict, outcome := int64(100), "did NOT happen", "error"
			if reached {
				want, verdict, outcome = 400, "went through", "ok"
			}
			if p.AmountRefunded != want {
				t.Fatalf("KOMOJU shows ¥%d refunded, want ¥%d: the proxy did not do what this variant needs", p.AmountRefunded, want)
			}
			if !strings.Contains(said, verdict) {
				t.Errorf("reconcile about the ¥300 refund: %q; want it to say it %s (KOMOJU shows ¥%d refunded)\n%s", said, verdict, p.AmountRefunded, rec.stdout)
			}
			if act.Outcome != outcome || act.Unfinished() {
				t.Errorf("journal action after reconcile: outcome %q unfinished %v, want %q", act.Outcome, act.Unfinished(), outcome)
			}
			if s.AmountRefunded != want || s.Net() != 1000-want {
				t.Errorf("journal sale after reconcile: refunded ¥%d net ¥%d; KOMOJU shows ¥%d refunded", s.AmountRefunded, s.Net(), p.AmountRefunded)
			}
			t.Logf("%d refund requests met the fault; refund exit %d: %s; reconcile: %s", refunds.Load(), first.code, out.Message, said)
		})
	}
}

// refundAction finds the journal's refund action of amount on payment id.
func refundAction(t *testing.T, j *journal.Journal, id string, amount int64) journal.Action {
	t.Helper()
	s, err := j.SaleByPayment(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := j.Actions(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts {
		if a.Kind == journal.ActionRefund && a.Amount == amount {
			return a
		}
	}
	t.Fatalf("no ¥%d refund action for %s in the journal: %+v", amount, id, acts)
	return journal.Action{}
}
