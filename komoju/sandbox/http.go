package sandbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// access says which keys may call an endpoint.
type access uint8

const (
	secretOnly    access = iota
	publishableOK        // session show/pay, tokens, payment methods
)

// apiReq is one decoded API request.
type apiReq struct {
	r   *http.Request
	p   obj
	now time.Time
}

// apiResp is a complete answer: status and JSON body (nil body = empty).
// v, when set, is the immutable value body was encoded from: a remembered
// idempotent answer keeps v instead of the bytes (encoding it again gives
// the same bytes), which saves about a kilobyte per payment.
type apiResp struct {
	status int
	body   []byte
	v      any
	// pooled: body came from respBufs (in this holder) and goes back once
	// written (see okJSON); nothing else may keep it.
	pooled *[]byte
}

// compact drops the encoded body when it can be rebuilt from v. A
// session also drops its payment_methods (about 1.3 KB with every type),
// which follow from its types, amount, currency and fees.
func (r apiResp) compact() apiResp {
	if r.v == nil {
		return r
	}
	r.body, r.pooled = nil, nil
	if sv, ok := r.v.(*komoju.Session); ok && sv.PaymentMethods != nil {
		a := &sessionAnswer{s: *sv, types: make([]komoju.PaymentType, len(sv.PaymentMethods))}
		for i, m := range sv.PaymentMethods {
			a.types[i] = m.Type
			if m.CustomerFee != 0 && a.fees == nil {
				a.fees = make([]int64, len(sv.PaymentMethods))
			}
			if a.fees != nil {
				a.fees[i] = m.CustomerFee
			}
		}
		a.s.PaymentMethods = nil
		r.v = a
	}
	return r
}

// expand rebuilds the body (and a session's payment_methods) of a
// compacted answer.
func (r apiResp) expand() apiResp {
	if a, ok := r.v.(*sessionAnswer); ok {
		v := a.s
		v.PaymentMethods = make([]komoju.SessionPaymentMethod, len(a.types))
		for i, t := range a.types {
			var fee int64
			if a.fees != nil {
				fee = a.fees[i]
			}
			v.PaymentMethods[i] = sessionMethod(t, fee, v.Amount, v.Currency)
		}
		r.v = &v
	}
	if r.body == nil && r.v != nil {
		r.body, _ = marshalJSON(r.v)
	}
	return r
}

// sessionAnswer is a remembered Session answer without its
// payment_methods (see compact).
type sessionAnswer struct {
	s     komoju.Session
	types []komoju.PaymentType
	fees  []int64 // nil: no fees
}

func jsonMarshal(v any) ([]byte, error) { return marshalJSON(v) }

func okJSON(v any) apiResp {
	if b, bp, ok := marshalPooled(v); ok {
		return apiResp{status: http.StatusOK, body: b, v: v, pooled: bp}
	}
	b, err := marshalJSON(v)
	if err != nil {
		return fail(newErr(komoju.CodeInternalServerError, "", "could not encode the response"))
	}
	return apiResp{status: http.StatusOK, body: b, v: v}
}

func fail(e *apiError) apiResp { return apiResp{status: e.status, body: e.body()} }

// KOMOJU's request headers in canonical form: Header.Get canonicalizes
// its argument, which for the upper-case spelling of KOMOJU's docs
// allocated a new string on every request.
const (
	hdrIdempotency = "X-Komoju-Idempotency" // X-KOMOJU-IDEMPOTENCY
	hdrAPIVersion  = "X-Komoju-Api-Version" // X-KOMOJU-API-VERSION
)

var (
	hdrJSON    = []string{"application/json; charset=utf-8"}
	hdrNoStore = []string{"no-store"}
	lengthsMu  sync.Once
	lengths    [][]string // Content-Length values for 0..lengthsN-1
)

const lengthsN = 4096 // payments and sessions are 0.6–3 KB; a list page is built per request anyway

func contentLength(n int) []string {
	if n >= lengthsN {
		return []string{strconv.Itoa(n)}
	}
	lengthsMu.Do(func() {
		lengths = make([][]string, lengthsN)
		for i := range lengths {
			lengths[i] = []string{strconv.Itoa(i)}
		}
	})
	return lengths[n]
}

func writeResp(w http.ResponseWriter, resp apiResp) {
	h := w.Header()
	// One allocation for the three headers. Content-Length lets net/http
	// send a large answer (a list page is ~60 KB) in one piece instead of
	// chunks.
	// The first two are shared read-only slices (net/http only reads a
	// header's values, and replaces, never edits, them); Content-Length
	// comes from a table for the usual sizes. No allocation per answer.
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	h["Content-Length"] = contentLength(len(resp.body))
	w.WriteHeader(resp.status)
	if len(resp.body) > 0 {
		_, _ = w.Write(resp.body)
	}
}

