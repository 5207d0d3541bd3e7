// Package receipt builds the customer's receipt of a sale and delivers it:
// as plain text (a file under the data directory, or any printer that
// takes text) and as ESC/POS bytes for a receipt printer, written to a
// device path (/dev/usb/lp0) or a raw TCP port (host:9100).
//
// A receipt is built from the payment as KOMOJU returned it plus what the
// till knows (shop, till, line items, mode). Outside LIVE it carries a
// large SANDBOX or TEST mark at the top and the bottom, so a test slip is
// never taken for a real one. Cards appear by brand and last four digits
// only; any long digit run in free text is masked too.
//
// Everything here is pure except Save and Print; it has no terminal code.
package receipt

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/mattn/go-runewidth"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Width is the receipt's width in cells: 42 columns is font A on an 80 mm
// ESC/POS printer (Epson TM-T88 and its kin). A Japanese character takes
// two cells.
const Width = 42

// Shop is the header of every receipt (config keys shop_name,
// shop_address, shop_phone).
type Shop struct {
	Name    string
	Address []string
	Phone   string
}

// Line is one line item: Quantity × Unit. Quantity 0 counts as 1.
type Line struct {
	Description string
	Quantity    int64
	Unit        int64
}

// Receipt is everything a receipt shows.
type Receipt struct {
	Shop Shop
	// Mode is "sandbox", "test" or "live"; anything but live is marked.
	Mode string
	Till string
	// Lang is "en" or "ja".
	Lang     string
	OrderNum string
	// Lines are the sale's items; none makes one line from the payment's
	// description (or "Sale") for the whole amount.
	Lines   []Line
	Payment *komoju.Payment
	// ThreeDS is a note on the card's 3-D Secure (Method 2), already in
	// Lang; "" prints nothing.
	ThreeDS string
	// Now is the time used when the payment carries none.
	Now time.Time

	dict map[string]string // receipt words in Lang (withWords)
}

// kind is what a row of the receipt is, so text and ESC/POS can style it.
type kind int

const (
	rowText     kind = iota // left-aligned text
	rowCenter               // centred text
	rowTitle                // centred, emphasised
	rowPair                 // label left, value right
	rowTotal                // label left, value right, emphasised and tall
	rowRule                 // a line of dashes
	rowMark                 // the SANDBOX/TEST mark
	rowMarkNote             // the mark's explanation, centred
)

type row struct {
	kind        kind
	left, right string
}

// word looks a receipt word up in flows/words (through r.dict, filled
// once per layout: words.Lookup builds the whole table on every call).
func (r Receipt) word(id string) string {
	if s, ok := r.dict[id]; ok {
		return s
	}
	s, ok := words.Lookup(id, r.Lang)
	if !ok {
		return id
	}
	return s
}

// withWords returns r with its receipt words looked up once.
func (r Receipt) withWords() Receipt {
	r.dict = map[string]string{}
	for _, e := range words.Table() {
		if strings.HasPrefix(e.ID, "slip_") {
			if r.ja() {
				r.dict[e.ID] = e.JA
			} else {
				r.dict[e.ID] = e.EN
			}
		}
	}
	return r
}

func (r Receipt) ja() bool { return strings.HasPrefix(strings.ToLower(r.Lang), "ja") }

// Marked reports whether the receipt carries the SANDBOX/TEST mark: every
// mode except live (an unknown or empty mode is marked too).
func (r Receipt) Marked() bool { return strings.ToLower(r.Mode) != "live" }

// markWord is the big word: SANDBOX for the embedded sandbox, TEST for a
// KOMOJU test key. ASCII in both languages, so it prints double size on
// any printer.
func (r Receipt) markWord() string {
	if strings.ToLower(r.Mode) == "test" {
		return "TEST"
	}
	return "SANDBOX"
}

// For reports whether a payment has a receipt: captured or refunded, or
// a card or wallet authorization (two-step capture: the money is held).
// A konbini, bank transfer or Pay-easy payment is "authorized" while the
// customer has yet to pay, so it has none
// (https://doc.komoju.com/reference/payments, "Payment Statuses").
func For(p *komoju.Payment) bool {
	switch {
	case p == nil:
		return false
	case p.Status == komoju.PaymentCaptured, p.Status == komoju.PaymentRefunded:
		return true
	}
	return p.Status == komoju.PaymentAuthorized && !p.Type().IsAsync()
}

