package komoju

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is KOMOJU's API root. Live and test mode share it; the key
// selects the mode.
const DefaultBaseURL = "https://komoju.com/api/v1"

// DefaultAPIVersion is the X-KOMOJU-API-VERSION this client was written
// against. It is pinned so that response shapes do not change under the app
// when the merchant changes the key's default version in the dashboard. It
// predates 2026-01-27, where an omitted tax changed meaning; PaymentCreateParams
// always sends tax, so either side of that change behaves the same. It is
// recent enough that a declined payment reads "failed": KOMOJU keeps older
// versions (before 2024-07-15 in the sandbox) showing it as "pending", which
// flows would take for a payment still awaiting the customer.
const DefaultAPIVersion = "2025-01-28"

// ClientVersion is the version reported in the default User-Agent.
const ClientVersion = "0.1.0"

// DefaultMaxRetries is how many times a failed request is retried by default
// (so at most three attempts).
const DefaultMaxRetries = 2

// maxRetryAfter caps how long a Retry-After header can make the client wait:
// a clerk is watching the screen, and a longer wait is better reported.
const maxRetryAfter = 10 * time.Second

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 8 << 20

// ErrOutcomeUnknown is wrapped by the error a POST returns when no attempt
// got an answer from KOMOJU (timeouts, dropped connections) after the request
// may have reached it. The payment may or may not have happened: reconcile by
// retrying with the same idempotency key or by looking the payment up; never
// report it as failed. The cause stays reachable with errors.Is/As.
var ErrOutcomeUnknown = errors.New("komoju: outcome unknown, the request may have been processed")

// Client talks to the KOMOJU REST API. It is safe for concurrent use. Build
// it with NewClient; the zero value is not usable.
type Client struct {
	// Sessions is the hosted-page session API.
	Sessions *SessionsService
	// Payments is the payment API.
	Payments *PaymentsService
	// Events is the webhook event history API.
	Events *EventsService
	// PaymentMethods lists the methods enabled for the merchant.
	PaymentMethods *PaymentMethodsService
	// Tokens tokenizes card details.
	Tokens *TokensService
	// SecureTokens tokenizes a card with 3-D Secure for direct payments.
	SecureTokens *SecureTokensService

	secretKey      string
	publishableKey string
	baseURL        *url.URL
	httpClient     *http.Client
	apiVersion     string
	userAgent      string
	maxRetries     int
	logger         *slog.Logger
	backoff        func(attempt int) time.Duration
	// sleep waits between attempts; tests replace it to record delays.
	sleep func(ctx context.Context, d time.Duration) error
	// err is a configuration error (bad base URL) returned by every call.
	err error
}

// Option configures a Client in NewClient.
type Option func(*Client)

// WithBaseURL sets the API root, e.g. the embedded sandbox's URL. It may
// carry a path prefix such as /api/v1; endpoint paths are joined below it.
func WithBaseURL(u string) Option {
	return func(c *Client) {
		parsed, err := parseBaseURL(u)
		if err != nil {
			c.err = err
			return
		}
		c.baseURL = parsed
	}
}

// WithPublishableKey sets the publishable key used by calls made with
// WithPublishable.
func WithPublishableKey(pk string) Option {
	return func(c *Client) { c.publishableKey = pk }
}

// WithHTTPClient sets the HTTP client. Its Timeout bounds each attempt; the
// context bounds the whole call including retries. Nil keeps the default.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.httpClient = hc
		}
	}
}

// WithAPIVersion sets the X-KOMOJU-API-VERSION header. An empty version
// sends no header, so KOMOJU uses the key's dashboard default.
func WithAPIVersion(v string) Option {
	return func(c *Client) { c.apiVersion = v }
}

// WithMaxRetries sets how many times a retryable failure is retried
// (0 disables retries). Negative values count as 0.
func WithMaxRetries(n int) Option {
	return func(c *Client) {
		if n < 0 {
			n = 0
		}
		c.maxRetries = n
	}
}

// WithLogger sets the logger for debug lines about each attempt. Request
// bodies are logged only at debug level and with card numbers and CVCs
// redacted; API keys of every shape are redacted from every line
// (RedactingHandler). Nil keeps the default, which discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.logger = slog.New(RedactingHandler(l.Handler()))
		}
	}
}

