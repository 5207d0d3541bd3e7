package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestWrapWideText: Japanese sentences have no spaces and two-cell
// characters; wrap cuts them by cells instead of panicking (it used to
// slice runes past the end), and no line is wider than asked.
func TestWrapWideText(t *testing.T) {
	s := "ローソンで2026-11-27 23:59 (JST) までに ¥1,200 のお支払いをお待ちしています。お客様に支払い方法のご案内をお渡しください。"
	for _, w := range []int{1, 2, 3, 20, 55} {
		got := wrap(s, w)
		if strings.ReplaceAll(strings.ReplaceAll(got, "\n", ""), " ", "") != strings.ReplaceAll(s, " ", "") {
			t.Errorf("width %d lost text: %q", w, got)
		}
		for _, line := range strings.Split(got, "\n") {
			if lw := ansi.StringWidth(line); lw > max(w, 2) {
				t.Errorf("width %d: line %q is %d cells", w, line, lw)
			}
		}
	}
	if got := wrap("Paid ¥1,000 by Visa •••• 1111.", 12); got != "Paid ¥1,000\nby Visa ••••\n1111." {
		t.Errorf("English wrapping changed: %q", got)
	}
}
