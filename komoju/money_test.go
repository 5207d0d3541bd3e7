package komoju

import (
	"math"
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		errHas  string // "" means success
	}{
		{"10.5", "USD", 1050, ""},
		{"10.50", "USD", 1050, ""},
		{"$10.50", "USD", 1050, ""},
		{"0.05", "USD", 5, ""},
		{".5", "USD", 50, ""},
		{"5.", "USD", 500, ""},
		{"1,234.56", "usd", 123456, ""},
		{" 7 ", "EUR", 700, ""},
		{"1,000", "JPY", 1000, ""},
		{"¥1,000", "JPY", 1000, ""},
		{"￥1,000", "JPY", 1000, ""},
		{"1000円", "JPY", 1000, ""},
		{"1000.00", "JPY", 1000, ""},
		{"1,000,000", "KRW", 1000000, ""},
		{"CHF 12.30", "CHF", 1230, ""},
		{"+3", "VND", 3, ""},
		{"10000000000000", "USD", MaxAmount, ""},
		{"-5", "USD", 0, "negative"},
		{"-$5", "USD", 0, "negative"},
		{"$-5", "USD", 0, "negative"},
		{"0", "JPY", 0, "greater than zero"},
		{"0.00", "USD", 0, "greater than zero"},
		{"10.555", "USD", 0, "more than 2 decimal places"},
		{"1.5", "JPY", 0, "no minor unit"},
		{"1,00", "JPY", 0, "thousands separators"},
		{",100", "JPY", 0, "thousands separators"},
		{"1000,000", "JPY", 0, "thousands separators"},
		{"abc", "JPY", 0, "not a number"},
		{"1e3", "USD", 0, "not a number"},
		{"1.2.3", "USD", 0, "not a number"},
		{".", "JPY", 0, "not a number"},
		{"$", "USD", 0, "not a number"},
		{"$10", "JPY", 0, "not a number"},
		{"", "JPY", 0, "empty"},
		{"   ", "JPY", 0, "empty"},
		{"99999999999999999999", "JPY", 0, "too large"},
		{"10000000000001", "USD", 0, "too large"},
		{"1000000000000001", "JPY", 0, "too large"},
		{"10", "XXX", 0, "unknown currency"},
	}
	for _, tc := range tests {
		got, err := ParseAmount(tc.in, tc.cur)
		if tc.errHas == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tc.in, tc.cur, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want an error mentioning %q", tc.in, tc.cur, got, err, tc.errHas)
		}
		if err != nil && tc.in != "" && strings.TrimSpace(tc.in) != "" && tc.errHas != "unknown currency" && !strings.Contains(err.Error(), tc.in) {
			t.Errorf("ParseAmount(%q) error %q does not quote the input", tc.in, err)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		amount int64
		cur    string
		want   string
	}{
		{1000, "JPY", "¥1,000"},
		{1, "JPY", "¥1"},
		{1234567, "KRW", "₩1,234,567"},
		{1050, "USD", "$10.50"},
		{5, "USD", "$0.05"},
		{0, "USD", "$0.00"},
		{100000000, "EUR", "€1,000,000.00"},
		{-1050, "USD", "-$10.50"},
		{-1000, "JPY", "-¥1,000"},
		{1230, "CHF", "CHF 12.30"},
		{math.MinInt64, "JPY", "-¥9,223,372,036,854,775,808"},
		{42, "XYZ", "42 XYZ"},
		{42, "jpy", "¥42"},
	}
	for _, tc := range tests {
		if got := FormatAmount(tc.amount, tc.cur); got != tc.want {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", tc.amount, tc.cur, got, tc.want)
		}
	}
	usd, _ := LookupCurrency("USD")
	if got := usd.FormatPlain(123456); got != "1234.56" {
		t.Errorf("FormatPlain = %q", got)
	}
	if got := usd.FormatPlain(-5); got != "-0.05" {
		t.Errorf("FormatPlain(-5) = %q", got)
	}
}

func TestCurrencyTable(t *testing.T) {
	if len(CurrencyCodes) != 20 {
		t.Fatalf("%d currencies, KOMOJU supports 20", len(CurrencyCodes))
	}
	for _, code := range CurrencyCodes {
		c, ok := LookupCurrency(code)
		if !ok || c.Code != code || c.Symbol == "" {
			t.Errorf("currency %s = %+v, %v", code, c, ok)
		}
		wantDec := 2
		if code == "JPY" || code == "KRW" || code == "VND" {
			wantDec = 0
		}
		if c.Decimals != wantDec {
			t.Errorf("%s has %d decimals, want %d", code, c.Decimals, wantDec)
		}
		// Every currency's own formatting parses back.
		for _, a := range []int64{1, 99, 100, 123456789, MaxAmount} {
			if got, err := ParseAmount(c.Format(a), code); err != nil || got != a {
				t.Errorf("%s: ParseAmount(Format(%d)=%q) = %d, %v", code, a, c.Format(a), got, err)
			}
			if got, err := ParseAmount(c.FormatPlain(a), code); err != nil || got != a {
				t.Errorf("%s: ParseAmount(FormatPlain(%d)) = %d, %v", code, a, got, err)
			}
		}
	}
}
