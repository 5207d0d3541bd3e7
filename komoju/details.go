package komoju

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// PaymentDetails is a payment's payment_details as KOMOJU returns it: a union
// keyed on Type. Exactly one of the typed fields is set for the types this
// package models; Raw always keeps the bytes that were decoded, so types it
// does not model (and fields it does not know) survive a round trip.
type PaymentDetails struct {
	Type PaymentType

	CreditCard   *CreditCardDetails
	Konbini      *KonbiniDetails
	BankTransfer *BankTransferDetails
	PayEasy      *PayEasyDetails
	Offsite      *OffsiteDetails // paypay and the other redirect wallets

	// Raw is the JSON this value was decoded from (nil when built in code).
	Raw json.RawMessage
}

// CreditCardDetails is payment_details for credit_card. It never holds the
// full number or the CVC: KOMOJU returns brand and last four digits only.
type CreditCardDetails struct {
	// Email is required in KOMOJU's response models (a string, "" when the
	// customer gave none), as in every variant below.
	Email          string  `json:"email"`
	Brand          string  `json:"brand,omitempty"`
	LastFourDigits string  `json:"last_four_digits,omitempty"`
	Month          FlexInt `json:"month,omitempty"`
	Year           FlexInt `json:"year,omitempty"`
	Name           string  `json:"name,omitempty"`
	GivenName      string  `json:"given_name,omitempty"`
	FamilyName     string  `json:"family_name,omitempty"`
	// RedirectURL is the 3DS challenge page while the payment is pending.
	// KOMOJU's credit card model does not list it (it lists redirect_url
	// for wallets); the sandbox sends it only while a challenge waits.
	RedirectURL string `json:"redirect_url,omitempty"`
}

// KonbiniDetails is payment_details for konbini.
type KonbiniDetails struct {
	Store            string  `json:"store"`
	Email            string  `json:"email"`
	ConfirmationCode *string `json:"confirmation_code"`
	// Receipt must not be shown to 7-Eleven customers (see the seed's konbini
	// notes); use InstructionsURL.
	Receipt         *string `json:"receipt"`
	InstructionsURL string  `json:"instructions_url,omitempty"`
}

// BankTransferDetails is payment_details for bank_transfer.
type BankTransferDetails struct {
	Email             string `json:"email"`
	OrderID           string `json:"order_id,omitempty"`
	BankName          string `json:"bank_name,omitempty"`
	AccountBranchName string `json:"account_branch_name,omitempty"`
	AccountNumber     string `json:"account_number,omitempty"`
	AccountType       string `json:"account_type,omitempty"`
	AccountName       string `json:"account_name,omitempty"`
	InstructionsURL   string `json:"instructions_url,omitempty"`
	PaymentDeadline   string `json:"payment_deadline,omitempty"`
}

// PayEasyDetails is payment_details for pay_easy.
type PayEasyDetails struct {
	Email           string `json:"email"`
	BankID          string `json:"bank_id,omitempty"`
	CustomerID      string `json:"customer_id,omitempty"`
	ConfirmationID  string `json:"confirmation_id,omitempty"`
	InstructionsURL string `json:"instructions_url,omitempty"`
	PaymentURL      string `json:"payment_url,omitempty"`
	CVSCode         string `json:"cvs_code,omitempty"`
}

// OffsiteDetails is payment_details for redirect wallets (paypay, merpay,
// rakutenpay, aupay, linepay, alipay, paidy).
type OffsiteDetails struct {
	Email             string `json:"email"`
	RedirectURL       string `json:"redirect_url,omitempty"`
	ExternalPaymentID string `json:"external_payment_id,omitempty"`
	TransactionKey    string `json:"transaction_key,omitempty"`
	TransactionID     string `json:"transaction_id,omitempty"`
}

// RedirectURL returns where the customer must go next (3DS or wallet), or "".
func (d *PaymentDetails) RedirectURL() string {
	switch {
	case d == nil:
		return ""
	case d.Offsite != nil:
		return d.Offsite.RedirectURL
	case d.CreditCard != nil:
		return d.CreditCard.RedirectURL
	}
	return ""
}

// InstructionsURL returns the payment instructions page of a cash method, or "".
func (d *PaymentDetails) InstructionsURL() string {
	switch {
	case d == nil:
		return ""
	case d.Konbini != nil:
		return d.Konbini.InstructionsURL
	case d.BankTransfer != nil:
		return d.BankTransfer.InstructionsURL
	case d.PayEasy != nil:
		return d.PayEasy.InstructionsURL
	}
	return ""
}

