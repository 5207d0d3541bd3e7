package komoju

import (
	"encoding/json"
	"fmt"
	"time"
)

// PaymentStatus is the status of a Payment. It is an open enum: values this
// package does not know (a future API version may add some) survive a JSON
// round trip unchanged.
type PaymentStatus string

// Payment statuses, as listed in KOMOJU's "Payment Statuses" reference.
const (
	PaymentPending    PaymentStatus = "pending"
	PaymentAuthorized PaymentStatus = "authorized"
	PaymentCaptured   PaymentStatus = "captured"
	PaymentRefunded   PaymentStatus = "refunded"
	PaymentCancelled  PaymentStatus = "cancelled"
	PaymentExpired    PaymentStatus = "expired"
	// PaymentFailed exists in the SDK enum; older API versions report declined
	// payments as pending instead.
	PaymentFailed PaymentStatus = "failed"
)

// Final reports whether no further transition can happen without a merchant
// refund. Captured is not final: it can still be refunded.
func (s PaymentStatus) Final() bool {
	switch s {
	case PaymentRefunded, PaymentCancelled, PaymentExpired, PaymentFailed:
		return true
	}
	return false
}

// SessionStatus is the status of a Session (an open enum).
type SessionStatus string

// Session statuses. Expiry is not a status: see Session.Expired.
const (
	SessionPending   SessionStatus = "pending"
	SessionCompleted SessionStatus = "completed"
	SessionCancelled SessionStatus = "cancelled"
)

// PayStatus is the status field of a Session: Pay response.
type PayStatus string

// Session: Pay result statuses, from the seed's "handle the pay result" table.
const (
	PayCompleted PayStatus = "completed"
	PayPending   PayStatus = "pending"
	PayError     PayStatus = "error"
)

// CaptureMode is a session's payment_data.capture value.
type CaptureMode string

// Capture modes. Manual starts Two-Step Capture.
const (
	CaptureAuto   CaptureMode = "auto"
	CaptureManual CaptureMode = "manual"
)

// PaymentType is a payment method slug (payment_details.type).
type PaymentType string

// Payment types komoju-tui models. Others are passed through as strings.
const (
	TypeCreditCard   PaymentType = "credit_card"
	TypeKonbini      PaymentType = "konbini"
	TypeBankTransfer PaymentType = "bank_transfer"
	TypePayEasy      PaymentType = "pay_easy"
	TypePayPay       PaymentType = "paypay"
	TypeMerpay       PaymentType = "merpay"
	TypeRakutenPay   PaymentType = "rakutenpay"
	TypeAuPay        PaymentType = "aupay"
	TypeLinePay      PaymentType = "linepay"
	TypeAlipay       PaymentType = "alipay"
	TypePaidy        PaymentType = "paidy"
)

// OffsiteTypes are the wallet types that redirect the customer off KOMOJU
// (the mobile SDK's OffSitePaymentType list plus paidy).
var OffsiteTypes = []PaymentType{TypePayPay, TypeMerpay, TypeRakutenPay, TypeAuPay, TypeLinePay, TypeAlipay, TypePaidy}

// IsOffsite reports whether t is a redirect wallet.
func (t PaymentType) IsOffsite() bool {
	for _, o := range OffsiteTypes {
		if o == t {
			return true
		}
	}
	return false
}

// IsAsync reports whether t is a long-form cash method that stays authorized
// until the customer pays at a store or bank (konbini, bank_transfer, pay_easy).
// These are refunded only through a refund request.
func (t PaymentType) IsAsync() bool {
	return t == TypeKonbini || t == TypeBankTransfer || t == TypePayEasy
}

// Konbini store slugs accepted by payment_details[store].
const (
	StoreSevenEleven   = "seven-eleven"
	StoreLawson        = "lawson"
	StoreFamilyMart    = "family-mart"
	StoreMinistop      = "ministop"
	StoreDailyYamazaki = "daily-yamazaki"
	StoreSeicomart     = "seicomart"
)

// KonbiniStores lists the six current konbini stores in display order.
var KonbiniStores = []string{StoreSevenEleven, StoreLawson, StoreFamilyMart, StoreMinistop, StoreDailyYamazaki, StoreSeicomart}

