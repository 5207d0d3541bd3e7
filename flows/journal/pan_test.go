package journal

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	refused := []string{
		"4111111111111111", "x4111111111111111y", "411111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
		"3782 822463 10005", "5555 5555 5555 4444 ", "CVC: 123", "cvv=1234", `"verification_value":"987"`,
		"sk_live_0123456789abcdef", "key=sk_test_aaaaaaaaaa",
	}
	for _, s := range refused {
		if err := checkText("f", s); !errors.Is(err, ErrCardData) {
			t.Errorf("checkText(%q) = %v, want ErrCardData", s, err)
		}
	}
	allowed := []string{
		"", "POS-20261124-0007", "POS-20261124-0010-K3F", "tel 090-1234-5678", "¥1,000,000", "12345678901", "2026-11-24T10:00:00+09:00",
		"table 12 seat 4", "pk_test_publishable_key_ok", "sk_test_", "1234 5678 9012 3456", // grouped but fails Luhn
		"cvc check passed", "decided 123 items",
	}
	for _, s := range allowed {
		if err := checkText("f", s); err != nil {
			t.Errorf("checkText(%q) = %v, want nil", s, err)
		}
	}
}

func TestCheckID(t *testing.T) {
	for _, s := range []string{"4111111111111111", "4111-1111-1111-1111", "123456789012"} {
		if err := checkID("id", s); !errors.Is(err, ErrCardData) {
			t.Errorf("checkID(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"0f8fad5b-d9cb-469f-a165-707718203344", "12345678-1234-1234-1234-123456789012x", "pay_3n5z7f2k9x1c4v8b6m0q2w4e6", "12345678901234567890"} {
		if err := checkID("id", s); err != nil {
			t.Errorf("checkID(%q) = %v", s, err)
		}
	}
}

func TestScrubMasks(t *testing.T) {
	got := scrub("card 4111111111111111 cvc 123 declined", 100)
	if strings.Contains(got, "4111111111111111") || strings.Contains(got, "123") || !strings.Contains(got, "1111") || !strings.Contains(got, "declined") {
		t.Errorf("scrub = %q", got)
	}
	if got := scrub("The card was declined", 100); got != "The card was declined" {
		t.Errorf("scrub changed clean text: %q", got)
	}
	if got := scrubLast4("4111111111111111"); got != "1111" {
		t.Errorf("scrubLast4 = %q", got)
	}
}

func TestContainsPAN(t *testing.T) {
	if !containsPAN([]byte(`{"number":"4111111111111111"}`)) {
		t.Error("PAN in a JSON string not found")
	}
	// A 16-digit amount that happens to pass Luhn is a number, not a card.
	if containsPAN([]byte(`{"amount":4111111111111111,"last_four_digits":"1111"}`)) {
		t.Error("JSON number mistaken for a card number")
	}
}

func TestScrubKeepsUTF8(t *testing.T) {
	got := scrub(strings.Repeat("あ", 10), 10) // 30 bytes cut to 10: 3 whole characters
	if got != "あああ" {
		t.Errorf("truncate = %q", got)
	}
	if got := scrub("bad \xff byte", 100); got != "bad \uFFFD byte" {
		t.Errorf("invalid UTF-8 = %q", got)
	}
}

// A result message holding a key of KOMOJU's real test shape (sk_ + 40
// hex) is stored masked, like the sk_test_ form.
func TestScrubMasksEveryKeyShape(t *testing.T) {
	key := "sk_" + strings.Repeat("0123456789abcdef", 3)[:40]
	for _, in := range []string{"bad key " + key + " refused", "bad key sk_test_abcdefghijklmnop0000 refused"} {
		got := scrub(in, 200)
		if strings.Contains(got, key[3:]) || strings.Contains(got, "abcdefghijklmnop0000") {
			t.Errorf("scrub(%q) = %q: the key survived", in, got)
		}
	}
}
