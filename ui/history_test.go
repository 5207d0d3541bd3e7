package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

func historyChild(t *testing.T, sales []journal.Sale) historyModel {
	t.Helper()
	c := common{width: 120, height: 40, st: newStyles(), t: newTr("en"), now: func() time.Time { return fixedNow }}
	h := newHistoryModel(c, newKeyMap(c.t), nil, context.Background()).SetCommon(c, 30)
	h.seq = 1
	h, _ = h.Update(historyMsg{seq: 1, sales: sales})
	return h
}

func daySales() []journal.Sale {
	at := fixedNow
	s := func(order string, st komoju.PaymentStatus, amount int64) journal.Sale {
		return journal.Sale{OrderNum: order, Status: st, Amount: amount, Total: amount, Currency: "JPY", Method: komoju.TypeCreditCard, PaymentID: "pay_" + order, CreatedAt: at}
	}
	return []journal.Sale{s("A-4", komoju.PaymentCaptured, 4000), s("A-3", komoju.PaymentFailed, 3000), s("A-2", komoju.PaymentAuthorized, 2000), s("A-1", komoju.PaymentCaptured, 1000)}
}

// Tab through every filter, past the empty ones: "failed" shows the failed
// sale, and "all" then lists all four with the cursor on a row.
func TestHistoryFilterAfterEmptyResult(t *testing.T) {
	h := historyChild(t, daySales())
	_, n := historyFilter(0)
	for i := 1; i <= n; i++ {
		h, _ = h.Update(keyMsg("tab"))
		want, _ := historyFilter(i)
		v := ansi.Strip(h.View(""))
		if want == komoju.PaymentFailed && !strings.Contains(v, "A-3") {
			t.Fatalf("filter failed shows no failed sale:\n%s", v)
		}
	}
	v := ansi.Strip(h.View(""))
	for _, o := range []string{"A-1", "A-2", "A-3", "A-4"} {
		if !strings.Contains(v, o) {
			t.Fatalf("back on all, %s is missing:\n%s", o, v)
		}
	}
	if h.table.Cursor() < 0 || !strings.Contains(v, "›") {
		t.Fatalf("no cursor after the filter cycle (cursor %d):\n%s", h.table.Cursor(), v)
	}
	// enter opens the selected sale.
	_, cmd := h.Update(keyMsg("enter"))
	if cmd == nil {
		t.Fatal("enter on a row asked nothing")
	}
	if _, ok := cmd().(historyOpenMsg); !ok {
		t.Fatal("enter did not ask to open the sale")
	}
}

// History's help lists each of its keys once.
func TestHistoryHelpListsEachKeyOnce(t *testing.T) {
	h := historyChild(t, nil)
	seen := map[string]bool{}
	for _, b := range h.keys.FullHelp() {
		k := b.Help().Key
		if seen[k] {
			t.Fatalf("%s listed twice", k)
		}
		seen[k] = true
	}
}
