package komoju

import (
	"context"
	"log/slog"
	"regexp"
	"sync"
)

// keyShape matches every API key shape KOMOJU issues: "sk_" or "pk_"
// followed by 40 hex characters (the test merchant's keys in KOMOJU's own
// plugin tests, degica/komoju-woocommerce tests/cypress/support/commands.js),
// and the prefixed "sk_live_", "sk_test_", "pk_live_", "pk_test_" forms
// (live keys are sk_live_…, see config.IsLiveKey). A word boundary in front
// keeps "task_..." or "desk_..." out.
// The regexps are compiled on first use, not at start-up: most runs of a
// headless command never redact anything, and every process paid for
// compiling them (issue 13's start-up).
var keyShape = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b([sp]k_(?:live_|test_)?)[A-Za-z0-9]{8,}`)
})

// secretKeyShape is keyShape for secret keys only.
var secretKeyShape = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\bsk_(?:live_|test_)?[A-Za-z0-9]{8,}`)
})

// authHeader matches the credentials of an HTTP Authorization header as
// it may appear in text (a logged request, a proxy's error page): KOMOJU
// authenticates with Basic base64("sk_…:"), so whatever follows "Basic"
// (or "Bearer") is a secret.
var authHeader = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b((?:proxy-)?authorization"?\s*[:=]\s*"?(?:basic|bearer)\s+)[A-Za-z0-9+/=._~-]+`)
})

// RedactSecrets masks API keys of every KOMOJU shape ("sk_test_[redacted]",
// "sk_[redacted]") and the credentials after "Authorization: Basic" in s.
func RedactSecrets(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	s = keyShape().ReplaceAllString(s, "${1}[redacted]")
	return authHeader().ReplaceAllString(s, "${1}[redacted]")
}

// ContainsSecretKey reports whether s holds a secret API key of any
// KOMOJU shape (publishable keys are public and not reported).
func ContainsSecretKey(s string) bool { return secretKeyShape().MatchString(s) }

// mayHoldSecret is a cheap pre-check that skips the regexps for most text.
func mayHoldSecret(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		switch {
		case s[i+1] == 'k' && s[i+2] == '_' && (s[i] == 's' || s[i] == 'p'):
			return true
		case s[i] == 'a' || s[i] == 'A':
			if i+13 <= len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
				return true
			}
		}
	}
	return false
}

// RedactingHandler wraps h so that every log message and string attribute
// passes RedactSecrets: a key that slips into an error message or a URL
// never reaches a log file.
func RedactingHandler(h slog.Handler) slog.Handler { return redactingHandler{h} }

type redactingHandler struct{ h slog.Handler }

func (r redactingHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, RedactSecrets(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redactingHandler{r.h.WithAttrs(red)}
}

func (r redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{r.h.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, RedactSecrets(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = redactAttr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, RedactSecrets(err.Error()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
