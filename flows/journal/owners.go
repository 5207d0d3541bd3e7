package journal

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultLease is how long a process counts as alive after its last
// heartbeat. It heartbeats every third of it, so a till that is merely busy
// never loses its sales; one that died (or lost its disk) gives them up
// within the lease. On the same host a dead process is seen at once (its
// pid is gone), so a console restarted after a crash reconciles its own
// sales without waiting.
const DefaultLease = 30 * time.Second

// Owner is a process that opened the journal for writing: a console, a
// headless command, a till. Every sale and action it begins records its id.
type Owner struct {
	ID          string    `json:"id"`
	Till        string    `json:"till"`
	Host        string    `json:"host"`
	PID         int       `json:"pid"`
	StartedAt   time.Time `json:"started_at"`
	HeartbeatAt time.Time `json:"heartbeat_at"`
}

func newOwnerID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// OwnerID is this process's owner id in the journal.
func (j *Journal) OwnerID() string { return j.owner }

// Till is the till name this journal handle records with its owner row.
func (j *Journal) Till() string { return j.till }

// registerTx makes this process an owner (once) inside a write transaction
// that is about to record a sale or action as its own, so the owner row and
// the first owned row commit together.
func (j *Journal) registerTx(ctx context.Context, tx *sql.Tx) error {
	if j.registered.Load() {
		return nil
	}
	at, err := j.leaseNow(ctx, tx)
	if err != nil {
		return err
	}
	now := ms(at)
	_, err = tx.ExecContext(ctx, `INSERT INTO owners (id, till, host, pid, started_at, heartbeat_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
		j.owner, j.till, j.host, os.Getpid(), now, now)
	if err != nil {
		return err
	}
	// Rows of processes that died without closing the journal would
	// otherwise pile up (ownerMap reads them all); a week past its last
	// heartbeat an owner is long gone.
	_, err = tx.ExecContext(ctx, `DELETE FROM owners WHERE heartbeat_at < ?`, now-ownerRowTTL.Milliseconds())
	return err
}

// ownerRowTTL is how long the row of a process that died without closing
// the journal is kept.
const ownerRowTTL = 7 * 24 * time.Hour

// registered is called after a transaction that ran registerTx committed:
// from then on the heartbeat keeps the lease.
func (j *Journal) markRegistered() {
	if j.registered.Swap(true) {
		return
	}
	j.hbOnce.Do(func() {
		j.hbStop = make(chan struct{})
		j.hbDone = make(chan struct{})
		go j.heartbeat()
	})
}

func (j *Journal) heartbeat() {
	defer close(j.hbDone)
	t := time.NewTicker(j.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-j.hbStop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), j.lease/3)
			_ = j.write(ctx, "heartbeat", func(tx *sql.Tx) error {
				at, err := j.leaseNow(ctx, tx)
				if err != nil {
					return err
				}
				_, err = tx.ExecContext(ctx, `INSERT INTO owners (id, till, host, pid, started_at, heartbeat_at) VALUES (?,?,?,?,?,?)
					ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
					j.owner, j.till, j.host, os.Getpid(), ms(at), ms(at))
				return err
			})
			cancel()
		}
	}
}

// stopHeartbeat ends the heartbeat and removes the owner row, so the
// process's unfinished sales are at once reconcilable by the next process.
func (j *Journal) stopHeartbeat() {
	if j.hbStop == nil {
		return
	}
	close(j.hbStop)
	<-j.hbDone
	ctx, cancel := context.WithTimeout(context.Background(), j.busy)
	defer cancel()
	_, _ = j.db.ExecContext(ctx, `DELETE FROM owners WHERE id = ?`, j.owner)
}

