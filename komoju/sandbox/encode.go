package sandbox

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// marshalJSON encodes an answer. A payment takes the hand-written
// appendPayment when it can; everything else, and any payment it declines,
// goes through encoding/json.
func marshalJSON(v any) ([]byte, error) {
	switch v := v.(type) {
	case *komoju.Payment:
		if v != nil {
			if b, ok := appendPayment(make([]byte, 0, 768), v); ok {
				return b, nil
			}
		}
	case komoju.List[*komoju.Payment]:
		return appendPaymentList(make([]byte, 0, 128+700*len(v.Data)), v)
	case *komoju.Session:
		if v != nil {
			if b, ok := appendSession(make([]byte, 0, 4096), v); ok {
				return b, nil
			}
		}
	case *payResult:
		if v != nil {
			if b, ok := appendPayResult(make([]byte, 0, 1024), v); ok {
				return b, nil
			}
		}
	}
	return json.Marshal(v)
}

// respBufs recycles the bodies of the commonest answers (a payment, a
// session, a Session: Pay result): 1–3 KB per POST that would otherwise be
// garbage as soon as it is written. Only the API wrapper returns them,
// after writing; a remembered idempotent answer keeps its value, not its
// bytes (apiResp.compact), and list pages (cached) are never pooled.
var respBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// marshalPooled encodes a payment, a session or a pay result into a pooled buffer, or
// reports false (anything else, or what the hand-written encoders decline).
func marshalPooled(v any) ([]byte, *[]byte, bool) {
	bp := respBufs.Get().(*[]byte)
	var b []byte
	ok := false
	switch v := v.(type) {
	case *komoju.Payment:
		if v != nil {
			b, ok = appendPayment((*bp)[:0], v)
		}
	case *payResult:
		if v != nil {
			b, ok = appendPayResult((*bp)[:0], v)
		}
	case *komoju.Session:
		if v != nil {
			b, ok = appendSession((*bp)[:0], v)
		}
	}
	if !ok {
		respBufs.Put(bp)
		return nil, nil, false
	}
	return b, bp, true
}

// putRespBuf returns a written body to respBufs (not an oversized one) in
// the holder it came in: putting a new &b would allocate on every request.
func putRespBuf(bp *[]byte, b []byte) {
	if cap(b) == 0 || cap(b) > 16<<10 {
		return
	}
	*bp = b[:0]
	respBufs.Put(bp)
}

