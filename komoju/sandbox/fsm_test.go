package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// checkRefusalShape asserts that e is a KOMOJU error (422 or what the code
// maps to, {"error":{"code","message","param"}}) with the given code.
func checkRefusalShape(t *testing.T, e *apiError, code string) {
	t.Helper()
	if e == nil {
		t.Fatalf("allowed; want refused with %s", code)
	}
	if e.code != code || e.status != komoju.ErrorStatus(code) || e.status != 422 {
		t.Errorf("refused with %d %s, want 422 %s", e.status, e.code, code)
	}
	var body struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(e.body(), &body); err != nil {
		t.Fatalf("error body %s: %v", e.body(), err)
	}
	for _, k := range []string{"code", "message", "param"} {
		if _, ok := body.Error[k]; !ok {
			t.Errorf("error body %s lacks %q", e.body(), k)
		}
	}
	if !strings.Contains(e.message, "only") {
		t.Errorf("message %q does not say what is allowed", e.message)
	}
}

// wantPayRefusal is the code KOMOJU answers when event is not allowed.
func wantPayRefusal(on payEvent) string {
	switch on {
	case payCapture:
		return komoju.CodeNotCapturable
	case payCancel:
		return komoju.CodeNotCancellable
	case payRefund, payRefundAll, payRefundRequest:
		return komoju.CodeNotRefundable
	}
	return komoju.CodeUnprocessableEntity
}

// TestPaymentTransitionTable walks every status × event: an allowed one
// moves the payment to the row's status and records exactly the row's
// KOMOJU events; any other is refused with KOMOJU's error shape and
// changes nothing (capturing a cancelled payment, refunding an authorized
// one, cancelling a captured one…).
func TestPaymentTransitionTable(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	allowed := 0
	for _, from := range payStatuses[1:] {
		for on := payEvent(0); on < numPayEvents; on++ {
			t.Run(string(from)+"/"+on.String(), func(t *testing.T) {
				r := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200)
				id := r.str("id")
				sb.mu.Lock()
				defer sb.mu.Unlock()
				p, _ := sb.findPayment(id)
				p.update(func(c *komoju.Payment) { c.Status = from }) // set up the status under test
				before, nEvents := p.snap(), len(sb.st.events)
				err := sb.movePayment(p, on, sb.clock.Now(), nil)
				row := paymentStep(from, on)
				if row == nil {
					checkRefusalShape(t, err, wantPayRefusal(on))
					if p.snap() != before || len(sb.st.events) != nEvents {
						t.Errorf("a refused %s changed the payment or recorded events", on)
					}
					return
				}
				allowed++
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got := p.snap().Status; got != row.to {
					t.Errorf("status %s, want %s", got, row.to)
				}
				var got []string
				for _, e := range sb.st.events[nEvents:] {
					got = append(got, e.typ)
					if e.payment.Status != row.to {
						t.Errorf("event %s carries status %s, want %s", e.typ, e.payment.Status, row.to)
					}
				}
				if !slices.Equal(got, row.events) {
					t.Errorf("events %v, want %v", got, row.events)
				}
			})
		}
	}
	if want := len(payTransitions) - 4; allowed != want { // the 4 creation rows start from payNew
		t.Errorf("%d moves allowed, want the table's %d", allowed, want)
	}
}

// TestPaymentCreationRows: creating a payment goes through the payNew rows,
// and payNew allows nothing else.
func TestPaymentCreationRows(t *testing.T) {
	want := map[payEvent]komoju.PaymentStatus{payDecline: komoju.PaymentFailed, payAwait: komoju.PaymentPending,
		payAuthorize: komoju.PaymentAuthorized, payCharge: komoju.PaymentCaptured}
	for on := payEvent(0); on < numPayEvents; on++ {
		row := paymentStep(payNew, on)
		if w, ok := want[on]; ok != (row != nil) || (ok && row.to != w) {
			t.Errorf("new payment, %s: row %+v, want status %q", on, row, w)
		}
	}
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	for _, tc := range []struct {
		body   map[string]any
		status int
		want   string
		events []string
	}{
		{cardPayment("4111111111111111"), 200, "captured", []string{komoju.EventPaymentCaptured}},
		{cardPayment("4111111111111111", "capture", false), 200, "authorized", []string{komoju.EventPaymentAuthorized}},
		{cardPayment("4123111111111059"), 502, "failed", []string{komoju.EventPaymentFailed}},
	} {
		before := eventCounts(t, c)
		r := c.post("/payments", tc.body)
		if r.status != tc.status {
			t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
		}
		after := eventCounts(t, c)
		for _, e := range tc.events {
			if after[e] != before[e]+1 {
				t.Errorf("%s: %s recorded %d times, want once", tc.want, e, after[e]-before[e])
			}
		}
	}
}