// Payment is KOMOJU's payment object (resource "payment").
type Payment struct {
	ID                 string            `json:"id"`
	Resource           string            `json:"resource"`
	Status             PaymentStatus     `json:"status"`
	Amount             int64             `json:"amount"`
	Tax                int64             `json:"tax"`
	Customer           *string           `json:"customer"`
	PaymentDeadline    *time.Time        `json:"payment_deadline"`
	PaymentDetails     *PaymentDetails   `json:"payment_details"`
	PaymentMethodFee   int64             `json:"payment_method_fee"`
	Total              int64             `json:"total"`
	Currency           string            `json:"currency"`
	Description        *string           `json:"description"`
	CapturedAt         *time.Time        `json:"captured_at"`
	ExternalOrderNum   *string           `json:"external_order_num"`
	Metadata           map[string]string `json:"metadata"`
	CreatedAt          time.Time         `json:"created_at"`
	AmountRefunded     int64             `json:"amount_refunded"`
	Locale             string            `json:"locale"`
	Session            *string           `json:"session"`
	CustomerFamilyName *string           `json:"customer_family_name"`
	CustomerGivenName  *string           `json:"customer_given_name"`
	MCC                *string           `json:"mcc"`
	// StatementDescriptor is required in KOMOJU's Payment model (an object
	// of statement_descriptor, _alpha, _kana, statement_city,
	// contact_phone); null when the payment has none. Kept raw.
	StatementDescriptor json.RawMessage `json:"statement_descriptor"`
	PlatformDetails     json.RawMessage `json:"platform_details,omitempty"`
	Refunds             []Refund        `json:"refunds"`
	RefundRequests      []RefundRequest `json:"refund_requests"`
	// Subscription is only sent by the legacy API; kept raw.
	Subscription json.RawMessage `json:"subscription,omitempty"`
}

// Type returns the payment's method type, or "" before one is chosen.
func (p *Payment) Type() PaymentType {
	if p == nil || p.PaymentDetails == nil {
		return ""
	}
	return p.PaymentDetails.Type
}

// RefundableAmount is what can still be refunded. KOMOJU has no such field;
// it is derived as total - amount_refunded (refund amounts include tax).
func (p *Payment) RefundableAmount() int64 {
	if p == nil {
		return 0
	}
	return p.Total - p.AmountRefunded
}

// OrderNum returns external_order_num or "".
func (p *Payment) OrderNum() string {
	if p == nil || p.ExternalOrderNum == nil {
		return ""
	}
	return *p.ExternalOrderNum
}

// SessionID returns the session the payment was created through, or "".
func (p *Payment) SessionID() string {
	if p == nil || p.Session == nil {
		return ""
	}
	return *p.Session
}

// Refund is one refund of a payment. Amount includes tax.
type Refund struct {
	ID          string    `json:"id"`
	Resource    string    `json:"resource"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Payment     string    `json:"payment"`
	Description *string   `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	Chargeback  bool      `json:"chargeback"`
	RefundType  *string   `json:"refund_type,omitempty"`
}

// RefundRequestStatus is the status of a refund request.
type RefundRequestStatus string

// Refund request statuses.
const (
	RefundRequestPending   RefundRequestStatus = "pending"
	RefundRequestRejected  RefundRequestStatus = "rejected"
	RefundRequestCompleted RefundRequestStatus = "completed"
)

// RefundRequest is a manual bank refund of a cash payment (konbini,
// bank_transfer, pay_easy), which the refund endpoint cannot refund.
// Fields follow komoju/komoju-node-sdk models/refund-request.ts.
type RefundRequest struct {
	ID      string `json:"id"`
	Payment string `json:"payment"`
	// Amount is not in KOMOJU's RefundRequest model (the amount asked for
	// is not echoed back); it is decoded if a KOMOJU answer carries it and
	// is 0 otherwise.
	Amount        int64               `json:"amount,omitempty"`
	CustomerName  string              `json:"customer_name"`
	BankName      string              `json:"bank_name"`
	BankCode      *string             `json:"bank_code"`
	BranchName    string              `json:"branch_name"`
	BranchNumber  string              `json:"branch_number"`
	AccountNumber string              `json:"account_number"`
	Description   *string             `json:"description,omitempty"` // optional in KOMOJU's model
	Status        RefundRequestStatus `json:"status"`
	CreatedAt     time.Time           `json:"created_at"`
}

