package komoju

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Currency describes one of KOMOJU's currencies: how many minor units make a
// major unit and how amounts are written.
type Currency struct {
	Code     string
	Decimals int    // digits after the decimal point; 0 for JPY, KRW, VND
	Symbol   string // prefix used when formatting
}

// currencies is KOMOJU's supported currency enum. Decimal places follow the
// official WooCommerce plugin's zero-decimal list (JPY, KRW, VND); KOMOJU's
// own exponent table is not published, so IDR and TWD take 2 as there.
var currencies = map[string]Currency{
	"JPY": {"JPY", 0, "¥"},
	"USD": {"USD", 2, "$"},
	"EUR": {"EUR", 2, "€"},
	"TWD": {"TWD", 2, "NT$"},
	"KRW": {"KRW", 0, "₩"},
	"PLN": {"PLN", 2, "zł"},
	"GBP": {"GBP", 2, "£"},
	"HKD": {"HKD", 2, "HK$"},
	"SGD": {"SGD", 2, "S$"},
	"NZD": {"NZD", 2, "NZ$"},
	"AUD": {"AUD", 2, "A$"},
	"IDR": {"IDR", 2, "Rp"},
	"MYR": {"MYR", 2, "RM"},
	"PHP": {"PHP", 2, "₱"},
	"THB": {"THB", 2, "฿"},
	"CNY": {"CNY", 2, "CN¥"},
	"BRL": {"BRL", 2, "R$"},
	"CHF": {"CHF", 2, "CHF "},
	"CAD": {"CAD", 2, "CA$"},
	"VND": {"VND", 0, "₫"},
}

// CurrencyCodes lists the supported currency codes in KOMOJU's order.
var CurrencyCodes = []string{"JPY", "USD", "EUR", "TWD", "KRW", "PLN", "GBP", "HKD", "SGD", "NZD", "AUD", "IDR", "MYR", "PHP", "THB", "CNY", "BRL", "CHF", "CAD", "VND"}

// LookupCurrency returns the currency for an ISO code (case-insensitive).
func LookupCurrency(code string) (Currency, bool) {
	c, ok := currencies[strings.ToUpper(strings.TrimSpace(code))]
	return c, ok
}

// FormatAmount writes minor units for display: FormatAmount(1000, "JPY") is
// "¥1,000", FormatAmount(1050, "USD") is "$10.50". Unknown currencies are
// written as the bare number followed by the code.
func FormatAmount(amount int64, currency string) string {
	c, ok := LookupCurrency(currency)
	if !ok {
		return strconv.FormatInt(amount, 10) + " " + currency
	}
	return c.Format(amount)
}

