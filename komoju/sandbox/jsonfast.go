package sandbox

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// fastJSON decodes a JSON object body into exactly the value parseJSON's
// encoding/json path builds (map[string]any, []any, string, json.Number,
// bool, nil; a repeated key keeps its last value), in one pass over the
// bytes with no intermediate copy. It is strict: anything it is not sure
// of — any syntax error, trailing data, a top level that is not an object,
// \u escapes of surrogates, deep nesting — returns ok=false, and the caller
// decodes with encoding/json, which then also words the error. The profile
// of POST /payments showed the generic decoder's buffer copy and
// objectInterface as the largest cost of the request.
//
// body must be valid UTF-8 and trimmed of surrounding white space
// (readParams checks and trims before decoding).
func fastJSON(body []byte) (obj, bool) {
	d := fastDec{b: body}
	if len(body) == 0 || body[0] != '{' {
		return nil, false
	}
	v, ok := d.value(0)
	if !ok {
		return nil, false
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, false
	}
	m, _ := v.(map[string]any)
	return obj(m), m != nil
}

// objPool recycles the maps fastJSON decodes objects into. A POST body is
// two or three small objects; making each map and growing it to its first
// group of slots was about 5 % of a POST's CPU under load. The API wrapper
// gives a request's maps back (releaseObj) once its handler has returned:
// handlers copy what they keep (strings, numbers, a new metadata map),
// never a decoded map or list.
var objPool sync.Pool // of map[string]any, empty

// objPoolMax is the most keys a recycled map may have held: beyond one
// group of slots a map has grown tables, which are left to the collector.
const objPoolMax = 8

func newObjMap() map[string]any {
	if m, ok := objPool.Get().(map[string]any); ok {
		return m
	}
	return make(map[string]any, objPoolMax)
}

// releaseObj empties a decoded request's maps (nested ones and those in
// lists included) into objPool. Nothing may use o or its values after.
func releaseObj(o obj) { releaseValue(map[string]any(o), 0) }

func releaseValue(v any, depth int) {
	if depth > fastMaxDepth+1 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return
		}
		for _, e := range v {
			releaseValue(e, depth+1)
		}
		if len(v) <= objPoolMax {
			clear(v)
			objPool.Put(v)
		}
	case []any:
		for _, e := range v {
			releaseValue(e, depth+1)
		}
	}
}

// fastMaxDepth bounds recursion; deeper documents go to encoding/json
// (which allows 10,000 levels and says so when exceeded).
const fastMaxDepth = 64

type fastDec struct {
	b []byte
	i int
}

func (d *fastDec) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDec) value(depth int) (any, bool) {
	d.ws()
	if d.i >= len(d.b) || depth > fastMaxDepth {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		if v, ok := d.internedStr(); ok {
			return v, true
		}
		s, ok := d.str()
		return s, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	}
	return nil, false
}

func (d *fastDec) lit(s string) bool {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return false
	}
	d.i += len(s)
	return true
}

func (d *fastDec) object(depth int) (any, bool) {
	d.i++ // {
	m := newObjMap()
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.key()
		if !ok {
			return nil, false
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k] = v
		d.ws()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *fastDec) array(depth int) (any, bool) {
	d.i++ // [
	a := []any{}
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		d.ws()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// str reads a string at d.i (which is '"'). Plain strings are one copy;
// escapes are decoded as encoding/json does, except surrogate \u escapes,
// which are left to it.
func (d *fastDec) str() (string, bool) {
	d.i++ // "
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := string(d.b[start:d.i])
			d.i++
			return s, true
		case c == '\\':
			return d.strEscaped(start)
		case c < 0x20:
			return "", false
		}
		d.i++
	}
	return "", false
}

func (d *fastDec) strEscaped(start int) (string, bool) {
	out := make([]byte, d.i-start, d.i-start+16)
	copy(out, d.b[start:d.i])
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			return "", false
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if d.i+4 > len(d.b) {
				return "", false
			}
			var r rune
			for _, h := range d.b[d.i : d.i+4] {
				switch {
				case h >= '0' && h <= '9':
					r = r<<4 | rune(h-'0')
				case h >= 'a' && h <= 'f':
					r = r<<4 | rune(h-'a'+10)
				case h >= 'A' && h <= 'F':
					r = r<<4 | rune(h-'A'+10)
				default:
					return "", false
				}
			}
			if r >= 0xD800 && r < 0xE000 { // surrogates: encoding/json's pairing rules apply
				return "", false
			}
			d.i += 4
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

// number reads a JSON number (RFC 8259 grammar) as json.Number, keeping
// its text as encoding/json's UseNumber does.
func (d *fastDec) number() (any, bool) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case digits() == 0:
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	// A digit right after a leading 0 ("01") is not JSON; the caller sees
	// it as a missing separator and gives up.
	if n, ok := smallNumber(d.b[start:d.i]); ok {
		return n, true
	}
	return json.Number(d.b[start:d.i]), true
}