// UnmarshalJSON accepts bank_code, branch_number and account_number as JSON
// strings or numbers: KOMOJU's create body types account_number as an
// integer, and a number where a string is expected must not make the whole
// payment undecodable.
func (r *RefundRequest) UnmarshalJSON(b []byte) error {
	type plain RefundRequest
	var aux struct {
		plain
		BankCode      json.RawMessage `json:"bank_code"`
		BranchNumber  json.RawMessage `json:"branch_number"`
		AccountNumber json.RawMessage `json:"account_number"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = RefundRequest(aux.plain)
	var err error
	if r.BankCode, err = flexStringPtr(aux.BankCode); err != nil {
		return fmt.Errorf("refund_request bank_code: %w", err)
	}
	var p *string
	if p, err = flexStringPtr(aux.BranchNumber); err != nil {
		return fmt.Errorf("refund_request branch_number: %w", err)
	} else if p != nil {
		r.BranchNumber = *p
	}
	if p, err = flexStringPtr(aux.AccountNumber); err != nil {
		return fmt.Errorf("refund_request account_number: %w", err)
	} else if p != nil {
		r.AccountNumber = *p
	}
	return nil
}

// flexStringPtr decodes a JSON string or number as a string; null or absent
// is nil.
func flexStringPtr(raw json.RawMessage) (*string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return &s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, fmt.Errorf("want a string or number, got %s", raw)
	}
	s = n.String()
	return &s, nil
}

// Session is KOMOJU's session object (resource "session").
type Session struct {
	ID             string                 `json:"id"`
	Resource       string                 `json:"resource"`
	Mode           string                 `json:"mode"`
	Amount         int64                  `json:"amount"`
	Currency       string                 `json:"currency"`
	SessionURL     string                 `json:"session_url"`
	ReturnURL      *string                `json:"return_url"`
	DefaultLocale  string                 `json:"default_locale"`
	PaymentMethods []SessionPaymentMethod `json:"payment_methods"`
	CreatedAt      time.Time              `json:"created_at"`
	CancelledAt    *time.Time             `json:"cancelled_at"`
	CompletedAt    *time.Time             `json:"completed_at"`
	Status         SessionStatus          `json:"status"`
	Expired        bool                   `json:"expired"`
	Merchant       *SessionMerchant       `json:"merchant"`
	Metadata       map[string]string      `json:"metadata"`
	Payment        *Payment               `json:"payment,omitempty"` // optional in KOMOJU's model: absent until a payment exists
	PaymentData    SessionPaymentData     `json:"payment_data"`
	CustomerID     *string                `json:"customer_id,omitempty"`
	SecureToken    json.RawMessage        `json:"secure_token,omitempty"`
	LineItems      []LineItem             `json:"line_items,omitempty"`
	MerchantID     *string                `json:"merchant_id,omitempty"`
	Email          *string                `json:"email,omitempty"`
}

// SessionMerchant is a session's merchant (KOMOJU's MerchantData model).
type SessionMerchant struct {
	Name string `json:"name"`
}

// SessionPaymentData is a session's payment_data.
type SessionPaymentData struct {
	Capture          CaptureMode `json:"capture,omitempty"`
	ExternalOrderNum string      `json:"external_order_num,omitempty"`
	Name             string      `json:"name,omitempty"`
	NameKana         string      `json:"name_kana,omitempty"`
}

// LineItem is one line of a session's line_items. Every field is optional
// in KOMOJU's LineItem model; KOMOJU's WooCommerce plugin sends
// {description, quantity, image} without amount. A zero Amount is not sent.
type LineItem struct {
	Amount             int64  `json:"amount,omitempty"`
	Description        string `json:"description"`
	Quantity           int64  `json:"quantity,omitempty"`
	Image              string `json:"image,omitempty"`
	ExternalProductNum string `json:"external_product_num,omitempty"`
}

// SessionPaymentMethod is one entry of a session's payment_methods.
type SessionPaymentMethod struct {
	Type          PaymentType `json:"type"`
	HashedGateway string      `json:"hashed_gateway,omitempty"`
	Amount        int64       `json:"amount,omitempty"`
	Currency      string      `json:"currency,omitempty"`
	ExchangeRate  *float64    `json:"exchange_rate,omitempty"` // informational DCC rate; never used for money
	Offsite       bool        `json:"offsite"`
	// CustomerFee is not in KOMOJU's PaymentMethod model but KOMOJU Fields
	// reads it (degica/komoju-fields src/types.d.ts).
	CustomerFee int64 `json:"customer_fee"`
	// Brands is an array of card brands for credit_card and an object keyed by
	// store slug for konbini, each entry {"icon": path} (what KOMOJU Fields
	// reads: degica/komoju-fields src/fields/konbini/module.ts); see
	// CardBrands, StoreSlugs and KonbiniIcon.
	Brands                    json.RawMessage `json:"brands,omitempty"`
	AdditionalFields          []string        `json:"additional_fields,omitempty"`
	SevenElevenMerchantNumber *string         `json:"seven_eleven_merchant_number,omitempty"`
}

// CardBrands returns the brand list of a credit_card method.
func (m SessionPaymentMethod) CardBrands() []string {
	var out []string
	if json.Unmarshal(m.Brands, &out) != nil {
		return nil
	}
	return out
}

// KonbiniIcon returns the icon path of a konbini store entry ("" if none).
// KOMOJU Fields loads it relative to the API host.
func (m SessionPaymentMethod) KonbiniIcon(store string) string {
	var obj map[string]struct {
		Icon string `json:"icon"`
	}
	if json.Unmarshal(m.Brands, &obj) != nil {
		return ""
	}
	return obj[store].Icon
}

// StoreSlugs returns the konbini stores offered by a konbini method, in the
// order of KonbiniStores (JSON objects have no order).
func (m SessionPaymentMethod) StoreSlugs() []string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(m.Brands, &obj) != nil {
		return nil
	}
	var out []string
	for _, s := range KonbiniStores {
		if _, ok := obj[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

// SessionPayResult is the response of Session: Pay.
type SessionPayResult struct {
	Status      PayStatus `json:"status"`
	RedirectURL *string   `json:"redirect_url"`
	AppURL      *string   `json:"app_url,omitempty"`
	Payment     *Payment  `json:"payment"`
	// Customer is the customer object in the customer session modes; kept raw.
	Customer json.RawMessage `json:"customer,omitempty"`
	// Error is set by some clients when status is "error" with a 200 answer.
	Error json.RawMessage `json:"error,omitempty"`
}

// Event is a webhook event (resource "event"). Data holds the full Payment for
// payment.* events.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Resource  string          `json:"resource"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
	Reason    *string         `json:"reason"`
}

// Event type names KOMOJU sends.
const (
	EventPing                 = "ping"
	EventPaymentAuthorized    = "payment.authorized"
	EventPaymentCaptured      = "payment.captured"
	EventPaymentUpdated       = "payment.updated"
	EventPaymentExpired       = "payment.expired"
	EventPaymentCancelled     = "payment.cancelled"
	EventPaymentRefundCreated = "payment.refund.created"
	EventPaymentRefunded      = "payment.refunded"
	EventPaymentFailed        = "payment.failed"
)

// Payment decodes Data as a Payment; it fails for events that do not carry one.
func (e *Event) Payment() (*Payment, error) {
	if len(e.Data) == 0 || string(e.Data) == "null" {
		return nil, fmt.Errorf("komoju: event %s (%s) has no data", e.ID, e.Type)
	}
	var p Payment
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return nil, fmt.Errorf("komoju: event %s data is not a payment: %w", e.ID, err)
	}
	if p.Resource != "" && p.Resource != "payment" {
		return nil, fmt.Errorf("komoju: event %s data is a %q, not a payment", e.ID, p.Resource)
	}
	return &p, nil
}

