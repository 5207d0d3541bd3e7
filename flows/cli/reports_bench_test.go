package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// BenchmarkReportsVsSQLite runs the headless reports — history --limit 0,
// summary and close — in process, as main does (open the journal, query,
// print, close), on a journal whose last day holds 1k, 10k or 100k sales,
// and the sqlite3 shell running the same queries on the same file (issue
// 13: within 2× of sqlite3). Metrics are medians in ms per size and the
// ratio of each command to its sqlite3 query.
//
//	go test -run '^$' -bench ReportsVsSQLite -benchtime 10x ./flows/cli/
//
// KOMOJU_TUI_BENCH_SIZES=1k,10k narrows the sizes; without sqlite3 on the
// PATH (apt-get install sqlite3) the benchmark is skipped.
func BenchmarkReportsVsSQLite(b *testing.B) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("sqlite3 is not installed (apt-get install sqlite3)")
	}
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	sizes := []journaltest.Size{{Name: "1k", Sales: 1_000}, {Name: "10k", Sales: 10_000}, {Name: "100k", Sales: 100_000}}
	if v := journaltest.Sizes(b); len(v) != len(journaltest.DefaultSizes) || v[0] != journaltest.DefaultSizes[0] {
		sizes = v
	}
	// Every sale on one local day: 09:00 to 21:00 the day before end.
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, journal.JST)
	day := "2026-11-23"
	start, stop := time.Date(2026, 11, 23, 0, 0, 0, 0, journal.JST).UnixMilli(), end.UnixMilli()
	paths := make([]string, len(sizes))
	for i, s := range sizes {
		// 5 of them still authorized: the close lists them.
		paths[i] = journaltest.Cached(b, journaltest.Options{Sales: s.Sales, PerDay: max(s.Sales, 1), End: end, Outstanding: 5})
	}
	rng := fmt.Sprintf("created_at >= %d AND created_at < %d", start, stop)
	reports := []struct {
		name string
		args []string
		sql  string
	}{
		// history's table reads the 10 columns it shows (journal.Listed):
		// the reference is that query, word for word.
		{"history", []string{"--date", day, "--limit", "0"}, listedForBench(start, stop)},
		{"summary", []string{"--date", day, "--till", "all"}, groupsForBench(rng)},
		// --no-refresh: the bulk sales' payments are not in the sandbox;
		// a refresh adds one KOMOJU look-up per open sale.
		{"close", []string{"--day", day, "--till", "all", "--no-refresh"}, groupsForBench(rng) + unsettledForBench(rng)},
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	connect := app.With(app.Options{Getenv: func(string) string { return "" }})
	configDir := b.TempDir()
	type key struct{ report, size int }
	cmdT, shellT := map[key][]time.Duration{}, map[key][]time.Duration{}
	n := 0
	for b.Loop() {
		for k := range sizes {
			s := (n + k) % len(sizes)
			env := map[string]string{"XDG_CONFIG_HOME": configDir, "KOMOJU_TUI_JOURNAL": paths[s],
				"KOMOJU_SECRET_KEY": sb.SecretKey(), "KOMOJU_API_URL": sb.URL()}
			for r, rep := range reports {
				// The output is counted and dropped, as sqlite3's goes to
				// io.Discard: a growing buffer would time the harness.
				var stdout lineCounter
				var stderr bytes.Buffer
				t0 := time.Now()
				code := Run(context.Background(), rep.name, rep.args, &stdout, &stderr, func(k string) string { return env[k] }, connect)
				cmdT[key{r, s}] = append(cmdT[key{r, s}], time.Since(t0))
				if code != ExitOK {
					b.Fatalf("%s with %s sales: exit %d\n%s", rep.name, sizes[s].Name, code, stderr.String())
				}
				if rep.name == "history" && stdout.lines != sizes[s].Sales+1 {
					b.Fatalf("history printed %d lines for %d sales", stdout.lines, sizes[s].Sales)
				}
				cmd := exec.Command(shell, "-readonly", paths[s], rep.sql)
				// /dev/null itself, not io.Discard: through a pipe that Go
				// drains, 10 MB of rows at 100k cost the shell about 50 ms
				// more than it costs when run by hand.
				cmd.Stdout, cmd.Stderr = devNull, &stderr
				t0 = time.Now()
				if err := cmd.Run(); err != nil {
					b.Fatalf("sqlite3 %s: %v %s", rep.name, err, stderr.String())
				}
				shellT[key{r, s}] = append(shellT[key{r, s}], time.Since(t0))
			}
		}
		n++
	}
	med := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	for r, rep := range reports {
		for s, size := range sizes {
			c, q := med(cmdT[key{r, s}]), med(shellT[key{r, s}])
			b.ReportMetric(c, rep.name+"-ms-"+size.Name)
			b.ReportMetric(q, "sqlite3-"+rep.name+"-ms-"+size.Name)
			b.ReportMetric(c/q, rep.name+"-x-"+size.Name)
		}
	}
}

