package termtext

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWidthCountsCellsNotRunes(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"captured", 8},
		{"¥1,099", 6},
		{"売上確定", 8},
		{"クレジットカード visa •••• 1111", 31},
		{"e\u0301", 1}, // e + combining acute
		{"ｱｲ", 2},      // half-width katakana
	} {
		if got := Width(c.s); got != c.want {
			t.Errorf("Width(%q) = %d, want %d", c.s, got, c.want)
		}
		if got, ref := Width(c.s), ansi.StringWidth(c.s); got != ref {
			t.Errorf("Width(%q) = %d, ansi.StringWidth says %d", c.s, got, ref)
		}
	}
}

func TestPad(t *testing.T) {
	if got := Pad("返金", 6); got != "返金  " {
		t.Errorf("Pad = %q", got)
	}
	if got := Pad("captured", 4); got != "captured" {
		t.Errorf("Pad of a wider cell = %q", got)
	}
	if got := PadLeft("件数", 6); got != "  件数" {
		t.Errorf("PadLeft = %q", got)
	}
	if got := PadLeft("1000", 2); got != "1000" {
		t.Errorf("PadLeft of a wider cell = %q", got)
	}
}

// A column lines up on screen: every row's second cell starts at the
// same cell whatever mix of Japanese and ASCII comes before it.
func TestColumnsAlignByScreenWidth(t *testing.T) {
	out := Columns([][]string{
		{"クレジットカード", "800", "¥446,350"},
		{"konbini", "200", "¥120,300"},
		{"コンビニ決済", "5", "¥0"},
	})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines: %q", out)
	}
	starts := map[int]bool{}
	for _, l := range lines {
		fields := strings.Fields(l)
		i := strings.Index(l, " "+fields[1]+" ")
		starts[Width(l[:i+1])] = true
	}
	if len(starts) != 1 {
		t.Errorf("the second column starts at cells %v:\n%s", starts, out)
	}
	if strings.HasSuffix(lines[0], " ") {
		t.Errorf("the last cell is padded: %q", lines[0])
	}
}