// Token is a tokenized card (resource "token"). Pass its ID as
// payment_details to pay with it.
type Token struct {
	ID             string          `json:"id"`
	Resource       string          `json:"resource"`
	CreatedAt      time.Time       `json:"created_at"`
	PaymentDetails *PaymentDetails `json:"payment_details"`
}

// PaymentMethod is an entry of GET /payment_methods (KOMOJU's
// AvailablePaymentMethod model, komoju/komoju-node-sdk
// models/available-payment-method.ts).
type PaymentMethod struct {
	TypeSlug PaymentType `json:"type_slug"`
	NameEn   string      `json:"name_en"`
	NameJa   string      `json:"name_ja"`
	NameKo   string      `json:"name_ko"`
	Currency string      `json:"currency"`
	// Subtypes are the method's variants (card brands, konbini stores).
	Subtypes []string `json:"subtypes,omitempty"`
	// SecureTokenSupported lists the subtypes that support secure tokens
	// (3-D Secure for direct payments); empty when the method has none.
	// KOMOJU's model types it as an array of strings.
	SecureTokenSupported []string `json:"secure_token_supported,omitempty"`
}

// SupportsSecureTokens reports whether any subtype of the method supports
// secure tokens.
func (m PaymentMethod) SupportsSecureTokens() bool { return len(m.SecureTokenSupported) > 0 }

// List is KOMOJU's list envelope (resource "list"; PaymentList and
// EventList in komoju/komoju-node-sdk). StartTime and EndTime echo the
// query's time range; they are null when the query gave none.
type List[T any] struct {
	Resource  string     `json:"resource"`
	Total     int        `json:"total"`
	Page      int        `json:"page"`
	PerPage   int        `json:"per_page"`
	LastPage  int        `json:"last_page"`
	StartTime *time.Time `json:"start_time"`
	EndTime   *time.Time `json:"end_time"`
	Data      []T        `json:"data"`
}
