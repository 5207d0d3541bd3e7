package journal

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// queryPlan returns SQLite's plan for q, one step per line.
func queryPlan(t *testing.T, j *Journal, q string, args ...any) []string {
	t.Helper()
	rows, err := j.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v\n%s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}

// TestStartupQueriesUseIndexes holds every query a process start runs to
// a plan that reads open work (or a few index entries), never the history:
// a plan that scans sales, actions, sale_status or events, or reads
// through sales_unsettled (which keeps every redirect and konbini sale ever
// made), costs more with every sale the till takes.
func TestStartupQueriesUseIndexes(t *testing.T) {
	j, _ := openTest(t)
	day, dayArgs, _ := salesQuery(Filter{Day: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Limit: -1})
	dayCard, dayCardArgs, _ := salesQuery(Filter{Day: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Status: "captured", Method: "credit_card"})
	// Bounded by the open work (partial indexes) or by a key.
	okScan := regexp.MustCompile(`^SCAN (sales USING INDEX (sales_open|sales_outstanding)|actions USING INDEX (actions_open|actions_open_sale)|owners)$`)
	for _, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"Unfinished", unfinishedSQL, nil},
		{"UnfinishedActions", unfinishedActionsSQL, nil},
		{"Outstanding", outstandingSQL, nil},
		{"LastOrderNum", `SELECT order_num FROM sales WHERE order_num >= ? AND order_num < ?`, []any{"POS-20261124-", "POS-20261124-\xff"}},
		{"OrderNumUsed", `SELECT count(*) FROM sales WHERE order_num = ?`, []any{"POS-20261124-0001"}},
		{"order counter", `SELECT last FROM order_counters WHERE prefix = ?`, []any{"POS-20261124-"}},
		{"history of the day", day, dayArgs},
		{"history of the day, filtered", dayCard, dayCardArgs},
		{"open actions of a sale", `SELECT ` + actionColumns + ` FROM actions WHERE sale_id = ? AND (finished_at IS NULL OR outcome = 'unknown') ORDER BY id`, []any{1}},
	} {
		plan := queryPlan(t, j, q.sql, q.args...)
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !okScan.MatchString(step) || strings.Contains(step, "sales_unsettled") {
				t.Errorf("%s reads more than the open work: %q\nplan:\n  %s", q.name, step, strings.Join(plan, "\n  "))
			}
		}
		t.Logf("%s: %s", q.name, fmt.Sprint(plan))
	}
}

// The close lists the day's open sales through sales_to_settle: a few
// index entries, not every sale of the day (49 ms at 100k before).
func TestUnsettledReadsOnlyOpenSales(t *testing.T) {
	j, _ := openTest(t)
	if j.pg {
		t.Skip("SQLite's plan")
	}
	for _, till := range []string{"", "T1"} {
		q, args, err := unsettledQuery(Scope{Day: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Till: till})
		if err != nil {
			t.Fatal(err)
		}
		plan := queryPlan(t, j, q, args...)
		if len(plan) != 1 || !strings.Contains(plan[0], "USING INDEX sales_to_settle (created_at>? AND created_at<?)") {
			t.Errorf("till %q: Unsettled's plan is %q, want a range of sales_to_settle", till, plan)
		}
	}
}
