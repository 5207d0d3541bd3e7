// Package flows holds the payment logic of komoju-tui with no terminal in
// it: the two ways of taking a payment from KOMOJU's "Creating Payments"
// guide (Method 1: create a Session, then pay it; Method 2: create a Payment
// directly), the guide's result tables as pure functions, the actions a
// payment allows, and the operations that call the API and keep the sale
// journal. The UI, the headless commands and the tests all drive this code.
//
// Two kinds of code live here. Pure decisions (Checkout.Validate,
// ValidateDetails, OutcomeFromPay, OutcomeFromPayment, AllowedActions, the
// method catalogue) are plain functions. Operations (Engine.StartSession,
// PaySession, PayDirect, Capture, Cancel, Refund, RefundRequest, Refresh,
// Reconcile, Watch) take a context, call the client, write the journal and
// return values.
package flows

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Flow picks one of the seed's two ways of creating a payment.
type Flow string

// The two flows of the seed.
const (
	// FlowSession is Method 1: create a Session, then pay it. A failed pay
	// attempt leaves the session payable, so the customer can try again.
	FlowSession Flow = "session"
	// FlowDirect is Method 2: create a Payment directly (one call, but the
	// order number must be unique per payment attempt).
	FlowDirect Flow = "direct"
)

// String returns the flow's slug ("session" or "direct").
func (f Flow) String() string { return string(f) }

// ParseFlow reads "session"/"direct" (also "1"/"2", "method1"/"method2").
// The empty string means FlowSession, the seed's recommended method.
func ParseFlow(s string) (Flow, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "session", "1", "method1", "method 1":
		return FlowSession, nil
	case "direct", "2", "method2", "method 2", "payment":
		return FlowDirect, nil
	}
	return "", problem("usage_flow_q", s)
}

// Field names used in FieldError.Field for a Checkout. The UI maps them to
// its form fields.
const (
	FieldAmount      = "amount"
	FieldTax         = "tax"
	FieldCurrency    = "currency"
	FieldOrderNum    = "order_num"
	FieldEmail       = "email"
	FieldName        = "name"
	FieldDescription = "description"
	FieldMetadata    = "metadata"
	FieldLineItems   = "line_items"
	FieldCapture     = "capture"
	FieldReturnURL   = "return_url"
	FieldFlow        = "flow"
	FieldMethod      = "method"
)

// FieldError says what is wrong with one input field.
type FieldError struct {
	Field   string // e.g. "amount", "card_number"
	Message string // plain words for the clerk in English, e.g. "must be greater than 0"
	// Text is Message as a words-table id and its arguments, for the
	// clerk's language (In); Raw text where the message came from outside.
	Text words.Text `json:"-"`
}

// In is the message in lang.
func (e FieldError) In(lang string) string {
	if e.Text.ID == "" {
		return e.Message
	}
	return e.Text.In(lang)
}

// Problem is what a check of one input says (a func(string) error
// validator's error): Error is its English, Text its words in every
// language.
type Problem struct{ Text words.Text }

// Error returns the English.
func (p Problem) Error() string { return p.Text.In("en") }

// amountProblem is komoju.ParseAmount's refusal as words.
func amountProblem(e *komoju.AmountError) words.Text {
	switch e.Problem {
	case komoju.AmountUnknownCurrency:
		return words.T("val_amount_unknown_currency_q", e.Currency)
	case komoju.AmountEmpty:
		return words.T("val_amount_empty")
	case komoju.AmountNegative:
		return words.T("val_amount_negative_q", e.Input)
	case komoju.AmountNoMinorUnit:
		return words.T("val_amount_no_minor_q_s", e.Input, e.Currency)
	case komoju.AmountTooManyDecimals:
		return words.T("val_amount_decimals_q_d_s", e.Input, e.Decimals, e.Currency)
	case komoju.AmountTooLarge:
		return words.T("val_amount_too_large_q_s", e.Input, e.Max)
	case komoju.AmountZero:
		return words.T("val_amount_zero_q", e.Input)
	case komoju.AmountGrouping:
		return words.T("val_amount_grouping_q", e.Input)
	}
	return words.T("val_amount_nan_q", e.Input)
}

// problem is the validation message id with args, as an error.
func problem(id string, args ...any) error { return Problem{Text: words.T(id, args...)} }

