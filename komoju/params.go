package komoju

import (
	"encoding/json"
	"time"
)

// SessionCreateParams is the body of Session: Create.
type SessionCreateParams struct {
	Amount           int64               `json:"amount"`
	Currency         string              `json:"currency"`
	Mode             string              `json:"mode,omitempty"`
	ReturnURL        string              `json:"return_url,omitempty"`
	Email            string              `json:"email,omitempty"`
	Name             string              `json:"name,omitempty"`
	PaymentData      *SessionPaymentData `json:"payment_data,omitempty"`
	LineItems        []LineItem          `json:"line_items,omitempty"`
	Metadata         map[string]string   `json:"metadata,omitempty"`
	PaymentTypes     []PaymentType       `json:"payment_types,omitempty"`
	ExpiresInSeconds int                 `json:"expires_in_seconds,omitempty"`
	DefaultLocale    string              `json:"default_locale,omitempty"`
}

// SessionPayParams is the body of Session: Pay.
type SessionPayParams struct {
	PaymentDetails *PaymentDetailsParams `json:"payment_details,omitempty"`
	// Token pays with a token id instead of PaymentDetails (sent as the string
	// value of payment_details).
	Token   string      `json:"-"`
	Capture CaptureMode `json:"capture,omitempty"`
}

// MarshalJSON sends payment_details as the token string when Token is set.
func (p SessionPayParams) MarshalJSON() ([]byte, error) {
	type plain SessionPayParams
	if p.Token == "" {
		return json.Marshal(plain(p))
	}
	return json.Marshal(struct {
		PaymentDetails string      `json:"payment_details"`
		Capture        CaptureMode `json:"capture,omitempty"`
	}{p.Token, p.Capture})
}

// PaymentCreateParams is the body of Payment: Create.
type PaymentCreateParams struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Capture false starts Two-Step Capture; nil lets KOMOJU capture at once.
	Capture *bool `json:"capture,omitempty"`
	// Tax is always sent (0 by default) because older API versions add 10%
	// consumption tax when it is omitted; the seed says to send 0.
	Tax              int64                 `json:"tax"`
	Description      string                `json:"description,omitempty"`
	ExternalOrderNum string                `json:"external_order_num,omitempty"`
	ReturnURL        string                `json:"return_url,omitempty"`
	CancelURL        string                `json:"cancel_url,omitempty"`
	Locale           string                `json:"locale,omitempty"`
	Metadata         map[string]string     `json:"metadata,omitempty"`
	PaymentDetails   *PaymentDetailsParams `json:"payment_details,omitempty"`
	Token            string                `json:"-"`
}

// MarshalJSON sends payment_details as the token string when Token is set.
func (p PaymentCreateParams) MarshalJSON() ([]byte, error) {
	type plain PaymentCreateParams
	if p.Token == "" {
		return json.Marshal(plain(p))
	}
	b, err := json.Marshal(plain(p))
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["payment_details"], _ = json.Marshal(p.Token)
	return json.Marshal(m)
}

// PaymentListParams filters Payment: List. Zero values are not sent.
type PaymentListParams struct {
	Page             int
	PerPage          int
	Status           []PaymentStatus
	ExternalOrderNum string
	Currency         string
	StartTime        time.Time
	EndTime          time.Time
}

// PaymentUpdateParams is the body of Payment: Update.
type PaymentUpdateParams struct {
	Description *string           `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// CaptureParams is the optional body of Payment: Capture. A zero Amount
// captures the whole authorized amount.
type CaptureParams struct {
	Amount int64 `json:"amount,omitempty"`
}

// RefundParams is the body of Payment: Refund. A zero Amount refunds what
// remains.
type RefundParams struct {
	Amount      int64  `json:"amount,omitempty"`
	Description string `json:"description,omitempty"`
}

// RefundRequestParams is the body of Payment: Refund Request.
type RefundRequestParams struct {
	Amount                  int64  `json:"amount"`
	CustomerName            string `json:"customer_name"` // half-width katakana
	BankName                string `json:"bank_name"`
	BankCode                string `json:"bank_code,omitempty"`
	BranchName              string `json:"branch_name,omitempty"`
	BranchNumber            string `json:"branch_number"`
	AccountType             string `json:"account_type"`
	AccountNumber           string `json:"account_number"`
	IncludePaymentMethodFee bool   `json:"include_payment_method_fee"`
	Description             string `json:"description,omitempty"`
}

// EventListParams filters Events: List.
type EventListParams struct {
	Page      int
	PerPage   int
	StartTime time.Time
	EndTime   time.Time
}

// TokenCreateParams is the body of Tokens: Create.
type TokenCreateParams struct {
	PaymentDetails *PaymentDetailsParams `json:"payment_details"`
	Currency       string                `json:"currency,omitempty"`
}
