package journal

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"
)

// Every column the totals read, and the values a sale can take in it.
var (
	totalsStatuses = []string{"", "pending", "authorized", "captured", "refunded", "cancelled", "failed", "expired"}
	totalsOutcomes = []string{"", "paid", "declined", "redirect", "awaiting", "authorized", "unknown", "cancelled"}
	totalsMethods  = []string{"", "credit_card", "konbini", "paypay"}
	totalsTills    = []string{"", "T1", "T2"}
	totalsCurrency = []string{"JPY", "USD"}
)

// salesFrom is the first instant of the sales the churn writes: 2026-11-23
// 12:00 UTC; they spread over the next 40 hours.
var salesFrom = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).UnixMilli()

// churnSales writes n sales with every combination of the columns the
// totals read, straight into the table (as another process, an older
// till or a script would), at random milliseconds.
func churnSales(t *testing.T, db *sql.DB, rng *rand.Rand, n int) {
	t.Helper()
	for i := range n {
		amount := rng.Int64N(50_000)
		var finished any
		if rng.IntN(4) > 0 {
			finished = salesFrom + rng.Int64N(40*3600_000)
		}
		created := salesFrom + rng.Int64N(40*3600_000)
		if _, err := db.Exec(`INSERT INTO sales (order_num, idempotency_key, flow, method, amount, tax, currency, capture,
			created_at, updated_at, finished_at, outcome, status, total, amount_refunded, till)
			VALUES (?, ?, 'direct', ?, ?, ?, ?, 'auto', ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("CHURN-%d", i), fmt.Sprintf("k-%d", i), pick(rng, totalsMethods), amount, rng.Int64N(3)*100,
			pick(rng, totalsCurrency), created, created, finished, pick(rng, totalsOutcomes), pick(rng, totalsStatuses),
			[]int64{0, amount, amount + 500}[rng.IntN(3)], []int64{0, 0, amount / 2, amount}[rng.IntN(4)], pick(rng, totalsTills)); err != nil {
			t.Fatal(err)
		}
	}
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// churnUpdates changes one column of a random sale n times (a column the
// totals read, or one they do not), and deletes every tenth sale touched.
func churnUpdates(t *testing.T, db *sql.DB, rng *rand.Rand, sales, n int) {
	t.Helper()
	for range n {
		id := 1 + rng.IntN(sales)
		var q string
		var v any
		switch rng.IntN(12) {
		case 0:
			q, v = `status`, pick(rng, totalsStatuses)
		case 1:
			q, v = `outcome`, pick(rng, totalsOutcomes)
		case 2:
			q = `finished_at`
			if rng.IntN(2) == 0 {
				v = salesFrom + rng.Int64N(40*3600_000)
			}
		case 3:
			q, v = `total`, rng.Int64N(60_000)
		case 4:
			q, v = `amount`, rng.Int64N(60_000)
		case 5:
			q, v = `tax`, rng.Int64N(3)*100
		case 6:
			q, v = `amount_refunded`, []int64{0, 100, 5_000}[rng.IntN(3)]
		case 7:
			q, v = `method`, pick(rng, totalsMethods)
		case 8:
			q, v = `till`, pick(rng, totalsTills)
		case 9:
			q, v = `currency`, pick(rng, totalsCurrency)
		case 10:
			// Across a quarter hour, and across a day now and then.
			q, v = `created_at`, salesFrom+rng.Int64N(40*3600_000)
		case 11:
			q, v = `email`, "changed@example.com" // not read by the totals
		}
		if _, err := db.Exec(`UPDATE sales SET `+q+` = ? WHERE id = ?`, v, id); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(10) == 0 {
			if _, err := db.Exec(`DELETE FROM sales WHERE id = ?`, id); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkTotals compares what the kept totals give (Groups, CountSales) with
// the same questions answered from the sales rows, for days in zones that
// start them on a quarter hour and in one that does not (its edges are
// read from the sales), for each till and the store, and counts for every
// filter History offers.
func checkTotals(t *testing.T, j *Journal, stage string) {
	t.Helper()
	ctx := context.Background()
	odd := time.FixedZone("odd", 7*60+13) // +00:07:13: no day starts on a quarter hour
	for _, loc := range []*time.Location{jst, time.UTC, odd} {
		for _, d := range []int{23, 24, 25} {
			day := time.Date(2026, 11, d, 12, 0, 0, 0, loc)
			for _, till := range totalsTills {
				sc := Scope{Day: day, Loc: loc, Till: till}
				got, err := j.Groups(ctx, sc)
				if err != nil {
					t.Fatal(err)
				}
				q, err := GroupsFromSalesQuery(sc)
				if err != nil {
					t.Fatal(err)
				}
				want, err := j.queryGroups(ctx, q.SQL, q.Args)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 0 || len(want) != 0 {
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: %s day %d till %q: kept totals\n%+v\nwant (from the sales)\n%+v", stage, loc, d, till, got, want)
					}
				}
			}
			for _, f := range []PageFilter{
				{Day: day, Loc: loc}, {Day: day, Loc: loc, Status: "captured"}, {Day: day, Loc: loc, Status: "failed", Till: "T1"},
				{Day: day, Loc: loc, Method: "konbini"}, {Day: day, Loc: loc, Till: "T2", Method: "credit_card", Status: "authorized"},
			} {
				checkCount(t, j, f, stage)
			}
		}
	}
	checkCount(t, j, PageFilter{}, stage+", every day")
	checkCount(t, j, PageFilter{Status: "refunded"}, stage+", every day")
}

func checkCount(t *testing.T, j *Journal, f PageFilter, stage string) {
	t.Helper()
	ctx := context.Background()
	got, err := j.CountSales(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	w, args, _ := f.where()
	var want int64
	if err := j.db.QueryRowContext(ctx, `SELECT count(*) FROM sales WHERE 1=1`+w, args...).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("%s: count of %+v is %d from the totals, %d from the sales", stage, f, got, want)
	}
}

// The day's totals kept by the triggers are the sales' own, whatever
// writes them: inserts, an update of any column (read by the totals or
// not), deletes, sales moved across quarter hours and days.
func TestTotalsFollowEveryWrite(t *testing.T) { both(t, testTotalsFollowEveryWrite) }

func testTotalsFollowEveryWrite(t *testing.T) {
	j, _ := openTest(t)
	rng := rand.New(rand.NewPCG(13, 7))
	churnSales(t, j.db, rng, 400)
	checkTotals(t, j, "after the inserts")
	churnUpdates(t, j.db, rng, 400, 1500)
	checkTotals(t, j, "after the updates and deletes")
	// Nothing is left behind for sales that are gone: with every sale
	// deleted, no group and no count remains.
	if _, err := j.db.Exec(`DELETE FROM sales`); err != nil {
		t.Fatal(err)
	}
	var n, nonzero int64
	if err := j.db.QueryRow(`SELECT CAST(coalesce(sum(sales), 0) AS BIGINT), count(*) FROM sales_totals WHERE sales <> 0 OR gross <> 0 OR refunded <> 0 OR refunds <> 0`).Scan(&n, &nonzero); err != nil {
		t.Fatal(err)
	}
	if n != 0 || nonzero != 0 {
		t.Fatalf("with no sales left, sales_totals still has %d rows that are not zero (%d sales)", nonzero, n)
	}
}

// The engine's own writes (begin, result, status changes, refunds) keep
// the totals too: the day built by hand in aggregate_test.go.
func TestTotalsOfTheEnginesWrites(t *testing.T) { both(t, testTotalsOfTheEnginesWrites) }

func testTotalsOfTheEnginesWrites(t *testing.T) {
	j, c := openTest(t)
	buildDay(t, j, c, handBuiltDay)
	checkTotals(t, j, "hand-built day")
}

// A journal of schema 6 with sales in it gets their totals when it is
// opened by this build: the migration adds up what is there.
func TestTotalsMigrationAddsUpTheSalesThere(t *testing.T) {
	path := testPath(t)
	if onPostgres(t) {
		t.Skip("the SQLite file's migration; PostgreSQL runs the same INSERT … SELECT")
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 6 {
		if _, err := db.Exec(migrations[v].sql); err != nil {
			t.Fatalf("step %d: %v", v+1, err)
		}
	}
	for _, q := range []string{"PRAGMA user_version = 6", fmt.Sprintf("PRAGMA application_id = %d", applicationID)} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	churnSales(t, db, rand.New(rand.NewPCG(5, 5)), 300)
	db.Close()
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	checkTotals(t, j, "after the migration")
}

func TestTotalsSpan(t *testing.T) {
	q := int64(totalsBucketMS)
	for _, c := range []struct {
		lo, hi   int64
		from, to int64
		edges    [][2]int64
	}{
		{lo: 10 * q, hi: 106 * q, from: 10, to: 106},
		{lo: 10*q + 1, hi: 106*q - 1, from: 11, to: 105, edges: [][2]int64{{10*q + 1, 11 * q}, {105 * q, 106*q - 1}}},
		{lo: 10*q + 1, hi: 10*q + 5, edges: [][2]int64{{10*q + 1, 10*q + 5}}},
		{lo: 10*q + 1, hi: 11*q + 5, edges: [][2]int64{{10*q + 1, 11*q + 5}}},
		{lo: math.MinInt64, hi: math.MaxInt64, from: math.MinInt64, to: math.MaxInt64},
		{lo: math.MinInt64, hi: 3*q + 7, from: math.MinInt64, to: 3, edges: [][2]int64{{3 * q, 3*q + 7}}},
		{lo: 5, hi: 5},
	} {
		s := totalsSpanOf(c.lo, c.hi)
		if s.from != c.from || s.to != c.to || !reflect.DeepEqual(s.edges, c.edges) {
			t.Errorf("totalsSpanOf(%d, %d) = %+v, want from %d to %d edges %v", c.lo, c.hi, s, c.from, c.to, c.edges)
		}
	}
}

// On PostgreSQL a session whose search_path is not the journal's (a
// DBA's script naming the schema) writing the sales still keeps the
// journal's own totals: the trigger function keeps the search_path it was
// made with.
func TestTotalsOfAWriterInAnotherSchema(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		path := testPath(t)
		j, err := OpenWith(path, Options{BusyTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		u, err := url.Parse(path)
		if err != nil {
			t.Fatal(err)
		}
		schema := u.Query().Get("search_path")
		other, err := sql.Open("pgx", os.Getenv(PostgresEnv)) // search_path: the server's default
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := other.Exec(`INSERT INTO `+schema+`.sales (order_num, idempotency_key, flow, method, amount, tax, currency, capture,
			created_at, updated_at, finished_at, status, total) VALUES ('DBA-1', 'k', 'direct', 'konbini', 1500, 0, 'JPY', 'auto', $1, $1, $1, 'captured', 1500)`,
			salesFrom+3600_000); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Exec(`UPDATE ` + schema + `.sales SET status = 'refunded', amount_refunded = 1500 WHERE order_num = 'DBA-1'`); err != nil {
			t.Fatal(err)
		}
		checkTotals(t, j, "written from another search_path")
		n, err := j.CountSales(context.Background(), PageFilter{Status: "refunded"})
		if err != nil || n != 1 {
			t.Fatalf("refunded sales counted %d (%v), want the one the script wrote", n, err)
		}
	})
}

// The integrity check mends totals that no longer match the sales (rows
// written with the triggers off, a hand edit), and leaves right ones be.
func TestIntegrityCheckMendsTheTotals(t *testing.T) { both(t, testIntegrityCheckMendsTheTotals) }

func testIntegrityCheckMendsTheTotals(t *testing.T) {
	j, _ := openTest(t)
	churnSales(t, j.db, rand.New(rand.NewPCG(3, 9)), 200)
	ctx := context.Background()
	if err := j.CheckIntegrity(ctx); err != nil {
		t.Fatal(err)
	}
	checkTotals(t, j, "after a check of right totals")
	for _, q := range []string{
		`UPDATE sales_totals SET sales = sales + 3, gross = gross + 1000 WHERE status = 'captured'`,
		`DELETE FROM sales_totals WHERE status = 'failed'`,
		`INSERT INTO sales_totals (` + totalsKeyColumns + `, ` + totalsSumColumns + `) VALUES (1, 'EUR', 'T9', 'paypay', 'captured', 'paid', 1, 2, 500, 0, 0)`,
	} {
		if _, err := j.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := j.CountSales(ctx, PageFilter{Status: "failed"}); n != 0 {
		t.Fatalf("the tampering did not take (%d failed sales counted)", n)
	}
	if err := j.CheckIntegrity(ctx); err != nil {
		t.Fatalf("a check of mended totals: %v", err)
	}
	checkTotals(t, j, "after the check mended them")
}
