package journal

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// CSVHeader returns the header row WriteCSV writes. Amount columns come
// twice: as integers in minor units (for arithmetic) and formatted for
// people (the *_display columns, e.g. "¥1,000", "$10.50").
func CSVHeader() []string { return append([]string(nil), csvHeader...) }

var csvHeader = []string{
	"id", "created_at", "finished_at", "order_num", "flow", "method", "status", "outcome", "currency",
	"amount", "tax", "total", "amount_refunded", "net",
	"amount_display", "tax_display", "total_display", "refunded_display", "net_display",
	"payment_id", "session_id", "capture", "card_brand", "card_last4", "email", "name", "description",
	"error_code", "error_message", "deadline", "captured_at", "attempts", "till", "store",
}

// WriteCSV writes sales as CSV (RFC 4180 quoting) with the CSVHeader row.
// Times are RFC 3339 in the location they carry; empty cells mean unknown.
// Text a clerk or customer typed that starts with = + - @ (which a
// spreadsheet would run as a formula) is prefixed with an apostrophe, as
// OWASP advises against CSV injection.
func WriteCSV(w io.Writer, sales []Sale) error { return WriteCSVIn(w, sales, nil) }

// JST is Japan time, where KOMOJU's shops are: the shop's clock. The
// console's screens, the headless reports, receipts, order numbers and
// every CSV export date and time sales in it, whatever zone the machine is
// in, so a close run from a script counts the day the console shows. A
// fixed zone needs no tzdata (KOMOJU's konbini deadlines, 14:59:59Z, are
// 23:59:59 in it).
var JST = time.FixedZone("JST", 9*60*60)

// WriteCSVIn is WriteCSV with every time in loc (JST for exports).
func WriteCSVIn(w io.Writer, sales []Sale, loc *time.Location) error {
	cw, err := NewCSVWriter(w, loc)
	if err != nil {
		return err
	}
	for i := range sales {
		if err := cw.Write(&sales[i]); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVWriter writes sales as CSV one at a time (WriteCSV's format), so an
// export of a busy day streams from the journal (EachSale) instead of
// holding the day.
type CSVWriter struct {
	cw  *csv.Writer
	loc *time.Location
	rec []string
}

// NewCSVWriter writes the CSVHeader row to w and returns a writer for the
// rows. With loc set every time is written in loc (the console exports in
// Japan time, as its screens show); nil keeps each time's own location.
func NewCSVWriter(w io.Writer, loc *time.Location) (*CSVWriter, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return nil, fmt.Errorf("journal: write csv: %w", err)
	}
	return &CSVWriter{cw: cw, loc: loc, rec: make([]string, 0, len(csvHeader))}, nil
}

// Write writes one sale's row. Every column says what the sale is now:
// outcome is CurrentOutcome (not the first answer's), and the payment
// deadline is left empty once the customer can no longer pay (paid,
// refunded, cancelled, expired).
func (c *CSVWriter) Write(s *Sale) error {
	cur, gross := s.Currency, s.Gross()
	deadline := s.Deadline
	if s.Status != komoju.PaymentPending && s.Status != komoju.PaymentAuthorized {
		deadline = nil
	}
	c.rec = append(c.rec[:0],
		strconv.FormatInt(s.ID, 10), c.time(&s.CreatedAt), c.time(s.FinishedAt), safeCell(s.OrderNum),
		string(s.Flow), string(s.Method), string(s.Status), CurrentOutcome(s), s.Currency,
		strconv.FormatInt(s.Amount, 10), strconv.FormatInt(s.Tax, 10), strconv.FormatInt(gross, 10),
		strconv.FormatInt(s.AmountRefunded, 10), strconv.FormatInt(s.Net(), 10),
		komoju.FormatAmount(s.Amount, cur), komoju.FormatAmount(s.Tax, cur), komoju.FormatAmount(gross, cur),
		komoju.FormatAmount(s.AmountRefunded, cur), komoju.FormatAmount(s.Net(), cur),
		s.PaymentID, s.SessionID, string(s.Capture), safeCell(s.CardBrand), s.CardLast4,
		safeCell(s.Email), safeCell(s.Name), safeCell(s.Description),
		safeCell(s.ErrorCode), safeCell(s.ErrorMessage), c.time(deadline), c.time(s.CapturedAt),
		strconv.Itoa(s.Attempts), safeCell(s.Till), s.Store,
	)
	if err := c.cw.Write(c.rec); err != nil {
		return fmt.Errorf("journal: write csv: %w", err)
	}
	return nil
}

// Flush writes out what is buffered and reports any write error.
func (c *CSVWriter) Flush() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("journal: write csv: %w", err)
	}
	return nil
}

