package journal

// Live updates between tills. A till learns that a sale changed elsewhere
// (the store's webhook receiver recorded a konbini payment, another till
// took a sale) from the journal itself, not from KOMOJU: every write that
// changes a sale announces it, and Subscribe delivers the announcements.
//
// On PostgreSQL the announcement is a NOTIFY on a channel of the
// journal's schema, sent inside the writing transaction (so it is
// delivered at commit, and never for a write that rolled back), with the
// sale id and order number as payload. Subscribe keeps one dedicated
// connection that LISTENs and waits (pgx's WaitForNotification); when it
// drops, it reconnects with backoff and sends a Resync, since whatever was
// announced meanwhile is lost.
//
// SQLite has no notifications, and every process on one SQLite journal is
// on one machine: Subscribe polls the file's data_version (a counter the
// file bumps on every commit by another connection, read from a page
// already in memory) and only when it moved reads the sales updated since
// the last poll.

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// SaleChanged says that a sale of the journal was begun or changed by
// some process (this one included). Subscribers read the sale again: the
// announcement carries only which sale it was.
type SaleChanged struct {
	SaleID   int64  `json:"sale_id"`
	OrderNum string `json:"order_num"`
	// By is the owner id (OwnerID) of the process that made the change,
	// when the backend says (PostgreSQL); "" when unknown (SQLite).
	By string `json:"by,omitempty"`
	// Resync means announcements may have been lost (the connection to
	// the server dropped and was re-made): anything may have changed.
	Resync bool `json:"resync,omitempty"`
}

// DefaultPollInterval is how often Subscribe checks an SQLite journal for
// commits by other processes.
const DefaultPollInterval = 500 * time.Millisecond

// subscribeBuffer is the backlog of a subscription; a subscriber that
// falls further behind holds the announcements back (none is dropped).
const subscribeBuffer = 64

// pgChannel is the NOTIFY channel of the journal kept in schema: one per
// schema, so journals in different schemas of one database (the tests'
// each) do not hear each other. A hash keeps it under the 63-byte limit of
// channel names.
func pgChannel(schema string) string {
	h := fnv.New32a()
	h.Write([]byte(schema))
	return fmt.Sprintf("komoju_tui_sales_%08x", h.Sum32())
}

// changedTx announces, inside a write transaction, that sale id changed.
// On SQLite the commit itself is the announcement (see Subscribe).
func (j *Journal) changedTx(ctx context.Context, tx *sql.Tx, id int64, orderNum string) error {
	if !j.pg || id == 0 {
		return nil
	}
	if orderNum == "" {
		if err := tx.QueryRowContext(ctx, `SELECT order_num FROM sales WHERE id = ?`, id).Scan(&orderNum); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, j.channel, strconv.FormatInt(id, 10)+" "+orderNum+" "+j.owner)
	return err
}

// parseChanged reads a NOTIFY payload ("ID ORDER OWNER"; order numbers
// and owner ids have no spaces).
func parseChanged(payload string) (SaleChanged, bool) {
	f := strings.Fields(payload)
	if len(f) < 2 {
		return SaleChanged{}, false
	}
	id, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || id <= 0 {
		return SaleChanged{}, false
	}
	c := SaleChanged{SaleID: id, OrderNum: f[1]}
	if len(f) > 2 {
		c.By = f[2]
	}
	return c, true
}

// Subscribe announces every later change of a sale by any process on
// the journal (begun, sent, answered, paid, refunded, taken over), until
// ctx ends or the journal is closed; then the channel is closed. Changes
// this process makes are announced too. It returns once it is listening:
// any change committed after Subscribe returns is announced, at most
// DefaultPollInterval late on SQLite. A subscriber that stops reading
// holds announcements back rather than losing them; one that is told
// Resync must read again whatever it shows.
func (j *Journal) Subscribe(ctx context.Context) <-chan SaleChanged {
	return j.SubscribeEvery(ctx, DefaultPollInterval)
}

// SubscribeEvery is Subscribe polling an SQLite journal every interval
// (PostgreSQL is not polled).
func (j *Journal) SubscribeEvery(ctx context.Context, interval time.Duration) <-chan SaleChanged {
	out := make(chan SaleChanged, subscribeBuffer)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(j.life, cancel) // Close ends every subscription
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	var run func()
	if j.pg {
		run = j.listenPG(ctx, out)
	} else {
		run = j.pollSQLite(ctx, out, interval)
	}
	go func() {
		defer close(out)
		defer stop()
		defer cancel()
		run()
	}()
	return out
}

// pollFingerprint is what a sale's row looks like to its readers, as one
// text: a second change within the millisecond of the last one
// announced differs in it and is announced; a row merely read again is
// not.
const pollFingerprint = `coalesce(status, '') || '|' || coalesce(outcome, '') || '|' || amount_refunded || '|' || total || '|' ||
	coalesce(finished_at, '') || '|' || coalesce(payment_id, '') || '|' || coalesce(session_id, '') || '|' || attempts || '|' ||
	coalesce(error_code, '') || '|' || coalesce(captured_at, '') || '|' || coalesce(deadline, '') || '|' || method || '|' || coalesce(owner, '')`

