package komoju

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// hexKey is the shape of KOMOJU's test keys in its own plugin tests:
// "sk_" + 40 hex characters.
const hexKey = "0123456789abcdef0123456789abcdef01234567"

func TestRedactSecretsKeyShapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"key sk_" + hexKey + " failed", "key sk_[redacted] failed"},
		{"pk_" + hexKey, "pk_[redacted]"},
		{"sk_live_abcdefgh12345678", "sk_live_[redacted]"},
		{"sk_test_abcdefgh12345678,", "sk_test_[redacted],"},
		{"pk_live_abcdefgh12345678", "pk_live_[redacted]"},
		{"pk_test_abcdefgh12345678", "pk_test_[redacted]"},
		{`url?key=sk_` + hexKey, `url?key=sk_[redacted]`},
		{"Authorization: Basic c2tfdGVzdF94eHg6", "Authorization: Basic [redacted]"},
		{"authorization=bearer abc.def-ghi", "authorization=bearer [redacted]"},
		{`"Authorization": "Basic c2tfdGVzdDo="`, `"Authorization": "Basic [redacted]"`},
		{"task_abcdefghijkl and desk_12345678", "task_abcdefghijkl and desk_12345678"},
		{"sk_short", "sk_short"},
		{"山田 sk_" + hexKey, "山田 sk_[redacted]"},
	} {
		if got := RedactSecrets(tc.in); got != tc.want {
			t.Errorf("RedactSecrets(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !ContainsSecretKey("x sk_"+hexKey) || !ContainsSecretKey("sk_live_abcdefgh1") || ContainsSecretKey("pk_"+hexKey) {
		t.Error("ContainsSecretKey misjudges a shape")
	}
}

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(RedactingHandler(slog.NewTextHandler(&buf, nil))).With("key", "sk_"+hexKey)
	log.Info("auth with sk_test_abcdefgh12345678 failed", "err", errors.New("Authorization: Basic c2tfeHh4Og=="),
		slog.Group("req", "url", "https://x/?k=pk_live_abcdefgh12345678"))
	out := buf.String()
	for _, leak := range []string{hexKey, "abcdefgh12345678", "c2tfeHh4Og=="} {
		if strings.Contains(out, leak) {
			t.Errorf("log line leaks %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "sk_[redacted]") {
		t.Errorf("log line: %s", out)
	}
}
