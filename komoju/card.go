package komoju

import "strconv"

// Card brand slugs, as KOMOJU writes them in payment_details.brand and in a
// session's credit_card brands.
const (
	BrandVisa    = "visa"
	BrandMaster  = "master"
	BrandJCB     = "jcb"
	BrandAmex    = "american_express"
	BrandDiners  = "diners_club"
	BrandUnknown = "unknown"
)

// Luhn reports whether digits, a card number written with digits only,
// passes the Luhn check. Anything that is not a digit, and numbers shorter
// than two digits, fail.
func Luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// CardBrand names the brand of a card number (digits only) from its
// prefix, among the five brands KOMOJU lists for cards; anything else,
// Discover included, is BrandUnknown.
func CardBrand(digits string) string {
	prefix := func(k int) int {
		if len(digits) < k {
			return -1
		}
		v, err := strconv.Atoi(digits[:k])
		if err != nil {
			return -1
		}
		return v
	}
	p1, p2, p3, p4 := prefix(1), prefix(2), prefix(3), prefix(4)
	switch {
	case p1 == 4:
		return BrandVisa
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return BrandMaster
	case p2 == 34 || p2 == 37:
		return BrandAmex
	case p4 >= 3528 && p4 <= 3589:
		return BrandJCB
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39, p4 == 3095:
		return BrandDiners
	}
	return BrandUnknown
}