// rows lays the receipt out.
func (r Receipt) rows() []row {
	r = r.withWords()
	var rs []row
	add := func(k kind, l, rt string) { rs = append(rs, row{k, clean(l), clean(rt)}) }
	mark := func() {
		if r.Marked() {
			rs = append(rs, row{kind: rowMark, left: r.markWord()})
			rs = append(rs, row{kind: rowMarkNote, left: r.word("slip_mark_note")})
		}
	}
	mark()
	if name := clean(r.Shop.Name); name != "" {
		add(rowTitle, name, "")
	}
	for _, a := range r.Shop.Address {
		if a = clean(a); a != "" {
			add(rowCenter, a, "")
		}
	}
	if ph := clean(r.Shop.Phone); ph != "" {
		add(rowCenter, r.word("slip_tel")+" "+ph, "")
	}
	add(rowTitle, r.word("slip_receipt"), "")
	add(rowRule, "", "")

	p := r.Payment
	cur := "JPY"
	if p != nil && p.Currency != "" {
		cur = p.Currency
	}
	money := func(v int64) string { return komoju.FormatAmount(v, cur) }
	add(rowPair, r.word("slip_date"), r.date(r.when()))
	if r.Till != "" {
		add(rowPair, r.word("slip_till"), r.Till)
	}
	order := r.OrderNum
	if order == "" && p != nil {
		order = p.OrderNum()
	}
	if order != "" {
		add(rowPair, r.word("slip_order"), order)
	}
	add(rowRule, "", "")

	for _, l := range r.lines() {
		q := l.Quantity
		if q <= 0 {
			q = 1
		}
		add(rowText, l.Description, "")
		// "x" in English keeps an English slip pure ASCII (no kanji
		// mode on the printer); Japanese has its own ×.
		times := "x"
		if r.ja() {
			times = "×"
		}
		rs = append(rs, row{rowPair, fmt.Sprintf("  %d %s %s", q, times, money(l.Unit)), money(q * l.Unit)})
	}
	add(rowRule, "", "")
	if p != nil {
		add(rowPair, r.word("slip_subtotal"), money(p.Amount))
		add(rowPair, r.word("slip_tax"), money(p.Tax))
		if p.PaymentMethodFee > 0 {
			add(rowPair, r.word("slip_fee"), money(p.PaymentMethodFee))
		}
		add(rowTotal, r.word("slip_total"), money(total(p)))
		add(rowRule, "", "")
		for _, pr := range r.method() {
			add(rowPair, pr[0], pr[1])
		}
		if r.ThreeDS != "" {
			add(rowPair, "3-D Secure", r.ThreeDS)
		}
		add(rowPair, r.word("slip_payment_id"), p.ID)
		add(rowPair, r.word("slip_status"), r.status(p))
		if len(p.Refunds) > 0 || p.AmountRefunded > 0 {
			add(rowRule, "", "")
			var sum int64
			for _, rf := range p.Refunds {
				sum += rf.Amount
				add(rowPair, r.word("slip_refund")+" "+r.date(rf.CreatedAt), money(-rf.Amount))
			}
			if rest := p.AmountRefunded - sum; rest > 0 {
				// KOMOJU's total refunded is the truth when the refund
				// list is shorter (a bank refund request paid out).
				add(rowPair, r.word("slip_refund"), money(-rest))
			}
			add(rowTotal, r.word("slip_net"), money(total(p)-max(p.AmountRefunded, sum)))
		}
	}
	add(rowRule, "", "")
	add(rowCenter, r.word("slip_thank_you"), "")
	mark()
	return rs
}

// when is the sale's time: captured, else created, else Now.
func (r Receipt) when() time.Time {
	if p := r.Payment; p != nil {
		if p.CapturedAt != nil && !p.CapturedAt.IsZero() {
			return *p.CapturedAt
		}
		if !p.CreatedAt.IsZero() {
			return p.CreatedAt
		}
	}
	return r.Now
}

// date writes t in JST.
func (r Receipt) date(t time.Time) string {
	t = t.In(journal.JST)
	if r.ja() {
		return t.Format("2006年01月02日 15:04")
	}
	return t.Format("2006-01-02 15:04") + " JST"
}

// lines are the receipt's items.
func (r Receipt) lines() []Line {
	if len(r.Lines) > 0 {
		return r.Lines
	}
	p := r.Payment
	if p == nil {
		return nil
	}
	d := ""
	if p.Description != nil {
		d = strings.TrimSpace(*p.Description)
	}
	if d == "" {
		d = r.word("slip_sale")
	}
	return []Line{{Description: d, Quantity: 1, Unit: p.Amount}}
}

// method is the payment method's rows: card brand and last four; konbini
// store and, where KOMOJU returns one, its receipt number (never
// 7-Eleven's, which must not be shown); the wallet's name.
func (r Receipt) method() [][2]string {
	p := r.Payment
	d := p.PaymentDetails
	if d == nil {
		return nil
	}
	name := string(d.Type)
	if m, ok := flows.LookupMethod(d.Type); ok {
		name = m.Name(r.Lang)
	}
	label := r.word("slip_method")
	switch {
	case d.CreditCard != nil:
		s := flows.BrandName(d.CreditCard.Brand)
		if s == "" {
			s = name
		}
		if l4 := LastFour(d.CreditCard.LastFourDigits); l4 != "" {
			s += " ****" + l4
		}
		return [][2]string{{label, s}}
	case d.Konbini != nil:
		out := [][2]string{{label, name}}
		if st := d.Konbini.Store; st != "" {
			out = append(out, [2]string{r.word("slip_store"), flows.StoreName(st, r.Lang)})
			// The seed's konbini notes: 7-Eleven's receipt number is
			// deprecated and must not be served (flows/outcome.go).
			if st != komoju.StoreSevenEleven && d.Konbini.Receipt != nil && *d.Konbini.Receipt != "" {
				out = append(out, [2]string{r.word("slip_receipt_number"), *d.Konbini.Receipt})
			}
		}
		return out
	}
	return [][2]string{{label, name}}
}

