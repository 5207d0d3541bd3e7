package flows

import (
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// FuzzCardInput feeds arbitrary clerk input to the card helpers: nothing
// panics, formatting keeps exactly the digits, a valid number stays valid
// after formatting, and masking never shows more than four digits.
func FuzzCardInput(f *testing.F) {
	for _, c := range TestCards() {
		f.Add(c.Number, "12/30", "123")
	}
	f.Add("4111 1111-1111 1111", "1/2030", "1234")
	f.Add("", "", "")
	f.Add("３７８２", "ab/cd", "\x00")
	f.Fuzz(func(t *testing.T, number, expiry, cvc string) {
		n := NormalizeCardNumber(number)
		formatted := FormatCardNumber(number)
		if strings.ReplaceAll(formatted, " ", "") != n {
			t.Fatalf("FormatCardNumber(%q) = %q changes the digits of %q", number, formatted, n)
		}
		if ValidateCardNumber(number) == nil {
			if ValidateCardNumber(formatted) != nil || !Luhn(formatted) {
				t.Fatalf("%q valid but its formatted form %q is not", number, formatted)
			}
		}
		masked := MaskCardNumber(number)
		digits := 0
		for _, r := range masked {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits > 4 {
			t.Fatalf("MaskCardNumber(%q) = %q shows %d digits", number, masked, digits)
		}
		_ = CardBrand(number)
		_ = ValidateCVC(cvc, number)
		_ = ValidateExpiry(expiry, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
		d := Details{CardNumber: number, CardExpiry: expiry, CardCVC: cvc, Store: cvc, Email: expiry, Phone: number, GivenNameKana: cvc}
		for _, typ := range []komoju.PaymentType{komoju.TypeCreditCard, komoju.TypeKonbini, komoju.TypeBankTransfer, komoju.TypePayPay} {
			if len(ValidateDetails(typ, d, time.Now())) == 0 {
				_ = d.Params(typ)
			}
		}
		if len(n) > 4 && strings.Contains(Details{CardNumber: number}.String(), n) {
			t.Fatalf("Details.String leaks %q", n)
		}
		_ = looksLikeCardNumber(number + " " + cvc)
	})
}
