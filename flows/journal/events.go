package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// StoredEvent is a received webhook delivery as the journal keeps it for
// the event inspector and for replay.
type StoredEvent struct {
	ID         int64     `json:"id"`
	DeliveryID string    `json:"delivery_id"` // X-Komoju-ID of the first delivery
	EventID    string    `json:"event_id"`
	Type       string    `json:"type"`
	PaymentID  string    `json:"payment_id"`
	Amount     int64     `json:"amount"`
	Currency   string    `json:"currency"`
	ReceivedAt time.Time `json:"received_at"` // first delivery; zero means now
	// LastReceivedAt is the latest delivery (redeliveries included).
	LastReceivedAt time.Time   `json:"last_received_at"`
	Headers        http.Header `json:"headers"`
	Body           []byte      `json:"body"`
	Verified       bool        `json:"verified"`
	VerifyError    string      `json:"verify_error"` // why verification failed, when it did
	DeliveryCount  int         `json:"delivery_count"`
}

// MaxEventBody caps a stored body. The receiver limits bodies well below
// this; the cap keeps a misbehaving caller from filling the disk.
const MaxEventBody = 1 << 20

// redactedHeaders are never stored: KOMOJU does not send them, and if a
// proxy or a forged request does, they may carry credentials.
var redactedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key"}

// RecordEvent stores a webhook delivery. Verified events are deduplicated by
// event id: a redelivery increments the stored event's delivery count and
// returns duplicate=true, and the caller must not apply it again.
// Unverified deliveries are kept apart (deduplicated by body), so a forged
// event can never make the genuine one look like a duplicate.
//
// Credential headers are dropped, and a body holding what looks like a card
// number is not stored (VerifyError then says so): KOMOJU's events carry
// brand and last four only, so such a body is not from KOMOJU.
func (j *Journal) RecordEvent(ctx context.Context, e StoredEvent) (duplicate bool, err error) {
	boundRejected(&e) // see events_bounds.go: a rejected delivery is never kept whole
	if len(e.Body) > MaxEventBody {
		return false, fmt.Errorf("journal: record event %s: body of %d bytes exceeds %d: %w", e.EventID, len(e.Body), MaxEventBody, ErrInvalid)
	}
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = j.now()
	}
	key := dedupeKey(&e)
	body := e.Body
	if body == nil {
		body = []byte{}
	}
	if cvc, _ := findCVC(string(body)); containsPAN(body) || cvc >= 0 {
		body = []byte{}
		note := "body not stored: it contained what looks like a card number or security code"
		if e.VerifyError != "" {
			note = e.VerifyError + "; " + note
		}
		e.VerifyError = note
	}
	headers := http.Header{}
	for k, v := range e.Headers {
		headers[http.CanonicalHeaderKey(k)] = v
	}
	for _, h := range redactedHeaders {
		headers.Del(h)
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		return false, fmt.Errorf("journal: record event %s: headers: %w", e.EventID, err)
	}
	at := ms(e.ReceivedAt)
	err = j.write(ctx, "record event "+e.EventID, func(tx *sql.Tx) error {
		duplicate = false
		res, err := tx.ExecContext(ctx, `UPDATE events SET delivery_count = delivery_count + 1,
			last_received_at = `+j.greatest()+`(last_received_at, ?) WHERE dedupe_key = ?`, at, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			duplicate = true
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO events (dedupe_key, event_id, delivery_id, type, payment_id, amount, currency,
			received_at, last_received_at, headers, body, verified, verify_error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			key, scrubAll(e.EventID, maxShort), scrubAll(e.DeliveryID, maxShort), scrubAll(e.Type, maxShort), scrubAll(e.PaymentID, maxShort),
			e.Amount, strings.ToUpper(scrub(e.Currency, 3)), at, at, komoju.RedactSecrets(string(hj)), body, e.Verified, scrubAll(e.VerifyError, maxLong))
		if err != nil || e.Verified {
			return err
		}
		return trimRejectedTx(ctx, tx)
	})
	return duplicate, err
}

// dedupeKey is "id:<event id>" for verified events with an id; anything
// else is keyed by its body hash (and verdict), so identical junk is
// counted, not stored again.
func dedupeKey(e *StoredEvent) string {
	if e.Verified && e.EventID != "" {
		return "id:" + e.EventID
	}
	h := sha256.Sum256(e.Body)
	prefix := "unverified:"
	if e.Verified {
		prefix = "verified-noid:"
	}
	return prefix + hex.EncodeToString(h[:])
}

const eventColumns = `id, delivery_id, event_id, type, payment_id, amount, currency, received_at, last_received_at,
	delivery_count, headers, body, verified, verify_error`

func scanEvent(sc interface{ Scan(...any) error }) (StoredEvent, error) {
	var e StoredEvent
	var at, last int64
	var headers string
	err := sc.Scan(&e.ID, &e.DeliveryID, &e.EventID, &e.Type, &e.PaymentID, &e.Amount, &e.Currency, &at, &last,
		&e.DeliveryCount, &headers, &e.Body, &e.Verified, &e.VerifyError)
	if err != nil {
		return e, err
	}
	e.ReceivedAt, e.LastReceivedAt = fromMS(at, time.Local), fromMS(last, time.Local)
	if err := json.Unmarshal([]byte(headers), &e.Headers); err != nil {
		e.Headers = http.Header{}
	}
	return e, nil
}

// Events lists stored events, newest first (by first delivery), at most
// limit of them (0 or less means 200).
func (j *Journal) Events(ctx context.Context, limit int) ([]StoredEvent, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := j.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events ORDER BY received_at DESC, id DESC LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, j.wrap("list events", err)
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, j.wrap("list events", err)
		}
		out = append(out, e)
	}
	return out, j.wrap("list events", rows.Err())
}

// Event returns the stored event with eventID, preferring the verified
// delivery over unverified ones that claimed the same id.
func (j *Journal) Event(ctx context.Context, eventID string) (StoredEvent, error) {
	row := j.db.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE event_id = ? ORDER BY verified DESC, id DESC LIMIT 1`, eventID)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredEvent{}, fmt.Errorf("journal: event %s: %w", eventID, ErrNotFound)
	}
	return e, j.wrap("event "+eventID, err)
}
