package journal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// ErrCardData is returned (wrapped, with the field name) when a text field
// handed to the journal looks like a full card number or a secret API key.
// The journal stores brand and last four digits only; refusing here is a
// defence in depth behind flows, which should never pass such data on.
var ErrCardData = errors.New("refusing to store what looks like a card number or secret key")

// checkText rejects free text (names, descriptions, order numbers, ...)
// holding 12 or more consecutive digits, a grouped card number
// ("4111 1111 1111 1111", "4111-1111-1111-1111") or a secret API key.
// Twelve digits is stricter than any PAN (13-19) so that a number typed
// with one digit missing is refused too; no legitimate text field the POS
// writes (order numbers are "POS-YYYYMMDD-NNNN") has such a run.
func checkText(field, s string) error {
	if s == "" {
		return nil
	}
	if n := longestDigitRun(s); n >= 12 {
		return fmt.Errorf("%s: %w (%d consecutive digits)", field, ErrCardData, n)
	}
	if groupedPAN(s) {
		return fmt.Errorf("%s: %w (grouped digits that pass the Luhn check)", field, ErrCardData)
	}
	if looksLikeSecretKey(s) {
		return fmt.Errorf("%s: %w (a secret API key)", field, ErrCardData)
	}
	if i, _ := findCVC(s); i >= 0 {
		return fmt.Errorf("%s: %w (a card security code)", field, ErrCardData)
	}
	return nil
}

// cvcWords introduce a card security code in free text.
var cvcWords = []string{"cvc", "cvv", "cvc2", "cvv2", "security code", "verification_value", "verification value", "セキュリティコード"}

// findCVC returns the byte range of a 3-4 digit code that follows one of
// cvcWords within a few separator characters ("CVC: 123", "cvv=1234",
// "verification_value":"123"), or -1.
func findCVC(s string) (int, int) {
	lower := strings.ToLower(s)
	for _, w := range cvcWords {
		for off := 0; ; {
			i := strings.Index(lower[off:], w)
			if i < 0 {
				break
			}
			k := off + i + len(w)
			// Skip up to 4 separators: spaces, ':', '=', quotes, '#'.
			for n := 0; n < 4 && k < len(s) && strings.IndexByte(" :=\"'#", s[k]) >= 0; n++ {
				k++
			}
			e := k
			for e < len(s) && isDigit(s[e]) {
				e++
			}
			if n := e - k; n >= 3 && n <= 4 {
				return k, e
			}
			off += i + len(w)
		}
	}
	return -1, -1
}

// checkID rejects machine identifiers (idempotency keys, session and payment
// ids) that are nothing but a card number. A UUID's last group can be 12
// decimal digits by chance (about 1 in 300), so the free-text rule would
// refuse honest keys; instead the whole identifier, separators removed,
// must not be a 12-19 digit number.
func checkID(field, s string) error {
	if s == "" {
		return nil
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-':
		default:
			if looksLikeSecretKey(s) {
				return fmt.Errorf("%s: %w (a secret API key)", field, ErrCardData)
			}
			return nil
		}
	}
	if digits >= 12 && digits <= 19 {
		return fmt.Errorf("%s: %w (the identifier is a %d-digit number)", field, ErrCardData, digits)
	}
	return nil
}

func longestDigitRun(s string) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			if run > best {
				best = run
			}
		} else {
			run = 0
		}
	}
	return best
}

// groupedPAN finds digit groups joined by single spaces or dashes whose
// digits total 13-19 and pass Luhn, the way card numbers are written
// (4-4-4-4, 4-6-5, 4-4-4-4-3). Groups must be 3-6 digits except the last
// (1-6), so "POS-20261124-0007" (8-digit group) is not mistaken for one.
func groupedPAN(s string) bool {
	i := 0
	for i < len(s) {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			i++
			continue
		}
		var digits []byte
		j := i
		groups := 0
		for {
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			glen := k - j
			last := !(k+1 < len(s) && (s[k] == ' ' || s[k] == '-') && isDigit(s[k+1]))
			if glen > 6 || (glen < 3 && !last) {
				break
			}
			digits = append(digits, s[j:k]...)
			groups++
			if groups >= 2 && len(digits) >= 13 && len(digits) <= 19 && luhn(digits) {
				return true
			}
			if last || len(digits) > 19 {
				break
			}
			j = k + 1
		}
		i++
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func luhn(d []byte) bool { return komoju.Luhn(string(d)) }

// looksLikeSecretKey spots KOMOJU secret keys of every shape (sk_ + 40
// hex, sk_live_..., sk_test_...). Publishable keys are public and allowed.
func looksLikeSecretKey(s string) bool { return komoju.ContainsSecretKey(s) }

// containsPAN reports whether b holds a 13-19 digit run that passes Luhn.
// It guards stored webhook bodies, which are JSON from KOMOJU (brand and
// last four only) and may hold long numbers such as amounts, so the looser
// free-text rule would refuse honest events.
func containsPAN(b []byte) bool {
	run := 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) && isDigit(b[i]) {
			run++
			continue
		}
		if run >= 13 && run <= 19 && luhn(b[i-run:i]) {
			// A JSON number value (amount, timestamp) follows ':' directly;
			// a card number in JSON would be a string.
			if i-run == 0 || b[i-run-1] == '"' || b[i-run-1] == '=' {
				return true
			}
		}
		run = 0
	}
	return false
}
