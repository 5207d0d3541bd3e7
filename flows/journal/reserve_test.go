package journal

import (
	"context"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// ReserveSale takes an intent as BeginSale does: no capture mode means
// auto, and the currency is normalised. It used to check a copy and
// insert the original, so such an intent failed on the table's CHECK.
func TestReserveSaleNormalisesTheIntent(t *testing.T) { both(t, testReserveSaleNormalisesTheIntent) }

func testReserveSaleNormalisesTheIntent(t *testing.T) {
	j, _ := openTest(t)
	in := intent("")
	in.Capture = ""
	in.Currency = " jpy"
	id, num, err := j.ReserveSale(context.Background(), in, "POS-20261124-", "")
	if err != nil {
		t.Fatalf("ReserveSale: %v", err)
	}
	s, err := j.Sale(context.Background(), id)
	if err != nil || s.OrderNum != num || num != "POS-20261124-0001" || s.Capture != komoju.CaptureAuto || s.Currency != "JPY" {
		t.Fatalf("reserved %q: order %q capture %q currency %q, %v; want POS-20261124-0001, auto, JPY", num, s.OrderNum, s.Capture, s.Currency, err)
	}
}
