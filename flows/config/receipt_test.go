package config

import (
	"flag"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/receipt"
)

// The shop's header and the printer come from the config file, the
// environment and the flags, in that order of precedence; a bad printer
// or format is refused by name before anything starts.
func TestShopAndPrinter(t *testing.T) {
	resolve := func(t *testing.T, args []string, env map[string]string) (Config, error) {
		t.Helper()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f := RegisterFlags(fs)
		f.RegisterReceiptFlags(fs, true)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, ok := env["XDG_CONFIG_HOME"]; !ok {
			env["XDG_CONFIG_HOME"] = t.TempDir()
		}
		return Resolve(f, func(k string) string { return env[k] })
	}
	dir := t.TempDir()
	writeFile(t, dir, "shop_name = \"喫茶コモジュ\"\nshop_address = [\"渋谷区1-2-3\", \"東京都\"]\nshop_phone = \"03-1234-5678\"\nprinter = \"192.168.1.50:9100\"\nprinter_format = \"text\"\n")
	c, err := resolve(t, nil, map[string]string{"XDG_CONFIG_HOME": dir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Shop.Name != "喫茶コモジュ" || len(c.Shop.Address) != 2 || c.Shop.Phone != "03-1234-5678" {
		t.Errorf("shop %+v", c.Shop)
	}
	if c.Printer.Target.Addr != "192.168.1.50:9100" || c.Printer.Format != receipt.FormatText {
		t.Errorf("printer %+v", c.Printer)
	}
	c, err = resolve(t, []string{"--printer", "/dev/usb/lp0", "--shop-name", "Flag Shop"}, map[string]string{"XDG_CONFIG_HOME": dir, "KOMOJU_TUI_SHOP_NAME": "Env Shop"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Printer.Target.Path != "/dev/usb/lp0" || c.Shop.Name != "Flag Shop" {
		t.Errorf("flags: %+v %+v", c.Printer, c.Shop)
	}
	c, err = resolve(t, nil, map[string]string{})
	if err != nil || c.Printer.Configured() {
		t.Errorf("no printer: %+v %v", c.Printer, err)
	}
	for _, args := range [][]string{{"--printer", "usb/lp0"}, {"--printer-format", "pdf"}, {"--printer", "host:99999"}} {
		if _, err := resolve(t, args, map[string]string{}); err == nil || !strings.Contains(err.Error(), "printer") {
			t.Errorf("%v: %v", args, err)
		}
	}
}
