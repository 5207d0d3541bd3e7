package journal

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// The database's GROUP BY puts every sale where Summarize (the sum over
// the rows, in Go) does: same counts and amounts by currency, method,
// status and till, on both backends.
func TestGroupsMatchSummarize(t *testing.T) { both(t, testGroupsMatchSummarize) }

func testGroupsMatchSummarize(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, handBuiltDay)
	ctx := context.Background()
	for _, loc := range []*time.Location{jst, time.UTC} {
		day := at(24, 12, 0, 0, loc)
		sales, err := j.Sales(ctx, Filter{Day: day, Loc: loc, Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		start, _ := dayRange(day, loc)
		want := Summarize(start, sales)
		got, err := j.SummaryOf(ctx, Scope{Day: day, Loc: loc})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Day.Equal(want.Day) {
			t.Errorf("%s: day %v, want %v", loc, got.Day, want.Day)
		}
		got.Day = want.Day
		if !reflect.DeepEqual(got, want) {
			gj, _ := json.MarshalIndent(got, "", " ")
			wj, _ := json.MarshalIndent(want, "", " ")
			t.Errorf("%s: aggregate differs from the rows\n got: %s\nwant: %s", loc, gj, wj)
		}
	}
}

// The bug: a method's failed, cancelled and unfinished sales were
// shown next to the takings as if taken ("Credit card 3 (¥6,500)" beside
// "captured ¥3,000"). A bucket's takings are its captured and net; gross
// is only what was asked for.
func TestSummaryByMethodCountsOnlyTakings(t *testing.T) {
	both(t, testSummaryByMethodCountsOnlyTakings)
}

func testSummaryByMethodCountsOnlyTakings(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, []daySale{
		{at(24, 10, 0, 0, jst), "A-1", komoju.TypeCreditCard, "JPY", 3000, 0, komoju.PaymentCaptured, OutcomePaid, 0},
		{at(24, 11, 0, 0, jst), "A-2", komoju.TypeCreditCard, "JPY", 2000, 0, komoju.PaymentFailed, OutcomeError, 0},
		{at(24, 12, 0, 0, jst), "A-3", komoju.TypeCreditCard, "JPY", 1500, 0, komoju.PaymentCancelled, OutcomeAuthorized, 0},
	})
	s, err := j.SummaryOf(context.Background(), Scope{Day: at(24, 9, 0, 0, jst)})
	if err != nil {
		t.Fatal(err)
	}
	cs := s.Currencies[0]
	card := cs.ByMethod[0]
	if card.Key != "credit_card" || card.Count != 3 || card.Paid != 1 || card.Captured != 3000 || card.Net != 3000 || card.Gross != 6500 {
		t.Errorf("credit card bucket = %+v; want 3 sales, 1 paid, captured and net ¥3,000 (gross ¥6,500 asked)", card)
	}
	if cs.Captured != 3000 || cs.Net != 3000 || cs.Paid != 1 {
		t.Errorf("day: paid %d captured %d net %d; want 1, 3000, 3000", cs.Paid, cs.Captured, cs.Net)
	}
}

// A store's journal: the close of one till counts its sales only; the
// store's has every till's, with each till's takings.
func TestSummaryPerTill(t *testing.T) { both(t, testSummaryPerTill) }

func testSummaryPerTill(t *testing.T) {
	path := testPath(t)
	ctx := context.Background()
	c := &clock{t: at(24, 10, 0, 0, jst)}
	var tills []*Journal
	for _, name := range []string{"front", "back"} {
		j, err := OpenWith(path, Options{Till: name, Now: c.now, BusyTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		tills = append(tills, j)
	}
	buildDay(t, tills[0], c, []daySale{
		{at(24, 10, 0, 0, jst), "F-1", komoju.TypeCreditCard, "JPY", 1000, 0, komoju.PaymentCaptured, OutcomePaid, 0},
		{at(24, 11, 0, 0, jst), "F-2", komoju.TypeKonbini, "JPY", 500, 0, komoju.PaymentAuthorized, OutcomeAwaiting, 0},
	})
	buildDay(t, tills[1], c, []daySale{
		{at(24, 12, 0, 0, jst), "B-1", komoju.TypeCreditCard, "JPY", 2000, 0, komoju.PaymentCaptured, OutcomePaid, 500},
	})
	store, err := tills[0].SummaryOf(ctx, Scope{Day: at(24, 0, 0, 0, jst)})
	if err != nil {
		t.Fatal(err)
	}
	cs := store.Currencies[0]
	want := []Bucket{
		{Key: "back", Count: 1, Gross: 2000, Paid: 1, Captured: 2000, Refunded: 500, Net: 1500},
		{Key: "front", Count: 2, Gross: 1500, Paid: 1, Captured: 1000, Net: 1000},
	}
	if store.Open != 1 {
		t.Errorf("store: %d open sales, want 1 (F-2)", store.Open)
	}
	if !reflect.DeepEqual(cs.ByTill, want) || cs.Net != 2500 {
		t.Errorf("store: by till %+v net %d; want %+v, net 2500", cs.ByTill, cs.Net, want)
	}
	front, err := tills[1].SummaryOf(ctx, Scope{Day: at(24, 0, 0, 0, jst), Till: "front"})
	if err != nil {
		t.Fatal(err)
	}
	if f := front.Currencies[0]; f.Sales != 2 || f.Net != 1000 || f.Authorized != 500 || front.Till != "front" {
		t.Errorf("front till: %+v", front)
	}
	un, err := tills[1].Unsettled(ctx, Scope{Day: at(24, 0, 0, 0, jst)})
	if err != nil || len(un) != 1 || un[0].OrderNum != "F-2" {
		t.Errorf("unsettled: %v, %v; want F-2 only", orders(un), err)
	}
	if un, _ := tills[1].Unsettled(ctx, Scope{Day: at(24, 0, 0, 0, jst), Till: "back"}); len(un) != 0 {
		t.Errorf("back till unsettled: %v; want none", orders(un))
	}
}