// UnmarshalJSON decodes the variant named by "type" and keeps the raw bytes.
func (d *PaymentDetails) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '"' {
		// A token id given as payment_details: keep it verbatim in Raw.
		var tok string
		if err := json.Unmarshal(t, &tok); err != nil {
			return fmt.Errorf("payment_details: %w", err)
		}
		*d = PaymentDetails{Raw: append(json.RawMessage(nil), t...)}
		return nil
	}
	var head struct {
		Type PaymentType `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("payment_details: %w", err)
	}
	*d = PaymentDetails{Type: head.Type, Raw: append(json.RawMessage(nil), b...)}
	var target any
	switch {
	case head.Type == TypeCreditCard:
		d.CreditCard = new(CreditCardDetails)
		target = d.CreditCard
	case head.Type == TypeKonbini:
		d.Konbini = new(KonbiniDetails)
		target = d.Konbini
	case head.Type == TypeBankTransfer:
		d.BankTransfer = new(BankTransferDetails)
		target = d.BankTransfer
	case head.Type == TypePayEasy:
		d.PayEasy = new(PayEasyDetails)
		target = d.PayEasy
	case head.Type.IsOffsite():
		d.Offsite = new(OffsiteDetails)
		target = d.Offsite
	default:
		return nil // unmodelled type: Raw carries it
	}
	if err := json.Unmarshal(b, target); err != nil {
		return fmt.Errorf("payment_details (%s): %w", head.Type, err)
	}
	return nil
}

// MarshalJSON writes the typed variant with its type. When the value was
// decoded (Raw is set), the typed fields are laid over the raw object, so
// fields this package does not model survive a round trip while edits to
// the typed fields win. For an unmodelled type it writes Raw unchanged.
func (d PaymentDetails) MarshalJSON() ([]byte, error) {
	var v any
	switch {
	case d.CreditCard != nil:
		v = d.CreditCard
	case d.Konbini != nil:
		v = d.Konbini
	case d.BankTransfer != nil:
		v = d.BankTransfer
	case d.PayEasy != nil:
		v = d.PayEasy
	case d.Offsite != nil:
		v = d.Offsite
	case len(d.Raw) > 0:
		return d.Raw, nil
	default:
		return json.Marshal(map[string]PaymentType{"type": d.Type})
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	typ, err := json.Marshal(d.Type)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if len(d.Raw) > 0 && json.Unmarshal(d.Raw, &raw) == nil && raw != nil {
		var typed map[string]json.RawMessage
		if err := json.Unmarshal(body, &typed); err != nil {
			return nil, err
		}
		for k, val := range typed {
			if _, had := raw[k]; !had && zeroJSON(val) {
				continue // a required field KOMOJU left out stays out: the round trip is exact
			}
			raw[k] = val
		}
		raw["type"] = typ
		return json.Marshal(raw)
	}
	// Splice "type" in front of the variant's own fields.
	var buf bytes.Buffer
	buf.WriteString(`{"type":`)
	buf.Write(typ)
	if len(body) > 2 {
		buf.WriteByte(',')
		buf.Write(body[1:])
	} else {
		buf.WriteByte('}')
	}
	return buf.Bytes(), nil
}

// zeroJSON reports an encoded zero value ("", 0, false, null).
func zeroJSON(v json.RawMessage) bool {
	switch string(v) {
	case `""`, "0", "false", "null":
		return true
	}
	return false
}

// FlexInt is an integer that KOMOJU and its clients send either as a JSON
// number or as a string of digits (card month/year: "02", 29).
type FlexInt int

// UnmarshalJSON accepts 12, "12" and null.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" || s == `""` {
		*n = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = str
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	*n = FlexInt(v)
	return nil
}

// PaymentDetailsParams is the payment_details object of a create or pay
// request. Only the fields of one type are set. Number and VerificationValue
// are card secrets: the client redacts them from every log line.
type PaymentDetailsParams struct {
	Type PaymentType `json:"type"`

	// credit_card
	Number            string `json:"number,omitempty"`
	Month             string `json:"month,omitempty"`
	Year              string `json:"year,omitempty"`
	VerificationValue string `json:"verification_value,omitempty"`
	Name              string `json:"name,omitempty"`

	// konbini
	Store string `json:"store,omitempty"`

	// shared by konbini, bank_transfer, pay_easy
	Email          string `json:"email,omitempty"`
	Phone          string `json:"phone,omitempty"`
	GivenName      string `json:"given_name,omitempty"`
	FamilyName     string `json:"family_name,omitempty"`
	GivenNameKana  string `json:"given_name_kana,omitempty"`
	FamilyNameKana string `json:"family_name_kana,omitempty"`
	ExpiryDays     int    `json:"expiry_days,omitempty"`

	// paypay: the code of the customer's PayPay app, scanned at the counter
	// (KOMOJU's PaymentDetailsPayPay model, komoju/komoju-node-sdk
	// models/payment-details-pay-pay.ts). With it the payment needs no
	// redirect; see ScannedCode* in the sandbox docs for the test codes.
	ScannedCode string `json:"scanned_code,omitempty"`
}

// Redacted returns a copy safe to log: the card number reduced to its last
// four digits and the CVC removed.
func (p PaymentDetailsParams) Redacted() PaymentDetailsParams {
	if p.Number != "" {
		// Only a full-length number keeps its last four digits; anything
		// shorter could be most of a (mistyped) number and is hidden whole.
		last := ""
		if len(p.Number) >= 12 {
			last = p.Number[len(p.Number)-4:]
		}
		p.Number = "************" + last
	}
	if p.VerificationValue != "" {
		p.VerificationValue = "[redacted]"
	}
	return p
}
