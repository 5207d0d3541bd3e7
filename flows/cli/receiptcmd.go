package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/receipt"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const receiptUsage = `Usage: komoju-tui receipt ORDER [--print PRINTER] [--format escpos|text] [--save] [--json]

Make the customer's receipt of a sale from the payment as KOMOJU has it now
(refunds included): the shop (shop_name, shop_address, shop_phone in the
config file, or --shop-name), date and time in JST, till, order number,
items, tax, total, method (card brand and last four, konbini store and
receipt number, wallet), payment id, capture status, refunds and net, and
a large SANDBOX or TEST mark outside LIVE. --lang ja writes it in Japanese.
ORDER is an order number or session id from the journal, or a payment id.

Without --print or --save the receipt is written to stdout as text.
--print sends it to a printer: a device path (/dev/usb/lp0), host:port
(192.168.1.50:9100, raw TCP) or "config" (the printer setting), as
ESC/POS for a receipt printer (the default; --printer-format or
printer_format in the config file set it) or --format text for any
printer. --save keeps a copy under the data directory
($XDG_DATA_HOME/komoju-tui/exports), 0600, never over another.
Only a paid or authorized sale has a receipt (exit 7 otherwise).
`

// receiptJSON is receipt's --json result.
type receiptJSON struct {
	OK        bool   `json:"ok"`
	ExitCode  int    `json:"exit_code"`
	OrderNum  string `json:"order_num,omitempty"`
	PaymentID string `json:"payment_id"`
	Saved     string `json:"saved,omitempty"`
	Printed   string `json:"printed,omitempty"`
	Text      string `json:"text"`
}

func (r *runner) receipt(args []string) int {
	fs, c := r.newFlagSet(true)
	c.cfg.RegisterReceiptFlags(fs, false)
	printTo := fs.String("print", "", "send the receipt to this printer: a device path (/dev/usb/lp0), host:9100, or \"config\" for the printer setting (env KOMOJU_TUI_PRINTER, config file)")
	format := fs.String("format", "", "escpos (receipt printers; the default) or text, with --print")
	save := fs.Bool("save", false, "save the receipt under the data directory (never over another file)")
	pos, code, ok := r.parse(fs, receiptUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	id, ok := r.paymentArg(pos)
	if !ok {
		return ExitUsage
	}
	if *printTo == "" && *format != "" {
		r.usageError("--format", "only applies with --print (stdout gets the text receipt)")
		return ExitUsage
	}
	cfg, ok := r.resolve(c)
	if !ok {
		return ExitUsage
	}
	var printer receipt.Printer
	if *printTo != "" {
		f := string(cfg.Printer.Format) // --printer-format, env or config file
		if *format != "" {
			f = *format
		}
		target := *printTo
		if target == "config" {
			if !cfg.Printer.Configured() {
				r.usageError("--print", "no printer is set (env KOMOJU_TUI_PRINTER or printer in the config file)")
				return ExitUsage
			}
			target = cfg.Printer.Target.String()
		}
		var err error
		if printer, err = receipt.NewPrinter(target, f); err != nil {
			r.usageError("--print", "%s", r.problem(err))
			return ExitUsage
		}
	}
	// r.start, with the configuration already resolved above.
	b, ok := r.open(cfg)
	if !ok {
		return ExitFailure
	}
	ctx, cancel := r.withTimeout(c, 0)
	defer func() { cancel(); closeBackend(b, r.stderr) }()

	var sale *journal.Sale
	if b.Journal != nil {
		s, err := b.Journal.SaleByOrder(ctx, id)
		if err != nil {
			s, err = b.Journal.SaleBySession(ctx, id)
		}
		if err == nil {
			if s.PaymentID == "" {
				return r.fail(ExitNotCompleted, "not_completed", "sale %s has no payment: there is nothing to give a receipt for", s.OrderNum)
			}
			sale = &s
			id = s.PaymentID
		}
	}
	o, err := b.Engine.Refresh(ctx, id)
	if err != nil || o.Payment == nil {
		if lo := lookupOutcome(err); lo.Err != nil && komoju.IsNotFound(lo.Err) {
			o = lo
		}
		code := opExit(o, err)
		if code == ExitOK {
			code = ExitAPI
		}
		r.report(r.name, o, err, code, false, false)
		return code
	}
	p := o.Payment
	if !receipt.For(p) {
		return r.fail(ExitNotCompleted, "not_completed", "payment %s is %s and not paid yet: it has a receipt once the customer has paid", p.ID, statusName(string(p.Status), r.language()))
	}
	if sale == nil && b.Journal != nil {
		if s, err := b.Journal.SaleByPayment(ctx, p.ID); err == nil {
			sale = &s
		}
	}
	rc := receipt.Receipt{
		Shop: cfg.Shop, Mode: string(cfg.Mode), Till: cfg.Till, Lang: cfg.Lang,
		OrderNum: o.OrderNum, Payment: p,
	}
	if sale != nil {
		rc.OrderNum = sale.OrderNum
		if sale.Till != "" {
			rc.Till = sale.Till // the till that took the sale, not this one
		}
	}
	if rc.Shop.Name == "" {
		rc.Shop.Name = "KOMOJU POS"
	}
	out := receiptJSON{OK: true, OrderNum: rc.OrderNum, PaymentID: p.ID, Text: rc.Text()}
	word := func(id string, args ...any) string {
		s, _ := words.Lookup(id, cfg.Lang)
		return fmt.Sprintf(s, args...)
	}
	if *save {
		dir := receipt.DefaultDir(r.getenv)
		path, err := receipt.Save(dir, rc)
		if err != nil {
			return r.fail(ExitFailure, "local", "%s: %s", word("slip_save_failed"), err)
		}
		out.Saved, _ = filepath.Abs(path)
		fmt.Fprintln(r.stderr, word("slip_saved", out.Saved))
	}
	if printer.Configured() {
		if err := printer.Print(ctx, rc); err != nil {
			return r.fail(ExitFailure, "printer", "%s: %s", word("slip_print_failed"), err)
		}
		out.Printed = printer.Target.String()
		fmt.Fprintln(r.stderr, word("slip_printed", out.Printed))
	}
	if r.json {
		r.writeJSON(out)
		return ExitOK
	}
	if !*save && !printer.Configured() {
		fmt.Fprint(r.stdout, strings.TrimRight(out.Text, "\n")+"\n")
	}
	return ExitOK
}
