package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestTriggerProducesEachEvent: every event trigger offers leaves a
// payment in the state that sends it, and the sandbox recorded the event.
func TestTriggerProducesEachEvent(t *testing.T) {
	h := newHarness(t)
	for event, status := range map[string]komoju.PaymentStatus{
		komoju.EventPaymentAuthorized:    komoju.PaymentAuthorized,
		komoju.EventPaymentCaptured:      komoju.PaymentCaptured,
		komoju.EventPaymentFailed:        komoju.PaymentFailed,
		komoju.EventPaymentCancelled:     komoju.PaymentCancelled,
		komoju.EventPaymentExpired:       komoju.PaymentExpired,
		komoju.EventPaymentRefunded:      komoju.PaymentRefunded,
		komoju.EventPaymentRefundCreated: komoju.PaymentCaptured,
	} {
		t.Run(event, func(t *testing.T) {
			code, out, errOut := h.run("trigger", event, "--json")
			res := decode[triggerJSON](t, out)
			if code != ExitOK || !res.OK || res.Event != event || res.Status != string(status) || res.PaymentID == "" {
				t.Fatalf("exit %d %+v\n%s", code, res, errOut)
			}
			if res.EventID == "" {
				t.Errorf("the sandbox has no %s event for %s", event, res.PaymentID)
			}
		})
	}
}

func TestTriggerGivenPaymentAndShortName(t *testing.T) {
	h := newHarness(t)
	code, j, _ := h.payJSON("2480", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
	if code != ExitOK || j.Status != "authorized" {
		t.Fatalf("konbini: exit %d %+v", code, j)
	}
	// The customer pays at the store.
	code, out, errOut := h.run("trigger", "captured", "--payment", j.PaymentID)
	if code != ExitOK || !strings.Contains(out, "Triggered payment.captured: payment "+j.PaymentID+" is captured.") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// The journal follows: history shows it captured.
	_, hist, _ := h.run("history", "--status", "captured")
	if !strings.Contains(hist, j.PaymentID) {
		t.Errorf("history after trigger:\n%s", hist)
	}
	// A payment in the wrong state is refused with a reason.
	code, _, errOut = h.run("trigger", "payment.failed", "--payment", j.PaymentID)
	if code == ExitOK || !strings.Contains(errOut, "only a pending 3-D Secure payment can fail") {
		t.Errorf("failed on a captured payment: exit %d\n%s", code, errOut)
	}
	code, _, errOut = h.run("trigger", "payment.teleported")
	if code != ExitUsage || !strings.Contains(errOut, "payment.captured") {
		t.Errorf("unknown event: exit %d\n%s", code, errOut)
	}
	// In Japanese, the report and its status too (they were English).
	code, j, _ = h.payJSON("1500", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
	if code != ExitOK {
		t.Fatalf("konbini: exit %d", code)
	}
	code, out, errOut = h.run("trigger", "captured", "--payment", j.PaymentID, "--lang", "ja")
	if want := "payment.captured を発生させました。決済 " + j.PaymentID + " は " + words.Status("captured", "ja") + " です。"; code != ExitOK || !strings.Contains(out, want) || !strings.Contains(out, "  イベント: ") {
		t.Errorf("ja: exit %d\n%s%s\nwant %q", code, out, errOut, want)
	}
}

// TestTriggerForwardTo: with the embedded sandbox the event is delivered,
// signed, to --forward-to, like "stripe trigger".
func TestTriggerForwardTo(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var got []*komoju.Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := komoju.VerifyWebhook(body, r.Header.Get("X-Komoju-Signature"), h.sb.WebhookSecret()); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ev, err := komoju.ParseEvent(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if ev.Type == komoju.EventPing {
			return // the sandbox pings a webhook when it is registered
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer srv.Close()
	code, out, errOut := h.run("trigger", "payment.refunded", "--forward-to", srv.URL, "--json")
	res := decode[triggerJSON](t, out)
	if code != ExitOK || len(res.Deliveries) == 0 || !res.Deliveries[0].Success || res.Deliveries[0].Status != 200 {
		t.Fatalf("exit %d %+v\n%s", code, res, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Type != komoju.EventPaymentRefunded || got[0].ID != res.EventID {
		for _, e := range got {
			t.Logf("received %s %s", e.Type, e.ID)
		}
		t.Errorf("received %d events, want the one payment.refunded event %s", len(got), res.EventID)
	}
	if !strings.Contains(errOut, "signed with webhook secret") {
		t.Errorf("the secret to verify with is not said:\n%s", errOut)
	}
}
