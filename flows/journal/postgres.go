package journal

// The PostgreSQL backend. A journal opened with a postgres:// URL keeps the
// same tables and obeys the same rules as the SQLite file, so several tills
// on several machines can share one store's journal. The code above the
// driver is shared: statements are written once with SQLite's ? placeholders
// and portable SQL, and this file supplies what differs — placeholder
// rebinding, the DDL and its version table (migrate_pg.go), error
// classification and the write lock.
//
// The write lock. SQLite has one writer at a time (BEGIN IMMEDIATE), and
// the journal's read-then-write transactions (ReserveSale's order counter,
// Claim re-checking that an owner is gone, FinishSale's guards) rely on it.
// On PostgreSQL every write transaction takes the same transaction-scoped
// advisory lock first (pg_advisory_xact_lock), which gives exactly that:
// writers of one journal run one after another and each sees the last
// committed state, while readers never wait (MVCC). lock_timeout bounds the
// wait like SQLite's busy timeout, and the failure is ErrLocked.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgLockClass is the first key of the journal's advisory lock ("KJ"); the
// second is a hash of the schema, so journals kept in different schemas of
// one database do not wait for each other.
const pgLockClass = 0x4B4A

// IsPostgresURL reports whether journal names a PostgreSQL journal
// (postgres:// or postgresql://) rather than an SQLite file path.
func IsPostgresURL(journal string) bool {
	l := strings.ToLower(journal)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// redactURL hides the password of a PostgreSQL URL: the journal's name
// appears in messages, logs and the console's header.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// openPostgres opens the journal kept in the PostgreSQL database dsn.
func openPostgres(dsn string, o Options) (*Journal, error) {
	name := redactURL(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, &OpenError{Path: name, Problem: "is not a valid PostgreSQL URL (want postgres://user:password@host:port/database)", Err: ErrInvalid}
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// A statement waiting for another till's lock gives up after the busy
	// timeout, as on SQLite.
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10)
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > o.BusyTimeout+5*time.Second {
		cfg.ConnectTimeout = o.BusyTimeout + 5*time.Second
	}
	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	j, err := finishOpen(db, name, true, o)
	if err != nil {
		return nil, err
	}
	j.pgcfg = cfg
	var schema string
	ctx, cancel := context.WithTimeout(context.Background(), o.BusyTimeout+5*time.Second)
	defer cancel()
	if err := db.QueryRowContext(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
		j.Close()
		return nil, j.pgOpenErr(err, "cannot read the journal's schema")
	}
	j.channel = pgChannel(schema)
	return j, nil
}

// pgConnector wraps pgx's database/sql connector so that the journal's
// statements, written with SQLite's ? placeholders, run unchanged.
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{cn}, nil
}

type pgConn struct{ driver.Conn }

var (
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
)

func (c *pgConn) Prepare(q string) (driver.Stmt, error) { return c.Conn.Prepare(rebind(q)) }

func (c *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, rebind(q))
}

func (c *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, rebind(q), args)
}

func (c *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, rebind(q), args)
}

func (c *pgConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, o)
}

// CheckNamedValue stores Go bools as 0/1: the schema keeps flags in integer
// columns, as SQLite does, so the same statements compare them with 1 and 0.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

func (c *pgConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *pgConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// rebind turns ? and ?N placeholders into PostgreSQL's $N, leaving string
// literals, quoted names and comments alone.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case c == '?':
			k := i + 1
			for k < len(q) && q[k] >= '0' && q[k] <= '9' {
				k++
			}
			if k > i+1 { // ?N: numbered, as written
				b.WriteByte('$')
				b.WriteString(q[i+1 : k])
				i = k - 1
			} else {
				n++
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgBusy reports an error worth retrying the transaction for: another
// writer held the lock past lock_timeout, or the server picked this
// transaction as a deadlock or serialisation victim.
func pgBusy(err error) bool {
	switch pgCode(err) {
	case "55P03", "40001", "40P01":
		return true
	}
	return false
}

// pgWrap classifies a PostgreSQL error for wrap.
func (j *Journal) pgWrap(op string, err error) error {
	switch c := pgCode(err); {
	case pgBusy(err):
		return fmt.Errorf("journal %s: %s: %w (gave up after %v): %v", j.path, op, ErrLocked, j.busy, err)
	case c == "53100":
		return fmt.Errorf("journal %s: %s: the database server's disk is full: %w", j.path, op, err)
	case c == "25006" || strings.HasPrefix(c, "42501"):
		return fmt.Errorf("journal %s: %s: the database is read-only for this user: %w", j.path, op, err)
	case c == "XX001" || c == "XX002":
		return fmt.Errorf("journal %s: %s: %w: %v", j.path, op, ErrCorrupt, err)
	}
	return fmt.Errorf("journal %s: %s: %w", j.path, op, err)
}

// pgOpenErr says in words what went wrong while opening a PostgreSQL
// journal.
func (j *Journal) pgOpenErr(err error, what string, args ...any) error {
	var ce *pgconn.ConnectError
	switch c := pgCode(err); {
	case pgBusy(err):
		return openProblem(j.path, ErrLocked, "is locked by another till (gave up after %v); wait, or look for a stuck session on the server", j.busy)
	case c == "28P01" || c == "28000":
		return &OpenError{Path: j.path, Problem: "the server refused the user name or password", Err: err}
	case c == "3D000":
		return &OpenError{Path: j.path, Problem: "the database does not exist (create it first: createdb NAME)", Err: err}
	case c == "42501":
		return &OpenError{Path: j.path, Problem: "the user may not create the journal's tables (grant CREATE on the schema, or migrate once as its owner)", Err: err}
	case errors.As(err, &ce):
		return &OpenError{Path: j.path, Problem: "cannot connect to the PostgreSQL server (is it running, and is the host and port right?)", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &OpenError{Path: j.path, Problem: "timed out (server unreachable or locked by another till?)", Err: ErrLocked}
	}
	return openProblem(j.path, err, what, args...)
}

// lockTx takes the journal's write lock inside tx (PostgreSQL only): see
// the comment at the top of this file.
func (j *Journal) lockTx(ctx context.Context, tx *sql.Tx) error {
	if !j.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, pgLockSQL, pgLockClass)
	return err
}

// pgLockSQL takes the journal's write lock. coalesce: with no schema
// selected current_schema() is NULL, and the lock function, being strict,
// would then return without locking anything.
const pgLockSQL = `SELECT pg_advisory_xact_lock(?, hashtext(coalesce(current_schema(), ''))::int)`

// HostEnv names the environment variable that overrides the machine name
// owners record (default: the hostname). Processes on one host are judged
// by their pid, at once; on other hosts only by their lease. Machines that
// share a hostname (containers all called "localhost", images cloned
// with one name) must each set it, or a till would take another machine's
// pid for its own; the tests set it to play several machines.
const HostEnv = "KOMOJU_TUI_HOST"

// hostname is this machine's name as owners record it.
func hostname() string {
	if h := strings.TrimSpace(os.Getenv(HostEnv)); h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}
