package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// tabwriterTable is history's table as it was written before it streamed
// (text/tabwriter over every row): the layout salesTable keeps.
func tabwriterTable(rows []journal.Listed) string {
	var b bytes.Buffer
	if len(rows) == 0 {
		return "No sales.\n"
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tORDER\tMETHOD\tSTATUS\tTOTAL\tREFUNDED\tPAYMENT")
	for _, l := range rows {
		m := l.Method
		refunded := ""
		if l.AmountRefunded > 0 {
			refunded = komoju.FormatAmount(l.AmountRefunded, l.Currency)
		}
		pid := l.PaymentID
		if pid == "" {
			pid = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			l.CreatedAt.Local().Format("2006-01-02 15:04"), termtext.Line(l.OrderNum), termtext.Line(m), termtext.Line(l.StatusKey),
			komoju.FormatAmount(l.Gross, l.Currency), refunded, termtext.Line(pid))
	}
	tw.Flush()
	return b.String()
}

func listedRows(n int) []journal.Listed {
	base := time.Date(2026, 11, 24, 21, 0, 0, 0, time.Local)
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
	tab := newSalesTable(&b)
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
// is the tabwriter table byte for byte: Japanese text, escaped controls,
// empty cells and all.
func TestHistoryTableLaysOutAsTabwriter(t *testing.T) {
	for _, n := range []int{0, 1, 5, 7, tableLookahead} {
		rows := listedRows(n)
		if got, want := writeTable(t, rows), tabwriterTable(rows); got != want {
			t.Errorf("%d rows: streamed table differs from tabwriter's\n got %q\nwant %q", n, firstLines(got, 4), firstLines(want, 4))
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
	head := strings.Index(lines[0], "PAYMENT")
	for i, l := range lines[1 : len(lines)-1] {
		if c := []rune(l); len(c) < head || c[head-1] != ' ' || c[head-2] != ' ' || c[head] == ' ' {
			t.Fatalf("line %d out of its columns:\n%s\n%s", i+1, lines[0], l)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, wide.OrderNum+"  ") {
		t.Errorf("wide cell without its two spaces: %q", last)
	}
	if want := tabwriterTable(rows[:tableLookahead]); !strings.HasPrefix(out, strings.TrimSuffix(want, "\n")) {
		t.Errorf("the first %d rows are not tabwriter's", tableLookahead)
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
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, time.Local)
	const sales = 6_000 // above the windowed listing's threshold
	path := journaltest.Cached(t, journaltest.Options{Sales: sales, PerDay: sales, End: end, Outstanding: 5})
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f := journal.Filter{Day: end.AddDate(0, 0, -1), Loc: time.Local, Limit: -1}
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
