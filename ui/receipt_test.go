package ui

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/receipt"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestPrintReceiptOnReceiptPrinter: with --printer host:port, p is offered
// (no lp needed), the status line says where the receipt went, and the
// printer receives ESC/POS with the SANDBOX mark, the shop's name and
// the last four digits only.
func TestPrintReceiptOnReceiptPrinter(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no lp
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- b
	}()
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Shop = receipt.Shop{Name: "Cafe Komoju", Phone: "03-1234-5678"}
	o.Printer, err = receipt.NewPrinter(ln.Addr().String(), "escpos")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, o, 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID", "p print")
	h.keys("p")
	h.waitText("Receipt sent to the printer " + ln.Addr().String())
	b := <-got
	for _, want := range [][]byte{{0x1b, '@'}, []byte(" SANDBOX \n"), []byte("Cafe Komoju"), []byte("Visa ****1111"), {0x1d, 'V'}} {
		if !bytes.Contains(b, want) {
			t.Errorf("printer did not get %q in %q", want, b)
		}
	}
	if bytes.Contains(b, []byte("4111111111111111")) || bytes.Contains(b, []byte("4111 1111")) {
		t.Error("the card number reached the printer")
	}

	// A printer that is gone: the status line names it.
	ln.Close()
	h.keys("p")
	h.waitText("Printing failed: printer " + ln.Addr().String())
}

// TestReceiptLiveHasNoMark: a LIVE receipt carries no SANDBOX/TEST mark, a
// test-mode one says TEST, and saving twice keeps both files.
func TestReceiptLiveHasNoMark(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Lang = "ja"
	h := newHarness(t, o, 120, 40)
	h.keys("1000", "tab", "ORDER-7", "enter")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	h.pickMethod("credit_card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("支払い完了")
	h.m.opts.Mode = "live"
	if rc := h.m.receiptText(h.m.outcome); strings.Contains(rc, "S A N D") || strings.Contains(rc, "T E S T") || strings.Contains(rc, "###") {
		t.Errorf("LIVE receipt with a mark:\n%s", rc)
	}
	h.m.opts.Mode = "test"
	if rc := h.m.receiptText(h.m.outcome); !strings.HasPrefix(rc, strings.Repeat("#", receipt.Width)+"\n##               T E S T") {
		t.Errorf("TEST receipt:\n%s", rc)
	}
	h.m.opts.Mode = "sandbox"
	h.keys("s")
	h.waitText("レシートを保存しました")
	h.keys("s")
	h.waitFor("second save", func(m Model) bool { return strings.Contains(m.status, "ORDER-7-2.txt") })
	for _, n := range []string{"receipt-ORDER-7.txt", "receipt-ORDER-7-2.txt"} {
		b, err := os.ReadFile(filepath.Join(env.dir, n))
		if err != nil || !strings.Contains(string(b), "レシート") || !strings.Contains(string(b), "S A N D B O X") {
			t.Errorf("%s: %v\n%s", n, err, b)
		}
	}
}

// TestReceiptFromDetails: the details screen of a paid sale offers s and
// p too (a reprint, refunds included); a konbini slip still waiting for
// the customer has no receipt.
func TestReceiptFromDetails(t *testing.T) {
	env := newEnv(t, envOpt{})
	dev := filepath.Join(env.dir, "lp0")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	o := env.options()
	var err error
	if o.Printer, err = receipt.NewPrinter(dev, "text"); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, o, 120, 40)
	h.keys("1500", "tab", "ORDER-9", "enter")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	h.keys("d")
	h.waitText("Timeline", "s save receipt", "p print")
	h.keys("s")
	h.waitText("Receipt saved to")
	b, err := os.ReadFile(filepath.Join(env.dir, "receipt-ORDER-9.txt"))
	if err != nil || !strings.Contains(string(b), "¥1,500") || !strings.Contains(string(b), h.m.payment.ID) {
		t.Fatalf("saved from details: %v\n%s", err, b)
	}
	h.keys("p")
	h.waitText("Receipt sent to the printer " + dev)
	if b, _ := os.ReadFile(dev); !strings.Contains(string(b), "ORDER-9") {
		t.Errorf("printed %q", b)
	}

	p := *h.m.payment
	p.Status = "authorized"
	p.PaymentDetails = nil
	if !hasReceipt(&p) {
		t.Error("a card authorization (two-step) has no receipt")
	}
	k := *h.m.payment
	k.Status = "authorized"
	k.PaymentDetails = &komoju.PaymentDetails{Type: komoju.TypeKonbini}
	if hasReceipt(&k) {
		t.Error("a konbini slip not paid yet has a receipt")
	}
}
