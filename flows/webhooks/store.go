package webhooks

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Event is one stored delivery as the inspector shows it. For a rejected
// delivery every field except Verified, Reason, Headers, Body and the times
// comes from an unverified body and is for display only.
type Event struct {
	// Seq identifies the stored delivery (rejected ones have no trusted
	// event id); 0 until stored.
	Seq        int64
	EventID    string
	DeliveryID string // X-Komoju-ID of the latest delivery
	Type       string
	PaymentID  string
	Amount     int64 // payment total in minor units
	Currency   string
	// PaymentStatus is data.status of a payment event.
	PaymentStatus komoju.PaymentStatus
	// CreatedAt is the event's own created_at.
	CreatedAt time.Time
	// ReceivedAt is the first delivery, LastAt the latest.
	ReceivedAt time.Time
	LastAt     time.Time
	// Deliveries counts deliveries of a verified event (redeliveries and
	// replays included); 1 for a rejected one.
	Deliveries int
	Verified   bool
	// Reason says why a rejected delivery was rejected.
	Reason  string
	Headers map[string]string
	Body    []byte
}

// PrettyBody returns the body indented for reading, or as received when it
// is not JSON.
func (e Event) PrettyBody() string {
	var v any
	if json.Unmarshal(e.Body, &v) != nil {
		return string(e.Body)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(e.Body)
	}
	return string(b)
}

// store is where the receiver keeps deliveries: the journal, or memory.
type store interface {
	// lookup returns the verified event with this id, or nil.
	lookup(ctx context.Context, eventID string) (*Event, error)
	// record stores a delivery (a verified redelivery bumps the count) and
	// returns the event's delivery count.
	record(ctx context.Context, e Event) (int, error)
	// list returns up to limit deliveries, newest first.
	list(ctx context.Context, limit int) ([]Event, error)
	// applyPayment records a payment status learnt from a webhook.
	applyPayment(ctx context.Context, p *komoju.Payment) error
}

// memKeep bounds the in-memory store; older deliveries are forgotten.
const memKeep = 5000

// memStore keeps deliveries in memory when there is no journal.
type memStore struct {
	mu   sync.Mutex
	seq  int64
	all  []*Event
	byID map[string]*Event
}

func newMemStore() *memStore { return &memStore{byID: map[string]*Event{}} }

func (m *memStore) lookup(_ context.Context, id string) (*Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.byID[id]; ok {
		c := *e
		return &c, nil
	}
	return nil, nil
}

func (m *memStore) record(_ context.Context, e Event) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.Verified && e.EventID != "" {
		if have, ok := m.byID[e.EventID]; ok {
			have.Deliveries++
			have.LastAt = e.LastAt
			have.DeliveryID = e.DeliveryID
			have.Headers = e.Headers
			return have.Deliveries, nil
		}
	}
	m.seq++
	e.Seq = m.seq
	if e.Deliveries < 1 {
		e.Deliveries = 1
	}
	p := &e
	m.all = append(m.all, p)
	if e.Verified && e.EventID != "" {
		m.byID[e.EventID] = p
	}
	if len(m.all) > memKeep {
		drop := m.all[:len(m.all)-memKeep]
		for _, d := range drop {
			if d.Verified && m.byID[d.EventID] == d {
				delete(m.byID, d.EventID)
			}
		}
		m.all = append([]*Event(nil), m.all[len(m.all)-memKeep:]...)
	}
	return e.Deliveries, nil
}

func (m *memStore) list(_ context.Context, limit int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Event
	for i := len(m.all) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		out = append(out, *m.all[i])
	}
	return out, nil
}

func (m *memStore) applyPayment(context.Context, *komoju.Payment) error { return nil }
