package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// method2Card goes to Method 2's card form for amount.
func method2Card(t *testing.T, h *harness, amount string) {
	t.Helper()
	h.amountTo(amount)
	h.keys("m")
	h.waitFor("method 2", func(m Model) bool { return m.flow == flows.FlowDirect && len(m.methodList.methods) > 0 })
	h.pickMethod("Credit card")
}

// TestMethod2CardWith3DS: a 3-D Secure card in Method 2 is no longer
// charged without authentication: the console shows the authentication
// link and its QR code, follows it, and ends PAID once the customer has
// authenticated; the result says 3-D Secure was done.
func TestMethod2CardWith3DS(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	method2Card(t, h, "2500")
	h.mustContain("3-D Secure: on")
	h.testData("challenge (enter 123456)")
	h.keys("ctrl+s")
	h.waitFor("3-D Secure screen", func(m Model) bool { return m.screen == screen3DS })
	p := h.m.sec.pending
	h.mustContain("3-D SECURE: CUSTOMER CONFIRMS", "Link", p.AuthenticationURL[:40], "Scan to pay", "following the status live", p.OrderNum)
	if !strings.Contains(h.view(), "█") {
		t.Errorf("no QR code:\n%s", h.view())
	}
	if got := env.opened.list(); len(got) != 1 || got[0] != p.AuthenticationURL {
		t.Errorf("opened %v, want the authentication page", got)
	}
	if l, _ := env.client.Payments.List(ctx5(t), nil); l.Total != 0 {
		t.Fatalf("charged before the customer authenticated: %d payments", l.Total)
	}

	h.keys("P") // the sandbox's customer enters 123456
	h.waitText("PAID")
	h.mustContain("3-D Secure", "authenticated", "•••• 5000")
	o := h.m.outcome
	if o.Payment == nil || o.Payment.Status != komoju.PaymentCaptured || o.OrderNum != p.OrderNum {
		t.Fatalf("outcome: %+v", o)
	}

	// The receipt says it too.
	h.keys("s")
	h.waitFor("receipt saved", func(m Model) bool {
		return strings.Contains(m.status, "receipt") || strings.Contains(m.status, "Receipt")
	})
	b, err := os.ReadFile(filepath.Join(env.dir, receiptName(o)))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^3-D Secure +authenticated$`).Match(b) {
		t.Errorf("receipt:\n%s", b)
	}
}

// TestMethod2Card3DSFailsAndStops: a failed authentication is NOT PAID
// with nothing charged; esc on the 3-D Secure screen stops waiting and
// says nothing was charged.
func TestMethod2Card3DSFailsAndStops(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	method2Card(t, h, "1200")
	h.testData("challenge fails (enter 111111)")
	h.keys("ctrl+s")
	h.waitFor("3-D Secure screen", func(m Model) bool { return m.screen == screen3DS })
	h.keys("P")
	h.waitText("NOT PAID")
	h.mustContain("3-D Secure failed or was cancelled", "Nothing was charged")

	// Try again with the challenge card, then stop waiting.
	h.keys("t")
	h.waitFor("card form", func(m Model) bool { return m.screen == screenDetails })
	h.testData("challenge (enter 123456)")
	h.keys("ctrl+s")
	h.waitFor("3-D Secure screen", func(m Model) bool { return m.screen == screen3DS })
	h.keys("esc")
	h.waitText("NOT PAID", "3-D Secure was not finished", "Nothing was charged")
	if l, _ := env.client.Payments.List(ctx5(t), nil); l.Total != 0 {
		t.Errorf("%d payments after a failed and a stopped 3-D Secure", l.Total)
	}
	open, err := env.j.Unfinished(ctx5(t))
	if err != nil || len(open) != 0 {
		t.Errorf("unfinished sales in the journal: %v %v", open, err)
	}
}

// TestMethod2CardSkip3DS: the clerk's explicit skip charges the card
// without authentication and the result and receipt say it was skipped.
func TestMethod2CardSkip3DS(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	opts := env.options()
	opts.Lang = "ja"
	h := newHarness(t, opts, 120, 40)
	method2Card(t, h, "800")
	h.testData("challenge (enter 123456)")
	h.keys("ctrl+o")
	h.mustContain("3-Dセキュア: この決済ではスキップ")
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
	if h.m.outcome.Kind != flows.OutcomePaid {
		t.Fatalf("outcome %+v", h.m.outcome)
	}
	h.mustContain("3-D Secure", "店員の判断でスキップ")
	if !strings.Contains(h.m.receiptText(h.m.outcome), "店員の判断でスキップ") {
		t.Errorf("receipt:\n%s", h.m.receiptText(h.m.outcome))
	}
	if len(env.opened.list()) != 0 {
		t.Errorf("a page was opened: %v", env.opened.list())
	}
	// The skip was for that attempt only.
	if h.m.sec.skip {
		t.Error("3-D Secure stays off for the next sale")
	}
}
