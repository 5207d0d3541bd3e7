package flows

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

func TestCheckoutValidate(t *testing.T) {
	good := Checkout{Amount: 1000, Currency: "jpy", OrderNum: "POS-20261124-0001"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid checkout: %v", err)
	}
	n := good.Normalized()
	if n.Currency != "JPY" || n.Capture != komoju.CaptureAuto || n.Flow != FlowSession || n.Tax != 0 {
		t.Errorf("defaults = %+v (want JPY, auto, session, tax 0)", n)
	}
	cases := []struct {
		name  string
		edit  func(*Checkout)
		field string
		words string
	}{
		{"zero amount", func(c *Checkout) { c.Amount = 0 }, FieldAmount, "greater than 0"},
		{"negative amount", func(c *Checkout) { c.Amount = -5 }, FieldAmount, "greater than 0"},
		{"huge amount", func(c *Checkout) { c.Amount = 1 << 62 }, FieldAmount, "too large"},
		{"negative tax", func(c *Checkout) { c.Tax = -1 }, FieldTax, "negative"},
		{"unknown currency", func(c *Checkout) { c.Currency = "XYZ" }, FieldCurrency, "XYZ"},
		{"no order number", func(c *Checkout) { c.OrderNum = "" }, FieldOrderNum, "required"},
		{"order number with space", func(c *Checkout) { c.OrderNum = "POS 1" }, FieldOrderNum, "no spaces"},
		{"bad email", func(c *Checkout) { c.Email = "nope" }, FieldEmail, "email address"},
		{"bad capture", func(c *Checkout) { c.Capture = "later" }, FieldCapture, "auto or manual"},
		{"bad flow", func(c *Checkout) { c.Flow = "carrier-pigeon" }, FieldFlow, "session or direct"},
		{"bad return url", func(c *Checkout) { c.ReturnURL = "ftp://x" }, FieldReturnURL, "http"},
		{"long metadata key", func(c *Checkout) { c.Metadata = map[string]string{strings.Repeat("k", 31): "v"} }, FieldMetadata, "30"},
		{"line items mismatch", func(c *Checkout) {
			c.LineItems = []komoju.LineItem{{Amount: 300, Description: "Tea", Quantity: 2}}
		}, FieldLineItems, "add up to ¥600"},
		{"card number in description", func(c *Checkout) { c.Description = "paid with 4111 1111 1111 1111" }, FieldDescription, "card number"},
		{"card number in name", func(c *Checkout) { c.Name = "4111-1111-1111-1111" }, FieldName, "card number"},
		{"card number in metadata", func(c *Checkout) { c.Metadata = map[string]string{"note": "5555555555554444"} }, FieldMetadata, "card number"},
		{"line item without description", func(c *Checkout) {
			c.LineItems = []komoju.LineItem{{Amount: 1000}}
		}, FieldLineItems, "description"},
	}
	for _, c := range cases {
		co := good
		c.edit(&co)
		err := co.Validate()
		var fe FieldErrors
		if !errors.As(err, &fe) {
			t.Errorf("%s: Validate() = %v, want FieldErrors", c.name, err)
			continue
		}
		if msg := fe.For(c.field); !strings.Contains(msg, c.words) {
			t.Errorf("%s: %s error = %q (all: %v), want it to say %q", c.name, c.field, msg, fe, c.words)
		}
	}
	// Every problem is reported at once, each naming its field.
	err := Checkout{Amount: 0, Currency: "XYZ", Email: "x"}.Validate()
	if got := err.Error(); !strings.Contains(got, "amount:") || !strings.Contains(got, "currency:") || !strings.Contains(got, "order_num:") || !strings.Contains(got, "email:") {
		t.Errorf("combined error = %q", got)
	}
	ok := good
	ok.LineItems = []komoju.LineItem{{Amount: 300, Description: "Tea", Quantity: 2}, {Amount: 400, Description: "Cake"}}
	if err := ok.Validate(); err != nil {
		t.Errorf("matching line items: %v", err)
	}
	// Long digit runs that are not card numbers are fine (phone numbers,
	// order references).
	ok.Description = "call 090-1234-5678, ref 2026-1124-0005, order POS-20261124-0005"
	ok.OrderNum = "POS-20261124-0005"
	if err := ok.Validate(); err != nil {
		t.Errorf("ordinary digits refused: %v", err)
	}
	if (FieldErrors(nil)).Err() != nil {
		t.Error("empty FieldErrors is a non-nil error")
	}
}

