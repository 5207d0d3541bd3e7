// Package journaltest builds large sale journals fast, for benchmarks that
// must show a journal's cost does not grow with the number of sales it
// keeps (docs/PERFORMANCE.md, "Start-up and the size of the journal").
//
// Build writes every row in one transaction with INSERT … SELECT over a
// generated series, so a million sales take seconds instead of the hours a
// million BeginSale/FinishSale pairs (two fsyncs each) would. The rows look
// like a till's real history: card and konbini sales, both flows, status
// history, pay and refund actions, and one stored webhook event per
// captured sale.
package journaltest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	_ "modernc.org/sqlite" // the driver journal uses
)

// Options describe the journal Build writes. The zero value (apart from
// Sales) is a till's year: 300 sales a day ending the day before End.
type Options struct {
	// Sales is how many finished sales to write.
	Sales int
	// PerDay is how many sales each day has (default 300, about 100,000 a
	// year). Order numbers restart every day, as the engine's do.
	PerDay int
	// End is when the journal ends: the last day of sales is the day
	// before it (default 2026-11-24 00:00 UTC). Benchmarks that take a
	// sale "today" use this day.
	End time.Time
	// Prefix starts every order number (default "POS"), giving
	// "POS-20261123-0300".
	Prefix string
	// Open is how many of the sales are left without a result (a crash
	// between the charge and its answer, owner gone), spread evenly
	// through the journal: what Reconcilable lists.
	Open int
	// Outstanding is how many sales are still authorized (an uncaptured
	// card payment, a konbini slip not yet paid), spread the same way:
	// what Outstanding lists.
	Outstanding int
	// OpenActions is how many finished sales have a refund without a
	// result (an action Reconcilable lists with its sale).
	OpenActions int
}

// DefaultEnd is Options.End's default.
var DefaultEnd = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func (o *Options) defaults() {
	if o.PerDay <= 0 {
		o.PerDay = 300
	}
	if o.End.IsZero() {
		o.End = DefaultEnd
	}
	if o.Prefix == "" {
		o.Prefix = "POS"
	}
}

// Key names o for a cache of built journals.
func (o Options) Key() string {
	o.defaults()
	return fmt.Sprintf("%s-%d-%d-%d-%d-%d-%d", o.Prefix, o.Sales, o.PerDay, o.End.Unix(), o.Open, o.Outstanding, o.OpenActions)
}

