package komoju

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// PaymentMethodsService lists the payment methods enabled for the merchant.
type PaymentMethodsService struct{ c *Client }

// List returns the merchant's enabled payment methods (GET
// /payment_methods). The publishable key may be used (WithPublishable).
func (s *PaymentMethodsService) List(ctx context.Context, opts ...CallOption) ([]PaymentMethod, error) {
	var raw json.RawMessage
	if err := s.c.do(ctx, http.MethodGet, "payment_methods", nil, nil, &raw, opts); err != nil {
		return nil, err
	}
	return decodePaymentMethods(raw)
}

// decodePaymentMethods accepts a bare JSON array (what KOMOJU's SDKs expect)
// and, defensively, a list envelope with the array under "data".
func decodePaymentMethods(raw json.RawMessage) ([]PaymentMethod, error) {
	raw = bytes.TrimSpace(raw)
	var out []PaymentMethod
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("komoju: decoding payment methods: %w", err)
		}
		return out, nil
	}
	var env List[PaymentMethod]
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("komoju: decoding payment methods: %w; body: %s", err, snippet(raw))
	}
	return env.Data, nil
}

// TokensService tokenizes card details.
type TokensService struct{ c *Client }

// Create tokenizes payment details (POST /tokens), usually with the
// publishable key (WithPublishable). Pay with the token by passing its ID as
// SessionPayParams.Token or PaymentCreateParams.Token.
func (s *TokensService) Create(ctx context.Context, p *TokenCreateParams, opts ...CallOption) (*Token, error) {
	if p == nil || p.PaymentDetails == nil {
		return nil, errNilParams("Tokens.Create (payment_details)")
	}
	var out Token
	if err := s.c.do(ctx, http.MethodPost, "tokens", nil, p, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
