package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// startSandbox starts a sandbox for one test with a frozen clock, a fixed
// seed and fast webhook retries.
func startSandbox(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = NewClock(time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC))
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	if opts.WebhookBackoff == 0 {
		opts.WebhookBackoff = 5 * time.Millisecond
	}
	sb, err := New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// raw is a plain net/http caller, independent of the komoju client.
type raw struct {
	t   testing.TB
	sb  *Server
	key string
	hc  *http.Client
}

func newRaw(t testing.TB, sb *Server) *raw {
	return &raw{t: t, sb: sb, key: sb.SecretKey(), hc: &http.Client{Timeout: 10 * time.Second}}
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	body   []byte
	m      map[string]any
}

func (r resp) str(path ...string) string {
	v := r.get(path...)
	s, _ := v.(string)
	return s
}

func (r resp) num(path ...string) int64 {
	v := r.get(path...)
	f, _ := v.(float64)
	return int64(f)
}

func (r resp) get(path ...string) any {
	var cur any = r.m
	for _, p := range path {
		if l, ok := cur.([]any); ok { // "0", "1"… index a list
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(l) {
				return nil
			}
			cur = l[i]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func (r resp) errCode() string { return r.str("error", "code") }

// call sends body (a map → JSON, url.Values → form, string/[]byte → as is).
func (c *raw) call(method, path string, body any, hdr ...string) resp {
	c.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(j), "application/json"
	}
	u := c.sb.URL() + path
	if strings.HasPrefix(path, "/sandbox/") {
		u = c.sb.BaseURL() + path
	} else if strings.HasPrefix(path, "http") {
		u = path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.key != "" {
		req.SetBasicAuth(c.key, "")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, body: b}
	if len(b) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			c.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, b)
		}
		out.m, _ = v.(map[string]any)
	}
	return out
}

func (c *raw) post(path string, body any, hdr ...string) resp {
	c.t.Helper()
	return c.call(http.MethodPost, path, body, hdr...)
}

func (c *raw) getr(path string) resp {
	c.t.Helper()
	return c.call(http.MethodGet, path, nil)
}

// must asserts the status and returns the answer.
func must(t testing.TB, r resp, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// mustErr asserts a KOMOJU error answer.
func mustErr(t testing.TB, r resp, status int, code string) resp {
	t.Helper()
	if r.status != status || r.errCode() != code {
		t.Fatalf("got %d %q, want %d %q; body: %s", r.status, r.errCode(), status, code, r.body)
	}
	if r.str("error", "message") == "" {
		t.Fatalf("error without message: %s", r.body)
	}
	return r
}

func card(number string) map[string]any {
	return map[string]any{"type": "credit_card", "number": number, "month": "12", "year": "2030", "verification_value": "123", "name": "TARO YAMADA"}
}

func cardPayment(number string, extra ...any) map[string]any {
	m := map[string]any{"amount": 1000, "currency": "JPY", "tax": 0, "payment_details": card(number)}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func konbini(store string) map[string]any {
	return map[string]any{"type": "konbini", "store": store, "email": "taro@example.com"}
}

// counts returns the number of events per type.
func eventCounts(t testing.TB, c *raw) map[string]int {
	t.Helper()
	out := map[string]int{}
	for page := 1; ; page++ {
		r := must(t, c.getr("/events?per_page=100&page="+itoa(page)), 200)
		data, _ := r.get("data").([]any)
		for _, e := range data {
			out[e.(map[string]any)["type"].(string)]++
		}
		if int64(page) >= r.num("last_page") {
			return out
		}
	}
}

func newClient(sb *Server, opts ...komoju.Option) *komoju.Client {
	base := []komoju.Option{komoju.WithBaseURL(sb.URL()), komoju.WithPublishableKey(sb.PublishableKey()), komoju.WithMaxRetries(0)}
	return komoju.NewClient(sb.SecretKey(), append(base, opts...)...)
}
