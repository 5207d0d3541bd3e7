package komoju

import "testing"

func TestLuhnAndBrand(t *testing.T) {
	cases := []struct {
		digits string
		luhn   bool
		brand  string
	}{
		{"4111111111111111", true, BrandVisa},
		{"4111111111111112", false, BrandVisa},
		{"5555555555554444", true, BrandMaster},
		{"2221000000000009", true, BrandMaster},
		{"3530111333300000", true, BrandJCB},
		{"378282246310005", true, BrandAmex},
		{"30569309025904", true, BrandDiners},
		{"36227206271667", true, BrandDiners},
		{"6011111111111117", true, BrandUnknown},  // Discover: not a KOMOJU brand
		{"4111 1111 1111 1111", false, BrandVisa}, // digits only
		{"0", false, BrandUnknown},
		{"", false, BrandUnknown},
	}
	for _, c := range cases {
		if got := Luhn(c.digits); got != c.luhn {
			t.Errorf("Luhn(%q) = %v, want %v", c.digits, got, c.luhn)
		}
		if got := CardBrand(c.digits); got != c.brand {
			t.Errorf("CardBrand(%q) = %q, want %q", c.digits, got, c.brand)
		}
	}
}
