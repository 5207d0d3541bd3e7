package komoju

import (
	"errors"
	"strings"
	"testing"
)

const testWebhookSecret = "whsec_test_0001"

func TestVerifyWebhook(t *testing.T) {
	body := []byte(refundedEventJSON)
	good := SignWebhook(body, testWebhookSecret)
	tests := []struct {
		name   string
		body   []byte
		sig    string
		secret string
		want   error
	}{
		{"valid", body, good, testWebhookSecret, nil},
		{"valid upper-case hex with spaces", body, "  " + strings.ToUpper(good) + "\n", testWebhookSecret, nil},
		{"tampered body", []byte(strings.Replace(refundedEventJSON, `"amount":1200`, `"amount":1`, 1)), good, testWebhookSecret, ErrSignatureMismatch},
		{"one extra byte", append(append([]byte(nil), body...), ' '), good, testWebhookSecret, ErrSignatureMismatch},
		{"wrong secret", body, good, "whsec_other", ErrSignatureMismatch},
		{"missing header", body, "", testWebhookSecret, ErrSignatureMissing},
		{"blank header", body, "   ", testWebhookSecret, ErrSignatureMissing},
		{"non-hex", body, strings.Repeat("zz", 32), testWebhookSecret, ErrSignatureMalformed},
		{"short hex", body, good[:40], testWebhookSecret, ErrSignatureMalformed},
		{"long hex", body, good + "00", testWebhookSecret, ErrSignatureMalformed},
		{"no secret configured", body, good, "", ErrNoWebhookSecret},
	}
	for _, tc := range tests {
		err := VerifyWebhook(tc.body, tc.sig, tc.secret)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: VerifyWebhook = %v, want %v", tc.name, err, tc.want)
		}
	}
	// Known answer, so that the sandbox and KOMOJU agree on the scheme
	// (hex HMAC-SHA256 of the raw body): computed with
	// printf '{"id":"e"}' | openssl dgst -sha256 -hmac secret
	if got := SignWebhook([]byte(`{"id":"e"}`), "secret"); got != knownWebhookSig {
		t.Errorf("SignWebhook known answer = %s", got)
	}
}

func TestParseEvent(t *testing.T) {
	e, err := ParseEvent([]byte(refundedEventJSON))
	if err != nil {
		t.Fatal(err)
	}
	checkRefundedEvent(t, e)
	for _, bad := range []string{``, `not json`, `{"id":"x"}`, `{"type":"ping"}`, `[]`} {
		if _, err := ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%q) succeeded", bad)
		}
	}
	ping, err := ParseEvent([]byte(`{"id":"e1","type":"ping","resource":"event","data":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ping.Payment(); err == nil || !strings.Contains(err.Error(), "no data") {
		t.Errorf("ping.Payment() err = %v", err)
	}
	cust := &Event{ID: "e2", Type: "customer.created", Data: []byte(`{"id":"c1","resource":"customer"}`)}
	if _, err := cust.Payment(); err == nil || !strings.Contains(err.Error(), "not a payment") {
		t.Errorf("customer event Payment() err = %v", err)
	}
}

const knownWebhookSig = "a17ddb2b1362183a292ff49f1ee39fb1f0c1706b3f854d70c68d283d7ceac2cb"