// TestIllegalMovesThroughTheAPI: the refusals reach the merchant as
// KOMOJU's 422 answers.
func TestIllegalMovesThroughTheAPI(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	auth := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false)), 200).str("id")
	must(t, c.post("/payments/"+auth+"/cancel", nil), 200)
	r := mustErr(t, c.post("/payments/"+auth+"/capture", nil), 422, komoju.CodeNotCapturable)
	if !strings.Contains(r.str("error", "message"), "is cancelled; only authorized payments can be captured") {
		t.Errorf("capturing a cancelled payment: %s", r.body)
	}
	mustErr(t, c.post("/payments/"+auth+"/refund", nil), 422, komoju.CodeNotRefundable)
	mustErr(t, c.post("/payments/"+auth+"/cancel", nil), 422, komoju.CodeNotCancellable)
	if got := c.getr("/payments/" + auth).str("status"); got != "cancelled" {
		t.Errorf("after refused moves the payment is %s, want cancelled", got)
	}

	paid := must(t, c.post("/payments", cardPayment("4111111111111111")), 200).str("id")
	mustErr(t, c.post("/payments/"+paid+"/cancel", nil), 422, komoju.CodeNotCancellable)
	mustErr(t, c.post("/payments/"+paid+"/capture", nil), 422, komoju.CodeNotCapturable)
	must(t, c.post("/payments/"+paid+"/refund", nil), 200)
	mustErr(t, c.post("/payments/"+paid+"/refund", nil), 422, komoju.CodeNotRefundable)
}

// TestSessionTransitionTable walks every session status × event.
func TestSessionTransitionTable(t *testing.T) {
	sb := startSandbox(t, Options{})
	c := newRaw(t, sb)
	for _, from := range sessStatuses[1:] {
		for on := sessEvent(0); on < numSessEvents; on++ {
			t.Run(string(from)+"/"+on.String(), func(t *testing.T) {
				r := must(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY"}), 200)
				sb.mu.Lock()
				defer sb.mu.Unlock()
				ss := sb.st.sessionByID(r.str("id"))
				ss.view.Status = from // set up the status under test
				before := ss.view
				nEvents := len(sb.st.events)
				err := sb.moveSession(ss, on, sb.clock.Now())
				if len(sb.st.events) != nEvents {
					t.Errorf("a session move recorded a KOMOJU event")
				}
				row := sessionStep(from, on)
				if row == nil {
					code := komoju.CodeUnprocessableEntity
					if on == sessCancel {
						code = komoju.CodeNotCancellable
					}
					checkRefusalShape(t, err, code)
					if ss.view.Status != before.Status || ss.view.Expired || ss.view.CompletedAt != nil || ss.view.CancelledAt != nil {
						t.Errorf("a refused %s changed the session", on)
					}
					return
				}
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if ss.view.Status != row.to {
					t.Errorf("status %s, want %s", ss.view.Status, row.to)
				}
				if got := ss.view.Expired; got != (on == sessExpire) {
					t.Errorf("expired %v after %s", got, on)
				}
			})
		}
	}
	if sessionStep(sessNew, sessOpen) == nil {
		t.Error("no row creates a session")
	}
	ss := must(t, c.post("/sessions", map[string]any{"amount": 1000, "currency": "JPY"}), 200).str("id")
	must(t, c.post("/sessions/"+ss+"/cancel", nil), 200)
	mustErr(t, c.post("/sessions/"+ss+"/cancel", nil), 422, komoju.CodeNotCancellable)
}

// TestStatusesChangeOnlyThroughTheTables keeps the tables the only writers
// of a payment's or session's status: a new `.Status =` outside the two
// state machine files (and the creation line that applies the table's row)
// fails here.
func TestStatusesChangeOnlyThroughTheTables(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	assign := regexp.MustCompile(`\.(Status|Expired|CompletedAt|CancelledAt)\s*=[^=]`)
	allowed := map[string]bool{"paymentfsm.go": true, "sessionfsm.go": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || allowed[f] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if !assign.MatchString(line) {
				continue
			}
			switch strings.TrimSpace(line) {
			case "p.Status = t.to", // chargeLocked applies the creation row
				"res.Status = komoju.PayPending",    // the Session: Pay answer, not the session
				"cp.Status = komoju.PaymentPending", // an old API version's copy of an answer
				"d.Status = resp.StatusCode":        // a webhook delivery's HTTP status
				continue
			}
			t.Errorf("%s:%d sets a status outside the state machines: %s", f, i+1, strings.TrimSpace(line))
		}
	}
}
