// Package journal is komoju-tui's local sale journal: an embedded SQLite
// database (modernc.org/sqlite, pure Go, WAL mode) that records every sale
// and every money-moving action before the KOMOJU call is made and its
// result after, so that after a crash the console can still answer "was
// this customer charged?" and reconcile what it did not hear back.
//
// It also keeps each sale's status history (from the API's answers,
// polling, webhooks, the return URL and reconciliation), answers history and
// day-summary queries, exports CSV and JSON, and stores received webhook
// events for the event inspector.
//
// The journal never stores card numbers, CVCs or secret API keys: card
// brand and last four digits only, and text that looks like a card number
// is refused with ErrCardData.
//
// A Journal is safe for concurrent use, and several processes may open the
// same file (SQLite WAL mode; writers wait for each other up to the busy
// timeout).
//
// The same journal can be kept on PostgreSQL instead, for several tills on
// several machines: Open("postgres://user:password@host/db") (see
// postgres.go and docs/STORE.md). Behaviour is the same on both backends;
// the journal's tests run on each.
//
// # Several processes, one journal
//
// A till, a headless script, a report and a second till may all have the
// journal open at once, and any of them may crash at any line. The rules
// that keep "was this customer charged?" right:
//
//   - Ownership. A process that begins a sale or action registers in the
//     owners table (id, till, host, pid) and heartbeats every third of its
//     lease (DefaultLease). Each sale and action records its owner. An
//     owner is gone when its heartbeat is older than the lease, when it
//     closed the journal (its row is deleted), or at once when it ran on
//     this host and its pid no longer exists (a crash or SIGKILL). On
//     PostgreSQL heartbeats and lease expiry are read on the database
//     server's clock, so a till whose clock is skewed neither takes a live
//     till's sales nor keeps a dead one's.
//   - Facts from KOMOJU. A payment status KOMOJU reported (a verified
//     webhook, a poll, the return URL) may be recorded by any process with
//     RecordPayment, whoever owns the sale: it is a fact, not a verdict,
//     and the status only moves forward. The store's webhook receiver
//     (komoju-tui listen --journal) does exactly that and nothing else; it
//     never finishes, claims or settles a sale. The owning till turns the
//     fact into its verdict (its follow-ups read it from the journal).
//   - Announcements. Every write that changes a sale announces it
//     (NOTIFY on PostgreSQL, the file's data_version on SQLite), and
//     Subscribe delivers them, so a till shows what the receiver or
//     another till recorded without asking (notify.go).
//   - Settling. Only the owner of an unfinished sale, or any process once
//     the owner is gone, may write its verdict: Reconcilable lists exactly
//     those, and Claim takes an orphan over in one transaction (re-checking
//     that the owner is still gone), so two processes never settle the
//     same sale. Reports (show, history, summary) only read.
//   - Order numbers. ReserveSale reserves the next number of a prefix from
//     a counter row in the same transaction as the intent (keeping the
//     number the till already showed when it is still free), so two
//     processes on one journal never use one number; tills on different
//     journals use different prefixes (the till id).
//   - Fences. Each sale and action keeps when its money call was last sent
//     (MarkSaleSent, MarkActionSent): an empty look-up at KOMOJU proves
//     "not charged" only once a fence past that time has passed.
//   - Adoption. A payment is applied to a sale by payment id or session id
//     (exact), or by order number only when the sale is a Method 2 sale
//     without a payment and the payment has its currency and amount
//     (PaymentMatches): another till's payment that shares a number is
//     never taken for this sale's.
//   - One mode. An empty look-up proves something only at the KOMOJU the
//     sale was made at: ClaimMode marks the journal with the mode (sandbox,
//     test, live) of the first process that talks to KOMOJU through it, and
//     refuses the others (mode.go).
package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Modes a journal can be kept for; each has its own file so sandbox and test
// sales never mix with live ones.
const (
	ModeSandbox = "sandbox"
	ModeTest    = "test"
	ModeLive    = "live"
)

