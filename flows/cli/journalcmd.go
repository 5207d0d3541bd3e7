package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const historyUsage = `Usage: komoju-tui history [--date YYYY-MM-DD] [--status STATUS] [--method METHOD]
         [--limit N] [--csv | --json]

List the sales in this till's journal, newest first: when, order number,
method (card as brand and last four digits), status and amounts. --date
keeps one local calendar day (also "today", "yesterday"); --status one
payment status (pending, authorized, captured, refunded, cancelled, expired,
failed). --csv and --json export the sales for spreadsheets and scripts.
`

const summaryUsage = `Usage: komoju-tui summary [--date YYYY-MM-DD] [--json]

Summarise a day's takings from the journal (default today, local time): per
currency the number of sales, captured, refunded, net and still-authorized
amounts, broken down by method and by status.
`

func (r *runner) history(args []string) int {
	fs, c := r.newFlagSet(true)
	date := fs.String("date", "", "only sales of this local day: YYYY-MM-DD, today or yesterday")
	status := fs.String("status", "", "only sales whose payment has this status")
	method := fs.String("method", "", "only sales paid with this method (credit_card, konbini, ...)")
	limit := fs.Int("limit", journal.DefaultLimit, "at most this many sales (0 for all)")
	csvOut := fs.Bool("csv", false, "print CSV (amounts in minor units and formatted)")
	pos, code, ok := r.parse(fs, historyUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	if len(pos) > 0 {
		r.usageError("", "history takes no arguments, only flags (got %q)", pos[0])
		return ExitUsage
	}
	if *csvOut && *c.json {
		r.usageError("--csv", "cannot be combined with --json; pick one")
		return ExitUsage
	}
	var f journal.Filter
	f.Loc = time.Local
	if *date != "" {
		d, err := parseDay(*date, time.Now())
		if err != nil {
			r.usageError("--date", "%s", err.Error())
			return ExitUsage
		}
		f.Day = d
	}
	if *status != "" {
		st, err := parseStatus(*status)
		if err != nil {
			r.usageError("--status", "%s", err.Error())
			return ExitUsage
		}
		f.Status = st
	}
	if *method != "" {
		t, err := parseMethod(*method)
		if err != nil {
			r.usageError("--method", "%s", err.Error())
			return ExitUsage
		}
		f.Method = t
	}
	switch {
	case *limit < 0:
		r.usageError("--limit", "cannot be negative (0 means all)")
		return ExitUsage
	case *limit == 0:
		f.Limit = -1
	default:
		f.Limit = *limit
	}
	b, ctx, done, code := r.start(c, true)
	if code != ExitOK {
		return code
	}
	defer done()
	sales, err := b.Journal.Sales(ctx, f)
	if err != nil {
		return r.fail(ExitFailure, "local", "reading the journal: %s", err.Error())
	}
	switch {
	case *csvOut:
		err = journal.WriteCSV(r.stdout, sales)
	case *c.json:
		err = journal.WriteJSON(r.stdout, sales)
	default:
		err = printSales(r.stdout, sales)
	}
	if err != nil {
		r.json = false // the JSON stream is broken already
		return r.fail(ExitFailure, "local", "writing the history: %s", err.Error())
	}
	return ExitOK
}

// printSales writes a table of sales.
func printSales(w io.Writer, sales []journal.Sale) error {
	if len(sales) == 0 {
		_, err := fmt.Fprintln(w, "No sales.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tORDER\tMETHOD\tSTATUS\tTOTAL\tREFUNDED\tPAYMENT")
	for i := range sales {
		s := &sales[i]
		m := s.MethodKey()
		if s.CardLast4 != "" {
			m += " " + s.CardBrand + " •••• " + s.CardLast4
		}
		refunded := ""
		if s.AmountRefunded > 0 {
			refunded = komoju.FormatAmount(s.AmountRefunded, s.Currency)
		}
		pid := s.PaymentID
		if pid == "" {
			pid = "-"
		}
		// Journal text can come from KOMOJU or a webhook: one inert cell each.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			s.CreatedAt.Local().Format("2006-01-02 15:04"), termtext.Line(s.OrderNum), termtext.Line(m), termtext.Line(s.StatusKey()),
			komoju.FormatAmount(s.Gross(), s.Currency), refunded, termtext.Line(pid))
	}
	return tw.Flush()
}

func (r *runner) summary(args []string) int {
	fs, c := r.newFlagSet(true)
	date := fs.String("date", "today", "local day to summarise: YYYY-MM-DD, today or yesterday")
	pos, code, ok := r.parse(fs, summaryUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	if len(pos) > 0 {
		r.usageError("", "summary takes no arguments, only flags (got %q)", pos[0])
		return ExitUsage
	}
	day, err := parseDay(*date, time.Now())
	if err != nil {
		r.usageError("--date", "%s", err.Error())
		return ExitUsage
	}
	b, ctx, done, code := r.start(c, true)
	if code != ExitOK {
		return code
	}
	defer done()
	sum, err := b.Journal.Summary(ctx, day, time.Local)
	if err != nil {
		return r.fail(ExitFailure, "local", "reading the journal: %s", err.Error())
	}
	if *c.json {
		if !r.writeJSON(sum) {
			return ExitFailure
		}
		return ExitOK
	}
	if err := printSummary(r.stdout, day, sum); err != nil {
		return r.fail(ExitFailure, "local", "writing the summary: %s", err.Error())
	}
	return ExitOK
}

// printSummary writes a day's takings per currency.
func printSummary(w io.Writer, day time.Time, s journal.Summary) error {
	fmt.Fprintf(w, "Summary for %s (local time)\n", day.Format("2006-01-02"))
	if len(s.Currencies) == 0 {
		_, err := fmt.Fprintln(w, "No sales.")
		return err
	}
	for _, cs := range s.Currencies {
		f := func(v int64) string { return komoju.FormatAmount(v, cs.Currency) }
		fmt.Fprintf(w, "\n%s: %d sale(s)\n", cs.Currency, cs.Sales)
		line(w, "captured", f(cs.Captured))
		line(w, "refunded", f(cs.Refunded))
		line(w, "net", f(cs.Net))
		line(w, "authorized", f(cs.Authorized)+" (held or awaiting the customer)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, group := range []struct {
			title   string
			buckets []journal.Bucket
		}{{"BY METHOD", cs.ByMethod}, {"BY STATUS", cs.ByStatus}} {
			if len(group.buckets) == 0 {
				continue
			}
			fmt.Fprintf(tw, "  %s\tCOUNT\tGROSS\tCAPTURED\tREFUNDED\tNET\n", group.title)
			for _, bk := range group.buckets {
				fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\n", termtext.Line(strings.ToLower(bk.Key)), bk.Count, f(bk.Gross), f(bk.Captured), f(bk.Refunded), f(bk.Net))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
