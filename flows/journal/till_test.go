package journal

import (
	"context"
	"testing"
)

// Two tills on one journal: each sale names the till that began it, a
// till's history can be asked for alone, and a till that takes over
// another's orphaned sale does not rename it.
func TestSaleRecordsItsTill(t *testing.T) { both(t, testSaleRecordsItsTill) }

func testSaleRecordsItsTill(t *testing.T) {
	path := testPath(t)
	ctx := context.Background()
	front, back := openTill(t, path, "front"), openTill(t, path, "back")
	f1, _, err := front.ReserveSale(ctx, intent(""), "POS-20261124-", "")
	if err != nil {
		t.Fatal(err)
	}
	b1, err := back.BeginSale(ctx, intent("POS-BACK-1"))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{f1: "front", b1: "back"} {
		s, err := back.Sale(ctx, id)
		if err != nil || s.Till != want {
			t.Errorf("sale %d: till %q, %v; want %q", id, s.Till, err, want)
		}
	}
	all, err := front.Sales(ctx, Filter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("all tills: %d sales, %v; want 2", len(all), err)
	}
	only, err := front.Sales(ctx, Filter{Till: "back"})
	if err != nil || len(only) != 1 || only[0].ID != b1 {
		t.Fatalf("till back: %+v, %v; want sale %d only", only, err, b1)
	}
	// The back till closes (its sale is now an orphan) and the front
	// till takes it over: the sale still says who took it.
	back.Close()
	if err := front.Claim(ctx, b1); err != nil {
		t.Fatal(err)
	}
	if s, err := front.Sale(ctx, b1); err != nil || s.Till != "back" || s.Owner != front.OwnerID() {
		t.Fatalf("claimed sale: till %q owner %q, %v; want till back, owner %s", s.Till, s.Owner, err, front.OwnerID())
	}
}

// KnowsTill and Tills: a till is known once it has a sale in the journal
// or an owner row there; a name nobody used is not; Tills lists them once
// each, sorted.
func TestKnowsTill(t *testing.T) { both(t, testKnowsTill) }

func testKnowsTill(t *testing.T) {
	path := testPath(t)
	ctx := context.Background()
	front := openTill(t, path, "front")
	for _, till := range []string{"front", "back"} {
		if ok, err := front.KnowsTill(ctx, till); err != nil || ok {
			t.Fatalf("%s before any sale: %v, %v; want unknown", till, ok, err)
		}
	}
	if _, _, err := front.ReserveSale(ctx, intent(""), "POS-20261124-", ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := front.ReserveSale(ctx, intent(""), "POS-20261124-", ""); err != nil {
		t.Fatal(err)
	}
	back := openTill(t, path, "back")
	if _, err := back.BeginSale(ctx, intent("POS-BACK-1")); err != nil {
		t.Fatal(err)
	}
	for till, want := range map[string]bool{"front": true, "back": true, "Front": false, "side": false, "": false} {
		if ok, err := back.KnowsTill(ctx, till); err != nil || ok != want {
			t.Errorf("KnowsTill(%q) = %v, %v; want %v", till, ok, err, want)
		}
	}
	if tills, err := back.Tills(ctx); err != nil || len(tills) != 2 || tills[0] != "back" || tills[1] != "front" {
		t.Errorf("Tills = %q, %v; want [back front]", tills, err)
	}
}

// openTill opens the journal at path as till, closed when the test ends.
func openTill(t *testing.T, path, till string) *Journal {
	t.Helper()
	j, err := OpenWith(path, Options{Till: till})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}
