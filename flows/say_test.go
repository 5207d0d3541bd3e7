package flows

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Every result sentence has its Japanese from the one table, with the same
// facts (amount, method, refunds, store, deadline), and English stays what
// Message carried before the table (JSON output depends on it).
func TestSayEveryOutcomeInBothLanguages(t *testing.T) {
	card := &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: &komoju.CreditCardDetails{Brand: BrandVisa, LastFourDigits: "1111"}}
	deadline := time.Date(2026, 11, 27, 14, 59, 0, 0, time.UTC)
	konbini := &komoju.PaymentDetails{Type: komoju.TypeKonbini, Konbini: &komoju.KonbiniDetails{Store: komoju.StoreLawson}}
	pay := func(st komoju.PaymentStatus, d *komoju.PaymentDetails, refunded int64) *komoju.Payment {
		return &komoju.Payment{ID: "p1", Status: st, Currency: "JPY", Amount: 3000, Total: 3000, AmountRefunded: refunded, PaymentDetails: d, PaymentDeadline: &deadline}
	}
	cases := []struct {
		name   string
		o      Outcome
		en, ja []string
	}{
		{"paid, part refunded", paymentOutcome(pay(komoju.PaymentCaptured, card, 1000), OutcomePaid),
			[]string{"Paid ¥3,000 by Visa •••• 1111. ¥1,000 has been refunded; ¥2,000 can still be refunded."},
			[]string{"¥3,000", "Visa •••• 1111", "¥1,000 を返金済み", "¥2,000 を返金できます"}},
		{"konbini waiting", paymentOutcome(pay(komoju.PaymentAuthorized, konbini, 0), OutcomeAwaiting),
			[]string{"Waiting for the customer to pay ¥3,000 at Lawson by 2026-11-27 23:59 JST. Give them the payment instructions."},
			[]string{"ローソンで", "2026-11-27 23:59 (JST) までに", "¥3,000"}},
		{"authorized", paymentOutcome(pay(komoju.PaymentAuthorized, card, 0), OutcomeAuthorized),
			[]string{"Authorized ¥3,000 by Visa •••• 1111 (Two-Step Capture)."}, []string{"¥3,000 を仮売上", "Visa •••• 1111"}},
		{"refunded", paymentOutcome(pay(komoju.PaymentRefunded, card, 3000), OutcomeRefunded),
			[]string{"Refunded in full (¥3,000)."}, []string{"全額返金済み", "¥3,000"}},
		{"cancelled", paymentOutcome(pay(komoju.PaymentCancelled, card, 0), OutcomeCancelled),
			[]string{"Cancelled: ¥3,000 was not charged."}, []string{"キャンセル", "¥3,000"}},
		{"expired", paymentOutcome(pay(komoju.PaymentExpired, konbini, 0), OutcomeExpired),
			[]string{"Expired: ¥3,000 was not paid in time."}, []string{"期限", "¥3,000"}},
		{"failed", paymentOutcome(pay(komoju.PaymentFailed, card, 0), OutcomeFailed),
			[]string{"Failed: ¥3,000 by Visa •••• 1111 was not charged."}, []string{"失敗", "¥3,000", "Visa •••• 1111"}},
		{"declined", Outcome{Kind: OutcomeError, Message: "Declined: the card has insufficient funds.", CanRetry: true,
			Err: &komoju.Error{Code: komoju.CodeInsufficientFunds, Message: "The card has insufficient funds."}},
			nil, []string{"支払われていません", "残高が不足", "同じ取引で"}},
		{"unknown", Outcome{Kind: OutcomeUnknown, Message: "The answer was lost."}, nil, []string{"分かりません"}},
		{"3-D Secure", Outcome{Kind: OutcomeRedirect, Message: Msg3DSAuthenticate}, nil, []string{"3-Dセキュア"}},
		{"scanned code", Outcome{Kind: OutcomeFailed, Message: MsgScanLowBalance}, nil, []string{"残高が不足"}},
	}
	english := regexp.MustCompile(`\b(?:the|was|has|and|charged|customer|by|with)\b`)
	for _, c := range cases {
		if got := c.o.Say("en"); got != c.o.Message {
			t.Errorf("%s: Say(en) %q is not Message %q", c.name, got, c.o.Message)
		}
		for _, w := range c.en {
			if !strings.Contains(c.o.Message, w) {
				t.Errorf("%s: English %q lacks %q", c.name, c.o.Message, w)
			}
		}
		ja := c.o.Say("ja")
		for _, w := range c.ja {
			if !strings.Contains(ja, w) {
				t.Errorf("%s: Japanese %q lacks %q", c.name, ja, w)
			}
		}
		if english.MatchString(ja) {
			t.Errorf("%s: English left in %q", c.name, ja)
		}
	}
}
