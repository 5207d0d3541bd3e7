package receipt

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/komoju-tui/komoju-tui/flows/termtext"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Regenerate the goldens with: go test ./flows/receipt -run TestGolden -update

var (
	t0   = time.Date(2026, 12, 2, 9, 15, 0, 0, time.UTC) // 18:15 JST
	shop = Shop{Name: "Café Komoju", Address: []string{"1-2-3 Shibuya, Tokyo"}, Phone: "03-1234-5678"}
)

func str(s string) *string { return &s }

func ptime(t time.Time) *time.Time { return &t }

func cardPayment() *komoju.Payment {
	return &komoju.Payment{
		ID: "pay_card0001", Status: komoju.PaymentCaptured, Amount: 2400, Tax: 240, Total: 2640, Currency: "JPY",
		Description: str("Coffee beans"), CreatedAt: t0, CapturedAt: ptime(t0),
		ExternalOrderNum: str("POS-K3F9-20261202-0001"),
		PaymentDetails: &komoju.PaymentDetails{Type: komoju.TypeCreditCard, CreditCard: &komoju.CreditCardDetails{
			Brand: "visa", LastFourDigits: "4242", Name: "TARO YAMADA"}},
	}
}

func refunded(p *komoju.Payment) *komoju.Payment {
	p.AmountRefunded = 800
	p.Refunds = []komoju.Refund{
		{ID: "ref1", Amount: 500, Currency: "JPY", CreatedAt: t0.Add(time.Hour)},
		{ID: "ref2", Amount: 300, Currency: "JPY", CreatedAt: t0.Add(26 * time.Hour)},
	}
	return p
}

func konbiniPayment(store string) *komoju.Payment {
	return &komoju.Payment{
		ID: "pay_konb0002", Status: komoju.PaymentCaptured, Amount: 2480, Total: 2480, Currency: "JPY",
		CreatedAt: t0, CapturedAt: ptime(t0.Add(5 * time.Hour)), ExternalOrderNum: str("POS-K3F9-20261202-0002"),
		PaymentDetails: &komoju.PaymentDetails{Type: komoju.TypeKonbini, Konbini: &komoju.KonbiniDetails{
			Store: store, Receipt: str("4829-1174"), ConfirmationCode: str("8812")}},
	}
}

func paypayPayment() *komoju.Payment {
	return &komoju.Payment{
		ID: "pay_payp0003", Status: komoju.PaymentCaptured, Amount: 3000, Total: 3000, Currency: "JPY",
		CreatedAt: t0, CapturedAt: ptime(t0), ExternalOrderNum: str("POS-K3F9-20261202-0003"),
		PaymentDetails: &komoju.PaymentDetails{Type: komoju.TypePayPay, Offsite: &komoju.OffsiteDetails{}},
	}
}