// WithBackoff replaces the delay before retry number attempt (1 for the
// first retry). Tests pass a function returning 0 to turn sleeping off. A
// Retry-After header from KOMOJU still wins when it asks for longer.
func WithBackoff(f func(attempt int) time.Duration) Option {
	return func(c *Client) {
		if f != nil {
			c.backoff = f
		}
	}
}

// WithUserAgent replaces the User-Agent header (default komoju-tui/<version>).
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// NewClient returns a client authenticating with secretKey. A bad option
// (such as an unparsable base URL) makes every call fail with a clear error.
func NewClient(secretKey string, opts ...Option) *Client {
	base, _ := parseBaseURL(DefaultBaseURL)
	c := &Client{
		secretKey:  secretKey,
		baseURL:    base,
		httpClient: defaultHTTPClient(),
		apiVersion: DefaultAPIVersion,
		userAgent:  "komoju-tui/" + ClientVersion,
		maxRetries: DefaultMaxRetries,
		logger:     slog.New(slog.DiscardHandler),
		backoff:    DefaultBackoff,
		sleep:      sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	c.Sessions = &SessionsService{c}
	c.Payments = &PaymentsService{c}
	c.Events = &EventsService{c}
	c.PaymentMethods = &PaymentMethodsService{c}
	c.Tokens = &TokensService{c}
	c.SecureTokens = &SecureTokensService{c}
	return c
}

// defaultHTTPClient bounds each attempt to 30s and does not follow
// redirects: the API never redirects, and following one would turn a POST
// into a GET without its body. A 3xx comes back as an *Error instead.
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// BaseURL returns the API root the client sends requests to.
func (c *Client) BaseURL() string {
	return strings.TrimSuffix(c.baseURL.String(), "/")
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("komoju: base URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("komoju: base URL %q must be an absolute http(s) URL", raw)
	}
	// A trailing slash makes relative endpoint paths resolve below the prefix.
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// DefaultBackoff is the delay before retry number attempt: exponential from
// 300ms, capped at 5s, with jitter (half fixed, half random) so that many
// terminals retrying at once do not stampede.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 5 {
		attempt = 5
	}
	d := 300 * time.Millisecond << (attempt - 1)
	if d > 5*time.Second {
		d = 5 * time.Second
	}
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CallOption configures one API call.
type CallOption func(*callConfig)

type callConfig struct {
	idempotencyKey string
	scenario       string
	publishable    bool
}

// WithIdempotencyKey sends key as X-KOMOJU-IDEMPOTENCY instead of a fresh
// random one. Reuse the key of an attempt whose outcome is unknown to get
// its original answer instead of a second payment. Ignored on GET.
func WithIdempotencyKey(key string) CallOption {
	return func(cc *callConfig) { cc.idempotencyKey = key }
}

// WithScenario sends the Komoju-Scenario test-mode header, which makes a
// payment (or every pay attempt of a session) fail with that error code.
func WithScenario(code string) CallOption {
	return func(cc *callConfig) { cc.scenario = code }
}

// WithPublishable authenticates the call with the publishable key, as a
// browser or app would (Sessions.Get, Sessions.Pay, Tokens.Create,
// PaymentMethods.List). Without a configured publishable key the secret key
// is used, which KOMOJU accepts for every endpoint.
func WithPublishable() CallOption {
	return func(cc *callConfig) { cc.publishable = true }
}

// NewIdempotencyKey returns a random (version 4) UUID for X-KOMOJU-IDEMPOTENCY.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// validateIdempotencyKey applies KOMOJU's rule: non-empty, at most 100
// printable ASCII characters.
func validateIdempotencyKey(k string) error {
	if len(k) > 100 {
		return fmt.Errorf("komoju: idempotency key is %d characters, KOMOJU allows at most 100", len(k))
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return fmt.Errorf("komoju: idempotency key %q must be printable ASCII without spaces", k)
		}
	}
	return nil
}

// pathEscapeID validates and escapes a resource id for use in a path. An
// empty id would silently turn "show" into "list", so it is an error.
func pathEscapeID(kind, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", fmt.Errorf("komoju: %s id is empty", kind)
	}
	return url.PathEscape(id), nil
}

