package journal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Day totals kept as sales are written (schema v7, issue 13).
//
// The day's totals and History's counts used to be a GROUP BY or a count
// over every sale of the day: with 100,000 sales 0.3–1.4 s of CPU after
// each key that changed the scope, competing with the page the clerk was
// waiting for. sales_totals holds, per quarter hour of created_at and per
// sale key (currency, till, method, status, outcome, finished or not), how
// many sales there are and their gross and refunded sums. Triggers on
// sales keep it: an insert adds the row's part, a delete takes it away,
// an update of any column the key or the sums read takes the old part
// away and adds the new one, in the same transaction as the write. So it
// is right whoever writes the sales table (every till, the store's
// webhook receiver, a crashed process's recovery, a script, journaltest)
// and costs a write one small upsert or two.
//
// A quarter hour, because every time zone in use starts its days on one:
// a day's totals are its 96 buckets. A range that does not start or end on
// a quarter hour (a zone from before 1900, a test's odd offset) adds its
// edges up from the sales themselves (totalsSpanOf).

// totalsBucketMS is a bucket's length: a quarter hour in milliseconds.
const totalsBucketMS = 15 * 60 * 1000

// totalsBucket is totalsBucketMS in SQL.
var totalsBucket = strconv.Itoa(totalsBucketMS)

// totalsSpan is a range of created_at [lo, hi) as whole buckets
// [from, to) and the edges outside them, in Unix ms [start, end).
type totalsSpan struct {
	from, to int64
	edges    [][2]int64
}

// totalsSpanOf cuts [lo, hi) (Unix ms; math.MinInt64 / MaxInt64 for no
// bound) into whole buckets and edges.
func totalsSpanOf(lo, hi int64) totalsSpan {
	var s totalsSpan
	if lo >= hi {
		return s
	}
	s.from, s.to = math.MinInt64, math.MaxInt64
	if lo != math.MinInt64 {
		s.from = floorDiv(lo, totalsBucketMS)
		if s.from*totalsBucketMS < lo {
			s.from++
		}
	}
	if hi != math.MaxInt64 {
		s.to = floorDiv(hi, totalsBucketMS)
	}
	if s.from >= s.to {
		// Shorter than a bucket, or within one: all of it is edge.
		return totalsSpan{edges: [][2]int64{{lo, hi}}}
	}
	if lo != math.MinInt64 && s.from*totalsBucketMS > lo {
		s.edges = append(s.edges, [2]int64{lo, s.from * totalsBucketMS})
	}
	if hi != math.MaxInt64 && s.to*totalsBucketMS < hi {
		s.edges = append(s.edges, [2]int64{s.to * totalsBucketMS, hi})
	}
	return s
}

// floorDiv is a / b rounded down (b > 0); SQL's integer division of a
// negative created_at would round towards zero, but times before 1970 are
// never written.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// totalsKeyColumns and totalsSumColumns are sales_totals' columns.
const (
	totalsKeyColumns = `bucket, currency, till, method, status, outcome, finished`
	totalsSumColumns = `sales, gross, refunded, refunds`
)

// totalsValues is the sales_totals row of one sale in a trigger (row is
// "NEW." or "OLD."), signed: +1 adds the sale, -1 takes it away. Each
// expression is totalsOfSales' (grossSQL and the key columns) written over
// row; TestTotalsFollowEveryWrite holds the two together.
func totalsValues(row string, sign int) string {
	r := strings.NewReplacer("$", row)
	key := r.Replace(`$created_at / ` + totalsBucket + `, $currency, $till, $method, $status, $outcome,
		CASE WHEN $finished_at IS NULL THEN 0 ELSE 1 END`)
	gross := r.Replace(`CASE WHEN $total > 0 THEN $total ELSE $amount + $tax END`)
	refunds := r.Replace(`CASE WHEN $amount_refunded > 0 THEN 1 ELSE 0 END`)
	return fmt.Sprintf("%s, %d, %d * (%s), %d * %samount_refunded, %d * (%s)", key, sign, sign, gross, sign, row, sign, refunds)
}

// totalsUpsert adds one sale's signed row to sales_totals.
func totalsUpsert(row string, sign int) string {
	return `INSERT INTO sales_totals (` + totalsKeyColumns + `, ` + totalsSumColumns + `)
		VALUES (` + totalsValues(row, sign) + `)
		ON CONFLICT (` + totalsKeyColumns + `) DO UPDATE SET
		sales = sales_totals.sales + excluded.sales, gross = sales_totals.gross + excluded.gross,
		refunded = sales_totals.refunded + excluded.refunded, refunds = sales_totals.refunds + excluded.refunds`
}

// totalsRead are the columns of sales the totals read: an update of any
// other (an e-mail, a deadline, the owner's lease) leaves them alone.
const totalsRead = `created_at, currency, till, method, status, outcome, finished_at, total, amount, tax, amount_refunded`

// totalsChanged is true when an update moves a sale's part of the totals.
var totalsChanged = `OLD.created_at / ` + totalsBucket + ` <> NEW.created_at / ` + totalsBucket + ` OR OLD.currency <> NEW.currency
	OR OLD.till <> NEW.till OR OLD.method <> NEW.method OR OLD.status <> NEW.status OR OLD.outcome <> NEW.outcome
	OR (OLD.finished_at IS NULL) <> (NEW.finished_at IS NULL)
	OR (CASE WHEN OLD.total > 0 THEN OLD.total ELSE OLD.amount + OLD.tax END) <> (CASE WHEN NEW.total > 0 THEN NEW.total ELSE NEW.amount + NEW.tax END)
	OR OLD.amount_refunded <> NEW.amount_refunded`

