package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const historyUsage = `Usage: komoju-tui history [--date YYYY-MM-DD] [--status STATUS] [--method METHOD]
         [--till NAME|all] [--limit N] [--csv | --json]

List the sales in the journal, newest first: when, order number, method
(card as brand and last four digits), status and amounts. --date keeps one
local calendar day (also "today", "yesterday"); --status one payment status
(pending, authorized, captured, refunded, cancelled, expired, failed);
--till one till's sales (default all: every till on the journal). --csv and
--json export the sales for spreadsheets and scripts.
`

const summaryUsage = `Usage: komoju-tui summary [--date YYYY-MM-DD] [--till NAME|all] [--json]

Summarise a day's takings from the journal (default today, local time): per
currency the number of sales, captured, refunded, net and still-authorized
amounts, broken down by method, by status and by till. A method's takings
are its paid sales' captured and net amounts; failed, cancelled and
unfinished sales count as sales only. --till keeps one till's sales
(default all: every till on the journal). The journal only: komoju-tui
close asks KOMOJU about the open sales first.
`

func (r *runner) history(args []string) int {
	fs, c := r.newFlagSet(true)
	date := fs.String("date", "", "only sales of this local day: YYYY-MM-DD, today or yesterday")
	status := fs.String("status", "", "only sales whose payment has this status")
	method := fs.String("method", "", "only sales paid with this method (credit_card, konbini, ...)")
	limit := fs.Int("limit", journal.DefaultLimit, "at most this many sales (0 for all)")
	csvOut := fs.Bool("csv", false, "print CSV (amounts in minor units and formatted)")
	till := tillFlag(fs, c, "only this till's sales, or \"all\" (the default: every till on the journal)")
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
	if t := till(); t != flows.TillAll {
		f.Till = t
	}
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
	till := tillFlag(fs, c, "only this till's sales, or \"all\" (the default: every till on the journal)")
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
	sc := journal.Scope{Day: day, Loc: time.Local}
	if t := till(); t != flows.TillAll {
		sc.Till = t
	}
	b, ctx, done, code := r.start(c, true)
	if code != ExitOK {
		return code
	}
	defer done()
	sum, err := b.Journal.SummaryOf(ctx, sc)
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
	fmt.Fprintf(w, "Summary for %s (local time)", day.Format("2006-01-02"))
	if s.Till != "" {
		fmt.Fprintf(w, ", till %s", termtext.Line(s.Till))
	}
	fmt.Fprintln(w)
	if len(s.Currencies) == 0 {
		_, err := fmt.Fprintln(w, "No sales.")
		return err
	}
	for _, cs := range s.Currencies {
		f := func(v int64) string { return komoju.FormatAmount(v, cs.Currency) }
		fmt.Fprintf(w, "\n%s: %d sale(s), %d paid\n", cs.Currency, cs.Sales, cs.Paid)
		line(w, "captured", f(cs.Captured))
		line(w, "refunded", f(cs.Refunded))
		line(w, "net", f(cs.Net))
		line(w, "authorized", f(cs.Authorized)+" (held or awaiting the customer)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, group := range []struct {
			title   string
			buckets []journal.Bucket
		}{{"BY METHOD", cs.ByMethod}, {"BY STATUS", cs.ByStatus}, {"BY TILL", cs.ByTill}} {
			if len(group.buckets) == 0 || group.title == "BY TILL" && len(group.buckets) < 2 {
				continue
			}
			// The takings are the paid sales' captured and net; what the
			// other sales asked for is only their count (issue 13).
			fmt.Fprintf(tw, "  %s\tSALES\tPAID\tCAPTURED\tREFUNDED\tNET\n", group.title)
			for _, bk := range group.buckets {
				key := bk.Key
				if key == "" {
					key = "-"
				}
				fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\t%s\n", termtext.Line(strings.ToLower(key)), bk.Count, bk.Paid, f(bk.Captured), f(bk.Refunded), f(bk.Net))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