// Interning. A POST /payments body is about 20 short strings and numbers;
// copying each out of the body and boxing it into an interface was a third
// of the request's allocations. Names of parameters, the values of
// enumerations and integers below 10,000 (amounts, months, years, tax) are
// taken from read-only tables built once instead. Only fixed tables are
// used, never anything a request adds, so the tables cannot grow.

// internKeys are the parameter names the API reads.
var internKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"amount", "currency", "tax", "payment_details", "type", "number", "month", "year",
		"verification_value", "name", "email", "phone", "given_name", "family_name",
		"given_name_kana", "family_name_kana", "name_kana", "external_order_num",
		"external_product_num", "description", "metadata", "capture", "return_url",
		"cancel_url", "payment_data", "payment_types", "default_locale", "locale",
		"expires_in_seconds", "line_items", "quantity", "bank_code", "branch_name",
		"statement_descriptor", "include_payment_method_fee", "mode", "expiry_days",
		"customer", "token", "store", "payment_method", "fraud_details", "shipping_address",
		"billing_address", "reason", "include_deleted",
	} {
		m[k] = k
	}
	return m
}()

// internVals are string values met in most requests, already boxed: the
// payment types, capture modes, currencies and KOMOJU's public test cards
// (numbers printed on KOMOJU's test-card page and in cards.go; a card
// number the sandbox is sent is never kept either way).
var internVals = func() map[string]any {
	m := map[string]any{}
	add := func(s string) { m[s] = s }
	for _, s := range []string{
		"credit_card", "konbini", "bank_transfer", "pay_easy", "paypay", "linepay", "merpay",
		"rakutenpay", "alipay", "aupay", "paidy", "web_money", "net_cash", "bit_cash",
		"auto", "manual", "JPY", "USD", "EUR", "ja", "en", "123", "1234",
		"4111111111111111", "4242424242424242", "5555555555554444", "3530111333300000",
		"4100000000000100", "5100000000000107", "3528000000000106",
	} {
		add(s)
	}
	for k := range declineCards {
		add(k)
	}
	for k := range threeDSCards {
		add(k)
	}
	return m
}()

// internedStr answers the boxed table value for a plain (unescaped) string
// at d.i, advancing past it; ok=false leaves d.i alone.
func (d *fastDec) internedStr() (any, bool) {
	end, ok := d.plainEnd()
	if !ok {
		return nil, false
	}
	v, ok := internVals[string(d.b[d.i+1:end])] // indexing with string(bytes) does not allocate
	if ok {
		d.i = end + 1
	}
	return v, ok
}

// key reads an object key, from internKeys when it is one of them.
func (d *fastDec) key() (string, bool) {
	if end, ok := d.plainEnd(); ok {
		if k, ok := internKeys[string(d.b[d.i+1:end])]; ok {
			d.i = end + 1
			return k, true
		}
	}
	return d.str()
}

// plainEnd finds the closing quote of the string at d.i if it has neither
// escapes nor control characters (a short scan; str rescans otherwise).
func (d *fastDec) plainEnd() (int, bool) {
	for j := d.i + 1; j < len(d.b) && j <= d.i+64; j++ {
		switch c := d.b[j]; {
		case c == '"':
			return j, true
		case c == '\\' || c < 0x20:
			return 0, false
		}
	}
	return 0, false
}

var (
	smallNumsOnce sync.Once
	smallNums     []any // json.Number "0".."9999", boxed
)

// smallNumber answers the boxed json.Number for a canonical integer below
// 10,000 (no sign, fraction, exponent or leading zero).
func smallNumber(b []byte) (any, bool) {
	if len(b) == 0 || len(b) > 4 || (b[0] == '0' && len(b) > 1) {
		return nil, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return nil, false
		}
		n = n*10 + int(c-'0')
	}
	smallNumsOnce.Do(func() {
		smallNums = make([]any, 10000)
		for i := range smallNums {
			smallNums[i] = json.Number(strconv.Itoa(i))
		}
	})
	return smallNums[n], true
}