// DefaultBusyTimeout is how long a write waits for another process holding
// the journal's write lock before failing with ErrLocked.
const DefaultBusyTimeout = 5 * time.Second

// applicationID marks the file as a komoju-tui journal ("KJNL") so that
// Open refuses some other program's SQLite database instead of adding tables
// to it.
const applicationID = 0x4B4A4E4C

// Errors Open and the write methods return (wrapped; test with errors.Is).
var (
	// ErrNotFound means no sale, action or event matched.
	ErrNotFound = errors.New("not found in the journal")
	// ErrLocked means another process held the journal's lock for longer
	// than the busy timeout.
	ErrLocked = errors.New("the journal is locked by another process")
	// ErrCorrupt means the file is damaged or is not an SQLite database.
	ErrCorrupt = errors.New("the journal file is corrupt or not a komoju-tui journal")
	// ErrTooNew means the file was written by a newer komoju-tui whose
	// schema this build does not know.
	ErrTooNew = errors.New("the journal was written by a newer komoju-tui")
	// ErrDuplicateOrder means a sale with the same order number exists.
	ErrDuplicateOrder = errors.New("order number already used by another sale")
	// ErrInvalid means an argument was malformed (the message says which).
	ErrInvalid = errors.New("invalid journal input")
	// ErrClosed means the journal was closed.
	ErrClosed = errors.New("the journal is closed")
)

// OpenError is returned by Open: it names the journal file and what is
// wrong with it. Err wraps one of ErrCorrupt, ErrLocked, ErrTooNew or an
// operating-system error.
type OpenError struct {
	Path    string
	Problem string // what is wrong, for people
	// Format and Args are Problem's words and values apart, when it has
	// values, so it can be said in another language (flows.ProblemIn).
	Format string
	Args   []any
	Err    error
}

// openProblem is an OpenError whose problem has values in it.
func openProblem(path string, err error, format string, args ...any) *OpenError {
	return &OpenError{Path: path, Problem: fmt.Sprintf(format, args...), Format: format, Args: args, Err: err}
}

// Error implements error.
func (e *OpenError) Error() string {
	switch e.Err {
	case nil, ErrCorrupt, ErrLocked, ErrTooNew, ErrInvalid:
		// The problem already says it in words.
		return fmt.Sprintf("journal %s: %s", e.Path, e.Problem)
	}
	return fmt.Sprintf("journal %s: %s: %v", e.Path, e.Problem, e.Err)
}

// Unwrap returns the cause.
func (e *OpenError) Unwrap() error { return e.Err }

// Options tunes OpenWith. The zero value is what Open uses.
type Options struct {
	// BusyTimeout bounds how long a statement waits for another process's
	// lock (default DefaultBusyTimeout).
	BusyTimeout time.Duration
	// Now is the journal's clock for created/finished/received times
	// (default time.Now). Tests use it to build a day of sales.
	Now func() time.Time
	// SkipQuickCheck is ignored: Open no longer reads the whole file (see
	// CheckIntegrity, which replaced the check Open used to run).
	//
	// Deprecated: Open's cost no longer grows with the journal; there is
	// nothing to skip.
	SkipQuickCheck bool
	// Till names the till this process is (recorded with its owner row).
	Till string
	// Lease is how long this process's ownership of its open sales lasts
	// after its last heartbeat (default DefaultLease).
	Lease time.Duration
	// Wall is the real clock that heartbeats and leases are measured on
	// (default time.Now). It is separate from Now, which tests freeze: a
	// lease is about whether a process is alive, not about the sale's date.
	// On PostgreSQL leases are measured on the database server's clock
	// instead, the one clock all the store's machines share (owners.go).
	Wall func() time.Time
}

