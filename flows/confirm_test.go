package flows

import (
	"strings"
	"testing"
)

func TestConfirmAbove(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		err     string
	}{
		{"", "JPY", 0, ""}, {"off", "JPY", -1, ""}, {" OFF ", "JPY", -1, ""}, {"500000", "JPY", 500000, ""},
		{"10.50", "USD", 1050, ""}, {"0", "JPY", 0, `"0" is not an amount in JPY greater than 0, nor off`},
		{"lots", "JPY", 0, `"lots" is not an amount in JPY greater than 0`}, {"10.5", "JPY", 0, "JPY"},
		{"-5", "JPY", 0, "-5"},
	} {
		got, err := ParseConfirmAbove(c.in, c.cur)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("ParseConfirmAbove(%q, %s) = %d, %v; want %d, %q", c.in, c.cur, got, err, c.want, c.err)
		}
	}
	for _, c := range []struct {
		total, setting, limit int64
		ask                   bool
	}{
		{1_000_000, 0, DefaultConfirmAbove, false}, {1_000_001, 0, DefaultConfirmAbove, true},
		{99_999_999_999, -1, -1, false}, {600, 500, 500, true}, {500, 500, 500, false},
	} {
		if limit, ask := NeedsConfirm(c.total, c.setting); limit != c.limit || ask != c.ask {
			t.Errorf("NeedsConfirm(%d, %d) = %d, %v", c.total, c.setting, limit, ask)
		}
	}
	if p := ConfirmRefusal(2_000_000, 1_000_000, "JPY"); !strings.Contains(ProblemIn(p, "ja"), "¥2,000,000 は ¥1,000,000 を超えています") {
		t.Errorf("refusal in ja: %s", ProblemIn(p, "ja"))
	}
}
