package sandbox

import (
	"strings"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// cardInfo is what the sandbox keeps of a card: never the number or CVC.
type cardInfo struct {
	brand   string
	last4   string
	month   int
	year    int
	name    string
	decline string  // error code the card always answers with, or ""
	tds     tdsKind // 3DS behaviour through a session
}

// declineCards is KOMOJU's test card table (§8.1): cards that are declined
// with a fixed error code.
var declineCards = map[string]string{
	"4123111111111000": komoju.CodeInsufficientFunds,
	"4123111111111018": komoju.CodeExceedsLimit,
	"4123111111111034": komoju.CodeBadVerificationVal,
	"4123111111111042": komoju.CodeCardExpired,
	"4123111111111059": komoju.CodeCardDeclined,
	// KOMOJU's English test-card page lists 4123111111111067 as the invalid
	// card, the Japanese page 4123111111111075. The pages disagree, so both
	// answer invalid_number.
	"4123111111111067": komoju.CodeInvalidNumber,
	"4123111111111075": komoju.CodeInvalidNumber,
}

// threeDSCards are KOMOJU's 3DS test cards. The frictionless cards
// (4100000000000100, 5100000000000107, 3528000000000106) are absent: they
// succeed at once, like any other valid card.
var threeDSCards = map[string]tdsKind{
	"4100000000005000": tdsChallenge,
	"5100000000005007": tdsChallenge,
	"3528000000005006": tdsChallenge,
	"4100000000300005": tdsChallengeFail,
	"5100000000300002": tdsChallengeFail,
	"3528000000300001": tdsChallengeFail,
	"4100000000500000": tdsAuthFail,
	"5100000000500007": tdsAuthFail,
	"3528000000500006": tdsAuthFail,
}

// parseCard validates credit_card payment_details. Malformed input (not
// digits, failing Luhn, bad month, past expiry, malformed CVC) is a 422
// invalid_parameter that changes nothing; a declined test card is not an
// input error and is reported through cardInfo.decline.
func parseCard(d obj, now time.Time) (cardInfo, *apiError) {
	const prefix = "payment_details"
	var c cardInfo
	number, err := d.reqStr("number", prefix+"[number]", 64)
	if err != nil {
		return c, err
	}
	if strings.ContainsAny(number, " -") { // people type card numbers in groups
		number = strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' {
				return -1
			}
			return r
		}, number)
	}
	for i := 0; i < len(number); i++ {
		if number[i] < '0' || number[i] > '9' {
			return c, errInvalid(prefix+"[number]", "a card number has digits only")
		}
	}
	if len(number) < 12 || len(number) > 19 {
		return c, errInvalid(prefix+"[number]", "a card number has 12 to 19 digits")
	}
	month, ok, err := d.int("month", prefix+"[month]")
	if err != nil {
		return c, err
	}
	if !ok {
		return c, errMissing(prefix + "[month]")
	}
	if month < 1 || month > 12 {
		return c, errInvalid(prefix+"[month]", "the expiry month must be 1 to 12")
	}
	year, ok, err := d.int("year", prefix+"[year]")
	if err != nil {
		return c, err
	}
	if !ok {
		return c, errMissing(prefix + "[year]")
	}
	if year >= 0 && year < 100 {
		year += 2000
	}
	if year < 2000 || year > 2200 {
		return c, errInvalid(prefix+"[year]", "the expiry year must be two or four digits")
	}
	// A card is valid through the last day of its expiry month.
	if !time.Date(int(year), time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC).After(now) {
		return c, errInvalid(prefix+"[year]", "the card expired at the end of %02d/%d", month, year)
	}
	cvc, hasCVC, err := d.str("verification_value", prefix+"[verification_value]", 8)
	if err != nil {
		return c, err
	}
	brand := komoju.CardBrand(number)
	if hasCVC && cvc != "" {
		want := "3"
		okLen := len(cvc) == 3
		if brand == "american_express" {
			want, okLen = "4", len(cvc) == 4
		}
		for i := 0; i < len(cvc); i++ {
			if cvc[i] < '0' || cvc[i] > '9' {
				okLen = false
			}
		}
		if !okLen {
			return c, errInvalid(prefix+"[verification_value]", "the security code has %s digits for this card", want)
		}
	}
	name, _, err := d.str("name", prefix+"[name]", 200)
	if err != nil {
		return c, err
	}
	c = cardInfo{brand: brand, last4: number[len(number)-4:], month: int(month), year: int(year), name: name}
	if code, ok := declineCards[number]; ok {
		c.decline = code // checked before Luhn: the table is authoritative
		return c, nil
	}
	if !komoju.Luhn(number) {
		return c, errInvalid(prefix+"[number]", "the card number is not valid (checksum)")
	}
	c.tds = threeDSCards[number]
	return c, nil
}

func (c cardInfo) details(email string) komoju.CreditCardDetails {
	return komoju.CreditCardDetails{
		Email:          email,
		Brand:          c.brand,
		LastFourDigits: c.last4,
		Month:          komoju.FlexInt(c.month),
		Year:           komoju.FlexInt(c.year),
		Name:           c.name,
	}
}