// totalsTable is sales_totals itself; types as in the sales table.
const totalsTable = `CREATE TABLE sales_totals (
	bucket   %[1]s NOT NULL, -- created_at / totalsBucketMS: a quarter hour
	currency TEXT    NOT NULL,
	till     TEXT    NOT NULL,
	method   TEXT    NOT NULL,
	status   TEXT    NOT NULL,
	outcome  TEXT    NOT NULL,
	finished %[1]s NOT NULL, -- 0: finished_at IS NULL
	sales    %[1]s NOT NULL,
	gross    %[1]s NOT NULL,
	refunded %[1]s NOT NULL,
	refunds  %[1]s NOT NULL,
	PRIMARY KEY (` + totalsKeyColumns + `)
)`

// totalsBackfill adds up the sales already in the journal when the table
// is made.
var totalsBackfill = `INSERT INTO sales_totals (` + totalsKeyColumns + `, ` + totalsSumColumns + `) ` + totalsOfSales

// totalsOfSales is what sales_totals holds, added up from the sales.
var totalsOfSales = `SELECT created_at / ` + totalsBucket + `, currency, till, method, status, outcome, CASE WHEN finished_at IS NULL THEN 0 ELSE 1 END,
		count(*), CAST(sum(` + grossSQL + `) AS BIGINT), CAST(sum(amount_refunded) AS BIGINT),
		CAST(sum(CASE WHEN amount_refunded > 0 THEN 1 ELSE 0 END) AS BIGINT)
	FROM sales GROUP BY 1, 2, 3, 4, 5, 6, 7`

// toSettleIndex holds the sales Unsettled lists (unsettledCond, word for
// word, so the planners see that the query implies it), by day: the
// close reads its few open sales instead of the whole day.
// sales_unsettled is no use for it: it also keeps every sale whose first
// answer was a redirect or a konbini slip, a fifth of a day.
const toSettleIndex = `CREATE INDEX sales_to_settle ON sales (created_at%s) WHERE ` + unsettledCond

// schemaV7 is SQLite's step: the table, its three triggers, the sales
// already there, and the close's index (SQLite's indexes end with the
// rowid, so it is in (created_at, id) order as Unsettled reads it).
var schemaV7 = fmt.Sprintf(toSettleIndex, "") + `;
` + fmt.Sprintf(totalsTable, "INTEGER") + ` WITHOUT ROWID;
CREATE TRIGGER sales_totals_insert AFTER INSERT ON sales BEGIN
	` + totalsUpsert("NEW.", 1) + `;
END;
CREATE TRIGGER sales_totals_delete AFTER DELETE ON sales BEGIN
	` + totalsUpsert("OLD.", -1) + `;
END;
CREATE TRIGGER sales_totals_update AFTER UPDATE OF ` + totalsRead + ` ON sales WHEN ` + totalsChanged + ` BEGIN
	` + totalsUpsert("OLD.", -1) + `;
	` + totalsUpsert("NEW.", 1) + `;
END;
` + totalsBackfill + `;
`

// pgSchemaV7 is PostgreSQL's: the same index with id spelled out, and one
// trigger function for the three triggers. An update locks its two
// sales_totals rows in key order, so two writers moving sales between the
// same two keys in opposite directions wait for each other in turn, never
// in a cycle (the journal's own writers take its advisory lock anyway; a
// script may not). The function keeps the search_path it was made with,
// so its sales_totals is the journal's own whichever session writes the
// sales (several journals share a database, one schema each:
// docs/STORE.md).
var pgSchemaV7 = fmt.Sprintf(toSettleIndex, ", id") + `;
` + fmt.Sprintf(totalsTable, "BIGINT") + `;
CREATE FUNCTION sales_totals_apply() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $totals$
BEGIN
	IF TG_OP = 'INSERT' THEN
		` + totalsUpsert("NEW.", 1) + `;
	ELSIF TG_OP = 'DELETE' THEN
		` + totalsUpsert("OLD.", -1) + `;
	ELSIF ROW(OLD.created_at / ` + totalsBucket + `, OLD.currency, OLD.till, OLD.method, OLD.status, OLD.outcome, OLD.finished_at IS NULL)
		< ROW(NEW.created_at / ` + totalsBucket + `, NEW.currency, NEW.till, NEW.method, NEW.status, NEW.outcome, NEW.finished_at IS NULL) THEN
		` + totalsUpsert("OLD.", -1) + `;
		` + totalsUpsert("NEW.", 1) + `;
	ELSE
		` + totalsUpsert("NEW.", 1) + `;
		` + totalsUpsert("OLD.", -1) + `;
	END IF;
	RETURN NULL;
END
$totals$;
CREATE TRIGGER sales_totals_insert AFTER INSERT ON sales FOR EACH ROW EXECUTE FUNCTION sales_totals_apply();
CREATE TRIGGER sales_totals_delete AFTER DELETE ON sales FOR EACH ROW EXECUTE FUNCTION sales_totals_apply();
CREATE TRIGGER sales_totals_update AFTER UPDATE OF ` + totalsRead + ` ON sales FOR EACH ROW
	WHEN (` + totalsChanged + `) EXECUTE FUNCTION sales_totals_apply();
` + totalsBackfill + `;
`
