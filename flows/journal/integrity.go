package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IntegrityError is what CheckIntegrity returns for a damaged journal. It
// wraps ErrCorrupt.
type IntegrityError struct {
	Path     string
	Problems []string // SQLite's first findings, for the log and the curious
}

// Error implements error.
func (e *IntegrityError) Error() string {
	return fmt.Sprintf("journal %s: the database is damaged (%s); move it aside and restore a backup",
		e.Path, strings.Join(e.Problems, "; "))
}

// Unwrap returns ErrCorrupt.
func (e *IntegrityError) Unwrap() error { return ErrCorrupt }

// Meta keys of the integrity-check schedule.
const (
	metaIntegrity      = "integrity_check"       // value "ok" or the problems; at = when it ended
	metaIntegrityClaim = "integrity_check_claim" // at = when a process started one
)

// CheckIntegrity reads the whole journal file (SQLite's PRAGMA quick_check:
// every page, every row, every index's shape) and returns an
// *IntegrityError wrapping ErrCorrupt that lists what is damaged, or nil.
// Its cost grows with the file (about a second for 100,000 sales; see
// docs/PERFORMANCE.md), which is why Open does not run it: the console
// runs CheckIntegrityIfDue in the background after its first frame, and
// `komoju-tui --check-journal` runs it on demand. Other processes go on
// reading and writing meanwhile (WAL: the check reads a snapshot).
// Cancelling ctx, or closing the journal, stops it (a check stopped early
// records nothing). The result is recorded for CheckIntegrityIfDue.
func (j *Journal) CheckIntegrity(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(j.life, cancel)()
	problems, err := j.quickCheck(ctx)
	if j.life.Err() != nil {
		return fmt.Errorf("journal %s: integrity check: %w", j.path, ErrClosed)
	}
	if err != nil {
		var se *sqlite.Error
		if !errors.As(err, &se) || (se.Code()&0xff != sqlite3.SQLITE_CORRUPT && se.Code()&0xff != sqlite3.SQLITE_NOTADB) {
			return j.wrap("integrity check", err)
		}
		// SQLite gave up on a page it could not read at all, rather than
		// listing what is wrong with it.
		problems = []string{se.Error()}
	}
	if len(problems) == 0 {
		if err := j.mendTotals(ctx); err != nil {
			if j.life.Err() != nil {
				return fmt.Errorf("journal %s: integrity check: %w", j.path, ErrClosed)
			}
			return err
		}
	}
	j.recordIntegrity(ctx, problems)
	if len(problems) > 0 {
		return &IntegrityError{Path: j.path, Problems: problems}
	}
	return nil
}

// mendTotals compares the day totals kept by the triggers (totals.go)
// with the sales and, when they differ, adds them up again from the
// sales. The triggers run in every write's transaction, so a crash cannot
// part them; rows written with triggers off can (PostgreSQL's
// session_replication_role = replica, pg_restore --disable-triggers), and
// so can a hand edit of sales_totals. The totals are only a sum of the
// sales, so they are mended, not reported as damage.
func (j *Journal) mendTotals(ctx context.Context) error {
	differ, err := j.totalsDiffer(ctx)
	if err != nil {
		return err
	}
	if differ == 0 {
		return nil
	}
	return j.write(ctx, "add up the day totals again", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sales_totals`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, totalsBackfill)
		return err
	})
}

// quickCheck returns what PRAGMA quick_check lists (up to 3 findings),
// and the driver's error unwrapped.
func (j *Journal) quickCheck(ctx context.Context) ([]string, error) {
	if j.pg {
		// PostgreSQL checks its own pages as it reads them (and
		// pg_amcheck is the server operator's tool); there is no file
		// of ours to read.
		return nil, nil
	}
	rows, err := j.db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if s != "ok" && len(problems) < 3 {
			problems = append(problems, s)
		}
	}
	return problems, rows.Err()
}

// recordIntegrity notes the result for CheckIntegrityIfDue. On a damaged
// file the write may fail too; the caller has the verdict either way.
func (j *Journal) recordIntegrity(ctx context.Context, problems []string) {
	v := "ok"
	if len(problems) > 0 {
		v = truncate(strings.Join(problems, "; "), maxLong)
	}
	ctx = context.WithoutCancel(ctx) // a verdict that was reached is kept
	_ = j.write(ctx, "record integrity check", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value, at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, at = excluded.at`, metaIntegrity, v, ms(j.wall()))
		return err
	})
}

// integrityClaimFor is how long a started check keeps other processes from
// starting their own: a check of a million sales takes seconds, so a claim
// older than this belongs to a process that died while checking.
const integrityClaimFor = 10 * time.Minute

// CheckIntegrityIfDue runs CheckIntegrity when no process on this journal
// has checked it within every (measured on Options.Wall), or when the last
// check found damage (a damaged file is checked again at every start, and a
// restored one is cleared). Several consoles and tills sharing the journal
// take turns: the first to find the check due claims it in the journal, and
// the others skip it. It reports whether it ran the check, and the check's
// error.
func (j *Journal) CheckIntegrityIfDue(ctx context.Context, every time.Duration) (bool, error) {
	if every <= 0 {
		return false, fmt.Errorf("journal: integrity check: interval %v: %w", every, ErrInvalid)
	}
	due := false
	now := ms(j.wall())
	err := j.write(ctx, "schedule integrity check", func(tx *sql.Tx) error {
		var result string
		var checked, claimed int64
		err := tx.QueryRowContext(ctx, `SELECT
			coalesce((SELECT value FROM meta WHERE key = ?1), ''),
			coalesce((SELECT at FROM meta WHERE key = ?1), 0),
			coalesce((SELECT at FROM meta WHERE key = ?2), 0)`, metaIntegrity, metaIntegrityClaim).Scan(&result, &checked, &claimed)
		if err != nil {
			return err
		}
		fresh := result == "ok" && now-checked < every.Milliseconds() && now >= checked
		busy := now-claimed < min(every, integrityClaimFor).Milliseconds() && now >= claimed && claimed > checked
		if fresh || busy {
			return nil
		}
		due = true
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, at) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET at = excluded.at`, metaIntegrityClaim, now)
		return err
	})
	if err != nil {
		return false, err
	}
	if !due {
		return false, nil
	}
	// Its own thread at the lowest priority: this runs while the clerk
	// works (issue 13: keys pressed during it waited for the CPU).
	inBackground(func() { err = j.CheckIntegrity(ctx) })
	if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrClosed) {
		// No verdict (the console quit, the disk was busy): give the turn
		// back rather than keep the others off until the claim lapses.
		ctx := context.WithoutCancel(ctx)
		_ = j.write(ctx, "release integrity check", func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE meta SET at = 0 WHERE key = ? AND at = ?`, metaIntegrityClaim, now)
			return err
		})
	}
	return true, err
}

// totalsDiffer counts the rows of sales_totals (per quarter hour and key)
// that are not what the sales add up to, and the sums the sales give that
// it lacks.
func (j *Journal) totalsDiffer(ctx context.Context) (int64, error) {
	kept := `SELECT ` + totalsKeyColumns + `, ` + totalsSumColumns + ` FROM sales_totals
		WHERE sales <> 0 OR gross <> 0 OR refunded <> 0 OR refunds <> 0`
	var differ int64
	err := j.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (`+kept+` EXCEPT `+totalsOfSales+`) AS extra)
		+ (SELECT count(*) FROM (`+totalsOfSales+` EXCEPT `+kept+`) AS missing)`).Scan(&differ)
	return differ, j.wrap("integrity check of the day totals", err)
}