// Journal is an open sale journal. Its methods are safe for concurrent use.
type Journal struct {
	db   *sql.DB
	path string
	pg   bool // PostgreSQL (postgres.go), not an SQLite file
	// pgcfg and channel: how Subscribe connects and what it LISTENs to
	// (PostgreSQL only; notify.go).
	pgcfg   *pgx.ConnConfig
	channel string
	now     func() time.Time
	busy    time.Duration

	// wmu serialises this process's write transactions, so its own
	// connections never contend for SQLite's single writer lock; other
	// processes are handled by BEGIN IMMEDIATE and the busy timeout.
	wmu sync.Mutex

	closeOnce sync.Once
	closeErr  error
	// life ends when Close begins: a whole-file check still running then
	// is interrupted, so closing (quitting the console) never waits for it.
	life    context.Context
	endLife context.CancelFunc

	// Ownership (owners.go): this process's id, till and host, and the
	// heartbeat that keeps its lease once it owns a sale or action.
	owner      string
	till       string
	host       string
	lease      time.Duration
	wall       func() time.Time
	registered atomic.Bool
	hbOnce     sync.Once
	hbStop     chan struct{}
	hbDone     chan struct{}
}

// DefaultPath returns where the journal of mode lives:
// $XDG_DATA_HOME/komoju-tui/journal-<mode>.db, or
// ~/.local/share/komoju-tui/journal-<mode>.db when XDG_DATA_HOME is unset
// or not absolute (as the XDG spec requires).
func DefaultPath(mode string) (string, error) {
	switch mode {
	case ModeSandbox, ModeTest, ModeLive:
	default:
		return "", fmt.Errorf("journal: unknown mode %q (want sandbox, test or live): %w", mode, ErrInvalid)
	}
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", fmt.Errorf("journal: cannot find a data directory: XDG_DATA_HOME is unset and the home directory is unknown (%v); pass --journal PATH", err)
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "komoju-tui", "journal-"+mode+".db"), nil
}

// Open opens (creating if needed) the journal at path with default options.
// See OpenWith.
func Open(path string) (*Journal, error) { return OpenWith(path, Options{}) }

// OpenWith opens (creating if needed) the journal at path: it creates the
// parent directories (0700, since sales hold customer names and emails),
// enables WAL mode, a busy timeout, foreign keys and synchronous=FULL,
// applies schema migrations and probes the file for damage. Problems come
// back as *OpenError naming the path and what is wrong; Open never blocks
// for longer than the busy timeout.
//
// Open costs the same with a million sales as with none: it reads the
// header, the schema and the last pages of each table (where the next sale
// is written), never the whole file. A file that is not a database, or is
// damaged there, is refused; damage elsewhere is found by CheckIntegrity,
// which the console runs in the background after its first frame.
//
// synchronous=FULL, not NORMAL: in WAL mode NORMAL survives a process crash
// but may lose the last commits on power loss or an OS crash. The intent of a
// charge is written just before the card is charged, and losing it would
// leave a charged customer the journal knows nothing about. FULL costs one
// fsync of the WAL per commit, which a till writing a few rows per sale can
// afford.
func OpenWith(path string, o Options) (*Journal, error) {
	if path == "" {
		return nil, &OpenError{Path: `""`, Problem: "no journal path given", Err: ErrInvalid}
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if IsPostgresURL(path) {
		return openPostgres(path, o)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Path: path, Problem: "cannot resolve the path", Err: err}
	}
	path = abs
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, &OpenError{Path: path, Problem: "cannot create its directory", Err: err}
	}
	switch fi, err := os.Stat(path); {
	case err == nil && fi.IsDir():
		return nil, openProblem(path, nil, "is a directory, not a journal file (give a file path such as %s)", filepath.Join(path, "journal.db"))
	case err == nil && !fi.Mode().IsRegular():
		return nil, &OpenError{Path: path, Problem: "is not a regular file"}
	case err == nil:
		// Probe read-write access ourselves: SQLite silently falls back to
		// read-only, which would only show up as a failure on the first sale.
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, &OpenError{Path: path, Problem: "cannot be opened for writing", Err: err}
		}
		f.Close()
	case errors.Is(err, os.ErrNotExist):
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return nil, &OpenError{Path: path, Problem: "cannot create the file", Err: err}
		}
		if f != nil {
			f.Close()
		}
	default:
		return nil, &OpenError{Path: path, Problem: "cannot be read", Err: err}
	}

	db, err := sql.Open("sqlite", dsn(path, o.BusyTimeout))
	if err != nil {
		return nil, &OpenError{Path: path, Problem: "cannot open the database", Err: err}
	}
	// A few connections: readers proceed while a write is in progress (WAL).
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	return finishOpen(db, path, false, o)
}

