package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/komoju-tui/komoju-tui/flows/flowstest"
)

// runAccessible drives the line console with the given answers, one a
// line, and returns what it wrote after checking it is plain text.
func runAccessible(t *testing.T, env *testEnv, lang string, answers ...string) string {
	t.Helper()
	o := env.options()
	o.Lang = lang
	o.Input = strings.NewReader(strings.Join(answers, "\n") + "\n")
	var out bytes.Buffer
	o.Output = &out
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := RunAccessible(ctx, o); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	assertPlain(t, s)
	return s
}

// assertPlain fails on anything a screen reader would read as noise: escape
// sequences and other controls, box-drawing and block glyphs, bullets.
func assertPlain(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			t.Errorf("control character %U in accessible output:\n%s", r, s)
			return
		case r >= 0x2500 && r <= 0x259f, r == '•', r >= 0x2800 && r <= 0x28ff:
			t.Errorf("glyph %q in accessible output:\n%s", r, s)
			return
		case r == unicode.ReplacementChar:
			t.Errorf("replacement character in accessible output:\n%s", s)
			return
		}
	}
}

// wantInOrder fails unless every line appears in out, in this order.
func wantInOrder(t *testing.T, out string, lines ...string) {
	t.Helper()
	rest := out
	for _, l := range lines {
		i := strings.Index(rest, l)
		if i < 0 {
			t.Fatalf("missing (in order) %q in transcript:\n%s", l, out)
		}
		rest = rest[i+len(l):]
	}
}

// card answers the card form: number, expiry, CVC, no name, no email.
func card(number string) []string {
	return []string{number, flowstest.CardExpiry, "123", "", ""}
}

