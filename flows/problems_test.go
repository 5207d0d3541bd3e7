package flows

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// hasJapanese reports a kana or kanji in s.
func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// Every check of a clerk's input says what is wrong in Japanese too, and
// its English (Error, what the headless commands and --json print) is
// the sentence it always was.
func TestProblemsInEveryLanguage(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	checks := map[string]error{
		"card luhn":       ValidateCardNumber("4111111111111112"),
		"card letters":    ValidateCardNumber("41x1"),
		"card short":      ValidateCardNumber("41111"),
		"card visa len":   ValidateCardNumber("4111 1111 1111 11"),
		"expiry month":    ValidateExpiry("13/30", now),
		"expiry format":   ValidateExpiry("1x", now),
		"expired":         ValidateExpiry("01/20", now),
		"expiry far":      ValidateExpiry("01/60", now),
		"cvc letters":     ValidateCVC("1a", ""),
		"cvc 3 or 4":      ValidateCVC("12", ""),
		"cvc brand":       ValidateCVC("12", "4111111111111111"),
		"name empty":      ValidateName(""),
		"name long":       ValidateName(strings.Repeat("a", 101)),
		"name control":    ValidateName("a\x07b"),
		"email":           ValidateEmail("x@"),
		"phone chars":     ValidatePhone("12a"),
		"phone short":     ValidatePhone("123"),
		"phone long":      ValidatePhone("1234567890123456"),
		"kana":            ValidateKana("Yamada"),
		"store empty":     ValidateStore(""),
		"store unknown":   ValidateStore("nope"),
		"order empty":     ValidateOrderNum(""),
		"order chars":     ValidateOrderNum("a b"),
		"refund request":  ValidateRefundRequest(komoju.RefundRequestParams{Amount: 1, CustomerName: "ア", BankName: "x", BranchNumber: "1", AccountType: "ordinary", AccountNumber: "0000000"}),
		"checkout amount": Checkout{Amount: 0, Currency: "JPY"}.Validate(),
		"method limit":    limitErrors(komoju.TypeKonbini, Checkout{Amount: 300_001, Currency: "JPY"}),
	}
	for _, in := range []struct{ amount, currency string }{{"abc", "JPY"}, {"", "JPY"}, {"-1", "JPY"}, {"1.5", "JPY"}, {"1.234", "USD"},
		{"99999999999999999", "JPY"}, {"0", "JPY"}, {"1,00", "JPY"}, {"1", "XXX"}} {
		_, err := komoju.ParseAmount(in.amount, in.currency)
		checks["amount "+in.amount+" "+in.currency] = err
	}
	for name, err := range checks {
		if err == nil {
			t.Errorf("%s: no problem found", name)
			continue
		}
		var fe FieldErrors
		if errors.As(err, &fe) {
			for _, e := range fe {
				if e.In("en") != e.Message || !hasJapanese(e.In("ja")) || strings.Contains(e.In("ja"), "%!") {
					t.Errorf("%s: %s: English %q (message %q), Japanese %q", name, e.Field, e.In("en"), e.Message, e.In("ja"))
				}
			}
			continue
		}
		if en := ProblemIn(err, "en"); en != err.Error() {
			t.Errorf("%s: English %q, Error %q", name, en, err.Error())
		}
		if ja := ProblemIn(err, "ja"); !hasJapanese(ja) || strings.Contains(ja, "%!") {
			t.Errorf("%s: Japanese %q", name, ja)
		}
	}
}

// The limit refused before anything is sent reads, in English, as KOMOJU
// words the same refusal.
func TestMethodLimitIsKOMOJUsWords(t *testing.T) {
	for _, typ := range []komoju.PaymentType{komoju.TypeKonbini, komoju.TypePayEasy} {
		max, ok := komoju.MethodLimit(typ, "JPY")
		if !ok {
			t.Fatalf("%s has no limit", typ)
		}
		fe := limitErrors(typ, Checkout{Amount: max + 1, Currency: "JPY"})
		if len(fe) != 1 || fe[0].Message != komoju.MethodLimitMessage(typ, "JPY", max) {
			t.Errorf("%s: %+v, KOMOJU says %q", typ, fe, komoju.MethodLimitMessage(typ, "JPY", max))
		}
	}
}

// An outcome refused for its inputs says so in the clerk's language: the
// Japanese sentence was "支払われていません: Please fix: amount: …". Its
// English Message (JSON, logs) is unchanged.
func TestRefusedInputOutcomeInJapanese(t *testing.T) {
	fe := limitErrors(komoju.TypeKonbini, Checkout{Amount: 300_001, Currency: "JPY"})
	o := OutcomeFromError(fe, FlowSession)
	want := "Please fix: amount: The value of amount is invalid: konbini payments accept at most ¥300,000 (amount + tax + fees). Nothing was sent to KOMOJU."
	if o.Message != want || o.Say("en") != want {
		t.Errorf("English %q / %q, want %q", o.Message, o.Say("en"), want)
	}
	ja := o.Say("ja")
	if !strings.Contains(ja, "入力を確認してください: amount: 金額が正しくありません") || !strings.Contains(ja, "KOMOJUには何も送信していません") || strings.Contains(ja, "Please fix") {
		t.Errorf("Japanese %q", ja)
	}
	rr, _ := (&Engine{}).RefundRequest(t.Context(), "pay_x", komoju.RefundRequestParams{Amount: 1, CustomerName: "Yamada", BankName: "x", BranchNumber: "001", AccountType: "ordinary", AccountNumber: "1234567"})
	if got := rr.Say("ja"); !strings.Contains(got, "カタカナまたはひらがなで入力してください") || strings.Contains(got, "katakana") {
		t.Errorf("refund request refused in Japanese: %q (English %q)", got, rr.Message)
	}
}
