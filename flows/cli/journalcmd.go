package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const historyUsage = `Usage: komoju-tui history [--date YYYY-MM-DD] [--status STATUS] [--method METHOD]
         [--till NAME|all] [--limit N] [--csv | --json]

List the sales in the journal, newest first: when (Japan time, as the
console), order number, method (card as brand and last four digits), status
and amounts. --date keeps one calendar day in Japan time, the console's
History day (also "today", "yesterday"); --status one payment status
(pending, authorized, captured, refunded, cancelled, expired, failed);
--till one till's sales (default all: every till on the journal). --csv and
--json export the sales for spreadsheets and scripts (CSV times in Japan
time, +09:00, as the console's export).
`

const summaryUsage = `Usage: komoju-tui summary [--date YYYY-MM-DD] [--till NAME|all] [--json]

Summarise a day's takings from the journal (default today; days are Japan
time, as the console's): per currency the number of sales, captured,
refunded, net and still-authorized amounts, broken down by method, by status
and by till. A method's takings are its paid sales' captured and net
amounts; failed, cancelled and unfinished sales count as sales only. --till
keeps one till's sales (default all: every till on the journal). The journal
only: komoju-tui close asks KOMOJU about the open sales first.
`

func (r *runner) history(args []string) int {
	fs, c := r.newFlagSet(true)
	date := fs.String("date", "", "only sales of this day, in Japan time as the console: YYYY-MM-DD, today or yesterday")
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
		r.usageError("", "%s takes no arguments, only flags (got %q)", r.name, pos[0])
		return ExitUsage
	}
	if *csvOut && *c.json {
		r.usageError("--csv", "cannot be combined with --json; pick one")
		return ExitUsage
	}
	var f journal.Filter
	f.Loc = journal.JST
	if t := till(); t != flows.TillAll {
		f.Till = t
	}
	if *date != "" {
		d, err := parseDay(*date, time.Now())
		if err != nil {
			r.usageError("--date", "%s", r.problem(err))
			return ExitUsage
		}
		f.Day = d
	}
	if *status != "" {
		st, err := parseStatus(*status)
		if err != nil {
			r.usageError("--status", "%s", r.problem(err))
			return ExitUsage
		}
		f.Status = st
	}
	if *method != "" {
		t, err := parseMethod(*method)
		if err != nil {
			r.usageError("--method", "%s", r.problem(err))
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
	j, ctx, done, code := r.startJournal(c)
	if code != ExitOK {
		return code
	}
	defer done()
	if !r.knownTill(ctx, j, f.Till) {
		return ExitUsage
	}
	if !*csvOut && !*c.json {
		// The table is streamed from a narrow query (issue 13).
		t := newSalesTable(r.stdout, r.lang)
		prepare := func(ls []journal.Listed) [][7]string {
			c := salesCells{lang: r.lang}
			return c.batch(ls)
		}
		if err := journal.EachListedBatch(ctx, j, f, prepare, t.addRows); err != nil {
			if errors.Is(err, errTableWrite) {
				return r.fail(ExitFailure, "local", "writing the history: %s", err.Error())
			}
			return r.fail(ExitFailure, "local", "reading the journal: %s", err.Error())
		}
		if err := t.close(); err != nil {
			return r.fail(ExitFailure, "local", "writing the history: %s", err.Error())
		}
		return ExitOK
	}
	// Every column of every sale, streamed: an export of a busy day is
	// never held whole.
	var write func(*journal.Sale) error
	var finish func() error
	if *csvOut {
		cw, err := journal.NewCSVWriter(r.stdout, journal.JST) // as the console exports
		if err != nil {
			return r.fail(ExitFailure, "local", "writing the history: %s", err.Error())
		}
		write, finish = cw.Write, cw.Flush
	} else {
		jw := journal.NewJSONWriter(r.stdout)
		write, finish = jw.Write, jw.Close
	}
	var werr error
	written := 0
	err := j.SalesEach(ctx, f, func(s *journal.Sale) error {
		written++
		werr = write(s)
		return werr
	})
	if err == nil {
		err = finish()
		werr = err
	}
	if err != nil {
		if written > 0 || werr != nil {
			r.json = false // the JSON stream is broken already
		}
		if werr != nil {
			return r.fail(ExitFailure, "local", "writing the history: %s", err.Error())
		}
		return r.fail(ExitFailure, "local", "reading the journal: %s", err.Error())
	}
	return ExitOK
}

// tableChunk is about how many bytes salesTable writes at once.
const tableChunk = 64 << 10

// tableLookahead is how many rows salesTable reads before it sizes its
// columns: every listing of up to this many sales (the default --limit is
// 500) is laid out exactly as text/tabwriter lays it out, from its widest
// cells.
const tableLookahead = 1000

// errTableWrite marks a failed write of the table, to tell it from a
// failed read of the journal.
var errTableWrite = errors.New("write failed")

// salesTable writes history's table a row at a time. text/tabwriter
// sizes each column by its widest cell, so it holds every row until the
// end: 100k rows of a busy day held as cells, then written. salesTable
// sizes the columns from the first tableLookahead rows (and the header)
// and streams the rest; a later cell wider than its column keeps the two
// spaces before the next one and pushes the rest of its row right.
type salesTable struct {
	w io.Writer
	// buf holds whole rows until tableChunk: the output filters
	// (termtext, redaction) take a write of whole characters on their
	// fast path, where a bufio.Writer would cut a "•" in two.
	buf   []byte
	ahead [][7]string // rows read before the widths are set
	width [6]int      // the first six columns' widths; 0 until set
	n     int
	cells salesCells
	lang  string
	// known holds the screen widths of the method and status cells:
	// they repeat from row to row, and "credit_card visa •••• 1111" is
	// measured by the grapheme parser, not by the Latin fast path.
	known map[string]int
}

// newSalesTable writes the table in lang: the header, the methods and
// the statuses in the clerk's words, as the console's History has them.
func newSalesTable(w io.Writer, lang string) *salesTable {
	var header [7]string
	for i, id := range [7]string{"hist_time", "hist_order", "hist_method", "hist_status", "hist_total", "sum_refunded_col", "hist_payment"} {
		header[i] = say(lang, id)
	}
	return &salesTable{w: w, buf: make([]byte, 0, tableChunk+1024), ahead: [][7]string{header},
		cells: salesCells{lang: lang}, lang: lang, known: map[string]int{}}
}

// cellWidth is the screen width of row r's cell c.
func (t *salesTable) cellWidth(r *[7]string, c int) int {
	if c != 2 && c != 3 {
		return termtext.Width(r[c])
	}
	w, ok := t.known[r[c]]
	if !ok {
		w = termtext.Width(r[c])
		if len(t.known) < 4096 { // a journal of hostile method names cannot grow it without end
			t.known[r[c]] = w
		}
	}
	return w
}

// add adds the row of l.
func (t *salesTable) add(l *journal.Listed) error { return t.addRow(t.cells.of(l)) }

// addRows adds rows made by salesCells.
func (t *salesTable) addRows(rows [][7]string) error {
	for i := range rows {
		if err := t.addRow(rows[i]); err != nil {
			return err
		}
	}
	return nil
}

func (t *salesTable) addRow(row [7]string) error {
	t.n++
	if t.width[0] == 0 {
		t.ahead = append(t.ahead, row)
		if len(t.ahead) <= tableLookahead {
			return nil
		}
		return t.release()
	}
	return t.row(&row)
}

// salesCells makes a row's cells; they do not depend on the column
// widths, so batches of rows are made in parallel (see history). The zero
// value is ready; one is used by one goroutine.
type salesCells struct {
	// The TIME cell of the last row's minute: a busy day has many sales
	// a minute, and formatting a time was a tenth of a row's cost.
	from, to int64 // Unix seconds [from, to) in which stamp holds
	offset   int   // the zone offset stamp was made in
	stamp    string
	lang     string
	// words holds the method and status cells already put in lang.
	words map[string]string
}

// batch makes the rows of a batch of sales.
func (c *salesCells) batch(ls []journal.Listed) [][7]string {
	out := make([][7]string, len(ls))
	for i := range ls {
		out[i] = c.of(&ls[i])
	}
	return out
}

func (c *salesCells) of(l *journal.Listed) [7]string {
	refunded := ""
	if l.AmountRefunded > 0 {
		refunded = komoju.FormatAmount(l.AmountRefunded, l.Currency)
	}
	pid := l.PaymentID
	if pid == "" {
		pid = "-"
	}
	// Journal text can come from KOMOJU or a webhook: one inert cell each.
	return [7]string{c.time(l.CreatedAt), termtext.Line(l.OrderNum), c.word(l.Method, methodCell),
		c.word(l.StatusKey, statusName), komoju.FormatAmount(l.Gross, l.Currency), refunded, termtext.Line(pid)}
}

// word is the inert cell of key in c's language, through name.
func (c *salesCells) word(key string, name func(key, lang string) string) string {
	if !isJa(c.lang) {
		return termtext.Line(key)
	}
	if w, ok := c.words[key]; ok {
		return w
	}
	w := termtext.Line(name(key, c.lang))
	if c.words == nil {
		c.words = map[string]string{}
	}
	if len(c.words) < 4096 {
		c.words[key] = w
	}
	return w
}

// methodCell is a listed method ("credit_card visa •••• 1111") with the
// method's name in lang and the card's brand and digits as they are.
func methodCell(method, lang string) string {
	key, card, ok := strings.Cut(method, " ")
	if !ok {
		return methodKeyName(key, lang)
	}
	return methodKeyName(key, lang) + " " + card
}

// time returns the TIME cell of t: its date and minute on the shop's clock.
func (c *salesCells) time(t time.Time) string {
	lt := t.In(journal.JST)
	u := lt.Unix()
	_, off := lt.Zone()
	if u < c.from || u >= c.to || off != c.offset || c.stamp == "" {
		c.stamp, c.offset = lt.Format("2006-01-02 15:04"), off
		c.from = u - int64(lt.Second())
		c.to = c.from + 60
	}
	return c.stamp
}

// release sets the widths from the rows read ahead and writes them.
func (t *salesTable) release() error {
	for i := range t.ahead {
		for c := range t.width {
			t.width[c] = max(t.width[c], t.cellWidth(&t.ahead[i], c))
		}
	}
	for i := range t.ahead {
		if err := t.row(&t.ahead[i]); err != nil {
			return err
		}
	}
	t.ahead = nil
	return nil
}

const tablePad = "                                " // tabwriter's padding of 2, and room to fill a column

// row writes one row as tabwriter does: each of the first six cells
// padded with spaces to its column's width plus two, the last as it is.
func (t *salesTable) row(r *[7]string) error {
	for c, w := range t.width {
		t.buf = append(t.buf, r[c]...)
		for pad := max(w-t.cellWidth(r, c), 0) + 2; pad > 0; {
			k := min(pad, len(tablePad))
			t.buf = append(t.buf, tablePad[:k]...)
			pad -= k
		}
	}
	t.buf = append(append(t.buf, r[6]...), '\n')
	if len(t.buf) >= tableChunk {
		return t.flush()
	}
	return nil
}

func (t *salesTable) flush() error {
	_, err := t.w.Write(t.buf)
	t.buf = t.buf[:0]
	if err != nil {
		return fmt.Errorf("%w: %w", errTableWrite, err)
	}
	return nil
}

// close writes what is left, or "No sales." (in t's language) when there
// was no row.
func (t *salesTable) close() error {
	if t.n == 0 {
		t.buf = append(append(t.buf, say(t.lang, "sum_none")...), '\n')
	} else if t.width[0] == 0 {
		if err := t.release(); err != nil {
			return err
		}
	}
	return t.flush()
}

func (r *runner) summary(args []string) int {
	fs, c := r.newFlagSet(true)
	date := fs.String("date", "today", "day to summarise, in Japan time as the console: YYYY-MM-DD, today or yesterday")
	till := tillFlag(fs, c, "only this till's sales, or \"all\" (the default: every till on the journal)")
	pos, code, ok := r.parse(fs, summaryUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	if len(pos) > 0 {
		r.usageError("", "%s takes no arguments, only flags (got %q)", r.name, pos[0])
		return ExitUsage
	}
	day, err := parseDay(*date, time.Now())
	if err != nil {
		r.usageError("--date", "%s", r.problem(err))
		return ExitUsage
	}
	sc := journal.Scope{Day: day, Loc: journal.JST}
	if t := till(); t != flows.TillAll {
		sc.Till = t
	}
	j, ctx, done, code := r.startJournal(c)
	if code != ExitOK {
		return code
	}
	defer done()
	if !r.knownTill(ctx, j, sc.Till) {
		return ExitUsage
	}
	sum, err := j.SummaryOf(ctx, sc)
	if err != nil {
		return r.fail(ExitFailure, "local", "reading the journal: %s", err.Error())
	}
	if *c.json {
		if !r.writeJSON(sum) {
			return ExitFailure
		}
		return ExitOK
	}
	if err := printSummary(r.stdout, day, sum, r.lang); err != nil {
		return r.fail(ExitFailure, "local", "writing the summary: %s", err.Error())
	}
	return ExitOK
}

// printSummary writes a day's takings per currency, in lang.
func printSummary(w io.Writer, day time.Time, s journal.Summary, lang string) error {
	fmt.Fprint(w, say(lang, "sum_title", day.Format("2006-01-02")))
	if s.Till != "" {
		fmt.Fprint(w, say(lang, "sum_till", termtext.Line(s.Till)))
	}
	fmt.Fprintln(w)
	if len(s.Currencies) == 0 {
		_, err := fmt.Fprintln(w, say(lang, "sum_none"))
		return err
	}
	for _, cs := range s.Currencies {
		f := func(v int64) string { return komoju.FormatAmount(v, cs.Currency) }
		fmt.Fprintf(w, "\n%s\n", say(lang, "sum_currency", cs.Currency, cs.Sales, cs.Paid))
		line(w, say(lang, "sum_captured"), f(cs.Captured))
		line(w, say(lang, "sum_refunded"), f(cs.Refunded))
		line(w, say(lang, "sum_net"), f(cs.Net))
		line(w, say(lang, "sum_authorized"), f(cs.Authorized)+say(lang, "sum_held"))
		var rows [][]string
		for _, group := range []struct {
			title   string
			buckets []journal.Bucket
			name    func(string) string
		}{
			{"sum_by_method", cs.ByMethod, func(k string) string { return methodKeyName(k, lang) }},
			{"sum_by_status", cs.ByStatus, func(k string) string { return statusName(k, lang) }},
			{"sum_by_till", cs.ByTill, func(k string) string { return k }},
		} {
			if len(group.buckets) == 0 || group.title == "sum_by_till" && len(group.buckets) < 2 {
				continue
			}
			// The takings are the paid sales' captured and net; what the
			// other sales asked for is only their count (issue 13).
			rows = append(rows, []string{"  " + say(lang, group.title), say(lang, "sum_sales"), say(lang, "sum_paid"),
				say(lang, "sum_captured_col"), say(lang, "sum_refunded_col"), say(lang, "sum_net_col")})
			for _, bk := range group.buckets {
				key := bk.Key
				if key == "" {
					key = "-"
				} else {
					key = group.name(strings.ToLower(key))
				}
				rows = append(rows, []string{"  " + termtext.Line(key), strconv.FormatInt(bk.Count, 10), strconv.FormatInt(bk.Paid, 10), f(bk.Captured), f(bk.Refunded), f(bk.Net)})
			}
		}
		if _, err := io.WriteString(w, termtext.Columns(rows)); err != nil {
			return err
		}
	}
	return nil
}

// methodKeyName is a summary's method key in lang: the key itself in
// English (as --json has it), the method's name in Japanese.
func methodKeyName(key, lang string) string {
	if !isJa(lang) {
		return key
	}
	if key == "none" { // a sale that never got as far as a method
		return say(lang, "sum_no_method")
	}
	if m, ok := flows.LookupMethod(komoju.PaymentType(key)); ok {
		return m.Name(lang)
	}
	return key
}