// finishOpen builds the Journal on an opened database and brings its
// schema up to date; path is the file, or the URL without its password.
func finishOpen(db *sql.DB, path string, pg bool, o Options) (*Journal, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Wall == nil {
		o.Wall = time.Now
	}
	host := hostname()
	life, endLife := context.WithCancel(context.Background())
	j := &Journal{db: db, path: path, pg: pg, now: o.Now, busy: o.BusyTimeout, life: life, endLife: endLife,
		owner: newOwnerID(), till: o.Till, host: host, lease: o.Lease, wall: o.Wall}

	ctx, cancel := context.WithTimeout(context.Background(), 4*o.BusyTimeout+10*time.Second)
	defer cancel()
	// SQLite answers SQLITE_BUSY at once, without waiting for the busy
	// timeout, when another process is switching a new file to WAL mode at
	// the same moment; retry until the busy timeout has passed.
	start := time.Now()
	for {
		err := j.init(ctx)
		if err == nil {
			return j, nil
		}
		if !errors.Is(err, ErrLocked) || time.Since(start) >= o.BusyTimeout {
			endLife()
			db.Close()
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dsn builds the driver's connection string. Every pooled connection runs
// these pragmas when it opens. _txlock=immediate makes write transactions
// take the write lock at BEGIN, so two processes never deadlock upgrading
// read locks (a deferred transaction that must upgrade fails at once with
// SQLITE_BUSY instead of waiting). cache_size(-500) gives each connection
// 500 KiB of page cache instead of SQLite's 2 MB: the console keeps up to
// five connections (the pool and the change watcher), and with 100k sales
// today its RSS with History open was 58–66 MB against a 60 MB target;
// with 500 KiB it is 45 MB, and the reports and History's keys measured
// the same within noise (docs/PERFORMANCE.md).
func dsn(path string, busy time.Duration) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-500)&_txlock=immediate",
		esc, busy.Milliseconds())
}

func (j *Journal) init(ctx context.Context) error {
	conn, err := j.db.Conn(ctx)
	if err != nil {
		return j.openErr(err, "cannot open the database")
	}
	defer conn.Close()
	if j.pg {
		if err := j.migratePG(ctx, conn); err != nil {
			return err
		}
		return j.probe(ctx, conn)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return j.openErr(err, "cannot read the database")
	}
	if !strings.EqualFold(mode, "wal") {
		return openProblem(j.path, nil, "cannot switch to WAL mode (journal_mode is %q; is the file on a network file system?)", mode)
	}
	if err := j.migrate(ctx, conn); err != nil {
		return err
	}
	return j.probe(ctx, conn)
}

// probe reads the last entry of every table and of the order-number
// index: one root-to-leaf path each, a few pages whatever the journal's
// size. A file damaged where the next sale, action or event is written is
// refused here, with the error the full check gives, instead of failing
// the clerk's first sale; damage deeper inside is CheckIntegrity's to find.
func (j *Journal) probe(ctx context.Context, conn *sql.Conn) error {
	var n sql.NullInt64
	var s sql.NullString
	if j.pg {
		// The server checks its own pages; this only proves the tables
		// answer.
		err := conn.QueryRowContext(ctx, `SELECT (SELECT max(id) FROM sales), (SELECT max(order_num) FROM sales)`).Scan(&n, &s)
		if err != nil {
			return j.openErr(err, "cannot read the journal")
		}
		return nil
	}
	err := conn.QueryRowContext(ctx, `SELECT
		(SELECT max(rowid) FROM sales) + (SELECT max(rowid) FROM sale_status) +
		(SELECT max(rowid) FROM actions) + (SELECT max(rowid) FROM events),
		(SELECT max(order_num) FROM sales)`).Scan(&n, &s)
	if err != nil {
		return j.openErr(err, "cannot read the journal")
	}
	return nil
}

