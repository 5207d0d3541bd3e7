package komoju

import (
	"context"
	"errors"
	"net"
	"net/http"
)

// Class says what an error from a KOMOJU call tells about the call's
// effect: whether the request certainly did nothing, certainly failed for
// a reason, or may have taken effect. It is the one place komoju-tui
// decides "charged / not charged / unknown"; flows maps each class to an
// outcome in one switch.
type Class int

// The classes, from "nothing happened" to "anything may have happened".
const (
	// ClassNone: no error.
	ClassNone Class = iota
	// ClassNotSent: the request never left (the connection was refused,
	// the context ended before sending). Nothing was done.
	ClassNotSent
	// ClassTryLater: KOMOJU answered that it did not process the request
	// and it may be sent again with the same idempotency key: 423 locked,
	// 429 rate limited, 503 maintenance, 504 ("payment NOT processed").
	ClassTryLater
	// ClassDeclined: the card or account was declined (402, 502 with a
	// card or account code, fraudulent). Nothing was charged.
	ClassDeclined
	// ClassInvalid: the request was refused as malformed or invalid (400,
	// 422 other than a state error).
	ClassInvalid
	// ClassState: the payment is in the wrong state for the call (not
	// capturable, cancellable or refundable).
	ClassState
	// ClassAuth: the key was refused (401, 403).
	ClassAuth
	// ClassNotFound: 404.
	ClassNotFound
	// ClassAPI: any other definite refusal (e.g. 502 bad_gateway).
	ClassAPI
	// ClassUnknown: the request may or may not have taken effect: no
	// answer (timeout, dropped connection), 500, 409 (the same key is still
	// in flight), or an earlier attempt of a POST that went unanswered
	// (ErrOutcomeUnknown). A timeout says nothing: never "not charged".
	ClassUnknown
)

var classNames = [...]string{"none", "not_sent", "try_later", "declined", "invalid", "state", "auth", "not_found", "api", "unknown"}

// String names the class.
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return "unknown"
	}
	return classNames[c]
}

// Definite reports whether the call certainly did not take effect (every
// class but ClassNone and ClassUnknown).
func (c Class) Definite() bool { return c != ClassNone && c != ClassUnknown }

// Retryable reports whether the same request may be sent again with the
// same idempotency key to learn its fate or to get it done: it either did
// nothing (try later, not sent) or its fate is unknown, and KOMOJU replays
// the original answer for a key it already processed.
func (c Class) Retryable() bool {
	return c == ClassTryLater || c == ClassUnknown || c == ClassNotSent
}

// Classify sorts err (from any Client call). See Class.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		return ClassUnknown
	}
	var e *Error
	if errors.As(err, &e) {
		return ClassifyStatus(e.HTTPStatus, e.Code)
	}
	if isDialError(err) {
		return ClassNotSent
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The client wraps ErrOutcomeUnknown when a POST may have been
		// sent; a bare context error on a call means it ended before or
		// while waiting: for a look-up that is no answer either way.
		return ClassUnknown
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ClassUnknown
	}
	return ClassUnknown
}

// ClassifyStatus sorts a KOMOJU error answer by HTTP status and code. A
// status below 400 (a 200 "status: error" pay result) uses the status
// KOMOJU gives the code (ErrorStatus).
func ClassifyStatus(status int, code string) Class {
	if status < 400 {
		status = ErrorStatus(code)
	}
	switch code {
	case CodeFraudulent:
		return ClassDeclined
	case CodeNotCapturable, CodeNotCancellable, CodeNotRefundable:
		return ClassState
	}
	switch status {
	case http.StatusInternalServerError, http.StatusConflict:
		return ClassUnknown
	case http.StatusLocked, http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return ClassTryLater
	case http.StatusUnauthorized, http.StatusForbidden:
		return ClassAuth
	case http.StatusNotFound:
		return ClassNotFound
	case http.StatusPaymentRequired:
		return ClassDeclined
	case http.StatusBadGateway:
		if code == CodeBadGateway {
			return ClassAPI
		}
		return ClassDeclined
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return ClassInvalid
	}
	if status >= 500 {
		return ClassUnknown
	}
	return ClassAPI
}
