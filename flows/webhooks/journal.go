package webhooks

import (
	"context"
	"errors"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Journal is a placeholder until flows/journal has its events API.
type Journal interface {
	RecordPayment(ctx context.Context, p *komoju.Payment, source string) error
}

type journalStore struct{ j Journal }

func (s journalStore) lookup(context.Context, string) (*Event, error) { return nil, errors.New("todo") }
func (s journalStore) record(context.Context, Event) (int, error)     { return 0, errors.New("todo") }
func (s journalStore) list(context.Context, int) ([]Event, error)     { return nil, errors.New("todo") }
func (s journalStore) applyPayment(ctx context.Context, p *komoju.Payment) error {
	return s.j.RecordPayment(ctx, p, SourceWebhook)
}
