package receipt

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

// fakePrinter is a raw-port (9100) receipt printer on 127.0.0.1: it
// returns what one job sent.
func fakePrinter(t *testing.T) (addr string, got <-chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		ch <- b
	}()
	return ln.Addr().String(), ch
}

func TestPrintESCPOSOverTCP(t *testing.T) {
	addr, got := fakePrinter(t)
	p, err := NewPrinter(addr, "escpos")
	if err != nil {
		t.Fatal(err)
	}
	r := cases()["card_refunds_ja_sandbox"]
	if err := p.Print(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	b := <-got
	// Initialise first, cut last.
	if !bytes.HasPrefix(b, []byte{0x1b, '@'}) {
		t.Errorf("does not start with ESC @: % x", b[:8])
	}
	if !bytes.HasSuffix(b, []byte{0x1d, 'V', 66, 0}) {
		t.Errorf("does not end with the cut GS V: % x", b[len(b)-8:])
	}
	// Kanji mode with Shift_JIS, Japan's character set for ¥.
	for name, seq := range map[string][]byte{"ESC t 1": {0x1b, 't', 1}, "ESC R 8": {0x1b, 'R', 8}, "FS C 1": {0x1c, 'C', 1}, "FS &": {0x1c, '&'}} {
		if !bytes.Contains(b, seq) {
			t.Errorf("no %s", name)
		}
	}
	// The mark: double size, emphasised, reversed, at the top and the bottom.
	mark := []byte("\x1b\x61\x01\x1d\x21\x11\x1b\x45\x01\x1d\x42\x01 SANDBOX \n")
	if n := bytes.Count(b, mark); n != 2 {
		t.Errorf("SANDBOX mark %d times, want 2", n)
	}
	// The Japanese text is Shift_JIS: 合計 is 8d 87 8c 76, and ¥ is 0x5C.
	sj, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("合計"))
	if !bytes.Equal(sj, []byte{0x8d, 0x87, 0x8c, 0x76}) {
		t.Fatalf("encoder: % x", sj)
	}
	if !bytes.Contains(b, sj) || !bytes.Contains(b, []byte("\\2,640")) {
		t.Errorf("no Shift_JIS 合計 ¥2,640 in % x", b)
	}
	// The total is emphasised and double height.
	if !bytes.Contains(b, append([]byte{0x1b, 'E', 1, 0x1d, '!', 1}, sj...)) {
		t.Errorf("the total is not emphasised and tall")
	}
	if bytes.Contains(b, []byte("合計")) {
		t.Error("UTF-8 text sent to the printer")
	}
}

// An English LIVE receipt is plain ASCII: no kanji mode, no mark.
func TestESCPOSEnglishLive(t *testing.T) {
	b := cases()["card_en_live"].ESCPOS()
	if bytes.Contains(b, []byte{0x1c, '&'}) || bytes.Contains(b, []byte("SANDBOX")) || bytes.Contains(b, []byte{0x1d, 'B', 1}) {
		t.Errorf("kanji mode or mark on an English LIVE receipt: %q", b)
	}
	for _, c := range b {
		if c >= 0x80 {
			t.Fatalf("byte %#x on an ASCII receipt", c)
		}
	}
	if !bytes.Contains(b, []byte("TOTAL")) || !bytes.Contains(b, []byte("\\2,640")) {
		t.Errorf("no total: %q", b)
	}
}

// A device path (a file here) receives the same bytes, appended; a path
// that does not exist is an error naming it, and no file is created.
func TestPrintToDevicePath(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "lp0")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := cases()["paypay_en_test"]
	p, err := NewPrinter(dev, "escpos")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Print(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dev)
	if !bytes.Equal(b, r.ESCPOS()) || !bytes.Contains(b, []byte(" TEST \n")) {
		t.Errorf("device got %q", b)
	}
	pt, _ := NewPrinter(dev, "text")
	if err := pt.Print(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(dev)
	if !bytes.HasSuffix(b, []byte(r.Text()+"\f")) {
		t.Errorf("text print: %q", b)
	}

	missing := filepath.Join(dir, "usb", "lp9")
	pm, _ := NewPrinter(missing, "")
	err = pm.Print(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing device: %v", err)
	}
	if _, serr := os.Stat(missing); serr == nil {
		t.Error("printing created a file")
	}
}

func TestPrintErrorsNameThePrinter(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nobody listens: connection refused
	p, _ := NewPrinter(addr, "")
	err := p.Print(context.Background(), cases()["card_en_live"])
	if err == nil || !strings.Contains(err.Error(), "printer "+addr) {
		t.Errorf("refused: %v", err)
	}

	// A printer that never takes the job (a FIFO nobody reads blocks the
	// open, as a USB printer that is off may): the timeout ends it.
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	p = Printer{Target: Target{Path: fifo}, Format: FormatText, Timeout: 50 * time.Millisecond}
	err = p.Print(context.Background(), cases()["card_en_live"])
	if err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "did not take the receipt") {
		t.Errorf("stuck printer: %v", err)
	}
	// The printer comes back after the job was given up: it must not
	// print a receipt the clerk was told had failed (a retry would print
	// two). Opening the reader lets the blocked open finish; ReadAll ends
	// when that side closes.
	f, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	late, _ := io.ReadAll(f)
	f.Close()
	if len(late) != 0 {
		t.Errorf("a timed-out job printed later: %q", late)
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{
		"/dev/usb/lp0":        {Path: "/dev/usb/lp0"},
		"./receipt.bin":       {Path: "./receipt.bin"},
		"192.168.1.50:9100":   {Addr: "192.168.1.50:9100"},
		"printer.local":       {Addr: "printer.local:9100"},
		"tcp://10.0.0.7":      {Addr: "10.0.0.7:9100"},
		"tcp://10.0.0.7:9101": {Addr: "10.0.0.7:9101"},
		"[fe80::1]:9100":      {Addr: "[fe80::1]:9100"},
	} {
		got, err := ParseTarget(in)
		if err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "dev/usb/lp0", "host:0", "host:http", ":9100"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil || !strings.Contains(err.Error(), "escpos or text") {
		t.Errorf("format: %v", err)
	}
}

// Saving never overwrites: the second receipt of an order gets -2; files
// are 0600.
func TestSaveNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exports")
	r := cases()["card_en_sandbox"]
	p1, err := Save(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	r2 := cases()["card_refunds_en_sandbox"]
	p2, err := Save(dir, r2)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p1) != "receipt-POS-K3F9-20261202-0001.txt" || filepath.Base(p2) != "receipt-POS-K3F9-20261202-0001-2.txt" {
		t.Errorf("names %s, %s", p1, p2)
	}
	b1, _ := os.ReadFile(p1)
	if string(b1) != r.Text() {
		t.Error("the first receipt was overwritten")
	}
	fi, _ := os.Stat(p2)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	// A symlink planted under the next name is skipped, not followed.
	target := filepath.Join(t.TempDir(), "victim")
	os.Symlink(target, filepath.Join(dir, "receipt-POS-K3F9-20261202-0001-3.txt"))
	p3, err := Save(dir, r)
	if err != nil || filepath.Base(p3) != "receipt-POS-K3F9-20261202-0001-4.txt" {
		t.Errorf("after a symlink: %s %v", p3, err)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("wrote through a symlink")
	}
	// An order number cannot name another directory.
	r.OrderNum = "../../etc/passwd"
	if n := r.FileName(); strings.Contains(n, "/") {
		t.Errorf("file name %q", n)
	}
}