// send delivers c unless ctx ends first.
func send(ctx context.Context, out chan<- SaleChanged, c SaleChanged) bool {
	select {
	case out <- c:
		return true
	case <-ctx.Done():
		return false
	}
}

// listenPG connects and LISTENs before returning, then returns the loop
// that waits for notifications.
func (j *Journal) listenPG(ctx context.Context, out chan<- SaleChanged) func() {
	connect := func() (*pgx.Conn, error) {
		cctx, cancel := context.WithTimeout(ctx, j.busy+5*time.Second)
		defer cancel()
		c, err := pgx.ConnectConfig(cctx, j.pgcfg.Copy())
		if err != nil {
			return nil, err
		}
		if _, err := c.Exec(cctx, "LISTEN "+pgx.Identifier{j.channel}.Sanitize()); err != nil {
			c.Close(context.Background())
			return nil, err
		}
		return c, nil
	}
	conn, firstErr := connect()
	return func() {
		defer func() {
			if conn != nil {
				conn.Close(context.Background())
			}
		}()
		resync := firstErr != nil // nothing was heard until the first connection
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			if conn == nil {
				var err error
				if conn, err = connect(); err != nil {
					select {
					case <-time.After(backoff):
					case <-ctx.Done():
						return
					}
					backoff = min(2*backoff, 30*time.Second)
					resync = true
					continue
				}
				backoff = 100 * time.Millisecond
			}
			if resync {
				if !send(ctx, out, SaleChanged{Resync: true}) {
					return
				}
				resync = false
			}
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				conn.Close(context.Background())
				conn, resync = nil, true
				continue
			}
			if c, ok := parseChanged(n.Payload); ok && !send(ctx, out, c) {
				return
			}
		}
	}
}

// pollSQLite reads the starting point before returning, then returns the
// polling loop. It uses a connection of its own: data_version counts the
// commits of other connections, and this one never writes.
func (j *Journal) pollSQLite(ctx context.Context, out chan<- SaleChanged, interval time.Duration) func() {
	db, err := sql.Open("sqlite", dsn(j.path, j.busy))
	var (
		version int64
		since   int64 // updated_at of the newest change announced
		lastID  int64
		// atSince: what each sale announced with updated_at == since
		// looked like (pollFingerprint), so the rows of that millisecond,
		// which every poll reads again, are announced again only when
		// they changed: any commit moves data_version (this process's
		// own heartbeats too), and a re-announced sale made History and
		// the close read the day again after every heartbeat.
		atSince = map[int64]string{}
	)
	if err == nil {
		db.SetMaxOpenConns(1)
		err = db.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&version)
		if err == nil {
			err = db.QueryRowContext(ctx, `SELECT coalesce(max(updated_at), 0), coalesce(max(id), 0) FROM sales`).Scan(&since, &lastID)
		}
	}
	if db == nil {
		// The driver is built in; this does not happen. Nothing to poll.
		return func() { <-ctx.Done() }
	}
	return func() {
		defer db.Close()
		resync := err != nil
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var v int64
			if err := db.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
				resync = true
				continue
			}
			if resync {
				resync = false
				version = v
				if !send(ctx, out, SaleChanged{Resync: true}) {
					return
				}
				continue
			}
			if v == version {
				continue
			}
			version = v
			// Changed rows: updated since the newest one announced (by
			// the writers' clock: one machine's), and new rows whatever
			// their time says (a till whose clock a test froze). Rows of
			// that last millisecond are announced again: twice is
			// harmless, missing a second change within it is not.
			rows, err := db.QueryContext(ctx, `SELECT id, order_num, updated_at, `+pollFingerprint+` FROM sales WHERE updated_at >= ? OR id > ? ORDER BY updated_at, id`, since, lastID)
			if err != nil {
				resync = true
				continue
			}
			var batch []SaleChanged
			for rows.Next() {
				var c SaleChanged
				var at int64
				var print string
				if rows.Scan(&c.SaleID, &c.OrderNum, &at, &print) != nil {
					continue
				}
				if at == since && c.SaleID <= lastID {
					if seen, ok := atSince[c.SaleID]; ok && seen == print {
						continue // announced already, unchanged
					}
				}
				if at > since {
					since = at
					clear(atSince)
				}
				if at == since {
					atSince[c.SaleID] = print
				}
				lastID = max(lastID, c.SaleID)
				batch = append(batch, c)
			}
			rerr := rows.Err()
			rows.Close()
			if rerr != nil {
				resync = true
				continue
			}
			for _, c := range batch {
				if !send(ctx, out, c) {
					return
				}
			}
		}
	}
}
