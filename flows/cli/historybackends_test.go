package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
)

// history's table (the narrow, streamed query) lists the same sales in the
// same order as --json (whole sales), for every filter and --till all, on
// SQLite and on PostgreSQL (KOMOJU_TUI_TEST_POSTGRES, which scripts/test.sh
// sets; without it the PostgreSQL half fails, as the journal's matrix does).
func TestHistoryTableMatchesJSONOnBothBackends(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			h := newHarness(t)
			if backend == "postgres" {
				h.env["KOMOJU_TUI_JOURNAL"] = journaltest.PostgresSchema(t, "cli_history")
			}
			h.pay("1000", cardArgs(testCard)...)
			h.pay("1500", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
			_, out, _ := h.pay("3000", append(cardArgs(testCard), "--flow", "direct")...)
			h.run("refund", field(out, "payment"), "--amount", "500")
			h.pay("2000", append(cardArgs("4123111111111000"), "--flow", "direct")...)
			for _, args := range [][]string{
				nil, {"--till", "all"}, {"--limit", "0"}, {"--status", "captured"}, {"--method", "konbini"},
				{"--status", "authorized", "--till", "all"}, {"--date", "today"}, {"--date", "2001-01-01"}, {"--limit", "2"},
			} {
				code, table, errOut := h.run(append([]string{"history"}, args...)...)
				if code != ExitOK {
					t.Fatalf("history %v: exit %d %s", args, code, errOut)
				}
				code, js, errOut := h.run(append([]string{"history", "--json"}, args...)...)
				if code != ExitOK {
					t.Fatalf("history --json %v: exit %d %s", args, code, errOut)
				}
				var want []string
				for _, s := range decode[[]journal.Sale](t, js) {
					want = append(want, s.OrderNum+" "+s.StatusKey())
				}
				if args == nil && len(want) != 4 {
					t.Fatalf("history --json lists %d sales, want the 4 paid: %s", len(want), js)
				}
				var got []string
				lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
				if len(want) == 0 {
					if table != "No sales.\n" {
						t.Errorf("history %v: %q, want No sales.", args, table)
					}
					continue
				}
				for _, l := range lines[1:] {
					f := strings.Fields(l)
					status := ""
					for _, w := range f {
						if slices.Contains([]string{"captured", "authorized", "refunded", "failed", "cancelled", "expired", "pending", "unfinished", "error"}, w) {
							status = w
						}
					}
					got = append(got, f[2]+" "+status)
				}
				if !slices.Equal(got, want) {
					t.Errorf("history %v:\n table %v\n  json %v\n%s", args, got, want, table)
				}
			}
		})
	}
}
