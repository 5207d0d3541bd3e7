package komoju

import (
	"context"
	"net/http"
)

// SessionsService is KOMOJU's session API: a hosted payment page the
// customer completes, or a session the app pays directly with Pay.
// See https://doc.komoju.com/reference/sessions-1
type SessionsService struct{ c *Client }

// Create starts a session (POST /sessions).
// See https://doc.komoju.com/reference/createsession
func (s *SessionsService) Create(ctx context.Context, p *SessionCreateParams, opts ...CallOption) (*Session, error) {
	if p == nil {
		return nil, errNilParams("Sessions.Create")
	}
	var out Session
	if err := s.c.do(ctx, http.MethodPost, "sessions", nil, p, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get shows a session (GET /sessions/{id}); poll it after the customer
// returns. The publishable key may be used (WithPublishable).
func (s *SessionsService) Get(ctx context.Context, id string, opts ...CallOption) (*Session, error) {
	eid, err := pathEscapeID("session", id)
	if err != nil {
		return nil, err
	}
	var out Session
	if err := s.c.do(ctx, http.MethodGet, "sessions/"+eid, nil, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Pay submits payment details for a session (POST /sessions/{id}/pay). The
// publishable key may be used (WithPublishable). A declined card is a
// *Error (IsPaymentError); a 200 answer carries the session status and
// where to send the customer next.
func (s *SessionsService) Pay(ctx context.Context, id string, p *SessionPayParams, opts ...CallOption) (*SessionPayResult, error) {
	eid, err := pathEscapeID("session", id)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errNilParams("Sessions.Pay")
	}
	var out SessionPayResult
	if err := s.c.do(ctx, http.MethodPost, "sessions/"+eid+"/pay", nil, p, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Cancel cancels a pending session (POST /sessions/{id}/cancel).
func (s *SessionsService) Cancel(ctx context.Context, id string, opts ...CallOption) (*Session, error) {
	eid, err := pathEscapeID("session", id)
	if err != nil {
		return nil, err
	}
	var out Session
	if err := s.c.do(ctx, http.MethodPost, "sessions/"+eid+"/cancel", nil, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
