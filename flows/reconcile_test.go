package flows

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// dropTransport lets requests reach the sandbox, which does the work,
// then loses the answer of the first n POSTs whose path ends in suffix.
type dropTransport struct {
	mu     sync.Mutex
	suffix string
	n      int
	seen   int // matching POSTs sent
}

func (d *dropTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, d.suffix) {
		return resp, err
	}
	d.mu.Lock()
	d.seen++
	drop := d.n > 0
	if drop {
		d.n--
	}
	d.mu.Unlock()
	if drop {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, io.ErrUnexpectedEOF
	}
	return resp, nil
}

// TestLostAnswerRecoveredInline: the answer of a money-moving call is
// lost after KOMOJU did the work. The engine retries with the same
// idempotency key and tells the clerk the real result; there is exactly
// one payment. The client's own retries are off, so the engine's path is
// what is tested.
func TestLostAnswerRecoveredInline(t *testing.T) {
	for _, c := range []struct {
		name, suffix string
		run          func(env *testEnv) (Outcome, error, string)
	}{
		{"session pay", "/pay", func(env *testEnv) (Outcome, error, string) {
			sale := env.start(Checkout{Amount: 1800})
			o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
			return o, err, sale.OrderNum
		}},
		{"direct pay", "/payments", func(env *testEnv) (Outcome, error, string) {
			co := Checkout{Amount: 1800, OrderNum: env.e.NextOrderNum()}
			o, err := env.e.PayDirect(env.ctx(), co, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
			return o, err, co.OrderNum
		}},
		{"capture", "/capture", func(env *testEnv) (Outcome, error, string) {
			co := Checkout{Amount: 1800, OrderNum: env.e.NextOrderNum(), Capture: komoju.CaptureManual}
			o, err := env.e.PayDirect(env.ctx(), co, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
			mustKind(env.t, o, err, OutcomeAuthorized)
			o, err = env.e.Capture(env.ctx(), o.PaymentID(), 0)
			return o, err, co.OrderNum
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dt := &dropTransport{suffix: c.suffix, n: 1}
			env := newEnvWith(t, sandbox.Options{}, &http.Client{Transport: dt}, komoju.WithMaxRetries(0))
			o, err, order := c.run(env)
			mustKind(t, o, err, OutcomePaid)
			if dt.seen != 2 {
				t.Errorf("%d matching POSTs, want the original and one same-key retry", dt.seen)
			}
			ps := env.payments(order)
			if len(ps) != 1 || ps[0].Status != komoju.PaymentCaptured || ps[0].Total != 1800 {
				t.Fatalf("payments for %s: %+v", order, ps)
			}
			if u, _ := env.j.Unfinished(env.ctx()); len(u) != 0 {
				t.Errorf("unfinished after recovery: %+v", u)
			}
		})
	}
}

// TestDroppedAnswersReconciledOnce: KOMOJU (the sandbox) does the work and
// drops every answer, so the clerk is told "unknown", never "failed", and
// nothing is charged twice. Once the network is back, Reconcile finds each
// payment by Session: Show, by order number and by Payment: Show, writes
// the results, and a second Reconcile has nothing left to do.
func TestDroppedAnswersReconciledOnce(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	sale := env.start(Checkout{Amount: 2100})
	auth, err := env.e.PayDirect(ctx, Checkout{Amount: 3300, Capture: komoju.CaptureManual}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, auth, err, OutcomeAuthorized)

	env.sb.SetFaults(sandbox.Faults{DropRate: 1})
	o1, err := env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("5555555555554444"), PayOptions{})
	mustKind(t, o1, err, OutcomeUnknown)
	if !errors.Is(err, komoju.ErrOutcomeUnknown) || !strings.Contains(o1.Message, "Do not charge again") {
		t.Errorf("session pay: err %v message %q", err, o1.Message)
	}
	direct := Checkout{Amount: 2200, OrderNum: env.e.NextOrderNum()}
	o2, err := env.e.PayDirect(ctx, direct, komoju.TypeKonbini, konbini("lawson"), PayOptions{})
	mustKind(t, o2, err, OutcomeUnknown)
	o3, err := env.e.Capture(ctx, auth.PaymentID(), 0)
	mustKind(t, o3, err, OutcomeUnknown)
	if !strings.Contains(o3.Message, "capture") {
		t.Errorf("capture message %q", o3.Message)
	}

	// While KOMOJU cannot be reached, Reconcile resolves nothing.
	recs, err := env.e.Reconcile(ctx)
	if err == nil || len(recs) != 3 {
		t.Fatalf("offline reconcile: %d recoveries, err %v", len(recs), err)
	}
	for _, rc := range recs {
		if rc.Resolved || rc.Outcome.Kind != OutcomeUnknown {
			t.Errorf("offline recovery %+v", rc)
		}
	}

	env.sb.SetFaults(sandbox.Faults{})
	recs, err = env.e.Reconcile(ctx)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	byOrder := map[string]Recovery{}
	for _, rc := range recs {
		byOrder[rc.OrderNum+"/"+string(rc.Op)] = rc
	}
	if len(recs) != 3 {
		t.Fatalf("recoveries: %+v", recs)
	}
	if rc := byOrder[sale.OrderNum+"/pay"]; !rc.Resolved || !rc.Charged || rc.Outcome.Kind != OutcomePaid || rc.ActionID == 0 || !strings.Contains(rc.Message, "recovered") {
		t.Errorf("session pay recovery %+v", rc)
	}
	if rc := byOrder[direct.OrderNum+"/pay"]; !rc.Resolved || rc.Charged || rc.Outcome.Kind != OutcomeAwaiting {
		t.Errorf("direct konbini recovery %+v", rc)
	}
	var capRC Recovery
	for _, rc := range recs {
		if rc.Op == OpCapture {
			capRC = rc
		}
	}
	if !capRC.Resolved || !capRC.Charged || capRC.Outcome.Kind != OutcomePaid || !strings.Contains(capRC.Message, "went through") {
		t.Errorf("capture recovery %+v", capRC)
	}

	// Exactly one payment each, counted through the API.
	for _, order := range []string{sale.OrderNum, direct.OrderNum, auth.OrderNum} {
		if ps := env.payments(order); len(ps) != 1 {
			t.Errorf("%s has %d payments", order, len(ps))
		}
	}
	// The journal agrees, and nothing is left to reconcile.
	js, _ := env.j.SaleByOrder(ctx, sale.OrderNum)
	if js.Unfinished() || js.Status != komoju.PaymentCaptured || js.Outcome != "paid" {
		t.Errorf("journal sale after reconcile %+v", js)
	}
	if !strings.Contains(env.history(sale.OrderNum), "captured@") {
		t.Errorf("history %q", env.history(sale.OrderNum))
	}
	if recs, err := env.e.Reconcile(ctx); len(recs) != 0 || err != nil {
		t.Errorf("second reconcile: %+v %v", recs, err)
	}
}

// TestCrashRecovery simulates a till that died: intents written, then
// either the call never happened or it happened and the process died
// before writing the result. A fresh engine on the reopened journal
// reconciles without charging again.
func TestCrashRecovery(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()))
	path := filepath.Join(t.TempDir(), "journal-sandbox.db")
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	intent := func(order string, flow journal.Flow, method komoju.PaymentType) journal.Intent {
		return journal.Intent{OrderNum: order, IdempotencyKey: komoju.NewIdempotencyKey(), Flow: flow, Method: method, Amount: 1500, Currency: "JPY"}
	}
	// 1. Method 2: intent written, process died before the call.
	if _, err := j.BeginSale(ctx, intent("POS-CRASH-1", journal.FlowDirect, komoju.TypeCreditCard)); err != nil {
		t.Fatal(err)
	}
	// 2. Method 2: the call went through, the process died before the result.
	in := intent("POS-CRASH-2", journal.FlowDirect, komoju.TypeCreditCard)
	if _, err := j.BeginSale(ctx, in); err != nil {
		t.Fatal(err)
	}
	paid, err := c.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 1500, Currency: "JPY", ExternalOrderNum: "POS-CRASH-2",
		PaymentDetails: card("4111111111111111").Params(komoju.TypeCreditCard)}, komoju.WithIdempotencyKey(in.IdempotencyKey))
	if err != nil {
		t.Fatal(err)
	}
	// 3. Method 1: session created, pay attempt journaled, call never made.
	s3, _ := c.Sessions.Create(ctx, &komoju.SessionCreateParams{Amount: 1500, Currency: "JPY", PaymentData: &komoju.SessionPaymentData{ExternalOrderNum: "POS-CRASH-3"}})
	in3 := intent("POS-CRASH-3", journal.FlowSession, "")
	in3.SessionID = s3.ID
	id3, _ := j.BeginSale(ctx, in3)
	if _, err := j.BeginAction(ctx, journal.Action{SaleID: id3, Kind: journal.ActionPay, IdempotencyKey: komoju.NewIdempotencyKey(), Method: komoju.TypeCreditCard}); err != nil {
		t.Fatal(err)
	}
	// 4. Method 1: pay went through (a konbini slip), result never written.
	s4, _ := c.Sessions.Create(ctx, &komoju.SessionCreateParams{Amount: 1500, Currency: "JPY", PaymentData: &komoju.SessionPaymentData{ExternalOrderNum: "POS-CRASH-4"}})
	in4 := intent("POS-CRASH-4", journal.FlowSession, "")
	in4.SessionID = s4.ID
	id4, _ := j.BeginSale(ctx, in4)
	key4 := komoju.NewIdempotencyKey()
	_, _ = j.BeginAction(ctx, journal.Action{SaleID: id4, Kind: journal.ActionPay, IdempotencyKey: key4, Method: komoju.TypeKonbini})
	if _, err := c.Sessions.Pay(ctx, s4.ID, &komoju.SessionPayParams{PaymentDetails: konbini("seven-eleven").Params(komoju.TypeKonbini)}, komoju.WithIdempotencyKey(key4)); err != nil {
		t.Fatal(err)
	}
	// 5. A refund went through on a payment, result never written.
	_, _ = j.BeginAction(ctx, journal.Action{PaymentID: paid.ID, Kind: journal.ActionRefund, IdempotencyKey: komoju.NewIdempotencyKey(), Amount: 500})
	if _, err := c.Payments.Refund(ctx, paid.ID, &komoju.RefundParams{Amount: 500}); err != nil {
		t.Fatal(err)
	}
	// 6. A cancel was journaled but never sent.
	_, _ = j.BeginAction(ctx, journal.Action{PaymentID: paid.ID, Kind: journal.ActionCancel, IdempotencyKey: komoju.NewIdempotencyKey()})
	j.Close()

	// Restart: a new journal handle and a new engine.
	j, err = journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e := NewEngine(Deps{Client: c, Journal: j})
	recs, err := e.Reconcile(ctx)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	// Right after the crash, an empty look-up proves nothing: KOMOJU may
	// still be working on a request the dead process sent. The Method 2
	// sale with no payment and the cancel not yet visible stay unknown.
	for _, rc := range recs {
		key := rc.OrderNum + "/" + string(rc.Op)
		if key == "POS-CRASH-1/pay" || key == "POS-CRASH-2/cancel" {
			if rc.Resolved || rc.Outcome.Kind != OutcomeUnknown || !strings.Contains(rc.Message, "still unknown") {
				t.Errorf("%s right after the crash: resolved %v kind %s %q", key, rc.Resolved, rc.Outcome.Kind, rc.Message)
			}
		}
	}
	if s, _ := j.SaleByOrder(ctx, "POS-CRASH-1"); !s.Unfinished() {
		t.Fatalf("POS-CRASH-1 closed on an empty look-up right after the crash: %+v", s)
	}
	// Past the fence the same empty look-up is proof.
	later := func() time.Time { return time.Now().Add(DefaultFence + time.Minute) }
	e = NewEngine(Deps{Client: c, Journal: j, Now: later})
	more, err := e.Reconcile(ctx)
	if err != nil {
		t.Fatalf("reconcile past the fence: %v", err)
	}
	got := map[string]Recovery{}
	for _, rc := range append(recs, more...) {
		got[rc.OrderNum+"/"+string(rc.Op)] = rc
	}
	check := func(key string, charged bool, kind OutcomeKind, words string) {
		t.Helper()
		rc, ok := got[key]
		if !ok {
			t.Errorf("no recovery for %s (have %d)", key, len(recs))
			return
		}
		if !rc.Resolved || rc.Charged != charged || rc.Outcome.Kind != kind || !strings.Contains(rc.Message, words) {
			t.Errorf("%s: resolved %v charged %v kind %s message %q", key, rc.Resolved, rc.Charged, rc.Outcome.Kind, rc.Message)
		}
	}
	check("POS-CRASH-1/pay", false, OutcomeError, "NOT charged")
	check("POS-CRASH-2/pay", true, OutcomePaid, "recovered")
	check("POS-CRASH-3/pay", false, OutcomeError, "NOT charged")
	check("POS-CRASH-4/pay", false, OutcomeAwaiting, "recovered")
	check("POS-CRASH-2/refund", true, OutcomePaid, "went through")
	check("POS-CRASH-2/cancel", true, OutcomePaid, "did NOT happen")
	// Each says itself in Japanese too, and its English is Message.
	for key, ja := range map[string]string{
		"POS-CRASH-1/pay":    "POS-CRASH-1: お客様への請求はありません (",
		"POS-CRASH-2/pay":    "POS-CRASH-2: 復旧しました: ",
		"POS-CRASH-2/refund": "POS-CRASH-2: 中断された返金は完了していました: ",
		"POS-CRASH-2/cancel": "POS-CRASH-2: 中断された取消は行われていません。決済の状態: ",
	} {
		if rc := got[key]; !strings.HasPrefix(rc.Text.In("ja"), ja) || rc.Text.In("en") != rc.Message {
			t.Errorf("%s: %q / %q, want Japanese %q and Message in English", key, rc.Text.In("ja"), rc.Message, ja)
		}
	}
	if len(recs) != 6 || len(more) != 2 {
		t.Errorf("%d recoveries then %d, want 6 then 2", len(recs), len(more))
	}
	// 7-Eleven's receipt stays hidden in recovered outcomes too.
	if rc := got["POS-CRASH-4/pay"]; rc.Outcome.Receipt != "" || rc.Outcome.InstructionsURL == "" {
		t.Errorf("recovered 7-Eleven outcome %+v", rc.Outcome)
	}
	// Nothing was charged again: one payment for order 2, none for 1 and 3.
	for order, want := range map[string]int{"POS-CRASH-1": 0, "POS-CRASH-2": 1, "POS-CRASH-3": 0, "POS-CRASH-4": 1} {
		l, err := c.Payments.List(ctx, &komoju.PaymentListParams{ExternalOrderNum: order})
		if err != nil || len(l.Data) != want {
			t.Errorf("%s: %d payments (err %v), want %d", order, len(l.Data), err, want)
		}
	}
	// The journal answers "was this customer charged?" for each.
	for order, charged := range map[string]bool{"POS-CRASH-1": false, "POS-CRASH-2": true, "POS-CRASH-3": false, "POS-CRASH-4": false} {
		s, err := j.SaleByOrder(ctx, order)
		if err != nil || s.Unfinished() || s.Charged() != charged {
			t.Errorf("journal %s: unfinished %v charged %v err %v", order, s.Unfinished(), s.Charged(), err)
		}
	}
	if recs, _ := e.Reconcile(ctx); len(recs) != 0 {
		t.Errorf("second reconcile found %+v", recs)
	}
}