func (c *CSVWriter) time(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	if c.loc != nil {
		u := t.In(c.loc)
		t = &u
	}
	return csvTime(t)
}

// CurrentOutcome is what came of the sale as things stand, in the words
// of the journal's outcomes: the first answer's outcome (Sale.Outcome)
// goes stale when the payment moves on (a konbini slip "awaiting" is later
// paid, a paid sale refunded). Settled statuses name themselves: paid,
// refunded, cancelled, expired, failed.
func CurrentOutcome(s *Sale) string {
	switch s.Status {
	case komoju.PaymentCaptured:
		return OutcomePaid
	case komoju.PaymentRefunded, komoju.PaymentCancelled, komoju.PaymentExpired, komoju.PaymentFailed:
		return string(s.Status)
	case komoju.PaymentAuthorized:
		if s.Method.IsAsync() {
			return OutcomeAwaiting // the customer has yet to pay at the store or bank
		}
		return OutcomeAuthorized
	case "":
		if s.FinishedAt == nil {
			return "unfinished"
		}
	}
	return s.Outcome
}

func csvTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// safeCell defuses spreadsheet formulas in free text.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// JSONWriter writes sales one at a time as WriteJSON's array, so an
// export of a busy day streams from the journal (SalesEach). Close ends
// the array ([] when nothing was written).
type JSONWriter struct {
	w   io.Writer
	b   bytes.Buffer
	enc *json.Encoder
	n   int
}

// NewJSONWriter returns a JSONWriter writing to w.
func NewJSONWriter(w io.Writer) *JSONWriter {
	jw := &JSONWriter{w: w}
	jw.enc = json.NewEncoder(&jw.b)
	jw.enc.SetIndent("  ", "  ")
	return jw
}

// Write writes one sale, as the array's next element.
func (jw *JSONWriter) Write(s *Sale) error {
	jw.b.Reset()
	if jw.n == 0 {
		jw.b.WriteString("[\n  ")
	} else {
		jw.b.WriteString(",\n  ")
	}
	jw.n++
	if err := jw.enc.Encode(s); err != nil {
		return fmt.Errorf("journal: write json: %w", err)
	}
	jw.b.Truncate(jw.b.Len() - 1) // Encode's newline: the separator or the end follows
	return jw.flush()
}

// Close ends the array.
func (jw *JSONWriter) Close() error {
	jw.b.Reset()
	if jw.n == 0 {
		jw.b.WriteString("[]\n")
	} else {
		jw.b.WriteString("\n]\n")
	}
	return jw.flush()
}

func (jw *JSONWriter) flush() error {
	// encoding/json leaves C1 controls and bidi overrides raw; escaped,
	// the JSON means the same and is inert on a terminal.
	if _, err := jw.w.Write(termtext.EscapeJSON(jw.b.Bytes())); err != nil {
		return fmt.Errorf("journal: write json: %w", err)
	}
	return nil
}

// WriteJSON writes sales as an indented JSON array of Sale objects (amounts
// in minor units, times RFC 3339). An empty list is written as [].
func WriteJSON(w io.Writer, sales []Sale) error {
	jw := NewJSONWriter(w)
	for i := range sales {
		if err := jw.Write(&sales[i]); err != nil {
			return err
		}
	}
	return jw.Close()
}