// cases are the golden receipts: every method, refunds, both languages,
// each mode.
func cases() map[string]Receipt {
	lines := []Line{{Description: "Coffee beans 200g", Quantity: 2, Unit: 1000}, {Description: "Drip bags", Quantity: 1, Unit: 400}}
	out := map[string]Receipt{}
	for _, lang := range []string{"en", "ja"} {
		for _, mode := range []string{"sandbox", "test", "live"} {
			k := func(s string) string { return fmt.Sprintf("%s_%s_%s", s, lang, mode) }
			out[k("card")] = Receipt{Shop: shop, Mode: mode, Till: "K3F9", Lang: lang, Lines: lines, Payment: cardPayment()}
			out[k("card_refunds")] = Receipt{Shop: shop, Mode: mode, Till: "K3F9", Lang: lang, Lines: lines, Payment: refunded(cardPayment())}
			out[k("konbini")] = Receipt{Shop: shop, Mode: mode, Till: "K3F9", Lang: lang, Payment: konbiniPayment(komoju.StoreLawson)}
			out[k("paypay")] = Receipt{Shop: Shop{Name: "Komoju Ramen"}, Mode: mode, Till: "K3F9", Lang: lang, Payment: paypayPayment()}
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	for name, r := range cases() {
		t.Run(name, func(t *testing.T) {
			golden.RequireEqual(t, []byte(r.Text()))
		})
	}
}

// Outside LIVE the mark is at the top and the bottom; in LIVE there is
// none.
func TestMarkOutsideLive(t *testing.T) {
	for name, r := range cases() {
		text := r.Text()
		lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
		word := map[string]string{"sandbox": "S A N D B O X", "test": "T E S T"}[r.Mode]
		switch r.Mode {
		case "live":
			if strings.Contains(text, "SANDBOX") || strings.Contains(text, "S A N D") || strings.Contains(text, "T E S T") || strings.Contains(text, "###") {
				t.Errorf("%s: a LIVE receipt carries a test mark:\n%s", name, text)
			}
		default:
			if !strings.Contains(lines[1], word) || !strings.Contains(lines[len(lines)-3], word) {
				t.Errorf("%s: want %q at the top and the bottom:\n%s", name, word, text)
			}
		}
	}
}

// The receipt has what the clerk and customer need to see.
func TestContents(t *testing.T) {
	r := cases()["card_refunds_en_sandbox"]
	text := r.Text()
	for _, want := range []string{
		"Café Komoju", "1-2-3 Shibuya, Tokyo", "Tel 03-1234-5678",
		"2026-12-02 18:15 JST", "K3F9", "POS-K3F9-20261202-0001",
		"Coffee beans 200g", "2 x ¥1,000", "¥2,000", "Drip bags",
		"Subtotal", "¥2,400", "Tax", "¥240", "TOTAL", "¥2,640",
		"Visa ****4242", "pay_card0001", "captured",
		"Refund 2026-12-02 19:15 JST", "-¥500", "Refund 2026-12-03 20:15 JST", "-¥300",
		"NET", "¥1,840",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	ja := cases()["konbini_ja_live"].Text()
	for _, want := range []string{"レシート", "2026年12月02日 23:15", "ローソン", "受付番号", "4829-1174", "合計", "消費税", "お買上げ"} {
		if !strings.Contains(ja, want) {
			t.Errorf("ja: missing %q in\n%s", want, ja)
		}
	}
	if pp := cases()["paypay_en_live"].Text(); !strings.Contains(pp, "PayPay") {
		t.Errorf("PayPay receipt names no wallet:\n%s", pp)
	}
}

// Every line fits the paper, Japanese counted as two cells.
func TestWidth(t *testing.T) {
	for name, r := range cases() {
		for _, l := range strings.Split(r.Text(), "\n") {
			if w := cellWidth(l); w > Width {
				t.Errorf("%s: line of %d cells: %q", name, w, l)
			}
		}
	}
}

func cellWidth(s string) int {
	w := 0
	for _, c := range s {
		if c >= 0x1100 && (c <= 0x115f || c >= 0x2e80) && c != '¥' {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// A 7-Eleven receipt never shows its receipt number (KOMOJU's konbini
// notes: it must not be served), other stores do.
func TestSevenElevenReceiptNumberHidden(t *testing.T) {
	r := Receipt{Mode: "live", Lang: "en", Payment: konbiniPayment(komoju.StoreSevenEleven)}
	if text := r.Text(); strings.Contains(text, "4829-1174") || !strings.Contains(text, "7-Eleven") {
		t.Errorf("7-Eleven receipt:\n%s", text)
	}
}

// A receipt never shows more of a card than its last four digits, not
// even when a field holds the whole number (a full number in the
// last-four field, a card number typed into the description or a line).
func TestNoCardNumber(t *testing.T) {
	p := cardPayment()
	p.PaymentDetails.CreditCard.LastFourDigits = "4111111111111111"
	p.Description = str("paid with 4111 1111 1111 1111 thanks")
	r := Receipt{Mode: "sandbox", Lang: "en", Payment: p, Shop: Shop{Name: "4111-1111-1111-1111"}}
	rl := Receipt{Mode: "sandbox", Lang: "en", Payment: p, Lines: []Line{{Description: "card 4111111111111111", Unit: 2400}}}
	long := regexp.MustCompile(`\d[\d -]{10,}\d`)
	for _, out := range []string{r.Text(), string(r.ESCPOS()), rl.Text(), string(rl.ESCPOS())} {
		if m := long.FindString(out); m != "" && strings.Count(strings.NewReplacer(" ", "", "-", "").Replace(m), "") > 12 {
			t.Errorf("a long digit run %q on the receipt:\n%s", m, out)
		}
		if strings.Contains(out, "411111") || strings.Contains(out, "4111 1111") || strings.Contains(out, "TARO") {
			t.Errorf("card data on the receipt:\n%s", out)
		}
		if !strings.Contains(out, "****1111") {
			t.Errorf("no last four:\n%s", out)
		}
	}
}

// Control characters in outside text never reach the printer: an ESC in
// a description could otherwise send the printer commands (cut, open the
// drawer, change the code page).
func TestNoControlsFromData(t *testing.T) {
	p := cardPayment()
	p.Description = str("Tea\x1b\x70\x00\x19\xfa\x1d\x56\x00 leaves")
	r := Receipt{Mode: "live", Lang: "en", Payment: p, Shop: Shop{Name: "Shop\x1b@"}}
	if strings.ContainsAny(r.Text(), "\x1b\x1d\x00") {
		t.Errorf("controls in the text: %q", r.Text())
	}
	b := r.ESCPOS()
	if n := bytes.Count(b, []byte{0x1d, 'V'}); n != 1 {
		t.Errorf("%d cut commands, want 1", n)
	}
	if n := bytes.Count(b, []byte{0x1b, '@'}); n != 1 {
		t.Errorf("%d init commands, want 1", n)
	}
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{
		"order 12345":             "order 12345",
		"4242424242424242":        "****4242",
		"x 4242-4242-4242-4242 y": "x ****4242 y",
		"tel 03-1234-5678":        "tel 03-1234-5678",
		"POS-K3F9-20261202-0001":  "POS-K3F9-20261202-0001",
		"２０２６年":                   "２０２６年",
		"card:4111111111111111.":  "card:****1111.",
		"ABC4111111111111111":     "ABC4111111111111111",
	} {
		if got := maskDigits(in); got != want {
			t.Errorf("maskDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// Only a paid sale, or a card authorization, has a receipt: a konbini
// payment is "authorized" while the customer has yet to pay.
func TestFor(t *testing.T) {
	card, konb := cardPayment(), konbiniPayment(komoju.StoreLawson)
	for _, c := range []struct {
		p    *komoju.Payment
		st   komoju.PaymentStatus
		want bool
	}{
		{card, komoju.PaymentCaptured, true}, {card, komoju.PaymentAuthorized, true}, {card, komoju.PaymentRefunded, true},
		{card, komoju.PaymentFailed, false}, {card, komoju.PaymentCancelled, false}, {card, komoju.PaymentPending, false},
		{konb, komoju.PaymentCaptured, true}, {konb, komoju.PaymentAuthorized, false}, {konb, komoju.PaymentExpired, false},
		{nil, "", false},
	} {
		p := c.p
		if p != nil {
			cp := *p
			cp.Status = c.st
			p = &cp
		}
		if got := For(p); got != c.want {
			t.Errorf("For(%v %s) = %v", p != nil && p.PaymentDetails.Konbini != nil, c.st, got)
		}
	}
}

// Every hostile string of flows/termtext, in any text a receipt takes
// from outside (description, shop, konbini receipt number), prints as if
// only its harmless text had been given: no escape sequence or control
// reaches the file or the printer.
func TestHostileText(t *testing.T) {
	build := func(s string) Receipt {
		p := konbiniPayment(komoju.StoreLawson)
		p.Description = str(s)
		p.PaymentDetails.Konbini.Receipt = str(s)
		return Receipt{Mode: "sandbox", Lang: "ja", Payment: p, Shop: Shop{Name: s, Address: []string{s}, Phone: s}}
	}
	for _, c := range termtext.HostileCases() {
		bad, good := build(c.In), build(c.Strip)
		if bad.Text() != good.Text() {
			t.Errorf("%s: text\n%q\nwant\n%q", c.Name, bad.Text(), good.Text())
		}
		if !bytes.Equal(bad.ESCPOS(), good.ESCPOS()) {
			t.Errorf("%s: ESC/POS differs from the harmless text's", c.Name)
		}
		for _, ch := range bad.Text() {
			if ch < 0x20 && ch != '\n' || ch == 0x7f || ch >= 0x80 && ch < 0xa0 {
				t.Errorf("%s: control %#x in the text", c.Name, ch)
			}
		}
	}
}

// BenchmarkReceipt: building a receipt is far below what a clerk notices
// (figures in docs/PERFORMANCE.md).
func BenchmarkReceipt(b *testing.B) {
	r := cases()["card_refunds_ja_sandbox"]
	b.Run("text", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = r.Text()
		}
	})
	b.Run("escpos", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = r.ESCPOS()
		}
	})
}