// ProblemIn is err in lang when it is a Problem (or FieldErrors), and
// err's own text otherwise.
func ProblemIn(err error, lang string) string {
	var p Problem
	if errors.As(err, &p) {
		return p.Text.In(lang)
	}
	var ae *komoju.AmountError
	if errors.As(err, &ae) {
		return amountProblem(ae).In(lang)
	}
	// A journal that would not open, said as it is (not wrapped): its
	// problem in lang where the table has it; the driver's own words
	// after it stay as they are.
	var oe *journal.OpenError
	if errors.As(err, &oe) && oe.Error() == err.Error() && strings.HasPrefix(strings.ToLower(lang), "ja") {
		key := oe.Problem
		if oe.Format != "" {
			key = oe.Format
		}
		problem, ok := words.JA(key)
		if !ok {
			return err.Error()
		}
		if len(oe.Args) > 0 {
			problem = fmt.Sprintf(problem, oe.Args...)
		}
		if cause := strings.TrimPrefix(oe.Error(), fmt.Sprintf("journal %s: %s", oe.Path, oe.Problem)); cause != "" {
			return words.T("journal_open_s_s", oe.Path, problem).In(lang) + cause
		}
		return words.T("journal_open_s_s", oe.Path, problem).In(lang)
	}
	var fe FieldErrors
	if errors.As(err, &fe) && len(fe) > 0 {
		parts := make([]string, len(fe))
		for i, e := range fe {
			parts[i] = e.In(lang)
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

// Error writes "field: message".
func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors lists every invalid field of an input. A nil or empty list
// means the input is valid.
type FieldErrors []FieldError

// Error joins the field errors with "; ".
func (e FieldErrors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

// In is the list in lang: "field: message; …", the English of Error.
func (e FieldErrors) In(lang string) string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Field + ": " + fe.In(lang)
	}
	return strings.Join(parts, "; ")
}

// Err returns nil for an empty list (so a nil FieldErrors never becomes a
// non-nil error interface) and the list otherwise.
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// For returns the message for field, or "" when the field is valid.
func (e FieldErrors) For(field string) string {
	for _, fe := range e {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

// add records the validation message id (with args) under field.
func (e *FieldErrors) add(field, id string, args ...any) {
	t := words.T(id, args...)
	*e = append(*e, FieldError{Field: field, Message: t.In("en"), Text: t})
}

// addErr records err (from a func(string) error validator) under field.
func (e *FieldErrors) addErr(field string, err error) {
	if err == nil {
		return
	}
	var p Problem
	if errors.As(err, &p) {
		*e = append(*e, FieldError{Field: field, Message: p.Error(), Text: p.Text})
		return
	}
	*e = append(*e, FieldError{Field: field, Message: err.Error(), Text: words.Raw(err.Error())})
}

// Checkout is one sale as the clerk enters it: what to charge and for whom.
// Money is in minor units of Currency (1000 JPY is ¥1,000; 1050 USD is
// $10.50).
type Checkout struct {
	Amount int64
	// Tax is sent explicitly, 0 by default: the seed says "Set this to 0.
	// The default is auto", which adds 10% consumption tax on older API
	// versions.
	Tax         int64
	Currency    string
	OrderNum    string // external_order_num; unique per session (Method 1) or per payment (Method 2)
	Email       string
	Name        string
	Description string
	Metadata    map[string]string
	LineItems   []komoju.LineItem
	Capture     komoju.CaptureMode // auto (default) or manual (Two-Step Capture)
	ReturnURL   string
	Flow        Flow // FlowSession (default) or FlowDirect
	// Scenario is a Komoju-Scenario code (test mode only) sent when the
	// session or payment is created: with a session, every pay attempt then
	// fails with that error, as KOMOJU documents. Empty uses Deps.Scenario.
	Scenario string
}

// Limits KOMOJU documents for metadata (S-NODE) and idempotency-style keys.
const (
	maxMetadataKey   = 30
	maxMetadataValue = 2000
	maxOrderNum      = 100 // not documented; generous bound that keeps the journal tidy
)

// Normalized returns a copy with defaults applied: currency upper-cased
// (JPY when empty), capture auto, flow session, trimmed text fields.
func (c Checkout) Normalized() Checkout {
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	if c.Currency == "" {
		c.Currency = "JPY"
	}
	if c.Capture == "" {
		c.Capture = komoju.CaptureAuto
	}
	if c.Flow == "" {
		c.Flow = FlowSession
	}
	c.OrderNum = strings.TrimSpace(c.OrderNum)
	c.Email = strings.TrimSpace(c.Email)
	c.Name = strings.TrimSpace(c.Name)
	c.ReturnURL = strings.TrimSpace(c.ReturnURL)
	return c
}

// Total is what the customer is charged before any method fee: amount + tax.
func (c Checkout) Total() int64 { return c.Amount + c.Tax }

// Validate checks the checkout after Normalized defaults and returns
// FieldErrors naming every invalid field, or nil. Nothing is sent to the API
// until this passes.
func (c Checkout) Validate() error {
	c = c.Normalized()
	var errs FieldErrors
	cur, curOK := komoju.LookupCurrency(c.Currency)
	if !curOK {
		errs.add(FieldCurrency, "val_currency_q", c.Currency)
	}
	switch {
	case c.Amount <= 0:
		errs.add(FieldAmount, "val_gt_zero")
	case curOK && c.Amount > maxAmount:
		errs.add(FieldAmount, "val_amount_too_large_s", cur.Format(maxAmount))
	}
	if c.Tax < 0 {
		errs.add(FieldTax, "val_negative")
	} else if c.Tax > maxAmount {
		errs.add(FieldTax, "val_too_large")
	}
	errs.addErr(FieldOrderNum, ValidateOrderNum(c.OrderNum))
	if c.Email != "" {
		errs.addErr(FieldEmail, ValidateEmail(c.Email))
	}
	if len(c.Name) > 255 {
		errs.add(FieldName, "val_too_long_255")
	}
	if len(c.Description) > 255 {
		errs.add(FieldDescription, "val_too_long_255")
	}
	for k, v := range c.Metadata {
		switch {
		case k == "":
			errs.add(FieldMetadata, "val_meta_empty_key")
		case len(k) > maxMetadataKey:
			errs.add(FieldMetadata, "val_meta_key_long_q_d", k, maxMetadataKey)
		case len(v) > maxMetadataValue:
			errs.add(FieldMetadata, "val_meta_value_long_q_d", k, maxMetadataValue)
		}
	}
	if len(c.LineItems) > 0 {
		var sum int64
		for i, li := range c.LineItems {
			q := li.Quantity
			if q == 0 {
				q = 1
			}
			switch {
			case strings.TrimSpace(li.Description) == "":
				errs.add(FieldLineItems, "val_line_no_desc_d", i+1)
			case li.Amount < 0:
				errs.add(FieldLineItems, "val_line_neg_amount_d", i+1)
			case q < 0:
				errs.add(FieldLineItems, "val_line_neg_qty_d", i+1)
			}
			sum += li.Amount * q
		}
		// Line items only go to KOMOJU with a session; a mismatch with the
		// amount would make the receipt disagree with the charge.
		if sum != c.Amount && c.Amount > 0 {
			errs.add(FieldLineItems, "val_lines_sum_s_s", FormatMoney(sum, c.Currency), FormatMoney(c.Amount, c.Currency))
		}
	}
	// A card number typed into a free-text field would end up in the
	// journal and at KOMOJU in clear: refuse it by name.
	for field, v := range map[string]string{FieldOrderNum: c.OrderNum, FieldEmail: c.Email, FieldName: c.Name, FieldDescription: c.Description} {
		if looksLikeCardNumber(v) {
			errs.add(field, "val_card_in_field")
		}
	}
	for k, v := range c.Metadata {
		if looksLikeCardNumber(k) || looksLikeCardNumber(v) {
			errs.add(FieldMetadata, "val_card_in_meta_q", k)
		}
	}
	for i, li := range c.LineItems {
		if looksLikeCardNumber(li.Description) {
			errs.add(FieldLineItems, "val_card_in_line_d", i+1)
		}
	}
	switch c.Capture {
	case komoju.CaptureAuto, komoju.CaptureManual:
	default:
		errs.add(FieldCapture, "val_capture_q", c.Capture)
	}
	switch c.Flow {
	case FlowSession, FlowDirect:
	default:
		errs.add(FieldFlow, "val_flow_q", c.Flow)
	}
	if c.ReturnURL != "" {
		u, err := url.Parse(c.ReturnURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.add(FieldReturnURL, "val_return_url")
		}
	}
	return errs.Err()
}

// maxAmount bounds amounts to something a till plausibly charges while
// staying far from int64 overflow when amounts are summed.
const maxAmount = 1_000_000_000_000

// FormatMoney writes minor units for display ("¥1,000", "$10.50").
func FormatMoney(amount int64, currency string) string { return komoju.FormatAmount(amount, currency) }

// ValidateOrderNum checks an external order number typed or edited by the
// clerk: required, printable ASCII without spaces, at most 100 characters.
func ValidateOrderNum(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return problem("val_order_required")
	}
	if len(s) > maxOrderNum {
		return problem("val_too_long_d", maxOrderNum)
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return problem("val_order_chars")
		}
	}
	return nil
}

// OrderNumbers generates readable external order numbers
// "<prefix>-YYYYMMDD-NNNN" (e.g. POS-20261124-0007), with a sequence that
// restarts every day (in the clock's location).
//
// Uniqueness, in order of defence:
//  1. Within a process, the sequence only grows.
//  2. Across restarts, the sequence is seeded from Last, which the engine
//     wires to the journal's last order number of the day.
//  3. Across processes sharing a journal, Taken is asked about each
//     candidate (the engine wires it to the journal); if another process
//     already used the number, the sequence moves on past it.
//  4. If Taken keeps saying yes (another till racing on the same
//     numbers), a short random suffix is added ("POS-20261124-0007-K3F"),
//     so numbers stay readable in the common case and unique in the rare one.
//
// KOMOJU itself rejects a duplicate external_order_num on Method 2, which is
// the last line of defence. OrderNumbers is safe for concurrent use.
type OrderNumbers struct {
	prefix string
	now    func() time.Time
	last   func(prefix string) (string, error)
	taken  func(orderNum string) (bool, error)

	mu  sync.Mutex
	day string
	seq int
}

// OrderNumbersOptions configures NewOrderNumbers. Every field is optional.
type OrderNumbersOptions struct {
	Prefix string           // default "POS"
	Now    func() time.Time // default time.Now
	// Last returns the highest order number already used that starts with
	// dayPrefix ("POS-20261124-"), or "" if none.
	Last func(dayPrefix string) (string, error)
	// Taken reports whether an order number is already used.
	Taken func(orderNum string) (bool, error)
}

// NewOrderNumbers returns a generator; see OrderNumbers for how it stays
// unique.
func NewOrderNumbers(o OrderNumbersOptions) *OrderNumbers {
	if o.Prefix == "" {
		o.Prefix = "POS"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &OrderNumbers{prefix: o.Prefix, now: o.Now, last: o.Last, taken: o.Taken}
}

// Next returns a fresh order number for today.
func (g *OrderNumbers) Next() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	day := g.today()
	dayPrefix := g.prefix + "-" + day + "-"
	if day != g.day {
		g.day, g.seq = day, 0
		if g.last != nil {
			if last, err := g.last(dayPrefix); err == nil {
				g.seq = parseSeq(last, dayPrefix)
			}
		}
	}
	for tries := 0; ; tries++ {
		g.seq++
		cand := fmt.Sprintf("%s%04d", dayPrefix, g.seq)
		if tries >= 20 {
			// Someone else keeps taking our numbers: stop racing.
			cand += "-" + randomSuffix(3)
		}
		if g.taken == nil {
			return cand
		}
		used, err := g.taken(cand)
		if err != nil || !used {
			return cand
		}
	}
}

// DayPrefix is today's prefix of generated numbers ("POS-20261124-"): the
// journal reserves numbers under it.
func (g *OrderNumbers) DayPrefix() string {
	return g.prefix + "-" + g.today() + "-"
}

// today is the date in an order number: the shop's day (journal.JST), the
// day History and the close list the sale under, whatever zone the
// machine is in.
func (g *OrderNumbers) today() string {
	return g.now().In(journal.JST).Format("20060102")
}

// Unique returns today's next number with a random suffix
// ("POS-20261124-0008-K3F"), for when KOMOJU has refused a plain one as
// already used: another till, or a journal that was lost, numbers the same
// way.
func (g *OrderNumbers) Unique() string {
	return g.Next() + "-" + randomSuffix(3)
}

// parseSeq reads NNNN out of "<dayPrefix>NNNN[-suffix]" (0 when absent).
func parseSeq(orderNum, dayPrefix string) int {
	if !strings.HasPrefix(orderNum, dayPrefix) {
		return 0
	}
	rest := strings.TrimPrefix(orderNum, dayPrefix)
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		rest = rest[:i]
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// randomSuffix returns n characters from an alphabet without look-alikes.
func randomSuffix(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// looksLikeCardNumber reports text holding a card number: 12 to 19
// digits in a row, or written in card groups (4-4-4-4, 4-6-5, 4-6-4,
// separated by single spaces or dashes), that pass the Luhn check. Order
// numbers like POS-20261124-0005 and phone numbers do not match.
func looksLikeCardNumber(s string) bool {
	var groups []string
	flush := func() bool {
		defer func() { groups = groups[:0] }()
		for _, g := range groups {
			if len(g) >= 12 && len(g) <= 19 && Luhn(g) {
				return true
			}
		}
		if len(groups) < 3 {
			return false
		}
		shape := ""
		joined := ""
		for _, g := range groups {
			shape += fmt.Sprint(len(g), "-")
			joined += g
		}
		switch shape {
		case "4-4-4-4-", "4-4-4-4-3-", "4-6-5-", "4-6-4-":
			return len(joined) >= 12 && Luhn(joined)
		}
		return false
	}
	cur := ""
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			cur += string(s[i])
			continue
		}
		if cur != "" {
			groups = append(groups, cur)
			cur = ""
		}
		// A single space or dash between digit groups continues the number.
		if i < len(s) && (s[i] == ' ' || s[i] == '-') && len(groups) > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' && i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			continue
		}
		if flush() {
			return true
		}
	}
	return false
}
