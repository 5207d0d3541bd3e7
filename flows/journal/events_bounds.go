package journal

import (
	"context"
	"database/sql"
	"net/http"
	"time"
	"unicode/utf8"
)

// The journal keeps sales first; webhook deliveries only as far as they
// are useful and never at an unauthenticated sender's discretion. Anyone
// who can reach the receiver can post a rejected delivery, so what is kept
// of those is bounded here, whatever the caller sends:
//
//   - a rejected (unverified) delivery keeps at most MaxRejectedBody bytes
//     of its body and MaxRejectedHeader bytes of each header value;
//   - at most MaxRejectedEvents rejected deliveries are kept: the oldest go
//     as new ones arrive, in the same transaction, so the table never
//     holds more, even for a moment.
//
// Verified events (only KOMOJU, holding the webhook secret, can sign) are
// pruned by policy with PruneVerifiedEvents.
const (
	MaxRejectedEvents = 500
	MaxRejectedBody   = 512
	MaxRejectedHeader = 128
)

// Default retention of verified events: KOMOJU retries a delivery for
// days, not months, so an event older than VerifiedEventsMaxAge can no
// longer be redelivered and is kept only for inspection; at most
// VerifiedEventsMax of them are kept in any case.
const (
	VerifiedEventsMaxAge = 90 * 24 * time.Hour
	VerifiedEventsMax    = 20000
)

// boundRejected trims a rejected delivery to what the journal keeps.
func boundRejected(e *StoredEvent) {
	if e.Verified {
		return
	}
	if len(e.Body) > MaxRejectedBody {
		n := MaxRejectedBody
		for n > 0 && !utf8.RuneStart(e.Body[n]) {
			n--
		}
		e.Body = append([]byte(nil), e.Body[:n]...)
	}
	h := http.Header{}
	for k, vs := range e.Headers {
		if len(vs) == 0 {
			continue
		}
		h[k] = []string{truncate(vs[0], MaxRejectedHeader)}
	}
	e.Headers = h
}

// trimRejectedTx deletes all but the newest MaxRejectedEvents rejected
// deliveries.
func trimRejectedTx(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM events WHERE verified = 0 AND id <= (
		SELECT id FROM events WHERE verified = 0 ORDER BY id DESC LIMIT 1 OFFSET ?)`, MaxRejectedEvents)
	return err
}

// PruneVerifiedEvents applies the retention policy to verified events:
// those first received before now-maxAge go, then all but the newest
// keep. It returns how many went. Sales and their history are never
// touched. Zero arguments take the defaults (VerifiedEventsMaxAge,
// VerifiedEventsMax).
func (j *Journal) PruneVerifiedEvents(ctx context.Context, now time.Time, maxAge time.Duration, keep int) (int64, error) {
	if maxAge <= 0 {
		maxAge = VerifiedEventsMaxAge
	}
	if keep <= 0 {
		keep = VerifiedEventsMax
	}
	var n int64
	err := j.write(ctx, "prune events", func(tx *sql.Tx) error {
		n = 0
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE verified = 1 AND received_at < ?`, ms(now.Add(-maxAge)))
		if err != nil {
			return err
		}
		a, _ := res.RowsAffected()
		res, err = tx.ExecContext(ctx, `DELETE FROM events WHERE verified = 1 AND id NOT IN (
			SELECT id FROM events WHERE verified = 1 ORDER BY received_at DESC, id DESC LIMIT ?)`, keep)
		if err != nil {
			return err
		}
		b, _ := res.RowsAffected()
		n = a + b
		return nil
	})
	return n, err
}

// EventStats is what the events table holds, for status lines and tests.
type EventStats struct {
	Verified, Rejected int64
	// Bytes is the stored size of bodies and headers.
	Bytes int64
}

// EventStats counts stored events and their bytes.
func (j *Journal) EventStats(ctx context.Context) (EventStats, error) {
	var s EventStats
	err := j.db.QueryRowContext(ctx, `SELECT
		coalesce(sum(verified), 0), coalesce(sum(1 - verified), 0),
		coalesce(sum(length(body) + length(headers) + length(verify_error)), 0) FROM events`).Scan(&s.Verified, &s.Rejected, &s.Bytes)
	return s, j.wrap("event stats", err)
}