// TestReconcileSkipsInFlight: a sale whose call is still running in this
// engine is not reconciled from under it.
func TestReconcileSkipsInFlight(t *testing.T) {
	env := newEnv(t)
	env.sb.SetFaults(sandbox.Faults{Latency: 300 * time.Millisecond})
	done := make(chan Outcome)
	go func() {
		o, _ := env.e.PayDirect(context.Background(), Checkout{Amount: 900, OrderNum: "POS-INFLIGHT-1"}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
		done <- o
	}()
	// Wait until the intent is in the journal.
	for i := 0; ; i++ {
		if u, _ := env.j.Unfinished(env.ctx()); len(u) == 1 {
			break
		}
		if i > 200 {
			t.Fatal("intent never journaled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	recs, err := env.e.Reconcile(env.ctx())
	if err != nil || len(recs) != 0 {
		t.Errorf("reconcile during the call: %+v %v", recs, err)
	}
	mustKind(t, <-done, nil, OutcomePaid)
	if u, _ := env.j.Unfinished(env.ctx()); len(u) != 0 {
		t.Errorf("unfinished after the call: %+v", u)
	}
}

func TestStartSessionFailureIsJournaled(t *testing.T) {
	env := newEnv(t)
	env.sb.SetFaults(sandbox.Faults{FailRate: 1})
	_, err := env.e.StartSession(env.ctx(), Checkout{Amount: 100, OrderNum: "POS-FAIL-1"})
	if err == nil || !strings.Contains(err.Error(), "POS-FAIL-1") {
		t.Fatalf("StartSession under 503s: %v", err)
	}
	s, err := env.j.SaleByOrder(env.ctx(), "POS-FAIL-1")
	if err != nil || s.Unfinished() || s.Outcome != "error" || s.Charged() {
		t.Errorf("journal sale %+v err %v", s, err)
	}
	// The order number is taken now: a second sale with it is refused by
	// name, before anything is sent.
	env.sb.SetFaults(sandbox.Faults{})
	_, err = env.e.StartSession(env.ctx(), Checkout{Amount: 100, OrderNum: "POS-FAIL-1"})
	var fe FieldErrors
	if !errors.As(err, &fe) || !strings.Contains(fe.For(FieldOrderNum), "already used") {
		t.Errorf("reused order number: %v", err)
	}
	// Generated numbers skip it.
	if n := env.e.NextOrderNum(); n == "POS-FAIL-1" {
		t.Error("generated a used number")
	}
}

// TestRecheckUnknown: the clerk presses refresh on an unknown result.
func TestRecheckUnknown(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	// A Method 1 wallet attempt whose answers were all lost: once the
	// network is back, recheck finds the pending payment (the sandbox did
	// the work before dropping the answer) and the journal is finished.
	sale := env.start(Checkout{Amount: 1111})
	env.sb.SetFaults(sandbox.Faults{DropRate: 1})
	o, err := env.e.PaySession(ctx, sale, komoju.TypePayPay, Details{}, PayOptions{})
	mustKind(t, o, err, OutcomeUnknown)
	env.sb.SetFaults(sandbox.Faults{})
	o, err = env.e.Recheck(ctx, o)
	mustKind(t, o, err, OutcomeRedirect)
	if js, _ := env.j.SaleByOrder(ctx, sale.OrderNum); js.Unfinished() {
		t.Errorf("journal still unfinished after recheck: %+v", js)
	}

	// An open session with no payment yet: the customer can still pay it,
	// so it is waiting, not "not charged".
	sale2 := env.start(Checkout{Amount: 2222})
	o, err = env.e.Recheck(ctx, Outcome{Kind: OutcomeUnknown, SessionID: sale2.SessionID(), OrderNum: sale2.OrderNum})
	if err != nil || o.Kind != OutcomeRedirect || strings.Contains(o.Message, "not charged") {
		t.Errorf("open session without payment: %+v %v", o, err)
	}
	// After a declined attempt the session shows the failed payment:
	// nothing charged, and it can be paid again.
	o, err = env.e.PaySession(ctx, sale2, komoju.TypeCreditCard, card("4123111111111059"), PayOptions{})
	mustKind(t, o, err, OutcomeError)
	o, err = env.e.Recheck(ctx, Outcome{Kind: OutcomeUnknown, SessionID: sale2.SessionID(), OrderNum: sale2.OrderNum})
	if err != nil || o.Kind != OutcomeFailed || !strings.Contains(o.Message, "not charged") || !strings.Contains(o.Message, "try again") {
		t.Errorf("session after a decline: %+v %v", o, err)
	}
	// An order number nobody here knows and KOMOJU has no payment for:
	// an empty look-up is no proof, so it stays unknown.
	o, err = env.e.Recheck(ctx, Outcome{Kind: OutcomeUnknown, OrderNum: "POS-NEVER-SENT"})
	if err != nil || o.Kind != OutcomeUnknown || strings.Contains(o.Message, "not charged") {
		t.Errorf("order without payment: %+v %v", o, err)
	}
	if _, err := env.e.Recheck(ctx, Outcome{Kind: OutcomeUnknown}); err == nil {
		t.Error("recheck of nothing succeeded")
	}
}

// TestNoDoubleChargeAfterUnknown: the clerk presses "pay" again after an
// unknown result on the same session. The engine looks first and does not
// charge twice.
func TestNoDoubleChargeAfterUnknown(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	sale := env.start(Checkout{Amount: 4321})
	env.sb.SetFaults(sandbox.Faults{DropRate: 1})
	o, err := env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomeUnknown)
	// Still offline: the engine refuses to send another charge.
	o, err = env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomeUnknown)
	if !strings.Contains(o.Message, "not charged again") {
		t.Errorf("offline retry message %q", o.Message)
	}
	env.sb.SetFaults(sandbox.Faults{})
	o, err = env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	if !strings.Contains(o.Message, "previous attempt went through") {
		t.Errorf("message %q", o.Message)
	}
	if ps := env.payments(sale.OrderNum); len(ps) != 1 {
		t.Fatalf("%d payments for one sale", len(ps))
	}
	if acts, _ := env.j.Actions(ctx, sale.JournalID); len(acts) != 1 || acts[0].Outcome != "paid" {
		t.Errorf("journaled attempts %+v, want the one that was sent, finished as paid", acts)
	}
	if u, _ := env.j.Unfinished(ctx); len(u) != 0 {
		t.Errorf("unfinished: %+v", u)
	}
}

// TestDirectRetryAfterUnknown: Method 2 re-sent with the same order
// number after an unknown result is refused (the number belongs to the
// first attempt; nothing new is charged), and refreshing the first attempt
// finds its payment. Issue 10, case 1: a typed order number is never
// taken to mean "this sale was paid".
func TestDirectRetryAfterUnknown(t *testing.T) {
	for _, withJournal := range []bool{true, false} {
		env := newEnv(t)
		if !withJournal {
			env.e.rec = nil
		}
		ctx := env.ctx()
		co := Checkout{Amount: 6060, OrderNum: env.e.NextOrderNum()}
		env.sb.SetFaults(sandbox.Faults{DropRate: 1})
		o, err := env.e.PayDirect(ctx, co, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
		mustKind(t, o, err, OutcomeUnknown)
		env.sb.SetFaults(sandbox.Faults{})
		o, err = env.e.PayDirect(ctx, co, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
		mustKind(t, o, err, OutcomeError)
		if o.Field != FieldOrderNum || !strings.Contains(o.Message, "Nothing was charged") {
			t.Errorf("journal=%v: retry with the same number: field %q message %q", withJournal, o.Field, o.Message)
		}
		o, err = env.e.Recheck(ctx, Outcome{Kind: OutcomeUnknown, OrderNum: co.OrderNum})
		mustKind(t, o, err, OutcomePaid)
		if ps := env.payments(co.OrderNum); len(ps) != 1 {
			t.Errorf("journal=%v: %d payments", withJournal, len(ps))
		}
	}
}

// TestNoDoubleChargeUnderFaults sells 24 items through both methods while
// the sandbox drops 30% of answers after doing the work and fails 20% of
// requests before. The till keeps trying as a clerk would (the engine's
// checks, Recheck, a new order number only when nothing was charged). In
// the end every sale is paid exactly once, counted through the API, and
// the journal agrees.
func TestNoDoubleChargeUnderFaults(t *testing.T) {
	// The client does not retry by itself, so the engine meets every fault.
	env := newEnvWith(t, sandbox.Options{Seed: 7, DropRate: 0.3, FailRate: 0.2}, nil, komoju.WithMaxRetries(0))
	ctx := env.ctx()
	const sales = 24
	var orders []string
	kinds := map[OutcomeKind]int{}
	for i := 0; i < sales; i++ {
		amount := int64(1000 + i)
		paid := false
		if i%2 == 0 {
			var sale *Sale
			for try := 0; sale == nil; try++ {
				if try > 20 {
					t.Fatalf("sale %d: no session after 20 tries", i)
				}
				sale, _ = env.e.StartSession(ctx, Checkout{Amount: amount})
			}
			for try := 0; !paid; try++ {
				if try > 20 {
					t.Fatalf("sale %d: not paid after 20 tries", i)
				}
				o, _ := env.e.PaySession(ctx, sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
				kinds[o.Kind]++
				paid = o.Kind == OutcomePaid
			}
			orders = append(orders, sale.OrderNum)
			continue
		}
		order := env.e.NextOrderNum()
		for try := 0; !paid; try++ {
			if try > 20 {
				t.Fatalf("sale %d: not paid after 20 tries", i)
			}
			o, _ := env.e.PayDirect(ctx, Checkout{Amount: amount, OrderNum: order}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
			kinds[o.Kind]++
			if o.Kind != OutcomePaid {
				o, _ = env.e.Recheck(ctx, Outcome{Kind: OutcomeUnknown, OrderNum: order})
				if o.Kind == OutcomeError { // nothing was charged: a new attempt needs a new number
					order = env.e.NextOrderNum()
				}
			}
			paid = o.Kind == OutcomePaid
		}
		orders = append(orders, order)
	}
	t.Logf("pay outcomes under faults: %v", kinds)
	if kinds[OutcomeError]+kinds[OutcomeUnknown] == 0 {
		t.Fatalf("no attempt met a fault (%v): the test proves nothing", kinds)
	}
	env.sb.SetFaults(sandbox.Faults{})
	if _, err := env.e.Reconcile(ctx); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	captured := 0
	for _, p := range env.payments("") {
		if p.Status == komoju.PaymentCaptured {
			captured++
		}
	}
	if captured != sales {
		t.Errorf("%d captured payments for %d sales", captured, sales)
	}
	for i, order := range orders {
		ps := env.payments(order)
		if len(ps) != 1 || ps[0].Status != komoju.PaymentCaptured || ps[0].Total != int64(1000+i) {
			t.Errorf("order %s: %d payments %+v", order, len(ps), ps)
		}
		s, err := env.j.SaleByOrder(ctx, order)
		if err != nil || !s.Charged() || s.Unfinished() || s.Net() != int64(1000+i) {
			t.Errorf("journal %s: charged %v unfinished %v net %d err %v", order, s.Charged(), s.Unfinished(), s.Net(), err)
		}
	}
	if u, _ := env.j.Unfinished(ctx); len(u) != 0 {
		t.Errorf("%d sales still unfinished", len(u))
	}
}

// scriptTransport answers matching POSTs from a script: "drop" forwards
// the request and loses the answer, "503" answers maintenance without
// forwarding, "ok" forwards normally (also once the script is used up).
type scriptTransport struct {
	mu     sync.Mutex
	suffix string
	script []string
}

func (s *scriptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	step := "ok"
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, s.suffix) {
		s.mu.Lock()
		if len(s.script) > 0 {
			step, s.script = s.script[0], s.script[1:]
		}
		s.mu.Unlock()
	}
	if step == "503" {
		body := `{"error":{"code":"service_unavailable","message":"maintenance"}}`
		return &http.Response{StatusCode: 503, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && step == "drop" {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, io.ErrUnexpectedEOF
	}
	return resp, err
}

// TestRetryAnswerSaysNothingAboutTheFirst: the first attempt is processed
// and its answer lost; the client's own retry meets a 503. That 503 says
// nothing about the first attempt, so the result is not "failed": the
// engine retries with the same key and finds the payment.
func TestRetryAnswerSaysNothingAboutTheFirst(t *testing.T) {
	st := &scriptTransport{suffix: "/pay", script: []string{"drop", "503"}}
	env := newEnvWith(t, sandbox.Options{}, &http.Client{Transport: st}, komoju.WithMaxRetries(1))
	sale := env.start(Checkout{Amount: 2500})
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	if ps := env.payments(sale.OrderNum); len(ps) != 1 {
		t.Errorf("%d payments", len(ps))
	}
	st.mu.Lock()
	left := len(st.script)
	st.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d scripted answers unused: the drop and the 503 never happened", left)
	}
}

// TestReconcileLeavesOpenSalesAlone: a Method 1 sale the clerk is still
// working on (session created, no attempt yet) is not declared "not
// charged" by this engine's Reconcile, nor by another live process on the
// same journal (issue 10, case 4: a report run while the till has a sale
// in flight).
func TestReconcileLeavesOpenSalesAlone(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 1234})
	if recs, err := env.e.Reconcile(env.ctx()); len(recs) != 0 || err != nil {
		t.Fatalf("reconcile touched the open sale: %+v %v", recs, err)
	}
	report, err := journal.Open(env.j.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer report.Close()
	other := NewEngine(Deps{Client: env.c, Journal: report})
	if recs, err := other.Reconcile(env.ctx()); len(recs) != 0 || err != nil {
		t.Fatalf("another live process settled the till's sale: %+v %v", recs, err)
	}
	if o, err := other.Recheck(env.ctx(), Outcome{Kind: OutcomeUnknown, SessionID: sale.SessionID(), OrderNum: sale.OrderNum}); err != nil || o.Kind == OutcomeUnknown && strings.Contains(o.Message, "NOT") {
		t.Fatalf("recheck from another process: %+v %v", o, err)
	}
	if s, _ := env.j.SaleByOrder(env.ctx(), sale.OrderNum); s.FinishedAt != nil {
		t.Fatalf("another process wrote a verdict on the till's open sale: %+v", s)
	}
	// The clerk's engine can still pay it.
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	if s, _ := env.j.SaleByOrder(env.ctx(), sale.OrderNum); !s.Charged() || s.Unfinished() || s.Outcome != "paid" {
		t.Errorf("journal after paying: %+v", s)
	}
}

// TestReconcileUnknownSession: the embedded sandbox keeps no state across
// restarts, so after a crash in sandbox mode the journal names sessions the
// new sandbox has never seen. No payment can exist on them: Reconcile
// resolves them as not charged instead of retrying on every start.
func TestReconcileUnknownSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()))
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal-sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	sale := func(order string) int64 {
		id, err := j.BeginSale(ctx, journal.Intent{OrderNum: order, IdempotencyKey: komoju.NewIdempotencyKey(),
			Flow: journal.FlowSession, Amount: 900, Currency: "JPY", SessionID: "gonegonegonegonegonegone0"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	sale("POS-GONE-1") // died after creating the session
	id := sale("POS-GONE-2")
	if _, err := j.BeginAction(ctx, journal.Action{SaleID: id, Kind: journal.ActionPay, IdempotencyKey: komoju.NewIdempotencyKey(), Method: komoju.TypeCreditCard}); err != nil {
		t.Fatal(err) // died mid pay attempt
	}
	// The till restarts: a new process (journal handle) finds both sales
	// orphaned. KOMOJU does not know their session, so nobody can pay it.
	path := j.Path()
	j.Close()
	j, err = journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e := NewEngine(Deps{Client: c, Journal: j})
	recs, err := e.Reconcile(ctx)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d recoveries, want 2: %+v", len(recs), recs)
	}
	for _, rc := range recs {
		if !rc.Resolved || rc.Charged || !strings.Contains(rc.Message, "NOT charged") {
			t.Errorf("%s: resolved %v charged %v message %q", rc.OrderNum, rc.Resolved, rc.Charged, rc.Message)
		}
	}
	if again, _ := e.Reconcile(ctx); len(again) != 0 {
		t.Errorf("second reconcile still finds %+v", again)
	}
}