// Owners lists the processes registered in the journal.
func (j *Journal) Owners(ctx context.Context) ([]Owner, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT id, till, host, pid, started_at, heartbeat_at FROM owners ORDER BY started_at`)
	if err != nil {
		return nil, j.wrap("owners", err)
	}
	defer rows.Close()
	var out []Owner
	for rows.Next() {
		var o Owner
		var st, hb int64
		if err := rows.Scan(&o.ID, &o.Till, &o.Host, &o.PID, &st, &hb); err != nil {
			return nil, j.wrap("owners", err)
		}
		o.StartedAt, o.HeartbeatAt = fromMS(st, time.Local), fromMS(hb, time.Local)
		out = append(out, o)
	}
	return out, j.wrap("owners", rows.Err())
}

// queryer is a database, connection or transaction.
type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// leaseNow is the clock heartbeats and leases are measured on. On SQLite
// every process runs on the file's machine, so its wall clock (Options.Wall)
// is everyone's. On PostgreSQL the tills run on several machines whose
// clocks disagree: a till whose clock ran an hour fast would see every
// other till's heartbeat as an hour old and take over sales still in
// flight, and one whose clock ran slow would keep a dead till's sales
// from ever being settled. So both the heartbeat written and the "now" it
// is compared with are the database server's: one clock for the store.
func (j *Journal) leaseNow(ctx context.Context, q queryer) (time.Time, error) {
	if !j.pg {
		return j.wall(), nil
	}
	var v int64
	err := q.QueryRowContext(ctx, `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint`).Scan(&v)
	return time.UnixMilli(v), err
}

// alive reports whether owner id is a live process at now (leaseNow): this
// one, or one whose heartbeat is within the lease and, on this host, whose
// pid still runs. An empty owner (rows written before owners existed) or
// one without a row (it closed the journal) is gone.
func (j *Journal) alive(owners map[string]Owner, now time.Time, id string) bool {
	if id == j.owner {
		return true
	}
	o, ok := owners[id]
	if !ok {
		return false
	}
	if now.Sub(o.HeartbeatAt) > j.lease {
		return false
	}
	if o.Host == j.host && o.PID > 0 && o.PID != os.Getpid() && !pidAlive(o.PID) {
		return false
	}
	return true
}

// ownerMap reads the owners and the time (leaseNow) to judge them at.
func (j *Journal) ownerMap(ctx context.Context, q queryer) (map[string]Owner, time.Time, error) {
	now, err := j.leaseNow(ctx, q)
	if err != nil {
		return nil, now, err
	}
	m, err := readOwners(ctx, q)
	return m, now, err
}

func readOwners(ctx context.Context, q queryer) (map[string]Owner, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, host, pid, heartbeat_at FROM owners`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]Owner{}
	for rows.Next() {
		var o Owner
		var hb int64
		if err := rows.Scan(&o.ID, &o.Host, &o.PID, &hb); err != nil {
			return nil, err
		}
		o.HeartbeatAt = fromMS(hb, time.UTC)
		m[o.ID] = o
	}
	return m, rows.Err()
}

// Reconcilable lists the unfinished sales (see Unfinished) this process may
// settle: its own, and those whose owner is gone. A sale another live
// process is working on is left to it: a report or a second till must never
// write a verdict about a charge still in flight elsewhere.
func (j *Journal) Reconcilable(ctx context.Context) ([]Sale, error) {
	sales, err := j.Unfinished(ctx)
	if err != nil || len(sales) == 0 {
		return sales, err
	}
	owners, now, err := j.ownerMap(ctx, j.db)
	if err != nil {
		return nil, j.wrap("reconcilable sales", err)
	}
	out := sales[:0]
	for _, s := range sales {
		if !j.alive(owners, now, s.Owner) {
			s.OwnerGone = true
		}
		if s.OwnerGone || s.Owner == j.owner {
			out = append(out, s)
		}
	}
	return out, nil
}

// ReconcilableActions is UnfinishedActions limited like Reconcilable.
func (j *Journal) ReconcilableActions(ctx context.Context) ([]Action, error) {
	acts, err := j.UnfinishedActions(ctx)
	if err != nil || len(acts) == 0 {
		return acts, err
	}
	owners, now, err := j.ownerMap(ctx, j.db)
	if err != nil {
		return nil, j.wrap("reconcilable actions", err)
	}
	out := acts[:0]
	for _, a := range acts {
		if a.Owner == j.owner || !j.alive(owners, now, a.Owner) {
			out = append(out, a)
		}
	}
	return out, nil
}

// ErrOwned means another live process owns the sale or action.
var ErrOwned = errors.New("another komoju-tui process is working on it")

// Claim makes this process the owner of sale saleID and its open actions,
// if it is not already owned by another live process, so that two
// processes never settle the same orphaned sale at once. It returns an
// error wrapping ErrOwned when another live process owns it.
func (j *Journal) Claim(ctx context.Context, saleID int64) error {
	return j.claim(ctx, fmt.Sprintf("sale %d", saleID), `SELECT owner FROM sales WHERE id = ?`, saleID, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sales SET owner = ? WHERE id = ?`, j.owner, saleID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE actions SET owner = ? WHERE sale_id = ? AND (finished_at IS NULL OR outcome = 'unknown')`, j.owner, saleID)
		return err
	})
}

