package flows

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// TillAll is CloseOptions.Till for the whole store: every till on the
// journal, each one's takings listed.
const TillAll = "all"

// Reports is what the end-of-day close reads from the journal besides
// what Recorder has: the database's totals and a day's unsettled sales
// (*journal.Journal has them).
type Reports interface {
	Till() string
	SummaryOf(ctx context.Context, sc journal.Scope) (journal.Summary, error)
	Unsettled(ctx context.Context, sc journal.Scope) ([]journal.Sale, error)
}

// CloseOptions says which day and tills a close covers.
type CloseOptions struct {
	// Day is any instant of the day to close; zero means today on the
	// engine's clock. Loc is its time zone (nil: Day's own, or Local).
	Day time.Time
	Loc *time.Location
	// Till is "" for this till, TillAll for the store, or a till's name.
	Till string
	// NoRefresh adds up the journal as it is, asking KOMOJU nothing.
	NoRefresh bool
	// Progress, when set, is called after each sale is refreshed (from
	// Close's goroutine), so a front end can show the refresh as it runs.
	Progress func(CloseRefresh)
}

// CloseRefresh is what the close's look-up found for one unsettled sale.
type CloseRefresh struct {
	OrderNum  string `json:"order_num"`
	Till      string `json:"till,omitempty"`
	PaymentID string `json:"payment_id,omitempty"`
	Before    string `json:"before"` // status key before (journal.Sale.StatusKey)
	After     string `json:"after"`
	Changed   bool   `json:"changed"`
	Error     string `json:"error,omitempty"` // KOMOJU could not be asked
}

