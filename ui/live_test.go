package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// onPostgres puts env's engine and console on a journal in a fresh schema
// of the test server.
func onPostgres(t *testing.T, env *testEnv) {
	t.Helper()
	j, err := journal.OpenWith(journaltest.PostgresSchema(t, "ui_live"), journal.Options{Now: env.sb.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	env.j = j
	env.eng = flows.NewEngine(flows.Deps{Client: env.client, Now: env.sb.Now, Journal: j,
		PollBackoff: func(int) time.Duration { return 20 * time.Millisecond }, Timeout: time.Second})
}

// otherTill is another process's handle on env's journal file: till T2,
// on the suite's clock.
func otherTill(t *testing.T, env *testEnv) *journal.Journal {
	t.Helper()
	j, err := journal.OpenWith(env.j.Path(), journal.Options{Till: "T2", Now: env.sb.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// paidAt records a captured card sale of amount at j.
func paidAt(t *testing.T, j *journal.Journal, order string, amount int64) {
	t.Helper()
	ctx := context.Background()
	id, err := j.BeginSale(ctx, journal.Intent{OrderNum: order, IdempotencyKey: "idem-" + order, Flow: journal.FlowDirect,
		Method: komoju.TypeCreditCard, Amount: amount, Currency: "JPY", Capture: komoju.CaptureAuto})
	if err != nil {
		t.Fatal(err)
	}
	p := &komoju.Payment{ID: "pay_" + order, Status: komoju.PaymentCaptured, Amount: amount, Total: amount, Currency: "JPY",
		PaymentDetails: &komoju.PaymentDetails{Type: komoju.TypeCreditCard}}
	if err := j.FinishSale(ctx, id, journal.ResultFromPayment(p, journal.OutcomePaid)); err != nil {
		t.Fatal(err)
	}
}

// cursorRow is the history line the cursor is on.
func cursorRow(v string) string {
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "›") {
			return l
		}
	}
	return ""
}

// Issue 15 item 4: a sale paid at till 2 (another process on the same
// journal file) appears in till 1's open History without a refresh, with
// the day's totals, and the cursor stays on the sale it was on; the open
// close adds the day up again and says so.
func TestHistoryAndCloseFollowOtherTills(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testFollowOtherTills(t, newEnv(t, envOpt{journal: true})) })
	t.Run("postgres", func(t *testing.T) {
		env := newEnv(t, envOpt{})
		onPostgres(t, env)
		testFollowOtherTills(t, env)
	})
}

func testFollowOtherTills(t *testing.T, env *testEnv) {
	t2 := otherTill(t, env)
	paidAt(t, t2, "LIVE-1", 1000)
	h := newHarness(t, env.options(), 120, 40)
	h.keys("h")
	h.waitText("LIVE-1", "sales 1")
	if r := cursorRow(h.view()); !strings.Contains(r, "LIVE-1") {
		t.Fatalf("cursor not on LIVE-1: %q", r)
	}

	paidAt(t, t2, "LIVE-2", 2000)
	h.waitText("LIVE-2", "sales 2", "captured ¥3,000")
	// The new sale is at the top; the clerk's place is kept.
	if r := cursorRow(h.view()); !strings.Contains(r, "LIVE-1") {
		t.Fatalf("the new sale moved the cursor off LIVE-1: %q\n%s", r, h.view())
	}

	h.keys("z")
	h.waitText("END-OF-DAY CLOSE", "¥3,000")
	h.mustNotContain("Totals updated")
	paidAt(t, t2, "LIVE-3", 4000)
	h.waitText("Totals updated from the journal", "¥7,000")
}
