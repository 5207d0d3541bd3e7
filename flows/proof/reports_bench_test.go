package proof

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
)

// BenchmarkReportsAsProcesses runs the headless reports as a user runs
// them — the built binary, process start to exit, output to /dev/null —
// and, in the same rounds, the sqlite3 shell running the statements each
// command runs, on the same file (issue 13: within 2× of sqlite3):
//
//   - history --limit 0: the listing (journal.ListedQuery);
//   - summary --till all: the day's totals (journal.GroupsQueries: the
//     kept quarter-hour totals);
//   - close --till all --no-refresh: the totals, then the open sales
//     (journal.UnsettledQuery).
//
// summary and close also get the day added up from its sales
// (journal.GroupsFromSalesQuery, "sqlite3-sales-…", "…-x-sales-…"): the
// reference the issue measured, what a database keeping no totals does.
//
// Every sale is on one local day (1k, 10k or 100k of them, 5 still
// authorized). Each round runs every size, command and reference once,
// so the machine's load weighs on all alike. Metrics: median ms per
// command and size, the shell's, and their ratio.
//
//	go test -run '^$' -bench ReportsAsProcesses -benchtime 20x ./flows/proof/
//
// KOMOJU_TUI_BENCH_SIZES=1k,10k narrows the sizes; KOMOJU_TUI_BENCH_BIN
// runs another build. Without sqlite3 (apt-get install sqlite3) it is
// skipped.
func BenchmarkReportsAsProcesses(b *testing.B) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("sqlite3 is not installed (apt-get install sqlite3)")
	}
	bin := os.Getenv("KOMOJU_TUI_BENCH_BIN")
	if bin == "" {
		bin = binary(b)
	}
	sizes := []journaltest.Size{{Name: "1k", Sales: 1_000}, {Name: "10k", Sales: 10_000}, {Name: "100k", Sales: 100_000}}
	if v := journaltest.Sizes(b); len(v) != len(journaltest.DefaultSizes) || v[0] != journaltest.DefaultSizes[0] {
		sizes = v
	}
	end := time.Date(2026, 11, 24, 0, 0, 0, 0, journal.JST)
	const day = "2026-11-23"
	dayStart := time.Date(2026, 11, 23, 0, 0, 0, 0, journal.JST)
	paths := make([]string, len(sizes))
	for i, s := range sizes {
		paths[i] = journaltest.Cached(b, journaltest.Options{Sales: s.Sales, PerDay: max(s.Sales, 1), End: end, Outstanding: 5})
	}
	scope := journal.Scope{Day: dayStart, Loc: journal.JST}
	listed, largs := journal.ListedQuery(journal.Filter{Day: dayStart, Loc: journal.JST, Limit: -1})
	groups, err := journal.GroupsQueries(scope)
	if err != nil {
		b.Fatal(err)
	}
	open, err := journal.UnsettledQuery(scope)
	if err != nil {
		b.Fatal(err)
	}
	totals := ""
	for _, q := range groups {
		totals += inlineSQL(q.SQL, q.Args) + ";\n"
	}
	fromSales, err := journal.GroupsFromSalesQuery(scope)
	if err != nil {
		b.Fatal(err)
	}
	aggregate := inlineSQL(fromSales.SQL, fromSales.Args) + ";\n"
	openSQL := inlineSQL(open.SQL, open.Args) + ";"
	// sales is the second reference of the reports that read the kept
	// totals: the day added up from its sales, as the issue measured it
	// (a database that keeps no totals).
	reports := []struct {
		name       string
		args       []string
		sql, sales string
	}{
		{"history", []string{"history", "--date", day, "--limit", "0"}, inlineSQL(listed, largs) + ";", ""},
		{"summary", []string{"summary", "--date", day, "--till", "all"}, totals, aggregate},
		{"close", []string{"close", "--day", day, "--till", "all", "--no-refresh"}, totals + openSQL, aggregate + openSQL},
	}
	env := baseEnv(b, nil)
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	ctx := context.Background()
	run := func(what string, cmd *exec.Cmd) time.Duration {
		cmd.Stdout = devNull
		var stderr strings.Builder
		cmd.Stderr = &stderr
		t0 := time.Now()
		err := cmd.Run()
		d := time.Since(t0)
		if err != nil {
			b.Fatalf("%s: %v\n%s", what, err, stderr.String())
		}
		return d
	}
	// Once each, outside the timing: the listing has every sale, the
	// shell answers the statements.
	for s := range sizes {
		cmd := exec.CommandContext(ctx, bin, reports[0].args...)
		cmd.Env = append(slices.Clip(env), "KOMOJU_TUI_JOURNAL="+paths[s])
		out, err := cmd.Output()
		if n := strings.Count(string(out), "\n"); err != nil || n != sizes[s].Sales+1 {
			b.Fatalf("history with %s sales: %v, %d lines", sizes[s].Name, err, n)
		}
	}
	type key struct{ report, size int }
	cmdT, shellT, salesT := map[key][]time.Duration{}, map[key][]time.Duration{}, map[key][]time.Duration{}
	round := 0
	for b.Loop() {
		for k := range sizes {
			s := (round + k) % len(sizes)
			for r, rep := range reports {
				cmd := exec.CommandContext(ctx, bin, rep.args...)
				cmd.Env = append(slices.Clip(env), "KOMOJU_TUI_JOURNAL="+paths[s])
				cmdT[key{r, s}] = append(cmdT[key{r, s}], run(rep.name+" "+sizes[s].Name, cmd))
				shellT[key{r, s}] = append(shellT[key{r, s}],
					run("sqlite3 "+rep.name, exec.CommandContext(ctx, shell, "-readonly", paths[s], rep.sql)))
				if rep.sales != "" {
					salesT[key{r, s}] = append(salesT[key{r, s}],
						run("sqlite3 "+rep.name+" from the sales", exec.CommandContext(ctx, shell, "-readonly", paths[s], rep.sales)))
				}
			}
		}
		round++
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
			if rep.sales != "" {
				a := med(salesT[key{r, s}])
				b.ReportMetric(a, "sqlite3-sales-"+rep.name+"-ms-"+size.Name)
				b.ReportMetric(c/a, rep.name+"-x-sales-"+size.Name)
			}
		}
	}
}

// inlineSQL writes args into q's placeholders, for the sqlite3 shell.
func inlineSQL(q string, args []any) string {
	var out strings.Builder
	for _, a := range args {
		before, after, ok := strings.Cut(q, "?")
		if !ok {
			panic(fmt.Sprintf("more arguments than placeholders in %q", q))
		}
		out.WriteString(before)
		switch v := a.(type) {
		case int64:
			out.WriteString(strconv.FormatInt(v, 10))
		case int:
			out.WriteString(strconv.Itoa(v))
		case string:
			out.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
		default:
			panic(fmt.Sprintf("argument %T", a))
		}
		q = after
	}
	if strings.Contains(q, "?") {
		panic(fmt.Sprintf("placeholders left in %q", q))
	}
	return out.String() + q
}
