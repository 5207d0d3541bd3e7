package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Journal is what the receiver needs of the sale journal; *journal.Journal
// implements it, and tests may wrap it to inject failures.
type Journal interface {
	// RecordEvent stores a delivery; verified events are deduplicated by id.
	RecordEvent(ctx context.Context, e journal.StoredEvent) (duplicate bool, err error)
	// Events lists stored deliveries, newest first.
	Events(ctx context.Context, limit int) ([]journal.StoredEvent, error)
	// Event returns the stored event with an id (journal.ErrNotFound if none).
	Event(ctx context.Context, eventID string) (journal.StoredEvent, error)
	// RecordPayment applies a payment's status to its sale.
	RecordPayment(ctx context.Context, p *komoju.Payment, source string) error
}

var _ Journal = (*journal.Journal)(nil)

// permanentError is a journal refusal that a retry cannot fix (the payment
// is not one of this journal's sales, or its data is invalid). The delivery
// is still accepted: answering 5xx would only make KOMOJU retry for days.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// journalStore adapts a Journal to the receiver's store.
type journalStore struct{ j Journal }

func (s journalStore) lookup(ctx context.Context, eventID string) (*Event, error) {
	if eventID == "" {
		return nil, nil
	}
	se, err := s.j.Event(ctx, eventID)
	if errors.Is(err, journal.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !se.Verified {
		// Only an unverified delivery claimed this id: not a duplicate.
		return nil, nil
	}
	e := fromStored(se)
	return &e, nil
}

func (s journalStore) record(ctx context.Context, e Event) (int, error) {
	dup, err := s.j.RecordEvent(ctx, toStored(e))
	if err != nil {
		return 0, err
	}
	if !dup {
		return 1, nil
	}
	if !e.Verified || e.EventID == "" {
		return 1, nil // the count of identical junk is not worth a query
	}
	se, err := s.j.Event(ctx, e.EventID)
	if err != nil {
		// Recorded already; the count is only for display.
		return 2, nil
	}
	return se.DeliveryCount, nil
}

func (s journalStore) list(ctx context.Context, limit int) ([]Event, error) {
	ses, err := s.j.Events(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(ses))
	for _, se := range ses {
		out = append(out, fromStored(se))
	}
	return out, nil
}

func (s journalStore) applyPayment(ctx context.Context, p *komoju.Payment) error {
	err := s.j.RecordPayment(ctx, p, SourceWebhook)
	if errors.Is(err, journal.ErrNotFound) {
		// A payment this till did not start (the dashboard, another app on
		// the same account): nothing to update, and nothing to retry.
		return nil
	}
	if errors.Is(err, journal.ErrInvalid) || errors.Is(err, journal.ErrCardData) {
		return permanentError{fmt.Errorf("journal refused payment %s: %w", p.ID, err)}
	}
	return err
}

func toStored(e Event) journal.StoredEvent {
	h := http.Header{}
	for k, v := range e.Headers {
		h.Set(k, v)
	}
	return journal.StoredEvent{
		DeliveryID: e.DeliveryID, EventID: e.EventID, Type: e.Type, PaymentID: e.PaymentID,
		Amount: e.Amount, Currency: e.Currency, ReceivedAt: e.ReceivedAt, LastReceivedAt: e.LastAt,
		Headers: h, Body: e.Body, Verified: e.Verified, VerifyError: e.Reason, DeliveryCount: e.Deliveries,
	}
}

func fromStored(se journal.StoredEvent) Event {
	e := Event{
		Seq: se.ID, EventID: se.EventID, DeliveryID: se.DeliveryID, Type: se.Type, PaymentID: se.PaymentID,
		Amount: se.Amount, Currency: se.Currency, ReceivedAt: se.ReceivedAt, LastAt: se.LastReceivedAt,
		Deliveries: se.DeliveryCount, Verified: se.Verified, Reason: se.VerifyError, Body: se.Body,
		Headers: map[string]string{},
	}
	for k, v := range se.Headers {
		if len(v) > 0 {
			e.Headers[k] = v[0]
		}
	}
	// The journal does not keep these columns; the body has them.
	var tmp Event
	tmp.Body = se.Body
	peek(&tmp)
	e.PaymentStatus, e.CreatedAt = tmp.PaymentStatus, tmp.CreatedAt
	return e
}