// openErr turns a driver error met while opening into an *OpenError that
// says what is wrong in words.
func (j *Journal) openErr(err error, what string, args ...any) error {
	if j.pg {
		return j.pgOpenErr(err, what, args...)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return &OpenError{Path: j.path, Problem: "is not an SQLite database (the file is corrupt or belongs to something else); move it aside or pass another --journal path", Err: ErrCorrupt}
		case sqlite3.SQLITE_CORRUPT:
			return &OpenError{Path: j.path, Problem: "the database is damaged; move it aside and restore a backup", Err: ErrCorrupt}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return openProblem(j.path, ErrLocked, "is locked by another process (gave up after %v); close the other komoju-tui or wait", j.busy)
		case sqlite3.SQLITE_CANTOPEN:
			return &OpenError{Path: j.path, Problem: "cannot be opened (check the directory exists and is writable)", Err: err}
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return &OpenError{Path: j.path, Problem: "is read-only; the journal must be writable", Err: err}
		case sqlite3.SQLITE_FULL:
			return &OpenError{Path: j.path, Problem: "the disk is full", Err: err}
		case sqlite3.SQLITE_IOERR:
			return &OpenError{Path: j.path, Problem: "input/output error", Err: err}
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &OpenError{Path: j.path, Problem: "timed out (locked by another process?)", Err: ErrLocked}
	}
	return openProblem(j.path, err, what, args...)
}

// Path returns the absolute path of the journal file, or for PostgreSQL
// its URL with the password hidden.
func (j *Journal) Path() string { return j.path }

// Close closes the journal. Further calls return ErrClosed. Closing twice is
// harmless.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		j.endLife()
		j.stopHeartbeat()
		j.wmu.Lock()
		defer j.wmu.Unlock()
		j.closeErr = j.db.Close()
	})
	return j.closeErr
}

// wrap turns a driver error from a read or write into one that names the
// journal and, for the common failures, says what happened.
func (j *Journal) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrCardData) ||
		errors.Is(err, ErrDuplicateOrder) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("journal: %s: %w", op, err)
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "database is closed") {
		return fmt.Errorf("journal: %s: %w", op, ErrClosed)
	}
	if j.pg {
		return j.pgWrap(op, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("journal %s: %s: %w (gave up after %v): %v", j.path, op, ErrLocked, j.busy, err)
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("journal %s: %s: %w: %v", j.path, op, ErrCorrupt, err)
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("journal %s: %s: the disk is full: %w", j.path, op, err)
		case sqlite3.SQLITE_READONLY:
			return fmt.Errorf("journal %s: %s: the file is read-only: %w", j.path, op, err)
		}
	}
	return fmt.Errorf("journal %s: %s: %w", j.path, op, err)
}

// write runs fn in an immediate write transaction. fn may run more than
// once: when SQLite reports the file busy before the busy timeout has
// passed (it does so without waiting in a few cases, such as WAL recovery
// by another process), the whole transaction is retried until it has.
func (j *Journal) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	j.wmu.Lock()
	defer j.wmu.Unlock()
	start := time.Now()
	for {
		err := j.writeOnce(ctx, fn)
		if err == nil || !isBusy(err) || time.Since(start) >= j.busy || ctx.Err() != nil {
			return j.wrap(op, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (j *Journal) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := j.lockTx(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isBusy(err error) bool {
	if pgBusy(err) {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

// ms stores times as Unix milliseconds (UTC): integers sort and compare
// exactly, and day boundaries in any location are plain ranges.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64, loc *time.Location) time.Time { return time.UnixMilli(v).In(loc) }

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64, loc *time.Location) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64, loc)
	return &t
}
