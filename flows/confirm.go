package flows

import (
	"errors"
	"strings"

	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// DefaultConfirmAbove is the total above which a sale is checked with the
// customer before it starts, unless the clerk set another: ¥1,000,000 (in
// minor units of the sale's currency), so a slipped key does not charge
// ¥99,999,999,999. The console asks again; the pay command asks on a
// terminal and refuses in a script.
const DefaultConfirmAbove int64 = 1_000_000

// NeedsConfirm reports whether a sale of total is above the limit a
// --confirm-above setting gives (0: DefaultConfirmAbove; negative: never
// ask), and the limit.
func NeedsConfirm(total, setting int64) (limit int64, ask bool) {
	switch {
	case setting < 0:
		return -1, false
	case setting == 0:
		setting = DefaultConfirmAbove
	}
	return setting, total > setting
}

// ParseConfirmAbove reads --confirm-above: an amount in currency greater
// than 0, "off" (never ask: -1), or "" (the default: 0).
func ParseConfirmAbove(s, currency string) (int64, error) {
	switch v := strings.TrimSpace(s); strings.ToLower(v) {
	case "":
		return 0, nil
	case "off":
		return -1, nil
	default:
		n, err := komoju.ParseAmount(v, currency)
		if err == nil && n > 0 {
			return n, nil
		}
		var ae *komoju.AmountError
		if errors.As(err, &ae) && ae.Problem != komoju.AmountZero && ae.Problem != komoju.AmountNotANumber {
			return 0, Problem{Text: amountProblem(ae)}
		}
		return 0, Problem{Text: words.T("val_confirm_above_q_s", v, currency)}
	}
}

// ConfirmRefusal is what a sale above the limit says where nobody can be
// asked (a script): what to check and how to charge it anyway.
func ConfirmRefusal(total, limit int64, currency string) Problem {
	return Problem{Text: words.T("val_confirm_above_refused_s_s", komoju.FormatAmount(total, currency), komoju.FormatAmount(limit, currency))}
}
