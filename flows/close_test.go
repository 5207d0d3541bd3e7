package flows

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/flowstest"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

func closeToday(t *testing.T, e *Engine, till string) CloseReport {
	t.Helper()
	rep, err := e.Close(t.Context(), CloseOptions{Day: flowstest.Start, Loc: flowstest.JST, Till: till})
	if err != nil {
		t.Fatalf("close: %v", err)
	}
	return rep
}

// The bug: a failed and a cancelled card sale were shown beside
// the takings ("Credit card 3 (¥6,500)" next to "captured ¥3,000"). The
// close counts three card sales, one paid, and takes ¥3,000.
func TestCloseTakesOnlyCapturedMoney(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	o, _, err := env.e.Pay(ctx, Checkout{Amount: 3000, Flow: FlowDirect}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	o, _, _ = env.e.Pay(ctx, Checkout{Amount: 2000, Flow: FlowDirect}, komoju.TypeCreditCard, card("4123111111111000"), PayOptions{})
	if o.Kind == OutcomePaid {
		t.Fatalf("declined card paid: %+v", o)
	}
	o, _, err = env.e.Pay(ctx, Checkout{Amount: 1500, Flow: FlowDirect, Capture: komoju.CaptureManual}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomeAuthorized)
	o, err = env.e.Cancel(ctx, o.PaymentID())
	mustKind(t, o, err, OutcomeCancelled)
	refunded, _, err := env.e.Pay(ctx, Checkout{Amount: 1000, Flow: FlowDirect}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, refunded, err, OutcomePaid)
	o, err = env.e.Refund(ctx, refunded.PaymentID(), 400, "")
	if err != nil {
		t.Fatal(err)
	}

	rep := closeToday(t, env.e, "")
	if len(rep.Summary.Currencies) != 1 {
		t.Fatalf("currencies %+v", rep.Summary.Currencies)
	}
	cs := rep.Summary.Currencies[0]
	if cs.Sales != 4 || cs.Paid != 2 || cs.Captured != 4000 || cs.Refunds != 1 || cs.Refunded != 400 || cs.Net != 3600 {
		t.Errorf("day: sales %d paid %d captured %d refunds %d (%d) net %d; want 4, 2, 4000, 1 (400), 3600",
			cs.Sales, cs.Paid, cs.Captured, cs.Refunds, cs.Refunded, cs.Net)
	}
	cardB := cs.ByMethod[0]
	if cardB.Count != 4 || cardB.Paid != 2 || cardB.Captured != 4000 || cardB.Net != 3600 {
		t.Errorf("card bucket %+v", cardB)
	}
	var text bytes.Buffer
	if err := WriteCloseText(&text, rep, "en"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Captured", "¥4,000 (2)", "Net takings", "¥3,600", "Refunds", "¥400 (1)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text misses %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "¥7,500") {
		t.Errorf("text shows the asked-for gross as takings:\n%s", text.String())
	}
}

// A konbini slip paid at the store after the till printed it: the
// journal still says authorized until someone asks. The close asks first,
// so the sale is in the takings and not in "still waiting".
func TestCloseRefreshesKonbiniPaidAtStore(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	o, _, err := env.e.Pay(ctx, Checkout{Amount: 2480, Flow: FlowDirect}, komoju.TypeKonbini, konbini(komoju.StoreLawson), PayOptions{})
	mustKind(t, o, err, OutcomeAwaiting)
	env.customer(o.PaymentID(), "pay_at_store", nil)

	noRefresh, err := env.e.Close(ctx, CloseOptions{Day: flowstest.Start, Loc: flowstest.JST, NoRefresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(noRefresh.Waiting) != 1 || noRefresh.Summary.Currencies[0].Net != 0 {
		t.Fatalf("without refresh: waiting %+v, net %d; want the slip waiting, nothing taken", noRefresh.Waiting, noRefresh.Summary.Currencies[0].Net)
	}

	var seen []CloseRefresh
	rep, err := env.e.Close(ctx, CloseOptions{Day: flowstest.Start, Loc: flowstest.JST, Progress: func(r CloseRefresh) { seen = append(seen, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !seen[0].Changed || seen[0].Before != "authorized" || seen[0].After != "captured" || seen[0].OrderNum != o.OrderNum {
		t.Fatalf("refresh progress %+v; want %s authorized → captured", seen, o.OrderNum)
	}
	if cs := rep.Summary.Currencies[0]; cs.Net != 2480 || cs.Authorized != 0 || len(rep.Waiting) != 0 || len(rep.Unknown) != 0 {
		t.Errorf("after refresh: net %d authorized %d waiting %+v unknown %+v", cs.Net, cs.Authorized, rep.Waiting, rep.Unknown)
	}
	if s, _ := env.j.SaleByOrder(ctx, o.OrderNum); s.Status != komoju.PaymentCaptured {
		t.Errorf("journal still %s", s.Status)
	}
}

// A sale still waiting and one whose outcome is unknown are listed by
// order number and kept out of the takings.
func TestCloseListsWaitingAndUnknown(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	o, _, err := env.e.Pay(ctx, Checkout{Amount: 900, Flow: FlowDirect}, komoju.TypeKonbini, konbini(komoju.StoreLawson), PayOptions{})
	mustKind(t, o, err, OutcomeAwaiting)
	// A sale whose answer was lost: the intent is journaled, nothing else.
	in := journal.Intent{OrderNum: "POS-LOST-0001", IdempotencyKey: "idem-lost", Flow: journal.FlowDirect, Method: komoju.TypeCreditCard,
		Amount: 5000, Currency: "JPY", Capture: komoju.CaptureAuto}
	if _, err := env.j.BeginSale(ctx, in); err != nil {
		t.Fatal(err)
	}
	rep := closeToday(t, env.e, "")
	if len(rep.Waiting) != 1 || rep.Waiting[0].OrderNum != o.OrderNum || rep.Waiting[0].Amount != 900 {
		t.Errorf("waiting %+v", rep.Waiting)
	}
	if len(rep.Unknown) != 1 || rep.Unknown[0].OrderNum != "POS-LOST-0001" || !rep.Unsettled() {
		t.Errorf("unknown %+v", rep.Unknown)
	}
	if cs := rep.Summary.Currencies[0]; cs.Net != 0 || cs.Sales != 2 {
		t.Errorf("takings %+v", cs)
	}
	var text bytes.Buffer
	_ = WriteCloseText(&text, rep, "en")
	if !strings.Contains(text.String(), "POS-LOST-0001") || !strings.Contains(text.String(), "UNKNOWN") {
		t.Errorf("text:\n%s", text.String())
	}
	var c bytes.Buffer
	if err := WriteCloseCSV(&c, rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if last := rows[len(rows)-1]; last[0] != "unknown" || last[2] != "POS-LOST-0001" || last[4] != "5000" {
		t.Errorf("csv last row %v", last)
	}
}

// Two tills on one journal: each till's close has its own sales; the
// store's lists each till's takings and the total, and refreshes the
// other till's open sales through the read-only look-up.
func TestCloseWholeStore(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	path := filepath.Join(t.TempDir(), "store.db")
	engines := map[string]*Engine{}
	for _, name := range []string{"front", "back"} {
		j, err := journal.OpenWith(path, journal.Options{Till: name, Now: env.sb.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = j.Close() })
		engines[name] = NewEngine(Deps{Client: env.c, Journal: j, Now: env.sb.Now, OrderPrefix: strings.ToUpper(name)})
	}
	o, _, err := engines["front"].Pay(ctx, Checkout{Amount: 1000, Flow: FlowDirect}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	slip, _, err := engines["back"].Pay(ctx, Checkout{Amount: 2480, Flow: FlowDirect}, komoju.TypeKonbini, konbini(komoju.StoreLawson), PayOptions{})
	mustKind(t, slip, err, OutcomeAwaiting)
	env.customer(slip.PaymentID(), "pay_at_store", nil)

	front := closeToday(t, engines["front"], "")
	if front.Till != "front" || front.Summary.Currencies[0].Net != 1000 || len(front.Refreshed) != 0 {
		t.Errorf("front's close: %+v", front)
	}
	store := closeToday(t, engines["front"], TillAll)
	cs := store.Summary.Currencies[0]
	if len(store.Refreshed) != 1 || store.Refreshed[0].Till != "back" || store.Refreshed[0].After != "captured" {
		t.Errorf("store refresh %+v", store.Refreshed)
	}
	if cs.Net != 3480 || len(cs.ByTill) != 2 || cs.ByTill[0].Key != "back" || cs.ByTill[0].Net != 2480 || cs.ByTill[1].Net != 1000 {
		t.Errorf("store: net %d by till %+v", cs.Net, cs.ByTill)
	}
	var text bytes.Buffer
	_ = WriteCloseText(&text, store, "ja")
	for _, want := range []string{"店舗全体", "レジ別", "back", "front", "¥3,480"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("ja text misses %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	_ = WriteCloseJSON(&js, store)
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back["till"] != "all" {
		t.Errorf("json %v: %s", err, js.String())
	}
}

// The Z-report lines up on screen in both languages: every amount of the
// totals starts at the same cell, and the counts of the three tables end
// at the same cell, though a Japanese label takes two cells a character
// (they were padded by runes, and the Japanese report came out ragged).
func TestCloseTextAlignsByScreenWidth(t *testing.T) {
	rep := CloseReport{
		Day:  time.Date(2026, 11, 24, 0, 0, 0, 0, time.Local),
		Till: TillAll,
		Summary: journal.Summary{Currencies: []journal.CurrencySummary{{
			Currency: "JPY", Sales: 1005, Paid: 945, Captured: 566650, Refunds: 50, Refunded: 30150, Net: 536500, Authorized: 3000,
			ByMethod: []journal.Bucket{{Key: "credit_card", Count: 800, Paid: 745, Captured: 446350, Net: 416200},
				{Key: "konbini", Count: 200, Paid: 200, Captured: 120300, Net: 120300}, {Key: "paypay", Count: 5}},
			ByStatus: []journal.Bucket{{Key: "authorized", Count: 5, Gross: 3000}, {Key: "captured", Count: 895, Gross: 536500},
				{Key: "refunded", Count: 50, Gross: 30150}},
			ByTill: []journal.Bucket{{Key: "front", Count: 1000, Captured: 566650, Net: 536500}, {Key: "", Count: 5}},
		}}},
		Waiting: []CloseSale{{OrderNum: "POS-20261124-0101", Method: "credit_card", Status: "authorized", Amount: 200, Currency: "JPY"},
			{OrderNum: "POS-20261124-0102", Method: "konbini", Status: "pending", Amount: 12000, Currency: "JPY"}},
	}
	for _, lang := range []string{"en", "ja"} {
		var text bytes.Buffer
		if err := WriteCloseText(&text, rep, lang); err != nil {
			t.Fatal(err)
		}
		out := text.String()
		amountAt, countEnd, waitingAt := map[int]int{}, map[int]int{}, map[int]int{}
		for _, l := range strings.Split(out, "\n") {
			switch {
			case strings.HasPrefix(l, "    "): // a table row: name, count, ...
				f := strings.Fields(l[4:])
				var count string
				for _, w := range f { // the first field that is a number
					if _, err := strconv.Atoi(w); err == nil {
						count = w
						break
					}
				}
				i := strings.Index(l, " "+count+" ")
				if count == "" || i < 0 {
					t.Fatalf("%s: table row without a count: %q", lang, l)
				}
				countEnd[termtext.Width(l[:i+1+len(count)])]++
			case strings.HasPrefix(l, "  ") && strings.Contains(l, "¥") && !strings.HasPrefix(l, "  POS-"): // label, amount
				amountAt[termtext.Width(l[:strings.Index(l, "¥")])]++
			case strings.HasPrefix(l, "  POS-"): // a waiting sale: its amount column
				waitingAt[termtext.Width(l[:strings.Index(l, "¥")])]++
			}
		}
		if len(amountAt) != 1 || len(countEnd) != 1 || len(waitingAt) != 1 {
			t.Errorf("%s: amounts start at cells %v, counts end at %v, waiting amounts at %v:\n%s", lang, amountAt, countEnd, waitingAt, out)
		}
		lines := 0
		for _, n := range amountAt {
			lines += n
		}
		if lines < 5 {
			t.Errorf("%s: only %d total lines checked:\n%s", lang, lines, out)
		}
	}
}
