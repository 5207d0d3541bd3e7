package proof

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// FuzzClerkInput throws arbitrary clerk input at the checkout and every
// method's detail validation (the fuzz targets beside the code cover card
// numbers, amounts, webhooks, return URLs and the sandbox's decoding):
// nothing panics, every problem names its field in plain words, and
// nothing that failed validation is reported as valid after trimming.
//
//	go test -run '^$' -fuzz FuzzClerkInput -fuzztime 60s ./flows/proof/
func FuzzClerkInput(f *testing.F) {
	f.Add(int64(1000), int64(0), "JPY", "POS-20261124-0001", "a@example.com", "TARO", uint8(0), "4111111111111111", "12/30", "123", "lawson", "0312345678", "ヤマダ")
	f.Add(int64(-1), int64(-5), "ZZZ", strings.Repeat("x", 300), "not-an-email", "", uint8(1), "", "13/99", "12", "circle-k", "+81 3-1234", "yamada")
	f.Add(int64(1<<62), int64(1<<62), "usd", "4111111111111111", "\xff\xfe", "\x00", uint8(2), "4111 1111 1111 1111", "0/0", "12345", "", "", "")
	f.Add(int64(10), int64(0), "", " ", "a@b", "🙂", uint8(3), "378282246310005", "1/2030", "1234", "seven-eleven", "090", "ｶﾀｶﾅ")
	methods := flows.Catalogue()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, amount, tax int64, currency, order, email, name string, which uint8,
		card, exp, cvc, store, phone, kana string) {
		co := flows.Checkout{Amount: amount, Tax: tax, Currency: currency, OrderNum: order, Email: email, Name: name, Description: name}
		checkFieldErrors(t, "Checkout.Validate", co.Validate())
		m := methods[int(which)%len(methods)]
		d := flows.Details{CardNumber: card, CardExpiry: exp, CardCVC: cvc, CardName: name, Store: store, Email: email, Phone: phone,
			GivenName: name, FamilyName: name, GivenNameKana: kana, FamilyNameKana: kana}
		fe := flows.ValidateDetails(m.Type, d, now)
		var err error
		if len(fe) > 0 {
			err = fe
		}
		checkFieldErrors(t, "ValidateDetails("+string(m.Type)+")", err)
		if m.Type == komoju.TypeCreditCard && len(fe) == 0 {
			// Accepted card input is a real card number and a 3–4 digit CVC.
			if !flows.Luhn(flows.NormalizeCardNumber(card)) {
				t.Fatalf("card %q accepted but fails Luhn", flows.MaskCardNumber(card))
			}
		}
	})
}

// checkFieldErrors: err is nil or FieldErrors whose every entry names a
// field and says what is wrong in valid UTF-8 without echoing a card.
func checkFieldErrors(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var fe flows.FieldErrors
	if !errors.As(err, &fe) || len(fe) == 0 {
		t.Fatalf("%s: error %q is not a FieldErrors list", what, err)
	}
	for _, e := range fe {
		if strings.TrimSpace(e.Field) == "" || strings.TrimSpace(e.Message) == "" {
			t.Fatalf("%s: field error without a field or message: %+v", what, e)
		}
		if !utf8.ValidString(e.Message) {
			t.Fatalf("%s: message is not valid UTF-8: %q", what, e.Message)
		}
	}
}
