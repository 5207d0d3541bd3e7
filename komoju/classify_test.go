package komoju

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

func TestClassify(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	read := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	cases := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, ClassNone},
		{"dial refused", fmt.Errorf("komoju: POST /payments failed: %w", dial), ClassNotSent},
		{"reset after send", read, ClassUnknown},
		{"timeout", context.DeadlineExceeded, ClassUnknown},
		{"POST unanswered", fmt.Errorf("x: %w", ErrOutcomeUnknown), ClassUnknown},
		{"503 after a lost POST", fmt.Errorf("x: %w: %w", &Error{HTTPStatus: 503, Code: CodeServiceUnavailable}, ErrOutcomeUnknown), ClassUnknown},
		{"500", &Error{HTTPStatus: 500, Code: CodeInternalServerError}, ClassUnknown},
		{"409 in flight", &Error{HTTPStatus: 409, Code: CodeConflict}, ClassUnknown},
		{"423 locked", &Error{HTTPStatus: 423, Code: CodeLocked}, ClassTryLater},
		{"429", &Error{HTTPStatus: 429}, ClassTryLater},
		{"503", &Error{HTTPStatus: 503, Code: CodeServiceUnavailable}, ClassTryLater},
		{"504 not processed", &Error{HTTPStatus: 504, Code: CodeGatewayTimeout}, ClassTryLater},
		{"502 card", &Error{HTTPStatus: 502, Code: CodeInsufficientFunds}, ClassDeclined},
		{"502 bad gateway", &Error{HTTPStatus: 502, Code: CodeBadGateway}, ClassAPI},
		{"402", &Error{HTTPStatus: 402, Code: CodeRequestFailed}, ClassDeclined},
		{"fraudulent 422", &Error{HTTPStatus: 422, Code: CodeFraudulent}, ClassDeclined},
		{"pay result card code, no status", &Error{Code: CodeCardDeclined}, ClassDeclined},
		{"422 invalid", &Error{HTTPStatus: 422, Code: CodeInvalidParameter}, ClassInvalid},
		{"400", &Error{HTTPStatus: 400, Code: CodeBadRequest}, ClassInvalid},
		{"not capturable", &Error{HTTPStatus: 422, Code: CodeNotCapturable}, ClassState},
		{"not refundable", &Error{HTTPStatus: 422, Code: CodeNotRefundable}, ClassState},
		{"401", &Error{HTTPStatus: 401, Code: CodeUnauthorized}, ClassAuth},
		{"403", &Error{HTTPStatus: 403, Code: CodeForbidden}, ClassAuth},
		{"404", &Error{HTTPStatus: 404, Code: CodeNotFound}, ClassNotFound},
		{"wrapped 404", fmt.Errorf("flows: %w", &Error{HTTPStatus: 404}), ClassNotFound},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("%s: Classify = %v, want %v", c.name, got, c.want)
		}
	}
}

// The transport retries exactly what IsRetryable calls retryable: the two
// once disagreed about 423.
func TestTransportAndIsRetryableAgree(t *testing.T) {
	for st := 400; st < 600; st++ {
		if retryableStatus(st) != IsRetryable(&Error{HTTPStatus: st}) {
			t.Errorf("HTTP %d: transport retries=%v, IsRetryable=%v", st, retryableStatus(st), IsRetryable(&Error{HTTPStatus: st}))
		}
	}
	if !retryableStatus(423) || retryableStatus(502) || retryableStatus(422) {
		t.Error("423 must be retried, 502 and 422 never")
	}
}
