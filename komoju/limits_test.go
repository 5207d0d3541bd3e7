package komoju

import (
	"errors"
	"testing"
)

func TestMethodLimit(t *testing.T) {
	for _, tc := range []struct {
		typ      PaymentType
		currency string
		max      int64
		ok       bool
	}{
		{TypeKonbini, "JPY", 300_000, true},
		{TypePayEasy, "JPY", 999_999, true},
		{TypeCreditCard, "JPY", 0, false},
		{TypePayPay, "JPY", 0, false},
		{TypeKonbini, "USD", 0, false}, // konbini takes JPY only; no JPY cap applies elsewhere
	} {
		max, ok := MethodLimit(tc.typ, tc.currency)
		if max != tc.max || ok != tc.ok {
			t.Errorf("MethodLimit(%s, %s) = %d, %v; want %d, %v", tc.typ, tc.currency, max, ok, tc.max, tc.ok)
		}
	}
}

// TestCheckMethodLimit: a ¥300,001 konbini sale is refused before any call,
// with the error a clerk would get from KOMOJU (invalid amount, not retryable).
func TestCheckMethodLimit(t *testing.T) {
	if err := CheckMethodLimit(TypeKonbini, "JPY", 300_000); err != nil {
		t.Fatalf("¥300,000 refused: %v", err)
	}
	err := CheckMethodLimit(TypeKonbini, "JPY", 300_001)
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 422 || e.Code != CodeInvalidParameter || e.Param != "amount" || !IsInvalidInput(err) || IsRetryable(err) {
		t.Fatalf("CheckMethodLimit(konbini, 300001) = %#v", err)
	}
	if want := "konbini payments accept at most ¥300,000"; !contains(e.Message, want) {
		t.Errorf("message %q lacks %q", e.Message, want)
	}
	if err := CheckMethodLimit(TypeCreditCard, "JPY", MaxAmount); err != nil {
		t.Errorf("a card has no method limit: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