// Build creates a journal at path (which must not exist yet, or be an
// empty journal) with the current schema and o's sales.
func Build(ctx context.Context, path string, o Options) error {
	o.defaults()
	if o.Sales < 0 || o.Open+o.Outstanding+o.OpenActions > o.Sales {
		return fmt.Errorf("journaltest: %d sales cannot hold %d open, %d outstanding and %d open actions", o.Sales, o.Open, o.Outstanding, o.OpenActions)
	}
	j, err := journal.Open(path) // creates the schema
	if err != nil {
		return err
	}
	if err := j.Close(); err != nil {
		return err
	}
	if o.Sales == 0 {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	days := (o.Sales + o.PerDay - 1) / o.PerDay
	start := o.End.Add(-time.Duration(days) * 24 * time.Hour).UnixMilli()
	// Sales run from 09:00 to 21:00 of each day.
	step := 12 * time.Hour.Milliseconds() / int64(o.PerDay)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?1),
			t AS (SELECT i, ?2 + (i / ?3) * 86400000 + 32400000 + (i % ?3) * ?4 AS at FROM s)
			INSERT INTO sales (order_num, idempotency_key, flow, method, amount, tax, currency, capture,
				email, name, description, session_id, card_brand, card_last4, created_at, updated_at, attempts,
				finished_at, outcome, payment_id, status, total, amount_refunded, error_code, error_message,
				captured_at, owner, sent_at)
			SELECT ?5 || '-' || strftime('%Y%m%d', at / 1000, 'unixepoch') || '-' || printf('%04d', i % ?3 + 1),
				printf('bulk-idem-%012d', i),
				CASE i % 2 WHEN 0 THEN 'direct' ELSE 'session' END,
				CASE i % 5 WHEN 4 THEN 'konbini' ELSE 'credit_card' END,
				100 + i % 10000, 0, 'JPY', 'auto',
				'customer' || (i % 1000) || '@example.com', '', 'item ' || i,
				CASE i % 2 WHEN 1 THEN printf('bulksess%012d', i) ELSE '' END,
				CASE i % 5 WHEN 4 THEN '' ELSE 'Visa' END,
				CASE i % 5 WHEN 4 THEN '' ELSE '1111' END,
				at, at + 1000, 1, at + 800,
				CASE WHEN i % 20 = 7 THEN 'error' WHEN i % 5 = 4 THEN 'awaiting' ELSE 'paid' END,
				CASE WHEN i % 20 = 7 THEN '' ELSE printf('bulkpay%012d', i) END,
				CASE WHEN i % 20 = 7 THEN '' WHEN i % 20 = 13 THEN 'refunded' ELSE 'captured' END,
				CASE WHEN i % 20 = 7 THEN 0 ELSE 100 + i % 10000 END,
				CASE WHEN i % 20 = 13 THEN 100 + i % 10000 ELSE 0 END,
				CASE WHEN i % 20 = 7 THEN 'card_declined' ELSE '' END,
				CASE WHEN i % 20 = 7 THEN 'The card was declined.' ELSE '' END,
				CASE WHEN i % 20 = 7 THEN NULL ELSE at + 800 END,
				'', at
			FROM t`,
			[]any{o.Sales, start, o.PerDay, step, o.Prefix}},
		{`INSERT INTO sale_status (sale_id, at, status, amount_refunded, source, payment_id)
			SELECT id, finished_at, CASE status WHEN 'refunded' THEN 'captured' ELSE status END, 0, 'result', payment_id
			FROM sales WHERE status <> ''`, nil},
		{`INSERT INTO sale_status (sale_id, at, status, amount_refunded, source, payment_id)
			SELECT id, finished_at + 3600000, status, amount_refunded, 'action', payment_id FROM sales WHERE status = 'refunded'`, nil},
		{`INSERT INTO actions (sale_id, payment_id, kind, idempotency_key, amount, currency, method, card_brand, card_last4,
				created_at, finished_at, outcome, status, sent_at)
			SELECT id, payment_id, 'pay', 'bulk-pay-' || id, total, currency, method, card_brand, card_last4,
				created_at + 100, finished_at, outcome, status, created_at + 100
			FROM sales WHERE flow = 'session'`, nil},
		{`INSERT INTO actions (sale_id, payment_id, kind, idempotency_key, amount, currency, created_at, finished_at,
				outcome, status, amount_refunded, reference, sent_at, before_refunded, before_count)
			SELECT id, payment_id, 'refund', 'bulk-refund-' || id, 0, currency, finished_at + 3600000, finished_at + 3600500,
				'ok', 'refunded', amount_refunded, 'bulkref' || id, finished_at + 3600000, 0, 0
			FROM sales WHERE status = 'refunded'`, nil},
		{`INSERT INTO events (dedupe_key, event_id, delivery_id, type, payment_id, amount, currency, received_at,
				last_received_at, headers, body, verified)
			SELECT printf('id:bulkevt%012d', id), printf('bulkevt%012d', id), printf('bulkdlv%012d', id), 'payment.captured', payment_id, total, currency,
				finished_at + 500, finished_at + 500, '{"Content-Type":["application/json"]}',
				CAST('{"id":"' || printf('bulkevt%012d', id) || '","type":"payment.captured","resource":"event","data":{"id":"' || payment_id ||
					'","resource":"payment","status":"captured","amount":' || total || ',"currency":"JPY","external_order_num":"' ||
					order_num || '"},"created_at":"' || strftime('%Y-%m-%dT%H:%M:%SZ', finished_at / 1000, 'unixepoch') || '"}' AS BLOB),
				1
			FROM sales WHERE status IN ('captured', 'refunded')`, nil},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("journaltest: %s: %w", strings.Fields(q.sql)[0], err)
		}
	}
	// The open sales, outstanding sales and open actions take turns over
	// slots spread evenly through the journal (the first a little after the
	// start, the last near the end), so no query finds them by looking only
	// at the newest rows, and no sale gets two of them.
	total := o.Open + o.Outstanding + o.OpenActions
	left := [3]int{o.Open, o.Outstanding, o.OpenActions}
	for slot, kind := 0, 0; slot < total; kind = (kind + 1) % 3 {
		if left[kind] == 0 {
			continue
		}
		left[kind]--
		id := int64((2*slot+1)*o.Sales/(2*total)) + 1
		slot++
		var q string
		switch kind {
		case 0:
			q = `UPDATE sales SET finished_at = NULL, outcome = '', payment_id = '', status = '', total = 0,
				amount_refunded = 0, captured_at = NULL, error_code = '', error_message = '' WHERE id = ?1`
		case 1:
			q = `UPDATE sales SET status = 'authorized', amount_refunded = 0, captured_at = NULL, total = amount,
				outcome = CASE method WHEN 'konbini' THEN 'awaiting' ELSE 'authorized' END,
				error_code = '', error_message = '', payment_id = printf('bulkpay%012d', ?1 - 1) WHERE id = ?1`
		default:
			q = `INSERT INTO actions (sale_id, payment_id, kind, idempotency_key, amount, currency, created_at, sent_at,
					before_refunded, before_count)
				SELECT id, printf('bulkpay%012d', id - 1), 'refund', 'bulk-open-refund-' || id, 100, currency, updated_at + 60000, updated_at + 60000, 0, 0
				FROM sales WHERE id = ?1`
		}
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Fold the WAL into the file, as a till's journal is after a clean
	// close.
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}