// routes builds the handler: the API under /api/v1, sandbox controls under
// /sandbox/, and the hosted pages.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, acc access, h func(*apiReq) apiResp) {
		mux.Handle(pattern, s.api(acc, h))
	}
	api("POST /api/v1/payments", secretOnly, s.createPayment)
	api("GET /api/v1/payments", secretOnly, s.listPayments)
	api("GET /api/v1/payments/{id}", secretOnly, s.getPayment)
	api("PATCH /api/v1/payments/{id}", secretOnly, s.updatePayment)
	api("PUT /api/v1/payments/{id}", secretOnly, s.updatePayment)
	api("POST /api/v1/payments/{id}/capture", secretOnly, s.capturePayment)
	api("POST /api/v1/payments/{id}/cancel", secretOnly, s.cancelPayment)
	api("POST /api/v1/payments/{id}/refund", secretOnly, s.refundPayment)
	api("POST /api/v1/payments/{id}/refund_request", secretOnly, s.refundRequest)
	api("POST /api/v1/sessions", secretOnly, s.createSession)
	api("GET /api/v1/sessions/{id}", publishableOK, s.getSession)
	api("POST /api/v1/sessions/{id}/pay", publishableOK, s.paySession)
	api("POST /api/v1/sessions/{id}/cancel", secretOnly, s.cancelSession)
	api("GET /api/v1/events", secretOnly, s.listEvents)
	api("GET /api/v1/events/{id}", secretOnly, s.getEvent)
	api("GET /api/v1/payment_methods", publishableOK, s.paymentMethods)
	api("POST /api/v1/tokens", publishableOK, s.createToken)
	api("POST /api/v1/secure_tokens", publishableOK, s.createSecureToken)
	api("GET /api/v1/secure_tokens/{id}", publishableOK, s.getSecureToken)
	mux.Handle("/api/v1/", s.api(publishableOK, func(q *apiReq) apiResp {
		return fail(newErr(komoju.CodeNotFound, "", "No endpoint %s %s", q.r.Method, truncate(q.r.URL.Path, 100)))
	}))

	ctl := func(pattern string, h func(*apiReq) apiResp) {
		mux.Handle(pattern, s.control(h))
	}
	ctl("POST /sandbox/clock", s.ctlClock)
	ctl("GET /sandbox/clock", s.ctlClock)
	ctl("POST /sandbox/reset", s.ctlReset)
	ctl("POST /sandbox/webhooks", s.ctlAddWebhook)
	ctl("GET /sandbox/webhooks", s.ctlListWebhooks)
	ctl("POST /sandbox/webhooks/retry", s.ctlRetryWebhooks)
	ctl("GET /sandbox/webhook_deliveries", s.ctlDeliveries)
	ctl("POST /sandbox/faults", s.ctlFaults)
	ctl("GET /sandbox/faults", s.ctlFaults)

	s.pageRoutes(mux)
	mux.HandleFunc("/", s.noRoute)
	return s.recoverer(s.persistent(s.front(mux)))
}

// recoverer is the last line of defence: a panic anywhere answers a
// KOMOJU-shaped 500 (when nothing was written yet) and is logged.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("sandbox: panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				writeResp(w, fail(newErr(komoju.CodeInternalServerError, "", "The sandbox hit an internal error; it has been logged")))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// keyFromRequest extracts the API key from HTTP Basic auth. It accepts
// "key:" (curl -u key:) and a bare "key" without the colon, as KOMOJU's
// mobile SDK sends it.
func keyFromRequest(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", false
	}
	user, _, _ := strings.Cut(string(raw), ":")
	return user, user != ""
}

func (s *Server) authenticate(r *http.Request, acc access) (string, *apiError) {
	// Fast path: the exact header curl and the komoju client send for the
	// secret key, compared in constant time without decoding it.
	if h := r.Header.Get("Authorization"); len(h) == len(s.secretAuth) {
		var diff byte
		for i := 0; i < len(h); i++ {
			diff |= h[i] ^ s.secretAuth[i]
		}
		if diff == 0 {
			return s.secretKey, nil
		}
	}
	key, ok := keyFromRequest(r)
	if !ok {
		return "", newErr(komoju.CodeUnauthorized, "", "Authentication required: send your API key as the HTTP Basic username (curl -u YOUR_SECRET_KEY: ...)")
	}
	switch {
	case subtle.ConstantTimeCompare([]byte(key), []byte(s.secretKey)) == 1:
		return key, nil
	case subtle.ConstantTimeCompare([]byte(key), []byte(s.publishableKey)) == 1:
		if acc == publishableOK {
			return key, nil
		}
		return "", newErr(komoju.CodeForbidden, "", "The publishable key may only show and pay sessions, create tokens and list payment methods; use the secret key for this endpoint")
	}
	return "", newErr(komoju.CodeUnauthorized, "", "Invalid API key")
}

