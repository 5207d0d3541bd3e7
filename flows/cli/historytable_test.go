package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// referenceTable is history's table as the whole of it laid out at once
// by termtext.Columns (each column as wide as its widest cell on screen):
// the layout salesTable keeps while streaming. (It was text/tabwriter's,
// which counts runes, so a Japanese order number pushed its row's later
// columns out of line.)
func referenceTable(rows []journal.Listed) string {
	if len(rows) == 0 {
		return "No sales.\n"
	}
	cells := [][]string{{"TIME", "ORDER", "METHOD", "STATUS", "TOTAL", "REFUNDED", "PAYMENT"}}
	for _, l := range rows {
		refunded := ""
		if l.AmountRefunded > 0 {
			refunded = komoju.FormatAmount(l.AmountRefunded, l.Currency)
		}
		pid := l.PaymentID
		if pid == "" {
			pid = "-"
		}
		cells = append(cells, []string{l.CreatedAt.In(journal.JST).Format("2006-01-02 15:04"), termtext.Line(l.OrderNum), termtext.Line(l.Method),
			termtext.Line(l.StatusKey), komoju.FormatAmount(l.Gross, l.Currency), refunded, termtext.Line(pid)})
	}
	return termtext.Columns(cells)
}

func listedRows(n int) []journal.Listed {
	base := time.Date(2026, 11, 24, 21, 0, 0, 0, journal.JST)
	kinds := []journal.Listed{
		{OrderNum: "POS-20261124-0001", Method: "credit_card visa •••• 1111", StatusKey: "captured", Currency: "JPY", Gross: 1000, PaymentID: "pay_abc"},
		{OrderNum: "注文-１２３", Method: "konbini", StatusKey: "authorized", Currency: "JPY", Gross: 1_234_567, PaymentID: "pay_konbini_long_id_0001"},
		{OrderNum: "POS-9", Method: "none", StatusKey: "unfinished", Currency: "USD", Gross: 1050},
		{OrderNum: "evil\x1b[2Jorder\u202e", Method: "credit_card master\x07 •••• 4444", StatusKey: "refunded", Currency: "JPY", Gross: 3000, AmountRefunded: 3000, PaymentID: "pay\ttab"},
		{OrderNum: "POS-7", Method: "credit_card jcb\x1b •••• [31m", StatusKey: "failed", Currency: "JPY", Gross: 5, PaymentID: "pay_x"},
		{OrderNum: "POS-20261124-0005", Method: "paypay", StatusKey: "error", Currency: "EUR", Gross: 99, AmountRefunded: 50, PaymentID: "pay_e"},
	}
	out := make([]journal.Listed, n)
	for i := range out {
		out[i] = kinds[i%len(kinds)]
		out[i].CreatedAt = base.Add(-time.Duration(i) * 17 * time.Second) // several a minute
	}
	return out
}

func writeTable(t *testing.T, rows []journal.Listed) string {
	t.Helper()
	var b bytes.Buffer
	tab := newSalesTable(&b, "en")
	for i := range rows {
		if err := tab.add(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Up to the look-ahead (the default --limit and more), the streamed table
// is the whole-table layout byte for byte: Japanese text, escaped
// controls, empty cells and all.
func TestHistoryTableLaysOutAsOneTable(t *testing.T) {
	for _, n := range []int{0, 1, 5, 7, tableLookahead} {
		rows := listedRows(n)
		if got, want := writeTable(t, rows), referenceTable(rows); got != want {
			t.Errorf("%d rows: streamed table differs from the whole table's\n got %q\nwant %q", n, firstLines(got, 4), firstLines(want, 4))
		}
	}
}

// Past the look-ahead the columns keep the widths the first rows gave:
// every line holds its cells where the header's are, and a later cell
// wider than its column still has two spaces before the next.
func TestHistoryTableStreamsPastTheLookahead(t *testing.T) {
	rows := listedRows(tableLookahead + 500)
	wide := &rows[len(rows)-1]
	wide.OrderNum = strings.Repeat("W", 60)
	out := writeTable(t, rows)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(rows)+1 {
		t.Fatalf("%d lines for %d rows", len(lines), len(rows))
	}
	head := termtext.Width(lines[0][:strings.Index(lines[0], "PAYMENT")])
	for i, l := range lines[1 : len(lines)-1] {
		// the characters before and at the header's PAYMENT cell on screen
		var before []rune
		var at rune
		for _, r := range l {
			if termtext.Width(string(before)) >= head {
				at = r
				break
			}
			before = append(before, r)
		}
		if n := len(before); n < 2 || termtext.Width(string(before)) != head || before[n-1] != ' ' || before[n-2] != ' ' || at == ' ' || at == 0 {
			t.Fatalf("line %d out of its columns:\n%s\n%s", i+1, lines[0], l)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, wide.OrderNum+"  ") {
		t.Errorf("wide cell without its two spaces: %q", last)
	}
	if want := referenceTable(rows[:tableLookahead]); !strings.HasPrefix(out, strings.TrimSuffix(want, "\n")) {
		t.Errorf("the first %d rows are not the whole table's", tableLookahead)
	}
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	return strings.Join(l[:min(n, len(l))], "\n")
}

// history --limit 0 of a busy day (read in windows on several
// connections, its rows made in parallel) prints exactly the table the
// one-query listing gives, row for row and in order.
func TestHistoryOfABusyDayIsTheListing(t *testing.T) {
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, journal.JST)
	const sales = 6_000 // above the windowed listing's threshold
	path := journaltest.Cached(t, journaltest.Options{Sales: sales, PerDay: sales, End: end, Outstanding: 5})
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f := journal.Filter{Day: end.AddDate(0, 0, -1), Loc: journal.JST, Limit: -1}
	var rows []journal.Listed
	err = j.EachListed(context.Background(), f, func(l *journal.Listed) error { rows = append(rows, *l); return nil })
	j.Close()
	if err != nil || len(rows) != sales {
		t.Fatalf("listing: %d rows, %v", len(rows), err)
	}
	want := writeTable(t, rows)
	// Not the harness: its scan for the test CVC finds "123" in the
	// order numbers of a day this size.
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "KOMOJU_TUI_JOURNAL": path,
		"KOMOJU_SECRET_KEY": sb.SecretKey(), "KOMOJU_API_URL": sb.URL()}
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), "history", []string{"--date", "2026-11-23", "--limit", "0"}, &stdout, &stderr,
		func(k string) string { return env[k] }, app.With(app.Options{Getenv: func(string) string { return "" }}))
	if code != ExitOK {
		t.Fatalf("history: exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if out != want {
		gl, wl := strings.Split(out, "\n"), strings.Split(want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%d lines, want %d; line %d:\n got %q\nwant %q", len(gl), len(wl), i, gl[i], wl[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(gl), len(wl))
	}
}
