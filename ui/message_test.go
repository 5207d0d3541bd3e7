package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
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

// The Japanese "paid" sentence keeps what the English one says about a
// partial refund, and a KOMOJU decline reason is Japanese.
func TestJapaneseOutcomeSentences(t *testing.T) {
	m := New(Options{Lang: "ja"})
	p := &komoju.Payment{ID: "p1", Status: komoju.PaymentCaptured, Currency: "JPY", Amount: 3000, Total: 3000, AmountRefunded: 1000}
	got := m.outcomeMessage(flows.Outcome{Kind: flows.OutcomePaid, Payment: p, Message: "Paid."})
	if !strings.Contains(got, "¥1,000 を返金済み") || !strings.Contains(got, "¥2,000 を返金できます") {
		t.Errorf("paid with a partial refund: %q", got)
	}
	got = m.outcomeMessage(flows.Outcome{Kind: flows.OutcomeError, Message: "x", Err: &komoju.Error{Code: komoju.CodeInsufficientFunds, Message: "The card has insufficient funds."}})
	if !strings.Contains(got, "残高が不足") || strings.Contains(got, "insufficient") {
		t.Errorf("decline reason: %q", got)
	}
}
