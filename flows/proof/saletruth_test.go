package proof

// Helpers of the sale-truth suites (issue 10): several processes, tills
// and scripts driving the built binary against one KOMOJU, with a proxy
// that plays a slow or lossy network.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// runErr runs the binary like run, but reports a failure to start as an
// error instead of t.Fatal, so many goroutines can run it at once.
func runErr(t testing.TB, env []string, args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = baseEnv(t, env)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			return result{}, fmt.Errorf("komoju-tui %s: %v (%v)\n%s", strings.Join(redactArgs(args), " "), err, ctx.Err(), se.String())
		}
		code = ee.ExitCode()
	}
	return result{code: code, stdout: so.String(), stderr: se.String()}, nil
}

// payJSON is the part of `pay --json` (and `show --json`) the suites read.
type payJSON struct {
	OK        bool          `json:"ok"`
	ExitCode  int           `json:"exit_code"`
	Outcome   string        `json:"outcome"`
	Message   string        `json:"message"`
	PaymentID string        `json:"payment_id"`
	SessionID string        `json:"session_id"`
	OrderNum  string        `json:"order_num"`
	Status    string        `json:"status"`
	Amount    int64         `json:"amount"`
	Total     int64         `json:"total"`
	Currency  string        `json:"currency"`
	Journal   *journal.Sale `json:"journal"`
}

// parsePay reads one JSON object from a command's stdout.
func parsePay(out string) (payJSON, error) {
	var p payJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		return p, fmt.Errorf("not one JSON outcome: %v\n%s", err, out)
	}
	return p, nil
}

// cardPay is the arguments of a card sale of amount yen (no order number:
// the till numbers it).
func cardPay(amount int64, extra ...string) []string {
	return append([]string{"pay", "--amount", fmt.Sprint(amount), "--method", "credit_card", "--card", "4111111111111111",
		"--exp", cardExpiry, "--cvc", "123", "--json"}, extra...)
}

// apiEnv points the binary at a KOMOJU (sandbox) API through url.
func apiEnv(key, url string) []string {
	return []string{"KOMOJU_SECRET_KEY=" + key, "KOMOJU_API_URL=" + url}
}

// machineEnv is one machine's directories: its config (and so its till
// id), data (and so its default journal) and state. Two processes with the
// same machineEnv are two processes on one till.
func machineEnv(dir string) []string {
	return []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_STATE_HOME=" + filepath.Join(dir, "state")}
}

// tillOf reads the till id the binary made in a machine's config dir.
func tillOf(t testing.TB, dir string) string {
	t.Helper()
	id, err := readTill(dir)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func readTill(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config", "komoju-tui", "till"))
	if err != nil {
		return "", fmt.Errorf("no till id in %s: %w", dir, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// openJournal opens a journal file to read what the processes wrote.
func openJournal(t testing.TB, path string) *journal.Journal {
	t.Helper()
	j, err := journal.OpenWith(path, journal.Options{SkipQuickCheck: true})
	if err != nil {
		t.Fatalf("journal %s: %v", path, err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

// allSales lists every sale of a journal.
func allSales(t testing.TB, j *journal.Journal) []journal.Sale {
	t.Helper()
	s, err := j.Sales(context.Background(), journal.Filter{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// proxyAction is what faultProxy does with one request.
type proxyAction int

const (
	// pass forwards the request and its answer.
	pass proxyAction = iota
	// dropBefore closes the connection without forwarding: KOMOJU never
	// sees the request.
	dropBefore
	// dropAfter forwards the request, then closes the connection without
	// answering: KOMOJU did the work, the answer is lost.
	dropAfter
	// unavailable answers 503 service_unavailable without forwarding.
	unavailable
	// slow holds the request for faultProxy.delay and then forwards it,
	// whether or not the client is still there (a slow card processor
	// keeps working after the terminal gave up).
	slow
)

// faultProxy sits between the binary and the sandbox and applies decide's
// action to each request. Forwarded requests use a context of their own, so
// the work happens even when the client has gone, as on a real server.
type faultProxy struct {
	target string // sandbox base URL (no /api/v1)
	decide func(r *http.Request) proxyAction
	delay  time.Duration

	inflight sync.WaitGroup // forwards still running (slow ones outlive their client)
	counts   [slow + 1]atomic.Int64
	srv      *httptest.Server
}

// newFaultProxy starts a proxy to target closed at the end of the test.
// decide may be nil (everything passes).
func newFaultProxy(t testing.TB, target string, decide func(*http.Request) proxyAction) *faultProxy {
	p := &faultProxy{target: target, decide: decide, delay: 3 * time.Second}
	p.srv = httptest.NewServer(p)
	t.Cleanup(func() {
		p.inflight.Wait()
		p.srv.Close()
	})
	return p
}

// API is the proxy's API base URL.
func (p *faultProxy) API() string { return p.srv.URL + "/api/v1" }

// settle waits for every forward the proxy started, so KOMOJU has done all
// the work it was asked to do before the test counts it.
func (p *faultProxy) settle() { p.inflight.Wait() }

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	act := pass
	if p.decide != nil {
		act = p.decide(r)
	}
	p.counts[act].Add(1)
	switch act {
	case dropBefore:
		hangUp(w)
		return
	case unavailable:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"code":"service_unavailable","message":"The service is temporarily unavailable; nothing was done","param":null,"details":{}}}`)
		return
	}
	// The forward goes on without the client: only the proxy's own bound
	// ends it.
	p.inflight.Add(1)
	type answer struct {
		res  *http.Response
		body []byte
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		defer p.inflight.Done()
		if act == slow {
			time.Sleep(p.delay)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			done <- answer{err: err}
			return
		}
		out.Header = r.Header.Clone()
		res, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			done <- answer{err: err}
			return
		}
		rb, err := io.ReadAll(res.Body)
		res.Body.Close()
		done <- answer{res: res, body: rb, err: err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-r.Context().Done():
		return // the client gave up; the forward still completes
	}
	if a.err != nil {
		http.Error(w, a.err.Error(), http.StatusBadGateway)
		return
	}
	if act == dropAfter {
		hangUp(w)
		return
	}
	for k, v := range a.res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.res.StatusCode)
	_, _ = w.Write(a.body)
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// isCreate reports a Payment: Create (Method 2's money-moving call).
func isCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v1/payments")
}

// paymentsByID indexes payments by id.
func paymentsByID(ps []komoju.Payment) map[string]komoju.Payment {
	m := make(map[string]komoju.Payment, len(ps))
	for _, p := range ps {
		m[p.ID] = p
	}
	return m
}
