package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
)

const closeUsage = `Usage: komoju-tui close [--day YYYY-MM-DD] [--till NAME|all] [--format text|csv|json]
         [--no-refresh] [--json]

The end-of-day close (Z-report) of a day in Japan time, the day the
console's History and close show. First every sale of the day that is still
unsettled (pending, authorized, waiting for the customer, unknown) is looked
up at KOMOJU, as show does: statuses are recorded, no verdict is written,
and a sale in flight at another till is left to it. Then the day is added
up: per currency, sales and amounts by method and by outcome, refunds, net
takings (captured less refunded), the sales still waiting and any whose
outcome is unknown, by order number. Failed, cancelled, expired and
unfinished sales are never takings. --till all closes the whole store (every
till on the journal, each till's takings and the store's total); the default
is this till. --no-refresh adds up the journal as it is. --json writes JSON
lines: one per sale looked up, then the report. Exits 5 when a sale's
outcome is still unknown, or KOMOJU could not be asked about one.
`

// tillFlag reads a report's --till: the config's flag of the same name
// (this till's identity) is taken over to choose whose sales to show, and
// the process itself opens as the machine's own till.
func tillFlag(fs *flag.FlagSet, c *common, usage string) func() string {
	if f := fs.Lookup("till"); f != nil {
		f.Usage = usage
	}
	return func() string {
		v := strings.TrimSpace(c.cfg.Till)
		c.cfg.Till = ""
		if strings.EqualFold(v, flows.TillAll) {
			return flows.TillAll
		}
		return v
	}
}

// knownTill checks a report's --till against the journal (till "" is
// every till): a till that never sold there nor opened it is refused
// (exit 2, after reporting) with the tills it knows, so a mistyped name
// does not read as a day without sales.
func (r *runner) knownTill(ctx context.Context, j *journal.Journal, till string) bool {
	if till == "" {
		return true
	}
	known, err := j.KnowsTill(ctx, till)
	if err != nil || known {
		return true // the report's own query says what is wrong with the journal
	}
	tills, err := j.Tills(ctx)
	if err != nil || len(tills) == 0 {
		r.usageError("--till", "there is no till %q in this journal", till)
	} else {
		r.usageError("--till", "there is no till %q in this journal (its tills: %s)", till, strings.Join(tills, ", "))
	}
	return false
}

// closeLine is one JSON line of close --json.
type closeLine struct {
	Event   string `json:"event"` // "refreshed"
	Command string `json:"command"`
	flows.CloseRefresh
}

// closeResult is close's report as JSON (the last line with --json).
type closeResult struct {
	Event    string `json:"event,omitempty"`
	Command  string `json:"command"`
	OK       bool   `json:"ok"`
	ExitCode int    `json:"exit_code"`
	flows.CloseReport
}

func (r *runner) close(args []string) int {
	fs, c := r.newFlagSet(true)
	var day string
	fs.StringVar(&day, "day", "today", "day to close, in Japan time as the console: YYYY-MM-DD, today or yesterday")
	fs.StringVar(&day, "date", "today", "the same as --day")
	format := fs.String("format", "text", "the report as text, csv or json (one document)")
	noRefresh := fs.Bool("no-refresh", false, "add up the journal as it is, without asking KOMOJU")
	till := tillFlag(fs, c, "close this till (default: this one) or \"all\" for the whole store")
	pos, code, ok := r.parse(fs, closeUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	r.lines = r.json
	if len(pos) > 0 {
		r.usageError("", "%s takes no arguments, only flags (got %q)", r.name, pos[0])
		return ExitUsage
	}
	switch *format {
	case "text", "csv", "json":
	default:
		r.usageError("--format", "%q is not a format: use text, csv or json", *format)
		return ExitUsage
	}
	if *c.json && *format != "text" {
		r.usageError("--format", "cannot be combined with --json (JSON lines); pick one")
		return ExitUsage
	}
	d, err := parseDay(day, time.Now())
	if err != nil {
		r.usageError("--day", "%s", r.problem(err))
		return ExitUsage
	}
	tillName := till()
	// Without the refresh the close reads only the journal, as history
	// and summary do: no sandbox, no client (an engine without one asks
	// KOMOJU nothing).
	var engine *flows.Engine
	var ctx context.Context
	if *noRefresh {
		j, jctx, done, code := r.startJournal(c)
		if code != ExitOK {
			return code
		}
		defer done()
		if tillName != flows.TillAll && !r.knownTill(jctx, j, tillName) {
			return ExitUsage
		}
		engine, ctx = flows.NewEngine(flows.Deps{Journal: j}), jctx
	} else {
		b, bctx, done, code := r.start(c, true)
		if code != ExitOK {
			return code
		}
		defer done()
		if tillName != flows.TillAll && !r.knownTill(bctx, b.Journal, tillName) {
			return ExitUsage
		}
		engine, ctx = b.Engine, bctx
	}
	opts := flows.CloseOptions{Day: d, Loc: journal.JST, Till: tillName, NoRefresh: *noRefresh}
	opts.Progress = func(x flows.CloseRefresh) {
		if r.json {
			r.writeJSON(closeLine{Event: "refreshed", Command: r.name, CloseRefresh: x})
			return
		}
		msg := say(r.lang, "cli_close_checked_s_s", x.OrderNum, statusName(x.Before, r.lang))
		switch {
		case x.Error != "":
			msg += say(r.lang, "cli_close_ask_failed_s", x.Error)
		case x.Changed:
			msg += " → " + statusName(x.After, r.lang)
		default:
			msg += say(r.lang, "cli_close_unchanged")
		}
		fmt.Fprintf(r.stderr, "%s\n", termtext.Line(redact(msg)))
	}
	rep, cerr := engine.Close(ctx, opts)
	if cerr != nil && rep.Summary.Day.IsZero() {
		return r.fail(ExitFailure, "local", "%s", cerr.Error())
	}
	exit := ExitOK
	if cerr != nil || rep.Unsettled() {
		exit = ExitUnknown
	}
	if cerr != nil && !r.json {
		fmt.Fprintf(r.stderr, "komoju-tui close: %s\n", say(r.lang, "cli_close_lookup_failed_s", redact(cerr.Error())))
	}
	switch {
	case r.json:
		if !r.writeJSON(closeResult{Event: "result", Command: r.name, OK: exit == ExitOK, ExitCode: exit, CloseReport: rep}) {
			return ExitFailure
		}
	case *format == "json":
		err = flows.WriteCloseJSON(r.stdout, rep)
	case *format == "csv":
		err = flows.WriteCloseCSV(r.stdout, rep)
	default:
		err = flows.WriteCloseText(r.stdout, rep, r.lang) // the console's report, in its language
	}
	if err != nil {
		return r.fail(ExitFailure, "local", "writing the close: %s", err.Error())
	}
	if len(rep.Unknown) > 0 && !r.json {
		fmt.Fprintf(r.stderr, "komoju-tui close: %s\n", say(r.lang, "cli_close_unknown_d", len(rep.Unknown)))
	}
	return exit
}
