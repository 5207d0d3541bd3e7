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
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

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
	return "", fmt.Errorf("flow %q is not one of session, direct", s)
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
	Message string // plain words for the clerk, e.g. "must be greater than 0"
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

func (e *FieldErrors) add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// addErr records err (from a func(string) error validator) under field.
func (e *FieldErrors) addErr(field string, err error) {
	if err != nil {
		*e = append(*e, FieldError{Field: field, Message: err.Error()})
	}
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
		errs.add(FieldCurrency, "%q is not a currency KOMOJU supports (for example JPY, USD, EUR)", c.Currency)
	}
	switch {
	case c.Amount <= 0:
		errs.add(FieldAmount, "must be greater than 0")
	case curOK && c.Amount > maxAmount:
		errs.add(FieldAmount, "is too large (at most %s)", cur.Format(maxAmount))
	}
	if c.Tax < 0 {
		errs.add(FieldTax, "cannot be negative")
	} else if c.Tax > maxAmount {
		errs.add(FieldTax, "is too large")
	}
	errs.addErr(FieldOrderNum, ValidateOrderNum(c.OrderNum))
	if c.Email != "" {
		errs.addErr(FieldEmail, ValidateEmail(c.Email))
	}
	if len(c.Name) > 255 {
		errs.add(FieldName, "is too long (at most 255 characters)")
	}
	if len(c.Description) > 255 {
		errs.add(FieldDescription, "is too long (at most 255 characters)")
	}
	for k, v := range c.Metadata {
		switch {
		case k == "":
			errs.add(FieldMetadata, "has an empty key")
		case len(k) > maxMetadataKey:
			errs.add(FieldMetadata, "key %q is longer than %d characters", k, maxMetadataKey)
		case len(v) > maxMetadataValue:
			errs.add(FieldMetadata, "value of %q is longer than %d characters", k, maxMetadataValue)
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
				errs.add(FieldLineItems, "line %d needs a description", i+1)
			case li.Amount < 0:
				errs.add(FieldLineItems, "line %d has a negative amount", i+1)
			case q < 0:
				errs.add(FieldLineItems, "line %d has a negative quantity", i+1)
			}
			sum += li.Amount * q
		}
		// Line items only go to KOMOJU with a session; a mismatch with the
		// amount would make the receipt disagree with the charge.
		if sum != c.Amount && c.Amount > 0 {
			errs.add(FieldLineItems, "add up to %s but the amount is %s", FormatMoney(sum, c.Currency), FormatMoney(c.Amount, c.Currency))
		}
	}
	// A card number typed into a free-text field would end up in the
	// journal and at KOMOJU in clear: refuse it by name.
	for field, v := range map[string]string{FieldOrderNum: c.OrderNum, FieldEmail: c.Email, FieldName: c.Name, FieldDescription: c.Description} {
		if looksLikeCardNumber(v) {
			errs.add(field, "looks like a card number; card numbers go only in the card form")
		}
	}
	for k, v := range c.Metadata {
		if looksLikeCardNumber(k) || looksLikeCardNumber(v) {
			errs.add(FieldMetadata, "%q looks like it holds a card number; card numbers go only in the card form", k)
		}
	}
	for i, li := range c.LineItems {
		if looksLikeCardNumber(li.Description) {
			errs.add(FieldLineItems, "line %d looks like it holds a card number", i+1)
		}
	}
	switch c.Capture {
	case komoju.CaptureAuto, komoju.CaptureManual:
	default:
		errs.add(FieldCapture, "%q is not auto or manual", c.Capture)
	}
	switch c.Flow {
	case FlowSession, FlowDirect:
	default:
		errs.add(FieldFlow, "%q is not session or direct", c.Flow)
	}
	if c.ReturnURL != "" {
		u, err := url.Parse(c.ReturnURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.add(FieldReturnURL, "must be an http(s) URL like https://example.com/return")
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
		return fmt.Errorf("is required (for example POS-20261124-0001)")
	}
	if len(s) > maxOrderNum {
		return fmt.Errorf("is too long (at most %d characters)", maxOrderNum)
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("may only contain letters, digits and -_./# (no spaces)")
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
	day := g.now().Format("20060102")
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
	return g.prefix + "-" + g.now().Format("20060102") + "-"
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
