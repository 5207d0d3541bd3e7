package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// histSale is one sale for a history test's journal.
type histSale struct {
	order  string
	status komoju.PaymentStatus
	amount int64
	method komoju.PaymentType
	brand  string // card brand (with last four 4444)
	store  string // konbini store
	till   string // "" is the journal's own till
}

// historyJournal writes sales into a new journal of till "T1" on the day
// of fixedNow, one a minute from 09:00 JST, in the order given (so the
// last one is the newest).
func historyJournal(t testing.TB, sales []histSale) *journal.Journal {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	clock := fixedNow.Add(-time.Hour)
	js := map[string]*journal.Journal{}
	open := func(till string) *journal.Journal {
		if j := js[till]; j != nil {
			return j
		}
		j, err := journal.OpenWith(path, journal.Options{Now: func() time.Time { return clock }, Till: till})
		if err != nil {
			t.Fatal(err)
		}
		js[till] = j
		return j
	}
	ctx := context.Background()
	for _, s := range sales {
		clock = clock.Add(time.Minute)
		till := s.till
		if till == "" {
			till = "T1"
		}
		j := open(till)
		method := s.method
		if method == "" {
			method = komoju.TypeCreditCard
		}
		in := journal.Intent{OrderNum: s.order, IdempotencyKey: "idem-" + s.order, Flow: journal.FlowDirect, Method: method,
			Amount: s.amount, Currency: "JPY", Capture: komoju.CaptureAuto}
		id, err := j.BeginSale(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		p := &komoju.Payment{ID: "pay_" + s.order, Status: s.status, Amount: s.amount, Total: s.amount, Currency: "JPY",
			PaymentDetails: &komoju.PaymentDetails{Type: method}}
		if s.status == komoju.PaymentRefunded {
			p.AmountRefunded = s.amount
		}
		switch {
		case s.brand != "":
			p.PaymentDetails.CreditCard = &komoju.CreditCardDetails{Brand: s.brand, LastFourDigits: "4444"}
		case s.store != "":
			p.PaymentDetails.Konbini = &komoju.KonbiniDetails{Store: s.store}
		}
		if err := j.FinishSale(ctx, id, journal.ResultFromPayment(p, journal.OutcomePaid)); err != nil {
			t.Fatal(err)
		}
	}
	for till, j := range js {
		if till != "T1" {
			j.Close()
		}
	}
	j := open("T1")
	t.Cleanup(func() { j.Close() })
	return j
}

// runHistory feeds cmd's messages (and theirs) back to h until none is
// left, as the bubbletea runtime would; asks for the root are returned.
func runHistory(h historyModel, cmd tea.Cmd) (historyModel, []tea.Msg) {
	var asked []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case historyMsg:
			var next tea.Cmd
			h, next = h.Update(msg)
			queue = append(queue, next)
		case nil:
		default:
			asked = append(asked, msg)
		}
	}
	return h, asked
}

// historyKey sends a key and runs what it asks of the journal.
func historyKey(h historyModel, k string) (historyModel, []tea.Msg) {
	h, cmd := h.Update(keyMsg(k))
	return runHistory(h, cmd)
}

func historyChild(t testing.TB, j *journal.Journal, w, lang string) historyModel {
	t.Helper()
	c := common{width: 120, height: 40, st: newStyles(), t: newTr(lang), now: func() time.Time { return fixedNow }}
	if w == "80" {
		c.width, c.height = 80, 24
	}
	h := newHistoryModel(c, newKeyMap(c.t), j, context.Background()).SetCommon(c, c.height-6)
	h, cmd := h.Load()
	h, _ = runHistory(h, cmd)
	return h
}

// capturedSales is n captured sales of ¥100, the oldest first, with order
// numbers prefix-0001 to prefix-n.
func capturedSales(prefix string, n int) []histSale {
	sales := make([]histSale, 0, n)
	for i := 1; i <= n; i++ {
		sales = append(sales, histSale{order: fmt.Sprintf("%s-%04d", prefix, i), status: komoju.PaymentCaptured, amount: 100})
	}
	return sales
}