// readParams reads and decodes the body (POST/PATCH/PUT) or the query (GET).
func readParams(r *http.Request) ([]byte, obj, *apiError) {
	if r.Method == http.MethodGet || r.Method == http.MethodDelete || r.Method == http.MethodHead {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, nil, errBadRequest("The query string is malformed")
		}
		p, perr := parseForm(q)
		return nil, p, perr
	}
	body, err := readBody(r)
	if err != nil {
		return nil, nil, errBadRequest("Could not read the request body")
	}
	if len(body) > maxBody {
		return nil, nil, errBadRequest("The request body is larger than 1 MiB")
	}
	if !utf8.Valid(body) {
		return body, nil, errBadRequest("The request body is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return body, obj{}, nil
	}
	ct := r.Header.Get("Content-Type")
	mt := mediaType(ct)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || (mt == "" && trimmed[0] == '{'):
		p, perr := parseJSON(trimmed)
		return body, p, perr
	case mt == "application/x-www-form-urlencoded" || mt == "" || mt == "text/plain":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return body, nil, errBadRequest("The form-encoded body is malformed")
		}
		p, perr := parseForm(q)
		return body, p, perr
	}
	return body, nil, errBadRequest("Unsupported Content-Type %q: send application/json or application/x-www-form-urlencoded", truncate(ct, 64))
}

