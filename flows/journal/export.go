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
	"error_code", "error_message", "deadline", "captured_at", "attempts",
}

// WriteCSV writes sales as CSV (RFC 4180 quoting) with the CSVHeader row.
// Times are RFC 3339 in the location they carry; empty cells mean unknown.
// Text a clerk or customer typed that starts with = + - @ (which a
// spreadsheet would run as a formula) is prefixed with an apostrophe, as
// OWASP advises against CSV injection.
func WriteCSV(w io.Writer, sales []Sale) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("journal: write csv: %w", err)
	}
	rec := make([]string, len(csvHeader))
	for i := range sales {
		s := &sales[i]
		cur, gross := s.Currency, s.Gross()
		rec = rec[:0]
		rec = append(rec,
			strconv.FormatInt(s.ID, 10), csvTime(&s.CreatedAt), csvTime(s.FinishedAt), safeCell(s.OrderNum),
			string(s.Flow), string(s.Method), string(s.Status), s.Outcome, s.Currency,
			strconv.FormatInt(s.Amount, 10), strconv.FormatInt(s.Tax, 10), strconv.FormatInt(gross, 10),
			strconv.FormatInt(s.AmountRefunded, 10), strconv.FormatInt(s.Net(), 10),
			komoju.FormatAmount(s.Amount, cur), komoju.FormatAmount(s.Tax, cur), komoju.FormatAmount(gross, cur),
			komoju.FormatAmount(s.AmountRefunded, cur), komoju.FormatAmount(s.Net(), cur),
			s.PaymentID, s.SessionID, string(s.Capture), safeCell(s.CardBrand), s.CardLast4,
			safeCell(s.Email), safeCell(s.Name), safeCell(s.Description),
			safeCell(s.ErrorCode), safeCell(s.ErrorMessage), csvTime(s.Deadline), csvTime(s.CapturedAt),
			strconv.Itoa(s.Attempts),
		)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("journal: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("journal: write csv: %w", err)
	}
	return nil
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

// WriteJSON writes sales as an indented JSON array of Sale objects (amounts
// in minor units, times RFC 3339). An empty list is written as [].
func WriteJSON(w io.Writer, sales []Sale) error {
	if sales == nil {
		sales = []Sale{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sales); err != nil {
		return fmt.Errorf("journal: write json: %w", err)
	}
	// encoding/json leaves C1 controls and bidi overrides raw; escaped,
	// the JSON means the same and is inert on a terminal.
	if _, err := w.Write(termtext.EscapeJSON(b.Bytes())); err != nil {
		return fmt.Errorf("journal: write json: %w", err)
	}
	return nil
}
