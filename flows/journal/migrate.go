package journal

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one schema step. Pending steps run in order in a single
// transaction together with the PRAGMA user_version bump, so a crash or a
// failing step leaves the file at the version it had. Later issues append steps; never
// edit or reorder a released one.
type migration struct {
	name string
	sql  string
}

// migrations is the schema history; migrations[i] brings the file from
// user_version i to i+1.
var migrations = []migration{
	{name: "sales, status history, actions, webhook events", sql: schemaV1},
	{name: "status history per payment", sql: schemaV2},
	{name: "owners, order counters, send fences, state before an action", sql: schemaV3},
	{name: "integrity-check schedule, outstanding-sales index", sql: schemaV4},
	{name: "the till of each sale", sql: schemaV5},
	{name: "konbini store of each sale, history paging indexes", sql: schemaV6},
	{name: "day totals kept by triggers", sql: schemaV7},
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int { return len(migrations) }

const schemaV1 = `
CREATE TABLE sales (
	id               INTEGER PRIMARY KEY,
	order_num        TEXT    NOT NULL UNIQUE,
	idempotency_key  TEXT    NOT NULL,
	flow             TEXT    NOT NULL CHECK (flow IN ('session', 'direct')),
	method           TEXT    NOT NULL DEFAULT '',
	amount           INTEGER NOT NULL CHECK (amount >= 0),
	tax              INTEGER NOT NULL DEFAULT 0 CHECK (tax >= 0),
	currency         TEXT    NOT NULL,
	capture          TEXT    NOT NULL CHECK (capture IN ('auto', 'manual')),
	email            TEXT    NOT NULL DEFAULT '',
	name             TEXT    NOT NULL DEFAULT '',
	description      TEXT    NOT NULL DEFAULT '',
	session_id       TEXT    NOT NULL DEFAULT '',
	card_brand       TEXT    NOT NULL DEFAULT '',
	card_last4       TEXT    NOT NULL DEFAULT '' CHECK (card_last4 = '' OR (length(card_last4) = 4 AND card_last4 NOT GLOB '*[^0-9]*')),
	created_at       INTEGER NOT NULL,   -- Unix ms, UTC
	updated_at       INTEGER NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0,
	-- the result; finished_at NULL means the intent has no result yet
	finished_at      INTEGER,
	outcome          TEXT    NOT NULL DEFAULT '',
	payment_id       TEXT    NOT NULL DEFAULT '',
	status           TEXT    NOT NULL DEFAULT '',
	total            INTEGER NOT NULL DEFAULT 0,
	amount_refunded  INTEGER NOT NULL DEFAULT 0,
	error_code       TEXT    NOT NULL DEFAULT '',
	error_message    TEXT    NOT NULL DEFAULT '',
	instructions_url TEXT    NOT NULL DEFAULT '',
	redirect_url     TEXT    NOT NULL DEFAULT '',
	deadline         INTEGER,
	captured_at      INTEGER
);
CREATE INDEX sales_created ON sales (created_at);
CREATE INDEX sales_payment ON sales (payment_id) WHERE payment_id <> '';
CREATE INDEX sales_session ON sales (session_id) WHERE session_id <> '';
CREATE INDEX sales_open    ON sales (id) WHERE finished_at IS NULL OR outcome = 'unknown';

-- Every status (and refunded amount) a sale was seen in, and who said so.
CREATE TABLE sale_status (
	id              INTEGER PRIMARY KEY,
	sale_id         INTEGER NOT NULL REFERENCES sales (id) ON DELETE CASCADE,
	at              INTEGER NOT NULL,
	status          TEXT    NOT NULL,
	amount_refunded INTEGER NOT NULL DEFAULT 0,
	source          TEXT    NOT NULL
);
CREATE INDEX sale_status_sale ON sale_status (sale_id, id);

-- Money-moving calls (pay attempts, capture, cancel, refund, refund_request):
-- the intent before the call, the result after.
CREATE TABLE actions (
	id              INTEGER PRIMARY KEY,
	sale_id         INTEGER REFERENCES sales (id) ON DELETE SET NULL,
	payment_id      TEXT    NOT NULL DEFAULT '',
	kind            TEXT    NOT NULL CHECK (kind IN ('pay', 'capture', 'cancel', 'refund', 'refund_request')),
	idempotency_key TEXT    NOT NULL,
	amount          INTEGER NOT NULL DEFAULT 0 CHECK (amount >= 0),
	currency        TEXT    NOT NULL DEFAULT '',
	method          TEXT    NOT NULL DEFAULT '',
	card_brand      TEXT    NOT NULL DEFAULT '',
	card_last4      TEXT    NOT NULL DEFAULT '' CHECK (card_last4 = '' OR (length(card_last4) = 4 AND card_last4 NOT GLOB '*[^0-9]*')),
	description     TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	finished_at     INTEGER,
	outcome         TEXT    NOT NULL DEFAULT '',
	status          TEXT    NOT NULL DEFAULT '',
	amount_refunded INTEGER NOT NULL DEFAULT 0,
	reference       TEXT    NOT NULL DEFAULT '',
	error_code      TEXT    NOT NULL DEFAULT '',
	error_message   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX actions_sale ON actions (sale_id);
CREATE INDEX actions_open ON actions (id) WHERE finished_at IS NULL OR outcome = 'unknown';

-- Received webhook deliveries. dedupe_key is "id:<event id>" for verified
-- events, so a forged delivery can never shadow the genuine one.
CREATE TABLE events (
	id               INTEGER PRIMARY KEY,
	dedupe_key       TEXT    NOT NULL UNIQUE,
	event_id         TEXT    NOT NULL DEFAULT '',
	delivery_id      TEXT    NOT NULL DEFAULT '',
	type             TEXT    NOT NULL DEFAULT '',
	payment_id       TEXT    NOT NULL DEFAULT '',
	amount           INTEGER NOT NULL DEFAULT 0,
	currency         TEXT    NOT NULL DEFAULT '',
	received_at      INTEGER NOT NULL,
	last_received_at INTEGER NOT NULL,
	delivery_count   INTEGER NOT NULL DEFAULT 1,
	headers          TEXT    NOT NULL DEFAULT '{}',
	body             BLOB    NOT NULL,
	verified         INTEGER NOT NULL,
	verify_error     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_received ON events (received_at);
CREATE INDEX events_event_id ON events (event_id) WHERE event_id <> '';
`

// schemaV2 names the payment of each status history row: a Method 1 sale
// can have several payments (one per pay attempt), and a late event for a
// declined attempt must be told apart from the sale's own payment.
const schemaV2 = `
ALTER TABLE sale_status ADD COLUMN payment_id TEXT NOT NULL DEFAULT '';
UPDATE sale_status SET payment_id = (SELECT payment_id FROM sales WHERE sales.id = sale_status.sale_id);
`

// schemaV3 is what several processes on one journal need (see the package
// doc): which process owns each open sale and action, order-number counters
// reserved in the intent's transaction, when a money call was last sent (the
// fence before an empty look-up may say "not charged"), and the payment's
// refund state before a refund, so "did it happen?" compares with what was
// there before. sales_open no longer needs the OR over actions: open
// actions have their own index and Unfinished unions the two.
const schemaV3 = `
CREATE TABLE owners (
	id           TEXT    PRIMARY KEY,
	till         TEXT    NOT NULL DEFAULT '',
	host         TEXT    NOT NULL DEFAULT '',
	pid          INTEGER NOT NULL DEFAULT 0,
	started_at   INTEGER NOT NULL,
	heartbeat_at INTEGER NOT NULL
);
CREATE TABLE order_counters (
	prefix TEXT    PRIMARY KEY,
	last   INTEGER NOT NULL
);
ALTER TABLE sales   ADD COLUMN owner           TEXT    NOT NULL DEFAULT '';
ALTER TABLE sales   ADD COLUMN sent_at         INTEGER;
ALTER TABLE actions ADD COLUMN owner           TEXT    NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN sent_at         INTEGER;
ALTER TABLE actions ADD COLUMN before_refunded INTEGER NOT NULL DEFAULT -1;
ALTER TABLE actions ADD COLUMN before_count    INTEGER NOT NULL DEFAULT -1;
UPDATE sales   SET sent_at = created_at;
UPDATE actions SET sent_at = created_at;
CREATE INDEX actions_open_sale ON actions (sale_id) WHERE (finished_at IS NULL OR outcome = 'unknown') AND sale_id IS NOT NULL;
CREATE INDEX sales_unsettled ON sales (id) WHERE status IN ('pending', 'authorized') OR outcome IN ('redirect', 'awaiting', 'pending');
`

// schemaV4 keeps start-up independent of the journal's size (issue 10).
// meta records when the whole file was last checked (CheckIntegrityIfDue),
// so several processes on one journal do not each repeat a check that
// reads every page. sales_outstanding holds only the sales still pending or
// authorized: sales_unsettled also holds every sale whose first answer was
// a redirect or a konbini slip, and that outcome stays when the payment
// later settles, so it grows with the journal and Outstanding read a fifth
// of all sales through it.
const schemaV4 = `
CREATE TABLE meta (
	key   TEXT    PRIMARY KEY,
	value TEXT    NOT NULL DEFAULT '',
	at    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX sales_outstanding ON sales (status) WHERE status IN ('pending', 'authorized');
`

// schemaV5 records on each sale the till that began it (Options.Till), so
// a store's history can say which counter took each sale. Earlier sales
// take the till of their owner when that process is still registered; the
// rest stay unnamed (”).
const schemaV5 = `
ALTER TABLE sales ADD COLUMN till TEXT NOT NULL DEFAULT '';
UPDATE sales SET till = coalesce((SELECT till FROM owners WHERE owners.id = sales.owner), '');
`

// schemaV6 records the konbini store a slip was issued for (history and
// exports say which store the customer pays at), and indexes the history's
// keyset pages by status and by till: a filter on a rare status, or one
// till of a busy store, reads only its own rows, newest first, instead of
// walking the whole day. (SQLite's indexes end with the rowid, so these
// are in (key, created_at, id) order as the pages need.)
const schemaV6 = `
ALTER TABLE sales ADD COLUMN store TEXT NOT NULL DEFAULT '';
CREATE INDEX sales_status_created ON sales (status, created_at);
CREATE INDEX sales_till_created ON sales (till, created_at);
`

// migrate brings the schema up to date. It is safe when several processes
// open the same new file at once: the version is re-read inside the
// immediate (write-locked) transaction.
func (j *Journal) migrate(ctx context.Context, conn *sql.Conn) error {
	version, appID, tables, err := readVersion(ctx, conn)
	if err != nil {
		return j.openErr(err, "cannot read the schema version")
	}
	if err := j.checkOwner(version, appID, tables); err != nil {
		return err
	}
	if version == len(migrations) {
		return nil
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return j.openErr(err, "cannot start the schema migration")
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id),
		(SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%')`).Scan(&v, &appID, &tables); err != nil {
		return j.openErr(err, "cannot read the schema version")
	}
	if err := j.checkOwner(v, appID, tables); err != nil {
		return err
	}
	for ; v < len(migrations); v++ {
		m := migrations[v]
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return j.openErr(err, "schema migration %d (%s) failed", v+1, m.name)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			return j.openErr(err, "cannot record the schema version")
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return j.openErr(err, "cannot mark the file as a journal")
	}
	if err := tx.Commit(); err != nil {
		return j.openErr(err, "cannot commit the schema migration")
	}
	return nil
}

// readVersion reads the schema version, application id and table count in
// one statement, so they come from one snapshot even while another process
// is migrating the file.
func readVersion(ctx context.Context, conn *sql.Conn) (version, appID, tables int, err error) {
	err = conn.QueryRowContext(ctx, `SELECT
		(SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id),
		(SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%')`).Scan(&version, &appID, &tables)
	return
}

func (j *Journal) checkOwner(version, appID, tables int) error {
	if appID != 0 && appID != applicationID {
		return openProblem(j.path, ErrCorrupt, "is an SQLite database of another program (application_id %#x), not a komoju-tui journal", appID)
	}
	if appID == 0 && version == 0 && tables > 0 {
		return openProblem(j.path, ErrCorrupt, "is an SQLite database of another program (%d of its tables found), not a komoju-tui journal; refusing to add tables to it", tables)
	}
	if version > len(migrations) {
		return openProblem(j.path, ErrTooNew, "has schema version %d but this komoju-tui knows only up to %d; upgrade komoju-tui", version, len(migrations))
	}
	return nil
}
