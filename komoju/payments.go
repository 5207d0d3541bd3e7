package komoju

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PaymentsService is KOMOJU's payment API.
// See https://doc.komoju.com/reference (Payments).
type PaymentsService struct{ c *Client }

func errNilParams(call string) error {
	return errors.New("komoju: " + call + " needs parameters, got nil")
}

// Create creates a payment directly (POST /payments). Cards resolve in the
// answer; cash methods come back authorized with instructions; wallets come
// back pending with a redirect URL.
// See https://doc.komoju.com/docs/creating-payments-directly
func (s *PaymentsService) Create(ctx context.Context, p *PaymentCreateParams, opts ...CallOption) (*Payment, error) {
	if p == nil {
		return nil, errNilParams("Payments.Create")
	}
	var out Payment
	if err := s.c.do(ctx, http.MethodPost, "payments", nil, p, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get shows a payment (GET /payments/{id}).
func (s *PaymentsService) Get(ctx context.Context, id string, opts ...CallOption) (*Payment, error) {
	return s.call(ctx, http.MethodGet, id, "", nil, opts)
}

// List lists payments, newest first (GET /payments). Nil params lists the
// first page with KOMOJU's defaults.
func (s *PaymentsService) List(ctx context.Context, p *PaymentListParams, opts ...CallOption) (*List[Payment], error) {
	q := url.Values{}
	if p != nil {
		addPaging(q, p.Page, p.PerPage, p.StartTime, p.EndTime)
		if len(p.Status) > 0 {
			ss := make([]string, len(p.Status))
			for i, st := range p.Status {
				ss[i] = string(st)
			}
			q.Set("status", strings.Join(ss, ","))
		}
		if p.ExternalOrderNum != "" {
			q.Set("external_order_num", p.ExternalOrderNum)
		}
		if p.Currency != "" {
			q.Set("currency", p.Currency)
		}
	}
	var out List[Payment]
	if err := s.c.do(ctx, http.MethodGet, "payments", q, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// addPaging writes the list parameters shared by payments and events. Times
// are sent as RFC 3339 in UTC.
func addPaging(q url.Values, page, perPage int, start, end time.Time) {
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if perPage > 0 {
		q.Set("per_page", strconv.Itoa(perPage))
	}
	if !start.IsZero() {
		q.Set("start_time", start.UTC().Format(time.RFC3339))
	}
	if !end.IsZero() {
		q.Set("end_time", end.UTC().Format(time.RFC3339))
	}
}

// Update changes a payment's description or metadata (PATCH /payments/{id}).
func (s *PaymentsService) Update(ctx context.Context, id string, p *PaymentUpdateParams, opts ...CallOption) (*Payment, error) {
	if p == nil {
		return nil, errNilParams("Payments.Update")
	}
	return s.call(ctx, http.MethodPatch, id, "", p, opts)
}

// Capture captures an authorized payment (POST /payments/{id}/capture). Nil
// params (or a zero amount) capture the whole authorized amount.
// See https://doc.komoju.com/docs/two-step-capture
func (s *PaymentsService) Capture(ctx context.Context, id string, p *CaptureParams, opts ...CallOption) (*Payment, error) {
	var in any
	if p != nil && p.Amount != 0 {
		in = p
	}
	return s.call(ctx, http.MethodPost, id, "/capture", in, opts)
}

// Cancel cancels a pending or authorized payment (POST /payments/{id}/cancel).
func (s *PaymentsService) Cancel(ctx context.Context, id string, opts ...CallOption) (*Payment, error) {
	return s.call(ctx, http.MethodPost, id, "/cancel", nil, opts)
}

// Refund refunds a captured payment (POST /payments/{id}/refund). Nil params
// refund what remains; the amount includes tax.
func (s *PaymentsService) Refund(ctx context.Context, id string, p *RefundParams, opts ...CallOption) (*Payment, error) {
	var in any
	if p != nil && (p.Amount != 0 || p.Description != "") {
		in = p
	}
	return s.call(ctx, http.MethodPost, id, "/refund", in, opts)
}

// RefundRequest asks KOMOJU to refund a cash payment (konbini,
// bank_transfer, pay_easy) by bank transfer (POST
// /payments/{id}/refund_request). KOMOJU answers with an empty body.
func (s *PaymentsService) RefundRequest(ctx context.Context, id string, p *RefundRequestParams, opts ...CallOption) error {
	eid, err := pathEscapeID("payment", id)
	if err != nil {
		return err
	}
	if p == nil {
		return errNilParams("Payments.RefundRequest")
	}
	return s.c.do(ctx, http.MethodPost, "payments/"+eid+"/refund_request", nil, p, nil, opts)
}

func (s *PaymentsService) call(ctx context.Context, method, id, suffix string, in any, opts []CallOption) (*Payment, error) {
	eid, err := pathEscapeID("payment", id)
	if err != nil {
		return nil, err
	}
	var out Payment
	if err := s.c.do(ctx, method, "payments/"+eid+suffix, nil, in, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