// CloseSale is a sale the report lists by order number: one still waiting
// for the customer or the clerk, or one whose outcome is unknown.
type CloseSale struct {
	OrderNum  string    `json:"order_num"`
	Till      string    `json:"till,omitempty"`
	Method    string    `json:"method"`
	Status    string    `json:"status"`
	Amount    int64     `json:"amount"` // minor units
	Currency  string    `json:"currency"`
	PaymentID string    `json:"payment_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CloseReport is the end-of-day Z-report: the day's takings per currency
// (journal.Summary: by method, by outcome, by till, refunds, net), after
// the unsettled sales were asked about, and what is still open.
type CloseReport struct {
	Day       time.Time       `json:"day"`
	Till      string          `json:"till"` // the till closed, or "all"
	Refreshed []CloseRefresh  `json:"refreshed"`
	Summary   journal.Summary `json:"summary"`
	// Waiting are sales a customer or the clerk must still finish
	// (pending, authorized); Unknown sales nobody knows the end of yet.
	// Neither is in the takings.
	Waiting []CloseSale `json:"waiting"`
	Unknown []CloseSale `json:"unknown"`
}

// Close is the end-of-day close: it asks KOMOJU about every sale of the
// day that is still unsettled (pending, authorized, waiting for the
// customer, unknown) through Lookup, the read-only path `show` uses — it
// records the statuses KOMOJU reports and writes no verdict, so a sale in
// flight at another till is never decided here — then adds the day up in
// the database. Failed, cancelled, expired and unfinished sales are never
// takings. A look-up that fails leaves its sale as it was (listed, and in
// the returned error); the report is still made.
func (e *Engine) Close(ctx context.Context, o CloseOptions) (CloseReport, error) {
	if e.rec == nil {
		return CloseReport{}, errors.New("flows: close: there is no sale journal to close")
	}
	rep := Reports(e.rec)
	day, loc := o.Day, o.Loc
	if day.IsZero() {
		day = e.now()
	}
	if loc == nil {
		loc = day.Location()
	}
	sc := journal.Scope{Day: day, Loc: loc, Till: o.Till}
	switch o.Till {
	case "":
		sc.Till = rep.Till()
	case TillAll:
		sc.Till = ""
	}
	out := CloseReport{Till: o.Till, Refreshed: []CloseRefresh{}}
	if out.Till == "" {
		out.Till = rep.Till()
	}
	// The totals first: one aggregate over the day, which also counts the
	// open sales, so a day with none reads no sale row at all.
	sum, err := rep.SummaryOf(ctx, sc)
	if err != nil {
		return CloseReport{}, fmt.Errorf("flows: close: adding up the day: %w", err)
	}
	var errs []error
	if !o.NoRefresh && e.client != nil && sum.Open > 0 {
		open, err := rep.Unsettled(ctx, sc)
		if err != nil {
			return CloseReport{}, fmt.Errorf("flows: close: reading the day's open sales: %w", err)
		}
		for i := range open {
			if ctx.Err() != nil {
				errs = append(errs, ctx.Err())
				break
			}
			r := e.closeRefresh(ctx, &open[i])
			if r.Error != "" {
				errs = append(errs, fmt.Errorf("%s: %s", r.OrderNum, r.Error))
			}
			out.Refreshed = append(out.Refreshed, r)
			if o.Progress != nil {
				o.Progress(r)
			}
		}
		if len(out.Refreshed) > 0 {
			if sum, err = rep.SummaryOf(ctx, sc); err != nil {
				return CloseReport{}, fmt.Errorf("flows: close: adding up the day: %w", err)
			}
		}
	}
	out.Summary, out.Day = sum, sum.Day
	var still []journal.Sale
	if sum.Open > 0 {
		if still, err = rep.Unsettled(ctx, sc); err != nil {
			return CloseReport{}, fmt.Errorf("flows: close: reading the day's open sales: %w", err)
		}
	}
	out.Waiting, out.Unknown = []CloseSale{}, []CloseSale{}
	for i := range still {
		s := &still[i]
		cs := CloseSale{OrderNum: s.OrderNum, Till: s.Till, Method: s.MethodKey(), Status: s.StatusKey(),
			Amount: s.Gross(), Currency: s.Currency, PaymentID: s.PaymentID, CreatedAt: s.CreatedAt}
		if saleUnknown(s) {
			out.Unknown = append(out.Unknown, cs)
		} else {
			out.Waiting = append(out.Waiting, cs)
		}
	}
	return out, errors.Join(errs...)
}

// saleUnknown reports whether nobody knows yet whether the sale's customer
// was charged: no payment status, and no result or an unknown one.
func saleUnknown(s *journal.Sale) bool {
	switch s.Status {
	case komoju.PaymentPending, komoju.PaymentAuthorized:
		return false
	}
	return s.Unfinished()
}

// closeRefresh looks one sale up the way `show` does and reads back what
// the journal now holds.
func (e *Engine) closeRefresh(ctx context.Context, s *journal.Sale) CloseRefresh {
	r := CloseRefresh{OrderNum: s.OrderNum, Till: s.Till, PaymentID: s.PaymentID, Before: s.StatusKey(), After: s.StatusKey()}
	o := Outcome{Kind: OutcomeError, OrderNum: s.OrderNum, SessionID: s.SessionID}
	if s.Unfinished() {
		o.Kind = OutcomeUnknown
	}
	if s.PaymentID != "" {
		o.Payment = &komoju.Payment{ID: s.PaymentID}
	}
	if _, err := e.Lookup(ctx, o); err != nil {
		r.Error = err.Error()
		return r
	}
	if now, err := e.rec.Sale(ctx, s.ID); err == nil {
		r.PaymentID, r.After = now.PaymentID, now.StatusKey()
	}
	r.Changed = r.After != r.Before
	return r
}

// Unsettled reports whether the close left sales whose outcome is unknown
// (the headless close then exits as for an unknown outcome).
func (r CloseReport) Unsettled() bool { return len(r.Unknown) > 0 }

// closeWord is a close report's word in lang.
func closeWord(id, lang string) string {
	s, _ := words.Lookup(id, lang)
	return s
}

// methodName names a method key in lang ("none" before a customer chose).
func methodName(key, lang string) string {
	if m, ok := LookupMethod(komoju.PaymentType(key)); ok {
		return m.Name(lang)
	}
	if key == "none" {
		return closeWord("close_no_method", lang)
	}
	return key
}

// outcomeName names a status key in lang.
func outcomeName(key, lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "ja") {
		if v, ok := words.Lookup("status_"+key, lang); ok {
			return v
		}
		if v, ok := words.Lookup("close_status_"+key, lang); ok {
			return v
		}
	}
	return key
}

// WriteCloseText writes the Z-report for people (a printer, a file, the
// terminal) in lang. Text from KOMOJU or the journal goes through termtext.
func WriteCloseText(w io.Writer, r CloseReport, lang string) error {
	var b strings.Builder
	W := func(id string) string { return closeWord(id, lang) }
	// Labels and tables are padded by their width on screen: a Japanese
	// word takes two cells a character, and padding by runes left the
	// Japanese report's amounts ragged.
	line := func(label, value string) { fmt.Fprintf(&b, "  %s %s\n", termtext.Pad(label, 22), value) }
	till := r.Till
	switch till {
	case TillAll:
		till = W("close_whole_store")
	case "":
		till = "-"
	}
	fmt.Fprintf(&b, "%s  %s  %s %s\n", W("close_title"), r.Day.Format("2006-01-02"), W("till"), termtext.Line(till))
	if n := len(r.Refreshed); n > 0 {
		changed := 0
		for _, x := range r.Refreshed {
			if x.Changed {
				changed++
			}
		}
		fmt.Fprintf(&b, W("close_refreshed_d_d")+"\n", n, changed)
	}
	if len(r.Summary.Currencies) == 0 {
		b.WriteString(W("close_no_sales") + "\n")
	}
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, cs := range r.Summary.Currencies {
		f := func(v int64) string { return komoju.FormatAmount(v, cs.Currency) }
		fmt.Fprintf(&b, "\n%s — %s %d\n", cs.Currency, W("close_sales"), cs.Sales)
		line(W("close_captured"), fmt.Sprintf("%s (%d)", f(cs.Captured), cs.Paid))
		line(W("refunds"), fmt.Sprintf("%s (%d)", f(cs.Refunded), cs.Refunds))
		line(W("close_net_takings"), f(cs.Net))
		line(W("close_authorized_held"), f(cs.Authorized))
		// The three tables share their columns, so counts and amounts
		// line up down the whole report.
		var rows [][]string
		title := func(id string) { rows = append(rows, []string{"  " + W(id)}) }
		title("close_by_method")
		for _, bk := range cs.ByMethod {
			rows = append(rows, []string{"    " + termtext.Line(methodName(bk.Key, lang)), count(bk.Count),
				W("close_paid") + " " + count(bk.Paid), W("close_captured") + " " + f(bk.Captured), W("close_net") + " " + f(bk.Net)})
		}
		title("close_by_outcome")
		for _, bk := range cs.ByStatus {
			rows = append(rows, []string{"    " + termtext.Line(outcomeName(bk.Key, lang)), count(bk.Count), f(bk.Gross)})
		}
		if r.Till == TillAll {
			title("close_by_till")
			for _, bk := range cs.ByTill {
				name := bk.Key
				if name == "" {
					name = "-"
				}
				rows = append(rows, []string{"    " + termtext.Line(name), count(bk.Count),
					W("close_captured") + " " + f(bk.Captured), W("close_net") + " " + f(bk.Net)})
			}
		}
		b.WriteString(columnsRight(rows, 1))
		if r.Till == TillAll {
			line(W("close_store_total"), f(cs.Net))
		}
	}
	for _, group := range []struct {
		id    string
		sales []CloseSale
	}{{"close_still_waiting", r.Waiting}, {"close_unknown", r.Unknown}} {
		if len(group.sales) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d)\n", W(group.id), len(group.sales))
		rows := make([][]string, 0, len(group.sales))
		for _, s := range group.sales {
			rows = append(rows, []string{"  " + termtext.Line(s.OrderNum), termtext.Line(outcomeName(s.Status, lang)),
				komoju.FormatAmount(s.Amount, s.Currency), termtext.Line(methodName(s.Method, lang))})
		}
		b.WriteString(termtext.Columns(rows))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// columnsRight is termtext.Columns with column col right-aligned (a
// count); a row of one cell (a table's title) takes no part in the
// widths.
func columnsRight(rows [][]string, col int) string {
	width := 0
	for _, r := range rows {
		if len(r) > col {
			width = max(width, termtext.Width(r[col]))
		}
	}
	var b strings.Builder
	var table [][]string
	flush := func() {
		if len(table) > 0 {
			b.WriteString(termtext.Columns(table))
			table = table[:0]
		}
	}
	// Titles break the table into pieces that must still share the
	// widths: pad the first cell of every row to the widest first cell.
	first := 0
	for _, r := range rows {
		if len(r) > 1 {
			first = max(first, termtext.Width(r[0]))
		}
	}
	for _, r := range rows {
		if len(r) == 1 {
			flush()
			b.WriteString(r[0] + "\n")
			continue
		}
		cells := append([]string(nil), r...)
		cells[0] = termtext.Pad(cells[0], first)
		cells[col] = termtext.PadLeft(cells[col], width)
		table = append(table, cells)
	}
	flush()
	return b.String()
}

// WriteCloseCSV writes the Z-report as CSV rows for a spreadsheet:
// section, currency, key, count, gross, paid, captured, refunded, net
// (amounts in minor units), then the open sales by order number.
func WriteCloseCSV(w io.Writer, r CloseReport) error {
	cw := csv.NewWriter(w)
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	_ = cw.Write([]string{"section", "currency", "key", "count", "gross", "paid", "captured", "refunded", "net"})
	for _, cs := range r.Summary.Currencies {
		_ = cw.Write([]string{"total", cs.Currency, "", i(cs.Sales), "", i(cs.Paid), i(cs.Captured), i(cs.Refunded), i(cs.Net)})
		_ = cw.Write([]string{"refunds", cs.Currency, "", i(cs.Refunds), "", "", "", i(cs.Refunded), ""})
		_ = cw.Write([]string{"authorized", cs.Currency, "", "", i(cs.Authorized), "", "", "", ""})
		for _, g := range []struct {
			name string
			bs   []journal.Bucket
		}{{"method", cs.ByMethod}, {"outcome", cs.ByStatus}, {"till", cs.ByTill}} {
			for _, bk := range g.bs {
				_ = cw.Write([]string{g.name, cs.Currency, csvSafe(bk.Key), i(bk.Count), i(bk.Gross), i(bk.Paid), i(bk.Captured), i(bk.Refunded), i(bk.Net)})
			}
		}
	}
	for _, g := range []struct {
		name  string
		sales []CloseSale
	}{{"waiting", r.Waiting}, {"unknown", r.Unknown}} {
		for _, s := range g.sales {
			_ = cw.Write([]string{g.name, s.Currency, csvSafe(s.OrderNum), "1", i(s.Amount), "", "", "", ""})
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCloseJSON writes the Z-report as one indented JSON document.
func WriteCloseJSON(w io.Writer, r CloseReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
