package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/words"
)

// tr translates UI strings. The English text is the key; other languages
// look it up in their table and fall back to English, so a missing
// translation shows English rather than nothing. Each Model builds its own
// table (no package-level state).
type tr struct {
	lang  string
	table map[string]string
}

func newTr(lang string) tr {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if strings.HasPrefix(lang, "ja") {
		return tr{lang: "ja", table: jaMessages()}
	}
	return tr{lang: "en"}
}

// check is the validator fn with its message in the model's language:
// flows' checks say what is wrong in English (their Error) and in every
// language (flows.Problem); the form shows what check returns.
func (t tr) check(fn func(string) error) func(string) error {
	return func(s string) error {
		err := fn(s)
		if err == nil || t.lang == "en" {
			return err
		}
		return errors.New(t.problem(err))
	}
}

// problem is err in the model's language: a flows.Problem, FieldErrors
// or a refused amount in its words, anything else through the table. In
// English it is err's own text.
func (t tr) problem(err error) string {
	if t.lang == "en" {
		return err.Error()
	}
	if msg := flows.ProblemIn(err, t.lang); msg != err.Error() {
		return msg
	}
	return t.S(err.Error())
}

// S returns s in the model's language.
func (t tr) S(s string) string {
	if v, ok := t.table[s]; ok {
		return v
	}
	return s
}

// status names a payment status (or where a status came from) in the
// model's language.
func (t tr) status(s string) string {
	if t.lang == "en" {
		return s
	}
	return words.Status(s, t.lang)
}

// text says a message of the table (a notice from the configuration or
// the start-up) in the model's language.
func (t tr) text(x words.Text) string { return x.In(t.lang) }

// F formats the translated format string.
func (t tr) F(format string, args ...any) string { return fmt.Sprintf(t.S(format), args...) }

// jaMessages is the Japanese table, from the message table in
// flows/words (shared with the headless commands).
func jaMessages() map[string]string { return words.Japanese() }