func TestParseFlow(t *testing.T) {
	for in, want := range map[string]Flow{"": FlowSession, "session": FlowSession, "Direct": FlowDirect, "2": FlowDirect} {
		if got, err := ParseFlow(in); err != nil || got != want {
			t.Errorf("ParseFlow(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseFlow("fax"); err == nil {
		t.Error("ParseFlow accepted fax")
	}
}

func TestOrderNumbers(t *testing.T) {
	now := time.Date(2026, 11, 24, 23, 59, 0, 0, journal.JST)
	clock := func() time.Time { return now }
	g := NewOrderNumbers(OrderNumbersOptions{Now: clock})
	if a, b := g.Next(), g.Next(); a != "POS-20261124-0001" || b != "POS-20261124-0002" {
		t.Fatalf("first numbers = %s, %s", a, b)
	}
	now = now.Add(2 * time.Minute) // next day: the sequence restarts
	if got := g.Next(); got != "POS-20261125-0001" {
		t.Errorf("next day = %s", got)
	}

	// A restart continues after the journal's last number of the day.
	g = NewOrderNumbers(OrderNumbersOptions{Prefix: "TILL2", Now: clock, Last: func(p string) (string, error) {
		if p != "TILL2-20261125-" {
			t.Errorf("Last asked for %q", p)
		}
		return "TILL2-20261125-0041-K3F", nil
	}})
	if got := g.Next(); got != "TILL2-20261125-0042" {
		t.Errorf("after restart = %s", got)
	}

	// Another process took the next numbers: they are skipped.
	used := map[string]bool{"POS-20261125-0001": true, "POS-20261125-0002": true}
	g = NewOrderNumbers(OrderNumbersOptions{Now: clock, Taken: func(n string) (bool, error) { return used[n], nil }})
	if got := g.Next(); got != "POS-20261125-0003" {
		t.Errorf("with taken numbers = %s", got)
	}
	// Someone keeps taking every number: a random suffix ends the race.
	g = NewOrderNumbers(OrderNumbersOptions{Now: clock, Taken: func(n string) (bool, error) {
		return !strings.Contains(n[len("POS-20261125-"):], "-"), nil
	}})
	if got := g.Next(); len(got) != len("POS-20261125-0021-ABC") || !strings.HasPrefix(got, "POS-20261125-0021-") {
		t.Errorf("racing = %s", got)
	}

	// Concurrent callers never get the same number.
	g = NewOrderNumbers(OrderNumbersOptions{Now: clock})
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				n := g.Next()
				mu.Lock()
				if seen[n] {
					t.Errorf("duplicate %s", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 400 || !seen[fmt.Sprintf("POS-20261125-%04d", 400)] {
		t.Errorf("got %d numbers", len(seen))
	}
	if err := ValidateOrderNum(g.Next()); err != nil {
		t.Errorf("generated number fails validation: %v", err)
	}
}

// TestOrderNumbersOnTheShopsDay: the date in an order number is the shop's
// day in Japan time, the day History and the close list the sale under,
// whatever zone the clock's times carry. At 00:30 JST a machine on UTC is
// still on the previous day: its numbers used to carry that day, so the
// sale "POS-20261124-…" was listed under the 25th.
func TestOrderNumbersOnTheShopsDay(t *testing.T) {
	for _, loc := range []*time.Location{time.UTC, time.FixedZone("EST", -5*3600), journal.JST} {
		now := time.Date(2026, 11, 24, 15, 30, 0, 0, time.UTC).In(loc) // 2026-11-25 00:30 JST
		g := NewOrderNumbers(OrderNumbersOptions{Now: func() time.Time { return now }})
		if got := g.Next(); got != "POS-20261125-0001" {
			t.Errorf("clock in %s: %s, want the shop's day POS-20261125-0001", loc, got)
		}
		if got := g.DayPrefix(); got != "POS-20261125-" {
			t.Errorf("clock in %s: day prefix %s", loc, got)
		}
	}
}