// do sends one API call with retries and decodes a 2xx body into out (when
// out is non-nil). path is relative to the base URL and must not start with
// "/" (so a base URL prefix is never dropped).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, opts []CallOption) error {
	if c.err != nil {
		return c.err
	}
	if ctx == nil {
		return errors.New("komoju: nil context")
	}
	var cc callConfig
	for _, o := range opts {
		if o != nil {
			o(&cc)
		}
	}
	if strings.HasPrefix(path, "/") {
		return fmt.Errorf("komoju: endpoint path %q must be relative to the base URL", path)
	}
	u, err := c.baseURL.Parse(path)
	if err != nil {
		return fmt.Errorf("komoju: endpoint %q: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	target := u.String()

	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("komoju: encoding %s %s request: %w", method, path, err)
		}
	}

	// The idempotency key is fixed once, before the retry loop, so every
	// attempt is the same request to KOMOJU.
	key := ""
	if method == http.MethodPost {
		key = cc.idempotencyKey
		if key == "" {
			key = NewIdempotencyKey()
		} else if err := validateIdempotencyKey(key); err != nil {
			return err
		}
	}
	authKey := c.secretKey
	if cc.publishable && c.publishableKey != "" {
		authKey = c.publishableKey
	}
	if authKey == "" {
		return errors.New("komoju: no API key configured")
	}

	debug := c.logger.Enabled(ctx, slog.LevelDebug)
	if debug && len(body) > 0 {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "komoju request body",
			slog.String("method", method), slog.String("path", path),
			slog.String("idempotency_key", key), slog.String("body", redactJSON(body)))
	}

	var (
		lastErr   error
		maybeSent bool // some attempt may have reached KOMOJU
		attempts  int
	)
	for attempt := 1; ; attempt++ {
		attempts = attempt
		var rdr io.Reader
		if body != nil {
			rdr = bytes.NewReader(body) // also sets GetBody for redirects
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rdr)
		if err != nil {
			return fmt.Errorf("komoju: building %s %s: %w", method, path, err)
		}
		req.SetBasicAuth(authKey, "")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.userAgent)
		if c.apiVersion != "" {
			req.Header.Set("X-KOMOJU-API-VERSION", c.apiVersion)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			req.Header.Set("X-KOMOJU-IDEMPOTENCY", key)
		}
		if cc.scenario != "" {
			req.Header.Set("Komoju-Scenario", cc.scenario)
		}

		start := time.Now()
		status, respBody, retryAfter, err := c.roundTrip(req)
		if debug {
			attrs := []slog.Attr{
				slog.String("method", method), slog.String("path", u.Path),
				slog.Int("status", status), slog.Duration("duration", time.Since(start)),
				slog.Int("attempt", attempt),
			}
			if key != "" {
				attrs = append(attrs, slog.String("idempotency_key", key))
			}
			if err != nil {
				attrs = append(attrs, slog.String("error", err.Error()))
			}
			c.logger.LogAttrs(ctx, slog.LevelDebug, "komoju request", attrs...)
		}

		retryable := false
		switch {
		case err != nil:
			if !isDialError(err) {
				maybeSent = true
			}
			lastErr = err
			retryable = ctx.Err() == nil
		case status >= 200 && status < 300:
			if out == nil || len(bytes.TrimSpace(respBody)) == 0 {
				return nil
			}
			if err := json.Unmarshal(respBody, out); err != nil {
				if method == http.MethodPost {
					// KOMOJU did it, but we cannot tell what the result was.
					return fmt.Errorf("komoju: decoding %s %s response (HTTP %d, idempotency key %s): %w: %w; body: %s",
						method, path, status, key, ErrOutcomeUnknown, err, snippet(respBody))
				}
				return fmt.Errorf("komoju: decoding %s %s response (HTTP %d): %w; body: %s",
					method, path, status, err, snippet(respBody))
			}
			return nil
		default:
			apiErr := decodeError(status, respBody)
			apiErr.RequestID = key
			lastErr = apiErr
			retryable = retryableStatus(status)
			if !retryable {
				return apiErr
			}
		}

		if !retryable || attempt > c.maxRetries {
			break
		}
		delay := c.backoff(attempt)
		if retryAfter > delay {
			delay = retryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			break // the wait alone would outlive the caller
		}
		if c.sleep(ctx, delay) != nil {
			break
		}
	}

	var apiErr *Error
	if errors.As(lastErr, &apiErr) {
		if method == http.MethodPost && maybeSent {
			// An earlier attempt may have been processed before its answer
			// was lost; the last attempt's 5xx says nothing about it. Still
			// an *Error for errors.As.
			return fmt.Errorf("komoju: %s %s (idempotency key %s): an earlier attempt got no answer, the last got %w: %w",
				method, path, key, apiErr, ErrOutcomeUnknown)
		}
		if ctx.Err() != nil {
			// Still an *Error for errors.As, and says why retrying stopped.
			return fmt.Errorf("%w (stopped retrying: %w)", apiErr, ctx.Err())
		}
		return apiErr
	}
	if ctx.Err() != nil && !errors.Is(lastErr, ctx.Err()) {
		lastErr = fmt.Errorf("%w (last attempt: %w)", ctx.Err(), lastErr)
	}
	if method == http.MethodPost && maybeSent {
		return fmt.Errorf("komoju: %s %s (idempotency key %s) got no answer after %d attempt(s): %w: %w",
			method, path, key, attempts, ErrOutcomeUnknown, lastErr)
	}
	return fmt.Errorf("komoju: %s %s failed after %d attempt(s): %w", method, path, attempts, lastErr)
}

