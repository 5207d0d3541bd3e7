package komoju

import (
	"context"
	"net/http"
	"net/url"
)

// EventsService reads past webhook events.
// See https://doc.komoju.com/docs/webhooks
type EventsService struct{ c *Client }

// List lists events, most recent first (GET /events). Nil params lists the
// first page with KOMOJU's defaults.
func (s *EventsService) List(ctx context.Context, p *EventListParams, opts ...CallOption) (*List[Event], error) {
	q := url.Values{}
	if p != nil {
		addPaging(q, p.Page, p.PerPage, p.StartTime, p.EndTime)
	}
	var out List[Event]
	if err := s.c.do(ctx, http.MethodGet, "events", q, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get shows one event (GET /events/{id}).
func (s *EventsService) Get(ctx context.Context, id string, opts ...CallOption) (*Event, error) {
	eid, err := pathEscapeID("event", id)
	if err != nil {
		return nil, err
	}
	var out Event
	if err := s.c.do(ctx, http.MethodGet, "events/"+eid, nil, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
