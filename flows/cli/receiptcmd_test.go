package cli

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/words"
)

// receipt ORDER writes the receipt of a sale (refunds included) as text,
// with the SANDBOX mark; --lang ja writes it in Japanese; --save keeps a
// copy under the data directory without overwriting; --print sends
// ESC/POS to a printer on host:port.
func TestReceiptCommand(t *testing.T) {
	h := newHarness(t)
	h.env["XDG_DATA_HOME"] = filepath.Join(h.dir, "data")
	code, o, _ := h.payJSON("2000", append(cardArgs(testCard), "--order", "SHOP-0001")...)
	if code != ExitOK {
		t.Fatalf("pay: %d %+v", code, o)
	}
	if code, out, errOut := h.run("refund", o.PaymentID, "--amount", "500"); code != ExitOK {
		t.Fatalf("refund: %d %s %s", code, out, errOut)
	}

	code, out, errOut := h.run("receipt", "SHOP-0001")
	if code != ExitOK {
		t.Fatalf("receipt: %d %s", code, errOut)
	}
	for _, want := range []string{"S A N D B O X", "KOMOJU POS", "RECEIPT", "SHOP-0001", "¥2,000", "Visa ****1111", o.PaymentID, "Refund", "-¥500", "NET", "¥1,500"} {
		if !strings.Contains(out, want) {
			t.Errorf("receipt lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testCard) || strings.Contains(out, "4111 1111") {
		t.Error("card number on the receipt")
	}

	code, out, _ = h.runEnv(map[string]string{"KOMOJU_TUI_SHOP_NAME": "喫茶コモジュ"}, "receipt", o.PaymentID, "--lang", "ja", "--save")
	if code != ExitOK || out != "" {
		t.Fatalf("--save: %d %q", code, out)
	}
	for i, n := range []string{"receipt-SHOP-0001.txt", "receipt-SHOP-0001-2.txt"} {
		if i == 1 {
			if code, _, errOut := h.run("receipt", "SHOP-0001", "--save"); code != ExitOK {
				t.Fatal(errOut)
			}
		}
		p := filepath.Join(h.dir, "data", "komoju-tui", "exports", n)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if i == 0 && (!strings.Contains(string(b), "喫茶コモジュ") || !strings.Contains(string(b), "差引合計")) {
			t.Errorf("Japanese receipt:\n%s", b)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", n, fi.Mode())
		}
	}

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
	code, _, errOut = h.run("receipt", "SHOP-0001", "--print", ln.Addr().String())
	if code != ExitOK || !strings.Contains(errOut, "Receipt sent to the printer "+ln.Addr().String()) {
		t.Fatalf("--print: %d %s", code, errOut)
	}
	b := <-got
	if !bytes.HasPrefix(b, []byte{0x1b, '@'}) || !bytes.Contains(b, []byte(" SANDBOX \n")) || !bytes.HasSuffix(b, []byte{0x1d, 'V', 66, 0}) {
		t.Errorf("printer got %q", b)
	}

	// A printer nobody answers on: exit 1, the printer named.
	ln.Close()
	code, _, errOut = h.run("receipt", "SHOP-0001", "--print", ln.Addr().String())
	if code != ExitFailure || !strings.Contains(errOut, "printer "+ln.Addr().String()) {
		t.Errorf("dead printer: %d %s", code, errOut)
	}
}

// A sale nobody paid yet has no receipt; bad flags are usage errors.
func TestReceiptCommandRefuses(t *testing.T) {
	h := newHarness(t)
	code, o, _ := h.payJSON("1000", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
	if code != ExitOK || o.Outcome != "awaiting" {
		t.Fatalf("konbini: %d %+v", code, o)
	}
	// A konbini slip waits as "authorized" at KOMOJU: the refusal said
	// "only a paid or authorized sale has a receipt" of an authorized one.
	if code, _, errOut := h.run("receipt", o.OrderNum); code != ExitNotCompleted || !strings.Contains(errOut, " is authorized and not paid yet: it has a receipt once the customer has paid") {
		t.Errorf("awaiting: %d %s", code, errOut)
	}
	// In Japanese, the status too (it was printed raw).
	ja := "は" + words.Status("authorized", "ja") + "で、まだ支払われていません"
	if code, _, errOut := h.run("receipt", o.OrderNum, "--lang", "ja"); code != ExitNotCompleted || !strings.Contains(strings.ReplaceAll(errOut, " ", ""), ja) {
		t.Errorf("awaiting, ja: %d %s; want %q", code, errOut, ja)
	}
	for _, args := range [][]string{{"receipt"}, {"receipt", "X", "--format", "escpos"}, {"receipt", "X", "--print", "usb/lp0"}, {"receipt", "X", "--print", "/dev/null", "--format", "pdf"}} {
		if code, _, _ := h.run(args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// --print config uses the printer setting (here the environment); with
// none set it is a usage error naming where to set one.
func TestReceiptPrintConfig(t *testing.T) {
	h := newHarness(t)
	code, o, _ := h.payJSON("1000", cardArgs(testCard)...)
	if code != ExitOK {
		t.Fatal(code)
	}
	if code, _, errOut := h.run("receipt", o.OrderNum, "--print", "config"); code != ExitUsage || !strings.Contains(errOut, "KOMOJU_TUI_PRINTER") {
		t.Errorf("no printer: %d %s", code, errOut)
	}
	dev := filepath.Join(h.dir, "lp0")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := h.runEnv(map[string]string{"KOMOJU_TUI_PRINTER": dev, "KOMOJU_TUI_PRINTER_FORMAT": "text"}, "receipt", o.OrderNum, "--print", "config")
	if code != ExitOK {
		t.Fatalf("%d %s", code, errOut)
	}
	b, _ := os.ReadFile(dev)
	if !strings.Contains(string(b), "S A N D B O X") || !strings.HasSuffix(string(b), "\f") {
		t.Errorf("device got %q", b)
	}
}