// Format writes minor units in this currency, with thousands separators.
func (c Currency) Format(amount int64) string {
	neg := amount < 0
	var u uint64
	if neg {
		u = uint64(-(amount + 1)) + 1 // safe for math.MinInt64
	} else {
		u = uint64(amount)
	}
	digits := strconv.FormatUint(u, 10)
	var frac string
	if c.Decimals > 0 {
		for len(digits) <= c.Decimals {
			digits = "0" + digits
		}
		frac = "." + digits[len(digits)-c.Decimals:]
		digits = digits[:len(digits)-c.Decimals]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(c.Symbol)
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	b.WriteString(frac)
	return b.String()
}

// FormatPlain writes minor units without symbol or separators, as a clerk
// would type them back ("10.50", "1000").
func (c Currency) FormatPlain(amount int64) string {
	s := c.Format(amount)
	s = strings.TrimPrefix(s, "-")
	s = strings.TrimPrefix(s, c.Symbol)
	s = strings.ReplaceAll(s, ",", "")
	if amount < 0 {
		s = "-" + s
	}
	return s
}

// AmountProblem names what is wrong with an amount ParseAmount refused.
type AmountProblem string

// What ParseAmount refuses.
const (
	AmountUnknownCurrency AmountProblem = "unknown_currency"
	AmountEmpty           AmountProblem = "empty"
	AmountNegative        AmountProblem = "negative"
	AmountNotANumber      AmountProblem = "not_a_number"
	AmountNoMinorUnit     AmountProblem = "no_minor_unit"
	AmountTooManyDecimals AmountProblem = "too_many_decimals"
	AmountTooLarge        AmountProblem = "too_large"
	AmountZero            AmountProblem = "zero"
	AmountGrouping        AmountProblem = "grouping"
)

// AmountError is ParseAmount's refusal: Error says it in English; the
// fields let a caller say it in the clerk's language.
type AmountError struct {
	Problem  AmountProblem
	Input    string // what was typed
	Currency string // the currency code (the unknown one for AmountUnknownCurrency)
	Decimals int    // the currency's decimal places (AmountTooManyDecimals)
	Max      string // the largest amount, formatted (AmountTooLarge)
}

func (e *AmountError) Error() string {
	switch e.Problem {
	case AmountUnknownCurrency:
		return fmt.Sprintf("unknown currency %q", e.Currency)
	case AmountEmpty:
		return "amount is empty"
	case AmountNegative:
		return fmt.Sprintf("amount %q is negative", e.Input)
	case AmountNoMinorUnit:
		return fmt.Sprintf("amount %q has decimals, but %s has no minor unit", e.Input, e.Currency)
	case AmountTooManyDecimals:
		return fmt.Sprintf("amount %q has more than %d decimal places for %s", e.Input, e.Decimals, e.Currency)
	case AmountTooLarge:
		return fmt.Sprintf("amount %q is too large (max %s)", e.Input, e.Max)
	case AmountZero:
		return fmt.Sprintf("amount %q must be greater than zero", e.Input)
	case AmountGrouping:
		return fmt.Sprintf("amount %q has misplaced thousands separators", e.Input)
	}
	return fmt.Sprintf("amount %q is not a number", e.Input)
}

// MaxAmount is the largest amount ParseAmount accepts, in minor units. It
// keeps amount+tax+fee far from int64 overflow.
const MaxAmount int64 = 1e15

// ParseAmount turns clerk input into minor units: "10.5" USD is 1050,
// "1,000" JPY is 1000. It accepts an optional currency symbol and thousands
// separators, and rejects negative, zero, too many decimals, overflow and
// anything that is not a number, with a message that says which.
func ParseAmount(input, currency string) (int64, error) {
	c, ok := LookupCurrency(currency)
	if !ok {
		return 0, &AmountError{Problem: AmountUnknownCurrency, Currency: currency}
	}
	s := strings.TrimSpace(input)
	if s == "" {
		return 0, &AmountError{Problem: AmountEmpty}
	}
	s = strings.TrimPrefix(s, "+")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, c.Symbol)
	s = strings.TrimPrefix(s, strings.TrimSpace(c.Symbol))
	if c.Code == "JPY" {
		// Japanese keyboards type the full-width yen sign; 円 is the suffix
		// form of the same thing.
		s = strings.TrimPrefix(s, "￥")
		s = strings.TrimSuffix(s, "円")
	}
	s = strings.TrimSpace(s)
	if neg || strings.HasPrefix(s, "-") {
		return 0, &AmountError{Problem: AmountNegative, Input: input}
	}
	intPart, fracPart, hasDot := strings.Cut(s, ".")
	if intPart == "" && fracPart == "" {
		return 0, &AmountError{Problem: AmountNotANumber, Input: input}
	}
	for _, r := range fracPart {
		if r < '0' || r > '9' {
			return 0, &AmountError{Problem: AmountNotANumber, Input: input}
		}
	}
	if hasDot && c.Decimals == 0 {
		if strings.Trim(fracPart, "0") != "" {
			return 0, &AmountError{Problem: AmountNoMinorUnit, Input: input, Currency: c.Code}
		}
		fracPart = ""
	}
	if len(fracPart) > c.Decimals {
		return 0, &AmountError{Problem: AmountTooManyDecimals, Input: input, Currency: c.Code, Decimals: c.Decimals}
	}
	intPart, err := stripGrouping(intPart, input)
	if err != nil {
		return 0, err
	}
	if intPart == "" {
		intPart = "0"
	}
	fracPart += strings.Repeat("0", c.Decimals-len(fracPart))
	whole, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return 0, &AmountError{Problem: AmountTooLarge, Input: input, Max: c.Format(MaxAmount)}
	}
	scale := int64(math.Pow10(c.Decimals))
	if whole > MaxAmount/scale {
		return 0, &AmountError{Problem: AmountTooLarge, Input: input, Max: c.Format(MaxAmount)}
	}
	var minor int64
	if fracPart != "" {
		minor, _ = strconv.ParseInt(fracPart, 10, 64)
	}
	total := whole*scale + minor
	if total > MaxAmount {
		return 0, &AmountError{Problem: AmountTooLarge, Input: input, Max: c.Format(MaxAmount)}
	}
	if total == 0 {
		return 0, &AmountError{Problem: AmountZero, Input: input}
	}
	return total, nil
}

// stripGrouping removes thousands separators, accepting them only in groups
// of three so that "1,00" is rejected rather than read as 100.
func stripGrouping(s, input string) (string, error) {
	if s == "" {
		return "", nil
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != ',' {
			return "", &AmountError{Problem: AmountNotANumber, Input: input}
		}
	}
	if !strings.Contains(s, ",") {
		return s, nil
	}
	groups := strings.Split(s, ",")
	if groups[0] == "" || len(groups[0]) > 3 {
		return "", &AmountError{Problem: AmountGrouping, Input: input}
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", &AmountError{Problem: AmountGrouping, Input: input}
		}
	}
	return strings.Join(groups, ""), nil
}
