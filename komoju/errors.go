package komoju

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error is an error answered by KOMOJU: the HTTP status and the
// {"error":{code,message,param,details}} body. Reach it with errors.As.
type Error struct {
	HTTPStatus int             `json:"-"`
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	Param      string          `json:"param,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
	// RequestID is the idempotency key the failing request carried, so a
	// clerk or developer can find it again.
	RequestID string `json:"-"`
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.HTTPStatus)
	}
	if e.Param != "" {
		return fmt.Sprintf("komoju: %s (%s, param %s, HTTP %d)", msg, e.Code, e.Param, e.HTTPStatus)
	}
	return fmt.Sprintf("komoju: %s (%s, HTTP %d)", msg, e.Code, e.HTTPStatus)
}

// ErrorBody is the JSON envelope of an error response.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// Error codes from KOMOJU's error table.
const (
	CodeBadRequest          = "bad_request"
	CodeUnauthorized        = "unauthorized"
	CodeForbidden           = "forbidden"
	CodeNotFound            = "not_found"
	CodeInternalServerError = "internal_server_error"
	CodeUnprocessableEntity = "unprocessable_entity"
	CodeBadGateway          = "bad_gateway"
	CodeGatewayTimeout      = "gateway_timeout"
	CodeServiceUnavailable  = "service_unavailable"
	CodeRequestFailed       = "request_failed"
	CodeLocked              = "locked"
	CodeConflict            = "conflict" // idempotent retry while the first is in flight (code unconfirmed)
	CodeInvalidPaymentType  = "invalid_payment_type"
	CodeInvalidToken        = "invalid_token"
	CodeInvalidCurrency     = "invalid_currency"
	CodeNotRefundable       = "not_refundable"
	CodeNotCapturable       = "not_capturable"
	CodeNotCancellable      = "not_cancellable"
	CodeFraudulent          = "fraudulent"
	CodeInvalidParameter    = "invalid_parameter"
	CodeMissingParameter    = "missing_parameter"
	CodeInsufficientFunds   = "insufficient_funds"
	CodeUsedNumber          = "used_number"
	CodeCardDeclined        = "card_declined"
	CodeInvalidPassword     = "invalid_password"
	CodeBadVerificationVal  = "bad_verification_value"
	CodeExceedsLimit        = "exceeds_limit"
	CodeCardExpired         = "card_expired"
	CodeInvalidNumber       = "invalid_number"
	CodeInvalidAccount      = "invalid_account"
	CodeRestrictedAccount   = "restricted_account"
	CodeOtherError          = "other_error"
	CodeOtherInvalid        = "other_invalid"
)

// ErrorStatus maps an error code to the HTTP status KOMOJU answers it with.
// Statuses for most codes are inferred from KOMOJU's i18n namespaces
// (errors.unprocessable_entity.* → 422, errors.bad_gateway.* → 502).
func ErrorStatus(code string) int {
	switch code {
	case CodeBadRequest:
		return http.StatusBadRequest
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeConflict:
		return http.StatusConflict
	case CodeInternalServerError:
		return http.StatusInternalServerError
	case CodeServiceUnavailable:
		return http.StatusServiceUnavailable
	case CodeGatewayTimeout:
		return http.StatusGatewayTimeout
	case CodeRequestFailed:
		return http.StatusPaymentRequired
	case CodeLocked:
		return http.StatusLocked
	case CodeBadGateway, CodeInsufficientFunds, CodeUsedNumber, CodeCardDeclined, CodeInvalidPassword,
		CodeBadVerificationVal, CodeExceedsLimit, CodeCardExpired, CodeInvalidNumber, CodeInvalidAccount,
		CodeRestrictedAccount, CodeOtherError, CodeOtherInvalid:
		return http.StatusBadGateway
	}
	return http.StatusUnprocessableEntity
}

// DeclineCodes are the card errors the test cards and Komoju-Scenario produce.
var DeclineCodes = []string{CodeInsufficientFunds, CodeExceedsLimit, CodeBadVerificationVal, CodeCardExpired, CodeCardDeclined, CodeInvalidNumber}

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports a 404 from KOMOJU.
func IsNotFound(err error) bool {
	e, ok := asError(err)
	return ok && (e.HTTPStatus == http.StatusNotFound || e.Code == CodeNotFound)
}

// IsAuth reports a rejected key (401 or 403).
func IsAuth(err error) bool {
	e, ok := asError(err)
	return ok && (e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden)
}

// IsInvalidInput reports a request KOMOJU refused as malformed or invalid
// (400 or 422): fix the input, do not retry it as is.
func IsInvalidInput(err error) bool {
	e, ok := asError(err)
	return ok && (e.HTTPStatus == http.StatusBadRequest || e.HTTPStatus == http.StatusUnprocessableEntity)
}

// IsPaymentError reports a declined payment (502 with a card or account
// error). The payment did not happen; the customer may try again.
func IsPaymentError(err error) bool {
	e, ok := asError(err)
	return ok && (e.HTTPStatus == http.StatusBadGateway || e.HTTPStatus == http.StatusPaymentRequired)
}

// IsRetryable reports a KOMOJU answer after which the same request may be
// sent again with the same idempotency key (see Class.Retryable).
func IsRetryable(err error) bool {
	_, ok := asError(err)
	return ok && Classify(err).Retryable()
}