// The queries the journal runs, written out for the sqlite3 shell (the
// journal's own constants are unexported in flows/journal).
const saleColumnsForBench = `id, order_num, idempotency_key, flow, method, amount, tax, currency, capture, email, name, description,
	session_id, card_brand, card_last4, created_at, updated_at, attempts, finished_at, outcome, payment_id, status, total,
	amount_refunded, error_code, error_message, instructions_url, redirect_url, deadline, captured_at, owner, sent_at, till`

// listedForBench is the query history runs for the day [start, stop), its
// arguments written in.
func listedForBench(start, stop int64) string {
	q, args := journal.ListedQuery(journal.Filter{Day: time.UnixMilli(start).In(journal.JST), Loc: journal.JST, Limit: -1})
	// The query bounds the day by its first and last millisecond
	// (created_at >= ? AND created_at <= ?).
	if len(args) != 2 || args[0] != start || args[1] != stop-1 {
		panic(fmt.Sprintf("history's query took %v, want the day [%d, %d]", args, start, stop-1))
	}
	q = strings.Replace(q, "?", strconv.FormatInt(start, 10), 1)
	return strings.Replace(q, "?", strconv.FormatInt(stop-1, 10), 1) + ";"
}

func groupsForBench(rng string) string {
	gross := `CASE WHEN total > 0 THEN total ELSE amount + tax END`
	charged := `status IN ('captured', 'refunded')`
	open := `(status IN ('pending', 'authorized') OR outcome = 'unknown'
		OR (status = '' AND (finished_at IS NULL OR outcome IN ('redirect', 'awaiting', 'authorized'))))`
	return `SELECT currency, till, CASE WHEN method = '' THEN 'none' ELSE method END,
		CASE WHEN status <> '' THEN status WHEN finished_at IS NULL THEN 'unfinished' WHEN outcome <> '' THEN outcome ELSE 'unfinished' END,
		count(*), sum(` + gross + `), sum(CASE WHEN ` + charged + ` THEN 1 ELSE 0 END),
		sum(CASE WHEN ` + charged + ` THEN ` + gross + ` ELSE 0 END), sum(CASE WHEN ` + charged + ` THEN amount_refunded ELSE 0 END),
		sum(CASE WHEN ` + charged + ` AND amount_refunded > 0 THEN 1 ELSE 0 END),
		sum(CASE WHEN ` + open + ` THEN 1 ELSE 0 END)
		FROM sales WHERE ` + rng + ` GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;`
}

func unsettledForBench(rng string) string {
	return `SELECT ` + saleColumnsForBench + ` FROM sales WHERE ` + rng + ` AND (status IN ('pending', 'authorized') OR outcome = 'unknown'
		OR (status = '' AND (finished_at IS NULL OR outcome IN ('redirect', 'awaiting', 'authorized')))) ORDER BY created_at, id;`
}

// lineCounter counts the lines written to it and keeps nothing.
type lineCounter struct{ lines int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
