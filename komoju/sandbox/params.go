package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// apiError is a KOMOJU error answer: {"error":{code,message,param,details}}.
type apiError struct {
	status  int
	code    string
	message string
	param   string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newErr(code, param, format string, args ...any) *apiError {
	return &apiError{status: komoju.ErrorStatus(code), code: code, param: param, message: fmt.Sprintf(format, args...)}
}

func errMissing(param string) *apiError {
	return newErr(komoju.CodeMissingParameter, param, "A required parameter (%s) is missing", param)
}

func errInvalid(param, format string, args ...any) *apiError {
	return newErr(komoju.CodeInvalidParameter, param, "The value of %s is invalid: %s", param, fmt.Sprintf(format, args...))
}

func errNotFound(what, id string) *apiError {
	return newErr(komoju.CodeNotFound, "", "No %s found with id %q", what, truncate(id, 64))
}

func errBadRequest(format string, args ...any) *apiError {
	return newErr(komoju.CodeBadRequest, "", format, args...)
}

// body renders the error envelope.
func (e *apiError) body() []byte {
	var param *string
	if e.param != "" {
		param = &e.param
	}
	b, _ := json.Marshal(struct {
		Error struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Param   *string        `json:"param"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}{Error: struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Param   *string        `json:"param"`
		Details map[string]any `json:"details"`
	}{e.code, e.message, param, map[string]any{}}})
	return b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// obj is a decoded request: JSON objects, or form/query parameters in
// bracket notation turned into the same nested shape. JSON numbers stay
// json.Number; form values are strings.
type obj map[string]any

// parseJSON decodes a JSON object body (valid UTF-8, trimmed). The
// one-pass fastJSON decodes well-formed bodies; anything else goes through
// encoding/json, which words the error.
func parseJSON(body []byte) (obj, *apiError) {
	if m, ok := fastJSON(body); ok {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errBadRequest("The request body is not valid JSON: %s", truncate(err.Error(), 200))
	}
	if dec.More() {
		return nil, errBadRequest("The request body has data after the JSON object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errBadRequest("The request body has data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errBadRequest("The request body must be a JSON object")
	}
	return obj(m), nil
}

// parseForm decodes bracket-notation parameters, as Rails does:
// payment_details[type]=konbini, metadata[k]=v, payment_types[]=konbini,
// line_items[0][amount]=100. Maps whose keys are all small integers become
// arrays in index order.
func parseForm(q url.Values) (obj, *apiError) {
	root := map[string]any{}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !utf8.ValidString(k) {
			return nil, errBadRequest("A parameter name is not valid UTF-8")
		}
		path, ok := splitKey(k)
		if !ok {
			return nil, errBadRequest("Malformed parameter name %q", truncate(k, 64))
		}
		for _, v := range q[k] {
			if !utf8.ValidString(v) {
				return nil, errInvalid(k, "not valid UTF-8")
			}
			if err := setPath(root, path, v, k); err != nil {
				return nil, err
			}
		}
	}
	for k, v := range root { // the top level stays an object even if its keys are numbers
		root[k] = arrayify(v)
	}
	return obj(root), nil
}

// splitKey turns "a[b][]" into ["a","b",""].
func splitKey(k string) ([]string, bool) {
	i := strings.IndexByte(k, '[')
	if i < 0 {
		return []string{k}, k != ""
	}
	if i == 0 {
		return nil, false
	}
	path := []string{k[:i]}
	rest := k[i:]
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return nil, false
		}
		path = append(path, rest[1:j])
		rest = rest[j+1:]
		if len(path) > 8 {
			return nil, false
		}
	}
	return path, true
}

func setPath(m map[string]any, path []string, v, full string) *apiError {
	for i, seg := range path {
		if seg == "" {
			return errBadRequest("Malformed parameter name %q", truncate(full, 64))
		}
		if i == len(path)-1 {
			switch m[seg].(type) {
			case map[string]any, []any:
				return errInvalid(full, "given both as a value and as a list or object")
			}
			m[seg] = v // a repeated scalar: the last value wins, as in Rails
			return nil
		}
		if i+1 == len(path)-1 && path[i+1] == "" { // seg[]=v appends to a list
			if _, isMap := m[seg].(map[string]any); isMap {
				return errInvalid(full, "given both as a list and as an object")
			}
			if s, isStr := m[seg].(string); isStr {
				m[seg] = []any{s}
			}
			list, _ := m[seg].([]any)
			if len(list) >= 1000 {
				return errBadRequest("Too many values for %q", truncate(full, 64))
			}
			m[seg] = append(list, v)
			return nil
		}
		next, ok := m[seg].(map[string]any)
		if !ok {
			if _, exists := m[seg]; exists {
				return errInvalid(full, "given both as a value and as an object")
			}
			next = map[string]any{}
			m[seg] = next
		}
		m = next
	}
	return nil
}

// arrayify turns maps keyed "0","1",… into arrays.
func arrayify(v any) any {
	switch t := v.(type) {
	case map[string]any:
		allIdx := len(t) > 0
		for k, c := range t {
			t[k] = arrayify(c)
			if n, err := strconv.Atoi(k); err != nil || n < 0 || n >= 1000 || strconv.Itoa(n) != k {
				allIdx = false
			}
		}
		if !allIdx {
			return t
		}
		idx := make([]int, 0, len(t))
		for k := range t {
			n, _ := strconv.Atoi(k)
			idx = append(idx, n)
		}
		sort.Ints(idx)
		out := make([]any, 0, len(t))
		for _, n := range idx {
			out = append(out, t[strconv.Itoa(n)])
		}
		return out
	case []any:
		for i := range t {
			t[i] = arrayify(t[i])
		}
	}
	return v
}

// value returns the raw value, treating JSON null as absent.
func (o obj) value(key string) (any, bool) {
	v, ok := o[key]
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return "an unsupported value"
}

// str reads a string. Numbers are accepted as their text (order numbers are
// often numeric); other types are an invalid_parameter error.
func (o obj) str(key, param string, maxLen int) (string, bool, *apiError) {
	v, ok := o.value(key)
	if !ok {
		return "", false, nil
	}
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	default:
		return "", false, errInvalid(param, "expected a string, got %s", typeName(v))
	}
	if !utf8.ValidString(s) {
		return "", false, errInvalid(param, "not valid UTF-8")
	}
	if len(s) > maxLen {
		return "", false, errInvalid(param, "longer than %d characters", maxLen)
	}
	if strings.ContainsAny(s, "\x00") {
		return "", false, errInvalid(param, "contains a NUL character")
	}
	return s, true, nil
}

// reqStr is str that must be present and non-blank.
func (o obj) reqStr(key, param string, maxLen int) (string, *apiError) {
	s, ok, err := o.str(key, param, maxLen)
	if err != nil {
		return "", err
	}
	if !ok || strings.TrimSpace(s) == "" {
		return "", errMissing(param)
	}
	return s, nil
}

// int reads an integer given as a JSON number or a string of digits.
// Fractions, exponents and values outside int64 are invalid.
func (o obj) int(key, param string) (int64, bool, *apiError) {
	v, ok := o.value(key)
	if !ok {
		return 0, false, nil
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
		if s == "" {
			return 0, false, nil
		}
	default:
		return 0, false, errInvalid(param, "expected an integer, got %s", typeName(v))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && !math.IsInf(f, 0) && f == math.Trunc(f) && math.Abs(f) < 1e18 {
			return 0, false, errInvalid(param, "must be a plain integer in the currency's smallest unit, not %s", truncate(s, 32))
		}
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, false, errInvalid(param, "%s is too large", truncate(s, 32))
		}
		return 0, false, errInvalid(param, "expected an integer, got %q", truncate(s, 32))
	}
	return n, true, nil
}

// bool reads true/false given as JSON booleans or strings.
func (o obj) bool(key, param string) (bool, bool, *apiError) {
	v, ok := o.value(key)
	if !ok {
		return false, false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, true, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "1":
			return true, true, nil
		case "false", "0":
			return false, true, nil
		case "":
			return false, false, nil
		}
	}
	return false, false, errInvalid(param, "expected true or false")
}

// object reads a nested object.
func (o obj) object(key, param string) (obj, bool, *apiError) {
	v, ok := o.value(key)
	if !ok {
		return nil, false, nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return nil, false, errInvalid(param, "expected an object, got %s", typeName(v))
	}
	return obj(m), true, nil
}

// list reads an array (a single string counts as a one-element list, and a
// comma-separated string is split, as query strings do).
func (o obj) list(key, param string) ([]any, bool, *apiError) {
	v, ok := o.value(key)
	if !ok {
		return nil, false, nil
	}
	switch t := v.(type) {
	case []any:
		return t, true, nil
	case string:
		var out []any
		for _, p := range strings.Split(t, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, true, nil
	}
	return nil, false, errInvalid(param, "expected an array, got %s", typeName(v))
}

// metadata reads KOMOJU metadata: string keys up to 30 characters, values up
// to 2000 characters (numbers and booleans are kept as their text).
func (o obj) metadata(key, param string) (map[string]string, bool, *apiError) {
	m, ok, err := o.object(key, param)
	if err != nil || !ok {
		return nil, ok, err
	}
	if len(m) > 50 {
		return nil, false, errInvalid(param, "at most 50 keys are allowed")
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		p := param + "[" + truncate(k, 30) + "]"
		if k == "" || len(k) > 30 || !utf8.ValidString(k) {
			return nil, false, errInvalid(p, "keys must be 1 to 30 characters")
		}
		switch t := v.(type) {
		case string:
			if len(t) > 2000 || !utf8.ValidString(t) {
				return nil, false, errInvalid(p, "values must be valid text of at most 2000 characters")
			}
			out[k] = t
		case json.Number:
			out[k] = t.String()
		case bool:
			out[k] = strconv.FormatBool(t)
		case nil:
			out[k] = ""
		default:
			return nil, false, errInvalid(p, "values must be strings, got %s", typeName(v))
		}
	}
	return out, true, nil
}

// amount reads a required positive amount in minor units.
func (o obj) amount(key, param string) (int64, *apiError) {
	n, ok, err := o.int(key, param)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errMissing(param)
	}
	return n, checkAmount(n, param)
}

// optAmount reads an optional positive amount in minor units (capture and
// refund: absent means all of it).
func (o obj) optAmount(key, param string) (int64, bool, *apiError) {
	n, ok, err := o.int(key, param)
	if err != nil || !ok {
		return 0, false, err
	}
	return n, true, checkAmount(n, param)
}

func checkAmount(n int64, param string) *apiError {
	if n <= 0 {
		return errInvalid(param, "must be greater than 0")
	}
	if n > komoju.MaxAmount {
		return errInvalid(param, "must be at most %d", komoju.MaxAmount)
	}
	return nil
}

// currency reads a required currency code from KOMOJU's list.
func (o obj) currency(key, param string) (string, *apiError) {
	s, err := o.reqStr(key, param, 16)
	if err != nil {
		return "", err
	}
	c, ok := komoju.LookupCurrency(s)
	if !ok {
		return "", newErr(komoju.CodeInvalidCurrency, param, "%q is not a supported currency (supported: %s)", truncate(s, 16), strings.Join(komoju.CurrencyCodes, ", "))
	}
	return c.Code, nil
}

// absURL reads an optional absolute http(s) URL.
func (o obj) absURL(key, param string) (string, *apiError) {
	s, ok, err := o.str(key, param, 2048)
	if err != nil || !ok || s == "" {
		return "", err
	}
	u, perr := url.Parse(s)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errInvalid(param, "must be an absolute http or https URL")
	}
	return s, nil
}