func daySales() []histSale {
	return []histSale{
		{order: "A-1", status: komoju.PaymentCaptured, amount: 1000},
		{order: "A-2", status: komoju.PaymentAuthorized, amount: 2000},
		{order: "A-3", status: komoju.PaymentFailed, amount: 3000},
		{order: "A-4", status: komoju.PaymentCaptured, amount: 4000},
	}
}

// Tab through every filter, past the empty ones: "failed" shows the failed
// sale, and "all" then lists all four with the cursor on a row.
func TestHistoryFilterAfterEmptyResult(t *testing.T) {
	h := historyChild(t, historyJournal(t, daySales()), "120", "en")
	_, n := historyFilter(0)
	for i := 1; i <= n; i++ {
		h, _ = historyKey(h, "tab")
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
	_, asked := historyKey(h, "enter")
	if len(asked) != 1 {
		t.Fatalf("enter on a row asked %v", asked)
	}
	if _, ok := asked[0].(historyOpenMsg); !ok {
		t.Fatal("enter did not ask to open the sale")
	}
}

// History's help lists each of its keys once.
func TestHistoryHelpListsEachKeyOnce(t *testing.T) {
	h := historyChild(t, nil, "120", "en")
	seen := map[string]bool{}
	for _, b := range h.keys.FullHelp() {
		k := b.Help().Key
		if seen[k] {
			t.Fatalf("%s listed twice", k)
		}
		seen[k] = true
	}
}

// Scrolling a day far longer than the window reaches every sale, in
// order, down to the oldest and back up to the newest; the screen never
// holds more than its window.
func TestHistoryScrollsThroughPages(t *testing.T) {
	const n = 300
	var sales []histSale
	for i := 1; i <= n; i++ {
		sales = append(sales, histSale{order: fmt.Sprintf("S-%04d", i), status: komoju.PaymentCaptured, amount: int64(100 * i)})
	}
	h := historyChild(t, historyJournal(t, sales), "80", "en")
	selected := func() string { return h.rows[h.table.Cursor()].OrderNum }
	if v := ansi.Strip(h.View("")); !strings.Contains(v, "1 of 300") || selected() != "S-0300" {
		t.Fatalf("first screen (on %s):\n%s", selected(), v)
	}
	for i := n - 1; i >= 1; i-- {
		h, _ = historyKey(h, "down")
		if want := fmt.Sprintf("S-%04d", i); selected() != want {
			t.Fatalf("down to %s, on %s (offset %d, %d rows)", want, selected(), h.offset, len(h.rows))
		}
		if len(h.rows) > h.maxWindow() {
			t.Fatalf("window of %d rows, at most %d", len(h.rows), h.maxWindow())
		}
	}
	if v := ansi.Strip(h.View("")); !strings.Contains(v, "300 of 300") || !strings.Contains(v, "S-0001") {
		t.Fatalf("last screen:\n%s", v)
	}
	for i := 2; i <= n; i++ {
		h, _ = historyKey(h, "up")
		if want := fmt.Sprintf("S-%04d", i); selected() != want {
			t.Fatalf("up to %s, on %s (offset %d, %d rows)", want, selected(), h.offset, len(h.rows))
		}
	}
	if h.offset != 0 {
		t.Fatalf("back at the top with offset %d", h.offset)
	}
}

// A konbini row says which store the slip is for, and the method column
// (card brand and last four, the store) is shown whole at 80 and 120
// columns, in English and Japanese, next to a long order number.
func TestHistoryMethodColumnWhole(t *testing.T) {
	j := historyJournal(t, []histSale{
		{order: "POS-T1-20261124-0001", status: komoju.PaymentCaptured, amount: 1000, brand: "master"},
		{order: "POS-T1-20261124-0002", status: komoju.PaymentAuthorized, amount: 2000, method: komoju.TypeKonbini, store: komoju.StoreFamilyMart},
		{order: "POS-T1-20261124-0003", status: komoju.PaymentAuthorized, amount: 3000, method: komoju.TypeKonbini, store: komoju.StoreSevenEleven},
		{order: "POS-T2-20261124-0001", status: komoju.PaymentRefunded, amount: 4000, method: komoju.TypeKonbini, store: komoju.StoreLawson, till: "T2"},
	})
	for _, lang := range []string{"en", "ja"} {
		for _, w := range []string{"80", "120"} {
			h := historyChild(t, j, w, lang)
			h, _ = historyKey(h, "a") // the whole store: a till column too
			v := ansi.Strip(h.View(""))
			want := map[string][]string{
				"en": {"Mastercard •••• 4444", "Konbini · FamilyMart", "Konbini · 7-Eleven", "Konbini · Lawson"},
				"ja": {"Mastercard •••• 4444", "コンビニ · ファミリーマート", "コンビニ · セブン-イレブン", "コンビニ · ローソン"},
			}[lang]
			for _, s := range append(want, "0001", "0002", "0003", "T2") {
				if !strings.Contains(v, s) {
					t.Errorf("%s at %s columns: %q is cut or missing:\n%s", lang, w, s, v)
				}
			}
			for _, line := range strings.Split(v, "\n") {
				if ansi.StringWidth(line) > map[string]int{"80": 80, "120": 120}[w] {
					t.Errorf("%s at %s columns: line wider than the terminal: %q", lang, w, line)
				}
			}
		}
	}
}

// This till's sales by default; "a" shows the whole store with a till
// column, and the totals follow.
func TestHistoryTillOrStore(t *testing.T) {
	j := historyJournal(t, []histSale{
		{order: "T1-A", status: komoju.PaymentCaptured, amount: 1000},
		{order: "T2-A", status: komoju.PaymentCaptured, amount: 5000, till: "T2"},
		{order: "T1-B", status: komoju.PaymentCaptured, amount: 2000},
	})
	h := historyChild(t, j, "120", "en")
	v := ansi.Strip(h.View(""))
	if !strings.Contains(v, "till T1") || strings.Contains(v, "T2-A") || !strings.Contains(v, "net ¥3,000") || strings.Contains(v, "Till ") {
		t.Fatalf("this till's history:\n%s", v)
	}
	h, _ = historyKey(h, "a")
	v = ansi.Strip(h.View(""))
	if !strings.Contains(v, "whole store") || !strings.Contains(v, "T2-A") || !strings.Contains(v, "net ¥8,000") || !strings.Contains(v, "Till") {
		t.Fatalf("the store's history:\n%s", v)
	}
	var t2 string
	for _, line := range strings.Split(v, "\n") {
		if strings.Contains(line, "T2-A") {
			t2 = line
		}
	}
	if !strings.Contains(t2, " T2 ") {
		t.Fatalf("T2's sale does not name its till: %q", t2)
	}
	// Export follows what is shown.
	_, asked := historyKey(h, "e")
	if len(asked) != 1 || asked[0].(historyExportMsg).filter.Till != "" {
		t.Fatalf("export of the store asked %#v", asked)
	}
	h, _ = historyKey(h, "a")
	_, asked = historyKey(h, "e")
	if len(asked) != 1 || asked[0].(historyExportMsg).filter.Till != "T1" {
		t.Fatalf("export of this till asked %#v", asked)
	}
}

// The CSV export says what each sale is now, in Japan time as the screen
// shows it, whatever the till's time zone: a konbini slip paid and then
// refunded is "refunded" with the refunded amount and no deadline, and the
// rows name their till and store. Every page of the filter is exported,
// not only the window on screen.
func TestHistoryExportIsCurrentAndInJST(t *testing.T) {
	sales := capturedSales("E", 150)
	j := historyJournal(t, append(sales, histSale{order: "K-1", status: komoju.PaymentAuthorized, amount: 1000, method: komoju.TypeKonbini, store: komoju.StoreLawson}))
	ctx := context.Background()
	deadline := fixedNow.Add(72 * time.Hour)
	k := &komoju.Payment{ID: "pay_K-1", Status: komoju.PaymentCaptured, Amount: 1000, Total: 1000, Currency: "JPY", PaymentDeadline: &deadline}
	if err := j.RecordPayment(ctx, k, journal.SourceWebhook); err != nil {
		t.Fatal(err)
	}
	k.Status, k.AmountRefunded = komoju.PaymentRefunded, 1000
	if err := j.RecordPayment(ctx, k, journal.SourceAction); err != nil {
		t.Fatal(err)
	}
	utc := func() time.Time { return fixedNow.UTC() } // a till with TZ unset
	m := &Model{ctx: ctx}
	m.opts.Journal, m.opts.ReceiptDir, m.opts.Now = j, t.TempDir(), utc
	h := historyChild(t, j, "120", "en")
	h.common.now = utc
	_, asked := historyKey(h, "e")
	saved, ok := m.exportCSV(asked[0].(historyExportMsg).filter)().(savedMsg)
	if !ok || saved.err != nil || !strings.Contains(saved.text, "Exported 151 sales") {
		t.Fatalf("export: %+v", saved)
	}
	b, err := os.ReadFile(filepath.Join(m.opts.ReceiptDir, "sales-"+fixedNow.Format("20060102")+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) != 152 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	row := recs[1] // newest first: K-1
	for name, want := range map[string]string{"order_num": "K-1", "status": "refunded", "outcome": "refunded",
		"amount_refunded": "1000", "deadline": "", "created_at": "2026-11-24T11:31:00+09:00",
		"till": "T1", "store": "lawson"} {
		if got := row[col[name]]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// Back from a sale's details (or refreshing), History stays on the sale
// the clerk was on, with its status as it is now.
func TestHistoryReloadKeepsThePlace(t *testing.T) {
	sales := capturedSales("R", 120)
	j := historyJournal(t, sales)
	h := historyChild(t, j, "80", "en")
	for i := 0; i < 90; i++ {
		h, _ = historyKey(h, "down")
	}
	on := h.rows[h.table.Cursor()].OrderNum
	if on != "R-0030" {
		t.Fatalf("on %s after 90 rows down", on)
	}
	p := &komoju.Payment{ID: "pay_R-0030", Status: komoju.PaymentRefunded, Amount: 100, Total: 100, AmountRefunded: 100, Currency: "JPY"}
	if err := j.RecordPayment(context.Background(), p, journal.SourceAction); err != nil {
		t.Fatal(err)
	}
	h, cmd := h.Load()
	h, _ = runHistory(h, cmd)
	v := ansi.Strip(h.View(""))
	if got := h.rows[h.table.Cursor()]; got.OrderNum != "R-0030" || got.Status != komoju.PaymentRefunded || !strings.Contains(v, "91 of 120") {
		t.Fatalf("after reloading: on %s (%s):\n%s", got.OrderNum, got.Status, v)
	}
	// And on down to the oldest sale from there.
	for i := 0; i < 29; i++ {
		h, _ = historyKey(h, "down")
	}
	if got := h.rows[h.table.Cursor()].OrderNum; got != "R-0001" {
		t.Fatalf("on %s at the bottom", got)
	}
}

// Key repeat outruns the journal: 200 downs sent before any page is
// read still end 200 rows down, none lost at the window's edge.
func TestHistoryFastKeysAreNotLost(t *testing.T) {
	sales := capturedSales("F", 300)
	h := historyChild(t, historyJournal(t, sales), "80", "en")
	var cmds []tea.Cmd
	for i := 0; i < 200; i++ {
		var c tea.Cmd
		h, c = h.Update(keyMsg("down"))
		cmds = append(cmds, c)
	}
	h, _ = runHistory(h, tea.Batch(cmds...))
	if v := ansi.Strip(h.View("")); h.rows[h.table.Cursor()].OrderNum != "F-0100" || !strings.Contains(v, "201 of 300") {
		t.Fatalf("200 fast downs end on %s:\n%s", h.rows[h.table.Cursor()].OrderNum, v)
	}
	cmds = nil
	for i := 0; i < 200; i++ {
		var c tea.Cmd
		h, c = h.Update(keyMsg("up"))
		cmds = append(cmds, c)
	}
	h, _ = runHistory(h, tea.Batch(cmds...))
	if got := h.rows[h.table.Cursor()].OrderNum; got != "F-0300" || h.offset != 0 {
		t.Fatalf("200 fast ups end on %s (offset %d)", got, h.offset)
	}
}

// Downs pressed right after tab, before the filtered list has come from
// the journal, move in the new list.
func TestHistoryKeysWhileFiltering(t *testing.T) {
	sales := capturedSales("W", 100)
	h := historyChild(t, historyJournal(t, sales), "80", "en")
	h, c := h.Update(keyMsg("tab")) // captured
	cmds := []tea.Cmd{c}
	for i := 0; i < 3; i++ {
		h, c = h.Update(keyMsg("down"))
		cmds = append(cmds, c)
	}
	h, _ = runHistory(h, tea.Batch(cmds...))
	if v := ansi.Strip(h.View("")); h.rows[h.table.Cursor()].OrderNum != "W-0097" || !strings.Contains(v, "4 of 100") {
		t.Fatalf("tab and 3 downs end on %s:\n%s", h.rows[h.table.Cursor()].OrderNum, v)
	}
}

// A filter changed while the day's totals are on their way does not lose
// them (they are the same for every filter), while switching to the
// store replaces them.
func TestHistoryTotalsSurviveAFilter(t *testing.T) {
	j := historyJournal(t, []histSale{
		{order: "T1-A", status: komoju.PaymentCaptured, amount: 1000},
		{order: "T2-A", status: komoju.PaymentCaptured, amount: 5000, till: "T2"},
	})
	c := common{width: 120, height: 40, st: newStyles(), t: newTr("en"), now: func() time.Time { return fixedNow }}
	h := newHistoryModel(c, newKeyMap(c.t), j, context.Background()).SetCommon(c, 34)
	h, open := h.Load()
	h, tab := h.Update(keyMsg("tab"))
	h, _ = runHistory(h, tea.Batch(open, tab))
	if v := ansi.Strip(h.View("")); !strings.Contains(v, "net ¥1,000") || !strings.Contains(v, "Filter:  captured") {
		t.Fatalf("totals lost to a filter:\n%s", v)
	}
	h, store := h.Update(keyMsg("a"))
	h, back := h.Update(keyMsg("a"))
	h, _ = runHistory(h, tea.Batch(store, back))
	if v := ansi.Strip(h.View("")); !strings.Contains(v, "net ¥1,000") || !strings.Contains(v, "till T1") {
		t.Fatalf("this till's totals after store and back:\n%s", v)
	}
}

// A live reload (another till's sale, or this console's own journal
// writes) that comes back after the clerk moved on keeps the row the
// clerk is on now, not the one selected when it was asked for: keys
// pressed while it was on its way are not undone.
func TestHistoryLiveReloadKeepsLaterKeys(t *testing.T) {
	sales := capturedSales("L", 300)
	h := historyChild(t, historyJournal(t, sales), "120", "en")
	for i := 0; i < 10; i++ {
		h, _ = historyKey(h, "down")
	}
	h, reload := h.live()
	for i := 0; i < 5; i++ {
		h, _ = historyKey(h, "down")
	}
	h, _ = runHistory(h, reload)
	if got := h.rows[h.table.Cursor()].OrderNum; got != "L-0285" {
		t.Fatalf("15 rows down with a reload on its way: on %s, want L-0285", got)
	}
}

// A live reload asked for just before the clerk scrolled to the window's
// edge (and a page of older sales was asked for) neither duplicates nor
// drops rows, whichever of the two answers comes first, and the clerk
// ends where the keys took them.
func TestHistoryLiveReloadAndAPageCross(t *testing.T) {
	sales := capturedSales("X", 300)
	j := historyJournal(t, sales)
	for _, reloadFirst := range []bool{true, false} {
		h := historyChild(t, j, "120", "en")
		h, reload := h.live()
		// Down until a page of older sales is asked for.
		var pages []tea.Cmd
		downs := 0
		for !h.paging && downs < 200 {
			var c tea.Cmd
			h, c = h.Update(keyMsg("down"))
			pages = append(pages, c)
			downs++
		}
		if !h.paging {
			t.Fatal("no page asked for in 200 downs")
		}
		if reloadFirst {
			h, _ = runHistory(h, reload)
			h, _ = runHistory(h, tea.Batch(pages...))
		} else {
			h, _ = runHistory(h, tea.Batch(pages...))
			h, _ = runHistory(h, reload)
		}
		seen := map[string]bool{}
		for i, s := range h.rows {
			if seen[s.OrderNum] {
				t.Fatalf("reload first %v: %s twice in the window", reloadFirst, s.OrderNum)
			}
			seen[s.OrderNum] = true
			if i > 0 && s.OrderNum > h.rows[i-1].OrderNum {
				t.Fatalf("reload first %v: %s after %s", reloadFirst, s.OrderNum, h.rows[i-1].OrderNum)
			}
		}
		if want := fmt.Sprintf("X-%04d", 300-downs); h.rows[h.table.Cursor()].OrderNum != want {
			t.Fatalf("reload first %v: %d downs end on %s, want %s", reloadFirst, downs, h.rows[h.table.Cursor()].OrderNum, want)
		}
		// On to the oldest sale, every one once, in order.
		for k := 300 - downs - 1; k >= 1; k-- {
			h, _ = historyKey(h, "down")
			if want := fmt.Sprintf("X-%04d", k); h.rows[h.table.Cursor()].OrderNum != want {
				t.Fatalf("reload first %v: down to %s, on %s", reloadFirst, want, h.rows[h.table.Cursor()].OrderNum)
			}
		}
	}
}

// A terminal resized while History is open (or a repeated SIGWINCH, as
// tmux sends) keeps the clerk's row: before, the table's cursor was left
// at -1, so the position read "0 of 4", nothing was selected and the
// oldest row fell off the table.
func TestHistoryResizeKeepsTheCursor(t *testing.T) {
	h := historyChild(t, historyJournal(t, daySales()), "120", "en")
	h, _ = historyKey(h, "down")
	for _, size := range [][2]int{{120, 40}, {100, 30}, {120, 40}} {
		c := h.common
		c.width, c.height = size[0], size[1]
		h = h.SetCommon(c, c.height-6)
		v := ansi.Strip(h.View(""))
		if h.table.Cursor() != 1 || !strings.Contains(v, "2 of 4") {
			t.Fatalf("after a resize to %dx%d the cursor is %d, want the second row:\n%s", size[0], size[1], h.table.Cursor(), v)
		}
		if !regexp.MustCompile(`›\s+\S+\s+A-3`).MatchString(v) {
			t.Fatalf("after a resize to %dx%d A-3 is not marked as selected:\n%s", size[0], size[1], v)
		}
		for _, o := range []string{"A-1", "A-2", "A-3", "A-4"} {
			if !strings.Contains(v, o) {
				t.Fatalf("after a resize to %dx%d %s is missing:\n%s", size[0], size[1], o, v)
			}
		}
	}
}

// The count of the whole store can come before its first page (the count
// reads the kept totals): until the page is there the screen gives no
// position, rather than "1 of 5" over the till's four rows (a golden
// caught that state once the count got fast).
func TestHistoryCountBeforeItsPage(t *testing.T) {
	sales := daySales()
	sales = append(sales, histSale{order: "B-1", status: komoju.PaymentCaptured, amount: 500, till: "T2"})
	h := historyChild(t, historyJournal(t, sales), "120", "en")
	if v := ansi.Strip(h.View("")); !strings.Contains(v, "1 of 4") {
		t.Fatalf("this till's history:\n%s", v)
	}
	h, cmd := h.Update(keyMsg("a"))
	var page, rest []tea.Cmd
	for _, c := range cmd().(tea.BatchMsg) {
		if m, ok := c().(historyMsg); ok && m.load == historyReset {
			page = append(page, func() tea.Msg { return m })
		} else {
			rest = append(rest, c)
		}
	}
	h, _ = runHistory(h, tea.Batch(rest...)) // the count and the totals first
	if v := ansi.Strip(h.View("")); strings.Contains(v, " of 5") {
		t.Fatalf("the store's count is shown over the till's rows before the store's page came:\n%s", v)
	}
	h, _ = runHistory(h, tea.Batch(page...))
	if v := ansi.Strip(h.View("")); !strings.Contains(v, "1 of 5") || !strings.Contains(v, "B-1") {
		t.Fatalf("the store's page and count:\n%s", v)
	}
}