// appendPaymentList writes a payment list page as json.Marshal does: a page
// of 100 payments through reflection ran at 16-30% of a server sending the
// same bytes. Each payment takes appendPayment, or encoding/json when that
// declines (encoding/json writes a nested value exactly as on its own).
func appendPaymentList(b []byte, l komoju.List[*komoju.Payment]) ([]byte, error) {
	b = append(b, `{"resource":`...)
	b, _ = appendJSON(b, l.Resource)
	b = strconv.AppendInt(append(b, `,"total":`...), int64(l.Total), 10)
	b = strconv.AppendInt(append(b, `,"page":`...), int64(l.Page), 10)
	b = strconv.AppendInt(append(b, `,"per_page":`...), int64(l.PerPage), 10)
	b = strconv.AppendInt(append(b, `,"last_page":`...), int64(l.LastPage), 10)
	var err error
	if b, err = appendJSON(append(b, `,"start_time":`...), l.StartTime); err != nil {
		return nil, err
	}
	if b, err = appendJSON(append(b, `,"end_time":`...), l.EndTime); err != nil {
		return nil, err
	}
	b = append(b, `,"data":`...)
	if l.Data == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	for i, p := range l.Data {
		if i > 0 {
			b = append(b, ',')
		}
		if p != nil {
			if out, ok := appendPayment(b, p); ok {
				b = out
				continue
			}
		}
		if b, err = appendJSON(b, p); err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}

// appendJSON appends json.Marshal(v).
func appendJSON(b []byte, v any) ([]byte, error) {
	out, err := json.Marshal(v)
	return append(b, out...), err
}

// appendPayment appends exactly the bytes json.Marshal(p) gives, for the
// common shape of a sandbox card payment: plain ASCII strings, no refunds,
// no metadata entries, card payment_details (or none), timestamps in years
// 0–9999. For anything else it returns ok=false and the caller uses
// encoding/json. The profile of POST /payments showed reflection encoding
// (with PaymentDetails' own marshaller, whose output encoding/json then
// re-scans) as the largest cost left after decoding;
// TestAppendPaymentMatchesEncodingJSON holds the two byte for byte.
func appendPayment(b []byte, p *komoju.Payment) ([]byte, bool) {
	if len(p.StatementDescriptor) > 0 || len(p.PlatformDetails) > 0 || len(p.Subscription) > 0 ||
		len(p.Metadata) > 0 || len(p.Refunds) > 0 || len(p.RefundRequests) > 0 {
		return nil, false
	}
	ok := true
	str := func(key, s string) {
		b = append(b, key...)
		ok = ok && plainJSONString(s)
		b = append(append(append(b, '"'), s...), '"')
	}
	strPtr := func(key string, s *string) {
		if s == nil {
			b = append(append(b, key...), "null"...)
			return
		}
		str(key, *s)
	}
	num := func(key string, n int64) {
		b = strconv.AppendInt(append(b, key...), n, 10)
	}
	tm := func(key string, t *time.Time) {
		b = append(b, key...)
		if t == nil {
			b = append(b, "null"...)
			return
		}
		_, off := t.Zone()
		if y := t.Year(); y < 0 || y > 9999 || off <= -24*3600 || off >= 24*3600 {
			ok = false // time.Time.MarshalJSON's error cases: let encoding/json report them
			return
		}
		b = append(appendRFC3339Nano(append(b, '"'), *t), '"')
	}
	str(`{"id":`, p.ID)
	str(`,"resource":`, p.Resource)
	str(`,"status":`, string(p.Status))
	num(`,"amount":`, p.Amount)
	num(`,"tax":`, p.Tax)
	strPtr(`,"customer":`, p.Customer)
	tm(`,"payment_deadline":`, p.PaymentDeadline)
	b = append(b, `,"payment_details":`...)
	if p.PaymentDetails == nil {
		b = append(b, "null"...)
	} else {
		b, ok = appendCardDetails(b, p.PaymentDetails, ok)
	}
	num(`,"payment_method_fee":`, p.PaymentMethodFee)
	num(`,"total":`, p.Total)
	str(`,"currency":`, p.Currency)
	strPtr(`,"description":`, p.Description)
	tm(`,"captured_at":`, p.CapturedAt)
	strPtr(`,"external_order_num":`, p.ExternalOrderNum)
	switch {
	case p.Metadata == nil:
		b = append(b, `,"metadata":null`...)
	default: // empty (entries were refused above)
		b = append(b, `,"metadata":{}`...)
	}
	tm(`,"created_at":`, &p.CreatedAt)
	num(`,"amount_refunded":`, p.AmountRefunded)
	str(`,"locale":`, p.Locale)
	strPtr(`,"session":`, p.Session)
	strPtr(`,"customer_family_name":`, p.CustomerFamilyName)
	strPtr(`,"customer_given_name":`, p.CustomerGivenName)
	strPtr(`,"mcc":`, p.MCC)
	b = append(b, `,"statement_descriptor":null`...) // set descriptors were declined above
	if p.Refunds == nil {
		b = append(b, `,"refunds":null`...)
	} else {
		b = append(b, `,"refunds":[]`...)
	}
	if p.RefundRequests == nil {
		b = append(b, `,"refund_requests":null`...)
	} else {
		b = append(b, `,"refund_requests":[]`...)
	}
	b = append(b, '}')
	return b, ok
}

// appendCardDetails writes credit-card payment_details as
// komoju.PaymentDetails.MarshalJSON does ("type" first, then the card's
// non-empty fields). Other variants and decoded (Raw) details are declined.
func appendCardDetails(b []byte, d *komoju.PaymentDetails, ok bool) ([]byte, bool) {
	cc := d.CreditCard
	if cc == nil || len(d.Raw) > 0 {
		return b, false
	}
	str := func(key, s string) {
		if s == "" {
			return
		}
		b = append(b, key...)
		ok = ok && plainJSONString(s)
		b = append(append(append(b, '"'), s...), '"')
	}
	ok = ok && plainJSONString(string(d.Type))
	b = append(append(append(b, `{"type":"`...), d.Type...), '"')
	b = append(b, `,"email":`...) // required in KOMOJU's model: written even when empty
	ok = ok && plainJSONString(cc.Email)
	b = append(append(append(b, '"'), cc.Email...), '"')
	str(`,"brand":`, cc.Brand)
	str(`,"last_four_digits":`, cc.LastFourDigits)
	if cc.Month != 0 {
		b = strconv.AppendInt(append(b, `,"month":`...), int64(cc.Month), 10)
	}
	if cc.Year != 0 {
		b = strconv.AppendInt(append(b, `,"year":`...), int64(cc.Year), 10)
	}
	str(`,"name":`, cc.Name)
	str(`,"given_name":`, cc.GivenName)
	str(`,"family_name":`, cc.FamilyName)
	str(`,"redirect_url":`, cc.RedirectURL)
	return append(b, '}'), ok
}

// plainJSONString reports whether encoding/json writes s verbatim between
// quotes: printable ASCII without '"', '\\' and the HTML-escaped '<', '>',
// '&'.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// appendSession writes a session as json.Marshal does, for the shape the
// sandbox makes: plain ASCII strings, no metadata entries or line items,
// payment_methods as sessionMethod builds them. Reflection over a session
// with every payment type (thirteen method objects and their brands) was
// most of what Session: Create cost. Anything else returns ok=false;
// TestAppendSessionMatchesEncodingJSON holds the two equal.
func appendSession(b []byte, v *komoju.Session) ([]byte, bool) {
	if len(v.Metadata) > 0 || len(v.LineItems) > 0 || len(v.SecureToken) > 0 || v.CustomerID != nil || v.MerchantID != nil {
		return nil, false
	}
	ok := true
	str := func(key, s string) {
		b = append(b, key...)
		ok = ok && plainJSONString(s)
		b = append(append(append(b, '"'), s...), '"')
	}
	optStr := func(key, s string) {
		if s != "" {
			str(key, s)
		}
	}
	tm := func(key string, t *time.Time) {
		b = append(b, key...)
		if t == nil {
			b = append(b, "null"...)
			return
		}
		_, off := t.Zone()
		if y := t.Year(); y < 0 || y > 9999 || off <= -24*3600 || off >= 24*3600 {
			ok = false
			return
		}
		b = append(appendRFC3339Nano(append(b, '"'), *t), '"')
	}
	str(`{"id":`, v.ID)
	str(`,"resource":`, v.Resource)
	str(`,"mode":`, v.Mode)
	b = strconv.AppendInt(append(b, `,"amount":`...), v.Amount, 10)
	str(`,"currency":`, v.Currency)
	str(`,"session_url":`, v.SessionURL)
	if v.ReturnURL == nil {
		b = append(b, `,"return_url":null`...)
	} else {
		str(`,"return_url":`, *v.ReturnURL)
	}
	str(`,"default_locale":`, v.DefaultLocale)
	b = append(b, `,"payment_methods":`...)
	if v.PaymentMethods == nil {
		b = append(b, "null"...)
	} else if enc, hit := encodedMethods.get(v.PaymentMethods); hit {
		b = append(b, enc...)
	} else {
		start := len(b)
		b = append(b, '[')
		for i, m := range v.PaymentMethods {
			if m.HashedGateway != "" || m.ExchangeRate != nil || len(m.AdditionalFields) > 0 || m.SevenElevenMerchantNumber != nil ||
				!plainJSONBytes(m.Brands) {
				return nil, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"type":`, string(m.Type))
			if m.Amount != 0 {
				b = strconv.AppendInt(append(b, `,"amount":`...), m.Amount, 10)
			}
			optStr(`,"currency":`, m.Currency)
			b = strconv.AppendBool(append(b, `,"offsite":`...), m.Offsite)
			b = strconv.AppendInt(append(b, `,"customer_fee":`...), m.CustomerFee, 10)
			if len(m.Brands) > 0 {
				b = append(append(b, `,"brands":`...), m.Brands...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
		if ok {
			encodedMethods.put(v.PaymentMethods, b[start:])
		}
	}
	tm(`,"created_at":`, &v.CreatedAt)
	tm(`,"cancelled_at":`, v.CancelledAt)
	tm(`,"completed_at":`, v.CompletedAt)
	str(`,"status":`, string(v.Status))
	b = strconv.AppendBool(append(b, `,"expired":`...), v.Expired)
	if v.Merchant == nil {
		b = append(b, `,"merchant":null`...)
	} else {
		str(`,"merchant":{"name":`, v.Merchant.Name)
		b = append(b, '}')
	}
	if v.Metadata == nil {
		b = append(b, `,"metadata":null`...)
	} else {
		b = append(b, `,"metadata":{}`...)
	}
	if v.Payment != nil {
		b = append(b, `,"payment":`...)
		var pok bool
		if b, pok = appendPaymentOrJSON(b, v.Payment); !pok {
			return nil, false
		}
	}
	b = append(b, `,"payment_data":{`...)
	n := len(b)
	for _, f := range [...]struct{ key, val string }{{`"capture":`, string(v.PaymentData.Capture)}, {`"external_order_num":`, v.PaymentData.ExternalOrderNum},
		{`"name":`, v.PaymentData.Name}, {`"name_kana":`, v.PaymentData.NameKana}} {
		if f.val == "" {
			continue
		}
		if len(b) > n {
			b = append(b, ',')
		}
		str(f.key, f.val)
	}
	b = append(b, '}')
	if v.Email != nil {
		str(`,"email":`, *v.Email)
	}
	return append(b, '}'), ok
}

// encodedMethods remembers the JSON of payment_methods lists. Sessions
// share their lists (Server.sessionMethods), and a shared list is never
// modified, so its first element's address and length name its bytes; the
// key keeps the list alive, so the address cannot be reused for another
// list while the entry exists. Bounded: cleared when full. Package-level
// because the encoders are plain functions; lists of different sandboxes
// never share an address.
var encodedMethods = &methodsJSONCache{m: map[methodsJSONKey][]byte{}}

type methodsJSONKey struct {
	first *komoju.SessionPaymentMethod
	n     int
}

type methodsJSONCache struct {
	mu sync.Mutex
	m  map[methodsJSONKey][]byte
}

func (c *methodsJSONCache) get(l []komoju.SessionPaymentMethod) ([]byte, bool) {
	if len(l) == 0 {
		return nil, false
	}
	c.mu.Lock()
	b, ok := c.m[methodsJSONKey{&l[0], len(l)}]
	c.mu.Unlock()
	return b, ok
}

func (c *methodsJSONCache) put(l []komoju.SessionPaymentMethod, b []byte) {
	if len(l) == 0 {
		return
	}
	c.mu.Lock()
	if len(c.m) >= 1024 { // at most about 1.3 MB
		clear(c.m)
	}
	c.m[methodsJSONKey{&l[0], len(l)}] = bytes.Clone(b)
	c.mu.Unlock()
}

// appendPayResult writes a Session: Pay answer as json.Marshal does.
func appendPayResult(b []byte, r *payResult) ([]byte, bool) {
	ok := plainJSONString(string(r.Status))
	b = append(append(append(b, `{"status":"`...), r.Status...), '"')
	if r.RedirectURL == nil {
		b = append(b, `,"redirect_url":null`...)
	} else {
		ok = ok && plainJSONString(*r.RedirectURL)
		b = append(append(append(b, `,"redirect_url":"`...), *r.RedirectURL...), '"')
	}
	b = append(b, `,"payment":`...)
	if r.Payment == nil {
		b = append(b, "null"...)
	} else {
		var pok bool
		if b, pok = appendPaymentOrJSON(b, r.Payment); !pok {
			return nil, false
		}
	}
	return append(b, '}'), ok
}

// appendPaymentOrJSON appends a payment through appendPayment, or through
// encoding/json when that declines; ok is false only if encoding/json fails.
func appendPaymentOrJSON(b []byte, p *komoju.Payment) ([]byte, bool) {
	if out, ok := appendPayment(b, p); ok {
		return out, true
	}
	out, err := appendJSON(b, p)
	return out, err == nil
}

// plainJSONBytes reports whether raw JSON is written by encoding/json as
// is: compact, and nothing it would escape (it HTML-escapes raw values).
func plainJSONBytes(raw []byte) bool {
	for _, c := range raw {
		switch {
		case c <= ' ' || c > 0x7e, c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// appendRFC3339Nano appends t as t.AppendFormat(b, time.RFC3339Nano) does,
// for years 0–9999 (callers check): the layout-driven formatter was half of
// what encoding a payment cost, and a list page has 300 timestamps.
func appendRFC3339Nano(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	b = appendDigits(b, y, 4)
	b = appendDigits(append(b, '-'), int(mo), 2)
	b = appendDigits(append(b, '-'), d, 2)
	b = appendDigits(append(b, 'T'), h, 2)
	b = appendDigits(append(b, ':'), mi, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		digits := 9
		for ns%10 == 0 {
			ns /= 10
			digits--
		}
		b = appendDigits(append(b, '.'), ns, digits)
	}
	_, off := t.Zone()
	if off == 0 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = appendDigits(append(b, sign), off/3600, 2)
	return appendDigits(append(b, ':'), off/60%60, 2)
}

// appendDigits appends v (≥ 0) zero-padded to width digits.
func appendDigits(b []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || width > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	return append(b, buf[i:]...)
}