func answers(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

// A card sale, line by line: the amount with its currency named, the
// methods as a numbered list, the card form as prompts, an explicit
// confirmation, the result in sentences and the actions numbered.
func TestAccessibleCardPaid(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	out := runAccessible(t, env, "en", answers("1200", "1", card("4111111111111111"), "y", "4")...)
	wantInOrder(t, out,
		"KOMOJU POS, accessible console. Mode: SANDBOX.",
		"Amount in Japanese yen (JPY), digits only (q quits):",
		"Order POS-20261124-0001, ¥1,200.",
		"Payment methods:\n1. Credit card\n2. Konbini (convenience store)\n",
		"Card number:", "Expiry (MM/YY):", "CVC:", "Name on card (optional):",
		"Pay ¥1,200 by Credit card? (y/n)",
		"Paying…",
		"Paid.\nPaid ¥1,200 by Visa ending 1111.",
		"What next?\n1. Refund\n2. New sale\n3. History summary\n4. Quit\n",
		"Goodbye.")
	if strings.Contains(out, "4111111111111111") {
		t.Error("the card number is written back")
	}
}

// A decline says why in plain words and offers the same sale again; the
// retry pays on the same session (one order number).
func TestAccessibleCardDeclinedThenRetried(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	out := runAccessible(t, env, "en", answers("3000", "1", card("4123111111111000"), "y",
		"1", // Try again on the same sale
		"1", card("4111111111111111"), "y", "4")...)
	wantInOrder(t, out,
		"Pay ¥3,000 by Credit card? (y/n)",
		"Not paid.\n", "insufficient funds",
		"What next?\n1. Try again on the same sale\n2. New sale\n",
		"Payment methods:",
		"Paid.\nPaid ¥3,000 by Visa ending 1111.",
		"Order POS-20261124-0001, payment ")
	if strings.Contains(out, "POS-20261124-0002") {
		t.Errorf("the retry made a new sale:\n%s", out)
	}
}

// Konbini: the store is chosen from a numbered list and the customer's
// instructions link is said in full.
func TestAccessibleKonbiniInstructions(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	out := runAccessible(t, env, "en", "2480", "2",
		"2",                // the second store
		"taro@example.com", // email
		"", "", "",         // phone, family name, given name (optional)
		"y", "3")
	wantInOrder(t, out,
		"Convenience store:", "1. ", "2. ",
		"Pay ¥2,480 by Konbini (convenience store)? (y/n)",
		"Waiting for the customer to pay.\n",
		"Payment instructions for the customer: http",
		"What next?")
}

// A refund from the actions after a paid sale, confirmed first.
func TestAccessibleRefund(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	out := runAccessible(t, env, "en", answers("5000", "1", card("4111111111111111"), "y",
		"1", "2000", "y", // Refund ¥2,000
		"1", "", "y", // Refund the rest
		"2", "3")...) // History summary, Quit
	wantInOrder(t, out,
		"Paid ¥5,000",
		"Refund how much? Enter refunds all of ¥5,000:",
		"Refund ¥2,000 of payment ",
		"Paid.\n",
		"Refund how much? Enter refunds all of ¥3,000:",
		"Refund ¥3,000 of payment ",
		"Refunded.\n",
		"Today: 1 sales; captured ¥5,000, refunded ¥5,000, net ¥0",
		"Goodbye.")
}

// In Japanese every line comes from the message table.
func TestAccessibleJapanese(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	out := runAccessible(t, env, "ja", answers("1200", "1", card("4111111111111111"), "y", "4")...)
	wantInOrder(t, out, "金額 (日本円 (JPY))", "支払い方法:", "1. クレジットカード", "カード番号:",
		"¥1,200 を クレジットカード で支払いますか? (y/n)", "支払い済み。", "次は?", "終了します。")
	for _, en := range []string{"Amount in", "Payment methods", "What next", "Pay ¥", "Choose by number", "Paid"} {
		if strings.Contains(out, en) {
			t.Errorf("English %q in the Japanese console:\n%s", en, out)
		}
	}
}

// Bad answers are named and asked again; nothing panics at the end of
// input.
func TestAccessibleBadAnswers(t *testing.T) {
	env := newEnv(t, envOpt{})
	out := runAccessible(t, env, "en", "12x", "-5", "100", "99", "1", "4111", "4111111111111111", flowstest.CardExpiry, "123", "", "", "maybe", "n")
	wantInOrder(t, out, "12x is not an amount", "-5 is not an amount", "Give a number from 1 to ",
		"Card number:", "Card number:", "Answer y for yes or n for no.", "Not paid. Choose the method again.", "Payment methods:", "Goodbye.")
}

// syncBuffer is a bytes.Buffer the console writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A PayPay sale: the customer's link is said, then "waiting" until the
// customer approves on their phone, then the result, without the clerk
// typing anything.
func TestAccessibleWalletWaitsForTheCustomer(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &syncBuffer{}
	o := env.options()
	o.Input, o.Output = pr, out
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- RunAccessible(ctx, o) }()
	waitFor := func(s string) string {
		t.Helper()
		for ctx.Err() == nil {
			if got := out.String(); strings.Contains(got, s) {
				return got
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("no %q in:\n%s", s, out.String())
		return ""
	}
	fmt.Fprint(pw, "4400\n5\ny\n") // PayPay is the fifth method
	got := waitFor("Press Enter to stop waiting.")
	m := regexp.MustCompile(`payment (\w+)\.`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no payment id in:\n%s", got)
	}
	env.sandboxPost(t, "/sandbox/payments/"+m[1]+"/approve", "")
	waitFor("What next?")
	fmt.Fprint(pw, "4\n") // Quit
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s := out.String()
	assertPlain(t, s)
	wantInOrder(t, s, "Pay ¥4,400 by PayPay? (y/n)",
		"Customer must finish paying.\n",
		"The customer finishes paying at this link: "+env.sb.BaseURL()+"/",
		"Waiting for the customer… Press Enter to stop waiting.\n",
		"Paid.\n", "PayPay",
		"What next?\n1. Refund\n")
	if strings.Contains(s, "Stopped waiting") {
		t.Errorf("the wait was stopped without the clerk:\n%s", s)
	}
}

// A total above the threshold is checked with the customer first; in LIVE
// mode the amount is typed again before anything is sent, and a mismatch
// sends nothing.
func TestAccessibleBigAmountAndLive(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	o := env.options()
	o.Mode = "live"
	o.ConfirmAbove = 50_000
	o.Input = strings.NewReader(strings.Join(answers("99999999", "n", "1200", "1", card("4111111111111111"), "y", "1300", "q"), "\n") + "\n")
	var out bytes.Buffer
	o.Output = &out
	if err := RunAccessible(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	assertPlain(t, s)
	wantInOrder(t, s, "¥99,999,999 is more than ¥50,000. Check the amount with the customer", "Charge ¥99,999,999? (y/n)",
		"Amount in", "Pay ¥1,200 by Credit card? (y/n)", "Type the amount again to confirm (LIVE):",
		"The amounts do not match. Nothing was sent.", "Not paid. Choose the method again.", "Payment methods:")
	if strings.Contains(s, "Paying…") {
		t.Errorf("a mismatched LIVE amount was sent:\n%s", s)
	}
}

// A konbini slip paid at the store: the clerk asks for the payment again
// (Refresh), and a bank refund request is offered (the refund endpoint
// cannot return cash), asked field by field with the bank details checked,
// confirmed, and sent.
func TestAccessibleBankRefundRequest(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &syncBuffer{}
	o := env.options()
	o.Input, o.Output = pr, out
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- RunAccessible(ctx, o) }()
	seen := 0 // what was read already: each wait looks only at what is new
	waitFor := func(s string) string {
		t.Helper()
		for ctx.Err() == nil {
			if got := out.String(); strings.Contains(got[seen:], s) {
				seen = strings.Index(got[seen:], s) + seen + len(s)
				return got
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("no %q in:\n%s", s, out.String())
		return ""
	}
	fmt.Fprint(pw, "2480\n2\n2\ntaro@example.com\n\n\n\ny\n")
	got := waitFor("What next?")
	m := regexp.MustCompile(`Order \S+, payment (\w+)\.`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no payment id in:\n%s", got)
	}
	if strings.Contains(got[strings.LastIndex(got, "What next?"):], "Request bank refund") {
		t.Fatalf("a bank refund offered before the slip was paid:\n%s", got)
	}
	env.sandboxPost(t, "/sandbox/payments/"+m[1]+"/pay_at_store", "")
	waitFor("2. Refresh\n")
	fmt.Fprint(pw, "2\n") // Refresh
	waitFor("1. Request bank refund\n")
	fmt.Fprint(pw, "1\n5000\n1000\n")                                // too much, then ¥1,000
	fmt.Fprint(pw, "Taro\nヤマダ タロウ\nみずほ銀行\n12\n123\n1\n1234567\ny\n") // a bad name and branch asked again
	waitFor("Bank refund of ¥1,000 requested")
	waitFor("What next?")
	fmt.Fprint(pw, "4\n") // Quit
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s := out.String()
	assertPlain(t, s)
	wantInOrder(t, s, "Waiting for the customer to pay.\n",
		"What next?\n1. Cancel payment\n2. Refresh\n",
		"Paid.\n",
		"What next?\n1. Request bank refund\n",
		"Bank refund request\n",
		"Refund how much? Enter refunds all of ¥2,480:",
		"Give an amount from 1 to ¥2,480.",
		"Account holder (katakana): must be written in katakana", "Account holder (katakana):",
		"Bank name:", "Branch number (3 digits): must be 3 digits", "Branch number (3 digits):", "Account type:",
		"Account number (7 digits):",
		"Request a bank refund of ¥1,000 for payment "+m[1]+"?",
		"Bank refund of ¥1,000 requested: KOMOJU sends it to the customer's bank account.",
		"Goodbye.")
}