// ClaimAction is Claim for an action on a payment outside the journal's
// sales.
func (j *Journal) ClaimAction(ctx context.Context, id int64) error {
	return j.claim(ctx, fmt.Sprintf("action %d", id), `SELECT owner FROM actions WHERE id = ?`, id, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE actions SET owner = ? WHERE id = ?`, j.owner, id)
		return err
	})
}

// claim reads the row's owner (ownerQuery), refuses when another live
// process owns it, and otherwise runs take, in one transaction.
func (j *Journal) claim(ctx context.Context, what, ownerQuery string, id int64, take func(*sql.Tx) error) error {
	err := j.write(ctx, "claim "+what, func(tx *sql.Tx) error {
		var owner string
		err := tx.QueryRowContext(ctx, ownerQuery, id).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s: %w", what, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if owner != j.owner {
			owners, now, err := j.ownerMap(ctx, tx)
			if err != nil {
				return err
			}
			if j.alive(owners, now, owner) {
				return fmt.Errorf("%s (owner %s): %w", what, owner, ErrOwned)
			}
		}
		if err := j.registerTx(ctx, tx); err != nil {
			return err
		}
		return take(tx)
	})
	if err == nil {
		j.markRegistered()
	}
	return err
}

// MarkSaleSent records that the call creating or paying sale saleID is
// being sent (again) now: the fence a look-up must wait out before an empty
// answer may say the customer was not charged.
func (j *Journal) MarkSaleSent(ctx context.Context, saleID int64) error {
	return j.write(ctx, fmt.Sprintf("mark sale %d sent", saleID), func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `UPDATE sales SET sent_at = ? WHERE id = ?`, ms(j.now()), saleID))
	})
}

// MarkActionSent is MarkSaleSent for an action.
func (j *Journal) MarkActionSent(ctx context.Context, id int64) error {
	return j.write(ctx, fmt.Sprintf("mark action %d sent", id), func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `UPDATE actions SET sent_at = ? WHERE id = ?`, ms(j.now()), id))
	})
}

// ReserveSale writes a sale's intent with an order number reserved in the
// same transaction: want when it is free and starts with dayPrefix (the
// number the till already showed the clerk), otherwise the next number of
// dayPrefix's counter ("POS-K3F9-20261124-" → "POS-K3F9-20261124-0008").
// Two processes on one journal can never reserve the same number, and the
// cost does not grow with the journal: one counter row and unique-index
// probes.
func (j *Journal) ReserveSale(ctx context.Context, in Intent, dayPrefix, want string) (int64, string, error) {
	if dayPrefix == "" || checkOrderPrefix(dayPrefix) != nil {
		return 0, "", fmt.Errorf("journal: reserve sale: order-number prefix %q: %w", scrub(dayPrefix, maxShort), ErrInvalid)
	}
	// Validate (and normalise: capture, currency) the intent itself, with a
	// stand-in number of the prefix's shape; the real one is picked below.
	in.OrderNum = dayPrefix + "0001"
	if err := in.validate(); err != nil {
		return 0, "", fmt.Errorf("journal: reserve sale: %w", err)
	}
	var id int64
	var num string
	err := j.write(ctx, "reserve sale "+dayPrefix, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT last FROM order_counters WHERE prefix = ?`, dayPrefix).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			// First sale of this prefix (or a journal from before
			// counters): seed from the numbers already used, once.
			l, err := lastSeq(ctx, tx, dayPrefix)
			if err != nil {
				return err
			}
			last = l
		} else if err != nil {
			return err
		}
		num = ""
		if seq, ok := seqOf(want, dayPrefix); ok {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sales WHERE order_num = ?`, want).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				num = want
				last = max(last, seq)
			}
		}
		for num == "" {
			last++
			cand := fmt.Sprintf("%s%04d", dayPrefix, last)
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sales WHERE order_num = ?`, cand).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				num = cand
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_counters (prefix, last) VALUES (?, ?)
			ON CONFLICT (prefix) DO UPDATE SET last = `+j.greatest()+`(order_counters.last, excluded.last)`, dayPrefix, last); err != nil {
			return err
		}
		in.OrderNum = num
		var err2 error
		id, err2 = j.insertSaleTx(ctx, tx, in)
		return err2
	})
	if err != nil {
		return 0, "", err
	}
	j.markRegistered()
	return id, num, nil
}

// seqOf reads NNNN from "<dayPrefix>NNNN" (no suffix).
func seqOf(orderNum, dayPrefix string) (int64, bool) {
	if orderNum == "" || !strings.HasPrefix(orderNum, dayPrefix) {
		return 0, false
	}
	n, err := strconv.ParseInt(orderNum[len(dayPrefix):], 10, 64)
	return n, err == nil && n > 0
}

func lastSeq(ctx context.Context, tx *sql.Tx, dayPrefix string) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT order_num FROM sales WHERE order_num >= ? AND order_num < ?`, dayPrefix, dayPrefix+prefixEnd)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var best int64
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return 0, err
		}
		rest := s[len(dayPrefix):]
		n := 0
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if v, err := strconv.ParseInt(rest[:n], 10, 64); err == nil && v > best {
			best = v
		}
	}
	return best, rows.Err()
}

func checkOrderPrefix(p string) error {
	if len(p) > 40 {
		return ErrInvalid
	}
	for _, r := range p {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune("-_./#", r):
		default:
			return ErrInvalid
		}
	}
	return nil
}