// roundTrip sends req and reads the whole body. A body that cannot be read
// to the end (connection dropped mid-answer) counts as a transport error.
func (c *Client) roundTrip(req *http.Request) (status int, body []byte, retryAfter time.Duration, err error) {
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp.StatusCode, nil, 0, fmt.Errorf("reading HTTP %d response: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, body, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryableStatus reports the answers the transport retries with the same
// idempotency key: those Classify calls unknown (500, 409 in flight) or
// try-later (423, 429, 503, 504). 502 is a card decline and is never
// retried; 4xx input errors would be refused again.
func retryableStatus(status int) bool {
	return ClassifyStatus(status, "").Retryable()
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date, capped at
// maxRetryAfter. Anything unparsable or in the past is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	if d > maxRetryAfter {
		return maxRetryAfter
	}
	return d
}

// isDialError reports a failure to connect at all: the request never left
// this machine, so its outcome is known (not done).
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// decodeError turns an error answer into *Error. Bodies that are not the
// {"error":{...}} envelope (HTML from a proxy, empty, truncated) still give
// a code derived from the status and a message quoting the body.
func decodeError(status int, body []byte) *Error {
	var env ErrorBody
	if json.Unmarshal(body, &env) == nil && env.Error != nil && (env.Error.Code != "" || env.Error.Message != "") {
		e := env.Error
		e.HTTPStatus = status
		if e.Code == "" {
			e.Code = codeForStatus(status)
		}
		if string(e.Details) == "null" {
			e.Details = nil
		}
		return e
	}
	msg := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if s := snippet(body); s != "" {
		msg += ": " + s
	} else {
		msg += " with an empty body"
	}
	return &Error{HTTPStatus: status, Code: codeForStatus(status), Message: msg}
}

// CodeTooManyRequests is the code given to a 429 answer without a body.
const CodeTooManyRequests = "too_many_requests"

func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusPaymentRequired:
		return CodeRequestFailed
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusConflict:
		return CodeConflict
	case http.StatusUnprocessableEntity:
		return CodeUnprocessableEntity
	case http.StatusLocked:
		return CodeLocked
	case http.StatusTooManyRequests:
		return CodeTooManyRequests
	case http.StatusInternalServerError:
		return CodeInternalServerError
	case http.StatusBadGateway:
		return CodeBadGateway
	case http.StatusServiceUnavailable:
		return CodeServiceUnavailable
	case http.StatusGatewayTimeout:
		return CodeGatewayTimeout
	}
	return "http_" + strconv.Itoa(status)
}

// snippet returns the start of a body for an error message, on one line.
func snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	cut := len(s) > max
	if cut {
		s = strings.ToValidUTF8(s[:max], "") // drop a rune cut in half
	}
	s = strings.Join(strings.Fields(s), " ")
	if cut {
		s += "…"
	}
	return s
}

// redactJSON rewrites a request body for logging: every "number" and
// "verification_value" (card number and CVC, at any depth) is replaced.
// Bodies that are not JSON are not logged at all.
func redactJSON(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return "[unloggable body]"
	}
	v = redactValue(v)
	out, err := json.Marshal(v)
	if err != nil {
		return "[unloggable body]"
	}
	return string(out)
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			switch k {
			case "number", "verification_value":
				t[k] = "[redacted]"
			default:
				t[k] = redactValue(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
	}
	return v
}
