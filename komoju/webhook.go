package komoju

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Webhook signature errors, distinguishable with errors.Is so a receiver can
// say why an event was rejected.
var (
	ErrSignatureMissing   = errors.New("komoju: webhook signature header is missing")
	ErrSignatureMalformed = errors.New("komoju: webhook signature is not hex-encoded SHA-256")
	ErrSignatureMismatch  = errors.New("komoju: webhook signature does not match the body")
	ErrNoWebhookSecret    = errors.New("komoju: no webhook secret configured")
)

// SignWebhook returns the X-Komoju-Signature value for body: the hex
// HMAC-SHA256 of the exact bytes, keyed with the webhook secret.
func SignWebhook(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks the X-Komoju-Signature header against the raw request
// body in constant time. The body must be the bytes as received, before any
// JSON decoding.
func VerifyWebhook(body []byte, signatureHeader, secret string) error {
	if secret == "" {
		return ErrNoWebhookSecret
	}
	sig := strings.TrimSpace(signatureHeader)
	if sig == "" {
		return ErrSignatureMissing
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return ErrSignatureMalformed
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrSignatureMismatch
	}
	return nil
}

// ParseEvent decodes a webhook body into an Event.
func ParseEvent(body []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("komoju: webhook body is not an event: %w", err)
	}
	if e.ID == "" || e.Type == "" {
		return nil, fmt.Errorf("komoju: webhook body lacks an event id or type")
	}
	return &e, nil
}
