package flows

import (
	"context"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// saleFeed is the journal's announcements of changed sales
// (*journal.Journal has them; see journal.Subscribe).
type saleFeed interface {
	Subscribe(ctx context.Context) <-chan journal.SaleChanged
	OwnerID() string
	Till() string
}

// StoreChanges announces every later change of any sale in the journal,
// by any till or the store's webhook receiver (this process included),
// until ctx ends: what a history or close screen re-reads to stay current
// without a refresh. Without a journal (or with one that cannot announce)
// the channel is closed at once.
func (e *Engine) StoreChanges(ctx context.Context) <-chan journal.SaleChanged {
	if f, ok := e.rec.(saleFeed); ok {
		return f.Subscribe(ctx)
	}
	ch := make(chan journal.SaleChanged)
	close(ch)
	return ch
}

// FollowStore relays to the engine's Hub, until ctx ends, what other
// processes on the journal learn about this till's sales: the store's
// webhook receiver (komoju-tui listen --journal) records that a konbini
// slip this till issued was paid at 3 p.m., and every Watch, FollowUnknown
// and the console's follow-ups of that sale take it as a push, as if the
// webhook had reached this till. Only this till's sales are relayed
// (another till's authorized payment is not this clerk's to capture);
// nothing is written: the journal already has it, and this process's own
// writes are not relayed again (when the journal says who wrote). When announcements were
// lost (Resync) the till's outstanding sales are relayed again. The
// returned channel is closed when following has stopped.
func (e *Engine) FollowStore(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	f, ok := e.rec.(saleFeed)
	if !ok {
		close(done)
		return done
	}
	changes := f.Subscribe(ctx)
	go func() {
		defer close(done)
		for c := range changes {
			if c.Resync {
				out, err := e.rec.Outstanding(ctx)
				if err != nil {
					continue
				}
				for _, s := range out {
					e.relay(f, s)
				}
				continue
			}
			if c.By != "" && c.By == f.OwnerID() {
				// This process's own write: it reached the Hub (or
				// the watcher that made it) already, with the whole
				// payment rather than the journal's summary of it.
				continue
			}
			s, err := e.rec.Sale(ctx, c.SaleID)
			if err != nil {
				continue
			}
			e.relay(f, s)
		}
	}()
	return done
}

// relay publishes sale s's payment to the Hub when s is this till's and
// has a payment.
func (e *Engine) relay(f saleFeed, s journal.Sale) {
	mine := s.Owner == f.OwnerID() || f.Till() != "" && s.Till == f.Till()
	if !mine || s.PaymentID == "" || s.Status == "" {
		return
	}
	src := SourceWebhook
	if n := len(s.History); n > 0 {
		src = Source(s.History[n-1].Source)
	}
	e.hub.Publish(Push{Payment: salePayment(s), Source: src})
}

// salePayment is sale s's payment as the journal holds it: what a
// till needs to show and follow it (id, status, amounts, order, session,
// method, card brand and last four, deadline).
func salePayment(s journal.Sale) *komoju.Payment {
	p := &komoju.Payment{ID: s.PaymentID, Resource: "payment", Status: s.Status, Amount: s.Amount, Tax: s.Tax, Total: s.Total,
		Currency: s.Currency, AmountRefunded: s.AmountRefunded, CapturedAt: s.CapturedAt, PaymentDeadline: s.Deadline,
		CreatedAt: s.CreatedAt}
	if s.OrderNum != "" {
		n := s.OrderNum
		p.ExternalOrderNum = &n
	}
	if s.SessionID != "" {
		id := s.SessionID
		p.Session = &id
	}
	if s.Method != "" {
		p.PaymentDetails = &komoju.PaymentDetails{Type: s.Method}
		if s.Method == komoju.TypeCreditCard {
			p.PaymentDetails.CreditCard = &komoju.CreditCardDetails{Brand: s.CardBrand, LastFourDigits: s.CardLast4}
		}
	}
	if p.Total == 0 {
		p.Total = p.Amount + p.Tax
	}
	return p
}