// status is the capture status in words.
func (r Receipt) status(p *komoju.Payment) string {
	if p.Status == komoju.PaymentAuthorized {
		// Two-step capture: the money is held, not taken yet.
		return r.word("slip_authorized")
	}
	return words.Status(string(p.Status), r.Lang)
}

func total(p *komoju.Payment) int64 {
	if p.Total > 0 {
		return p.Total
	}
	return p.Amount + p.Tax + p.PaymentMethodFee
}

// LastFour returns the last four digits of s and nothing else: a receipt
// never shows more of a card number, whatever a field holds.
func LastFour(s string) string {
	var d []rune
	for _, c := range s {
		if c >= '0' && c <= '9' {
			d = append(d, c)
		}
	}
	if len(d) > 4 {
		d = d[len(d)-4:]
	}
	return string(d)
}

// clean makes outside text fit for a receipt: control characters and
// escape sequences go wholly (a description must not send ESC/POS
// commands to the printer), and a run of 12 or more digits (a card
// number typed where it does not belong) keeps only its last four.
func clean(s string) string {
	return maskDigits(termtext.Strip(s))
}

// maskDigits replaces each stand-alone run of at least 12 digits (spaces
// and dashes inside allowed) with "****" and its last four digits. A run
// that continues a word ("POS-K3F9-20261202-0001") is an order number,
// not a card, and stays.
func maskDigits(s string) string {
	rs := []rune(s)
	isDigit := func(c rune) bool { return c >= '0' && c <= '9' }
	var b strings.Builder
	for i := 0; i < len(rs); {
		glued := i > 0 && (unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1]) || rs[i-1] == '_' || rs[i-1] == '-')
		if !isDigit(rs[i]) || glued {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j, n, lastDigit := i, 0, i
		for j < len(rs) && (isDigit(rs[j]) || rs[j] == ' ' || rs[j] == '-') {
			if isDigit(rs[j]) {
				n++
				lastDigit = j
			}
			j++
		}
		run := string(rs[i : lastDigit+1])
		next := lastDigit + 1
		gluedAfter := next < len(rs) && (unicode.IsLetter(rs[next]) || unicode.IsDigit(rs[next]))
		if n >= 12 && !gluedAfter {
			b.WriteString("****" + LastFour(run))
		} else {
			b.WriteString(run)
		}
		i = next
	}
	return b.String()
}

// Text is the receipt as plain text, Width cells wide, UTF-8, each line
// ending in \n.
func (r Receipt) Text() string {
	var b strings.Builder
	for _, rw := range r.rows() {
		for _, l := range textRow(rw) {
			b.WriteString(strings.TrimRight(l, " "))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// textRow renders one row as plain text lines.
func textRow(rw row) []string {
	switch rw.kind {
	case rowRule:
		return []string{strings.Repeat("-", Width)}
	case rowMark:
		// "Big" in plain text: a framed, letter-spaced word.
		bar := strings.Repeat("#", Width)
		spaced := strings.Join(strings.Split(rw.left, ""), " ")
		return []string{bar, frame(spaced)}
	case rowMarkNote:
		return []string{frame(rw.left), strings.Repeat("#", Width)}
	case rowCenter, rowTitle:
		return wrapCenter(rw.left)
	case rowText:
		return wrap(rw.left, Width)
	case rowPair, rowTotal:
		return pair(rw.left, rw.right, Width)
	}
	return nil
}

// frame centres s between "##" borders.
func frame(s string) string {
	inner := Width - 4
	s = runewidth.Truncate(s, inner, "")
	pad := inner - runewidth.StringWidth(s)
	return "##" + strings.Repeat(" ", pad/2) + s + strings.Repeat(" ", pad-pad/2) + "##"
}

func wrapCenter(s string) []string {
	var out []string
	for _, l := range wrap(s, Width) {
		pad := (Width - runewidth.StringWidth(l)) / 2
		out = append(out, strings.Repeat(" ", pad)+l)
	}
	return out
}

// pair puts label left and value right; when both do not fit on one
// line, the value goes right-aligned on the next.
func pair(label, value string, width int) []string {
	lw, vw := runewidth.StringWidth(label), runewidth.StringWidth(value)
	if lw+1+vw <= width {
		return []string{label + strings.Repeat(" ", width-lw-vw) + value}
	}
	out := wrap(label, width)
	for _, v := range wrap(value, width) {
		out = append(out, strings.Repeat(" ", width-runewidth.StringWidth(v))+v)
	}
	return out
}

// wrap cuts s into lines of at most width cells (by cell, so Japanese,
// which has no spaces, wraps too).
func wrap(s string, width int) []string {
	if s == "" {
		return nil
	}
	var out []string
	var cur strings.Builder
	w := 0
	for _, c := range s {
		cw := runewidth.RuneWidth(c)
		if w+cw > width {
			out = append(out, cur.String())
			cur.Reset()
			w = 0
		}
		cur.WriteRune(c)
		w += cw
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