// mediaType is mime.ParseMediaType's media type, without building the
// parameter map for the two headers clients send (mime.ParseMediaType
// allocated on every POST).
func mediaType(ct string) string {
	switch ct {
	case "application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8":
		return "application/json"
	case "application/x-www-form-urlencoded":
		return ct
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

// readBody reads at most maxBody+1 bytes of the body, with io.ReadAll's
// semantics. With a Content-Length within the limit (what every client
// sends) it reads into a buffer of exactly that size, so the bytes are
// read once without io.ReadAll's growing copies; otherwise it reads as
// before.
func readBody(r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if n < 0 || n > maxBody {
		return io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	}
	body := make([]byte, n)
	for m := 0; m < len(body); {
		k, err := r.Body.Read(body[m:])
		m += k
		if err == io.EOF {
			return body[:m], nil // shorter than announced: what was sent, as io.ReadAll gives
		}
		if err != nil {
			return nil, err
		}
	}
	// net/http enforces Content-Length; a Body that does not (a handler
	// called directly) must still not smuggle bytes past the limit.
	var probe [1]byte
	for {
		k, err := r.Body.Read(probe[:])
		if k > 0 {
			rest, err := io.ReadAll(io.LimitReader(r.Body, maxBody-n))
			return append(append(body, probe[0]), rest...), err
		}
		if err == io.EOF {
			return body, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// api wraps an endpoint with faults, auth, body decoding and idempotency.
func (s *Server) api(acc access, h func(*apiReq) apiResp) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		f := s.CurrentFaults()
		if s.roll(f.FailRate) {
			writeResp(w, fail(newErr(komoju.CodeServiceUnavailable, "", "The sandbox is simulating an outage (fail rate %.2f); nothing was done, retry later", f.FailRate)))
			return
		}
		resp, gone := s.handleAPI(r, acc, h, f.Latency, s.slowFor(f, r))
		if gone { // the client left, or the server is stopping, during the simulated latency; nothing was done
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		if s.roll(f.DropRate) {
			s.log.Info("sandbox: dropping the connection (fault injection)", "method", r.Method, "path", r.URL.Path, "status", resp.status)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
				return
			}
			panic(http.ErrAbortHandler) // HTTP/2 or no hijack: abort the stream
		}
		if resp.v != nil && legacyFailedStatus(r) {
			resp = asLegacy(resp.expand())
		}
		writeResp(w, resp)
		if resp.pooled != nil {
			putRespBuf(resp.pooled, resp.body)
		}
		if s.log.Enabled(r.Context(), slog.LevelDebug) { // skip building attributes on the hot path
			s.log.Debug("sandbox request", "method", r.Method, "path", r.URL.Path, "status", resp.status, "duration", time.Since(start))
		}
	})
}

// handleAPI authenticates, decodes and runs one API request. The simulated
// latency is spent after the idempotency key is registered, like a slow
// server: a retry arriving meanwhile gets 409. gone reports that the client
// disconnected during that delay (the request was then not processed). The
// slow fault's hold comes next and is not cut short by the client leaving:
// the request is processed anyway (see Faults.Slow).
func (s *Server) handleAPI(r *http.Request, acc access, h func(*apiReq) apiResp, latency, slow time.Duration) (resp apiResp, gone bool) {
	key, aerr := s.authenticate(r, acc)
	if aerr != nil {
		return fail(aerr), false
	}
	body, params, perr := readParams(r)
	now := s.clock.Now()

	idemKey := r.Header.Get(hdrIdempotency)
	var entry *idemEntry
	if idemKey != "" && r.Method == http.MethodPost {
		if len(idemKey) > 100 || !isPrintableASCII(idemKey) {
			return fail(errInvalid("X-KOMOJU-IDEMPOTENCY", "an idempotency key is 1 to 100 printable ASCII characters")), false
		}
		var done bool
		entry, resp, done = s.idemBegin(key, idemKey, r, body, now)
		if done {
			return resp, false
		}
		defer func() {
			if v := recover(); v != nil || gone {
				s.idemAbort(key, idemKey, entry)
				if v != nil {
					panic(v)
				}
				return
			}
			s.idemFinish(entry, resp)
		}()
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return apiResp{}, true
		case <-s.stop: // shutting down: do not hold Close up for a simulated delay
			t.Stop()
			return apiResp{}, true
		}
		now = s.clock.Now()
	}
	if slow > 0 {
		s.holdSlow(slow)
		now = s.clock.Now()
		if r.Context().Err() != nil {
			s.log.Info("sandbox: slow request finished after the client left (fault injection)", "method", r.Method, "path", r.URL.Path)
		}
	}
	if perr != nil {
		return fail(perr), false
	}
	resp = h(&apiReq{r: r, p: params, now: now})
	releaseObj(params) // the handler kept none of it (see objPool)
	return resp, false
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// idemWindow is how long KOMOJU remembers an idempotency key: "valid for
// up to 24 hours from first use, after which it can be reused"
// (https://doc.komoju.com/docs/idempotent-requests). The sandbox forgets
// the key and its answer then (expire sweeps them), which is most of what
// a sale costs it in the first day.
const idemWindow = 24 * time.Hour

// idemKey scopes an idempotency key to the API key that sent it.
type idemKey struct {
	publishable bool
	key         string
}

func (s *Server) idemKey(apiKey, key string) idemKey {
	return idemKey{publishable: apiKey == s.publishableKey, key: key}
}

// idemEntry is a remembered idempotent request.
type idemEntry struct {
	hash     [32]byte
	created  time.Time
	inFlight bool
	resp     apiResp
}

// idemHash identifies "the same request": method, path, body and the
// Komoju-Scenario header.
func idemHash(r *http.Request, body []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.Path))
	h.Write([]byte{0})
	h.Write([]byte(r.Header.Get("Komoju-Scenario")))
	h.Write([]byte{0})
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// idemBegin implements KOMOJU's idempotency (§1.1): a repeat of a finished
// request replays its answer; a repeat while the first is in flight is 409;
// reusing a key for a different request is 422. Keys are scoped to the API
// key and remembered for 24 hours of sandbox time.
func (s *Server) idemBegin(apiKey, key string, r *http.Request, body []byte, now time.Time) (*idemEntry, apiResp, bool) {
	hash := idemHash(r, body)
	k := s.idemKey(apiKey, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.st.idem[k]; e != nil && (e.inFlight || now.Sub(e.created) < idemWindow) {
		switch {
		case e.hash != hash:
			return nil, fail(newErr(komoju.CodeUnprocessableEntity, "X-KOMOJU-IDEMPOTENCY",
				"Idempotency key %q was already used for a different request (method, path or body differ); use a new key for a new request", truncate(key, 100))), true
		case e.inFlight:
			return nil, fail(newErr(komoju.CodeConflict, "X-KOMOJU-IDEMPOTENCY",
				"A request with idempotency key %q is still being processed; retry after it finishes", truncate(key, 100))), true
		}
		return nil, e.resp.expand(), true
	}
	e := &idemEntry{hash: hash, created: now, inFlight: true}
	s.st.idem[k] = e
	return e, apiResp{}, false
}

func (s *Server) idemFinish(e *idemEntry, resp apiResp) {
	s.mu.Lock()
	e.inFlight = false
	e.resp = resp.compact()
	s.mu.Unlock()
}

// idemAbort forgets a key whose request panicked, so a retry can run.
func (s *Server) idemAbort(apiKey, key string, e *idemEntry) {
	s.mu.Lock()
	if k := s.idemKey(apiKey, key); s.st.idem[k] == e {
		delete(s.st.idem, k)
	}
	s.mu.Unlock()
}
