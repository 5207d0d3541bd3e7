package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// testCard and testCVC are what the tests type; neither may ever appear in
// what a command prints.
const (
	testCard = "4111111111111111"
	testCVC  = "987"
)

// harness runs commands against one in-process sandbox and a journal in a
// temporary directory, as main would (a fresh Backend per command).
type harness struct {
	t        *testing.T
	sb       *sandbox.Server
	dir      string
	env      map[string]string
	connects atomic.Int32

	mu  sync.Mutex
	out []string // everything every command printed, for the secret scan
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	dir := t.TempDir()
	h := &harness{t: t, sb: sb, dir: dir, env: map[string]string{
		"XDG_CONFIG_HOME":    dir, // no config file
		"KOMOJU_TUI_JOURNAL": filepath.Join(dir, "journal.db"),
	}}
	// The till's journal exists, as after its first start: the reports
	// refuse a journal path with no file (TestReportsRefuseAMissingJournal).
	startJournal(t, h.env["KOMOJU_TUI_JOURNAL"])
	t.Cleanup(h.scanSecrets)
	return h
}

// connect is the Connector: the embedded sandbox in sandbox mode, else the
// configured URL and key (how the auth and network tests reach a refusing
// or absent server).
func (h *harness) connect(ctx context.Context, cfg config.Config) (*Backend, error) {
	h.connects.Add(1)
	return app.Open(ctx, cfg, app.Options{
		Sandbox:       h.sb,
		Getenv:        func(string) string { return "" },
		ClientOptions: []komoju.Option{komoju.WithBackoff(func(int) time.Duration { return 0 }), komoju.WithMaxRetries(1)},
		PollBackoff:   func(int) time.Duration { return 5 * time.Millisecond },
		Timeout:       5 * time.Second,
	})
}

// startJournal creates the journal at path, as a till's first start does.
func startJournal(t *testing.T, path string) {
	t.Helper()
	j, err := journal.OpenWith(path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// run runs one command and returns its exit code and output.
func (h *harness) run(args ...string) (int, string, string) {
	h.t.Helper()
	return h.runEnv(nil, args...)
}

func (h *harness) runEnv(extra map[string]string, args ...string) (int, string, string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return h.env[k]
	}
	code := Run(ctx, args[0], args[1:], &stdout, &stderr, getenv, h.connect)
	h.mu.Lock()
	h.out = append(h.out, stdout.String(), stderr.String())
	h.mu.Unlock()
	return code, stdout.String(), stderr.String()
}

// scanSecrets fails the test if the test card number or CVC was printed.
func (h *harness) scanSecrets() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range leaks(h.out) {
		h.t.Error(l)
	}
}

// leaks lists the outputs that show the test card number or the CVC.
func leaks(outputs []string) []string {
	// The CVC as a value of its own (random ids and timestamps may hold
	// the same three digits inside them).
	cvc := regexp.MustCompile(`(^|[\s"'=:,(\[])` + testCVC + `($|[\s"',)\]])`)
	var out []string
	for _, o := range outputs {
		if strings.Contains(o, testCard) || strings.Contains(o, flows.FormatCardNumber(testCard)) {
			out = append(out, "the card number was printed:\n"+o)
		}
		if cvc.MatchString(o) {
			out = append(out, "the CVC was printed:\n"+o)
		}
	}
	return out
}

// testExp is a card expiry five years after today (MM/YY): pay checks
// expiry against the real clock, so a fixed date would fail once it passed.
var testExp = time.Now().AddDate(5, 0, 0).Format("01/06")

// cardArgs is a successful card payment's flags for number n.
func cardArgs(n string) []string {
	return []string{"--method", "credit_card", "--card", n, "--exp", testExp, "--cvc", testCVC}
}

// unfinishedSale begins a card sale on till's journal that never reached
// KOMOJU (no payment, outcome unknown): what a crash mid-sale leaves.
func (h *harness) unfinishedSale(till, orderNum string, capture komoju.CaptureMode) {
	h.t.Helper()
	j, err := journal.OpenWith(h.env["KOMOJU_TUI_JOURNAL"], journal.Options{Till: till})
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = j.BeginSale(context.Background(), journal.Intent{OrderNum: orderNum, IdempotencyKey: "idem-" + orderNum, Flow: journal.FlowDirect,
		Method: komoju.TypeCreditCard, Amount: 5000, Currency: "JPY", Capture: capture})
	j.Close()
	if err != nil {
		h.t.Fatal(err)
	}
}

// pay runs "pay" with amount and extra flags.
func (h *harness) pay(amount string, extra ...string) (int, string, string) {
	h.t.Helper()
	return h.run(append([]string{"pay", "--amount", amount}, extra...)...)
}

// payJSON runs pay --json and decodes the result.
func (h *harness) payJSON(amount string, extra ...string) (int, outcomeJSON, string) {
	h.t.Helper()
	code, out, errOut := h.pay(amount, append(extra, "--json")...)
	return code, decode[outcomeJSON](h.t, out), errOut
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output is not the expected JSON (%v):\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value in the output:\n%s", s)
	}
	return v
}

// customer acts on a hosted page as the customer would: "3ds" (with
// code), "approve", "decline", "pay_at_store".
func (h *harness) customer(paymentID, action string, form url.Values) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.sb.BaseURL()+"/sandbox/payments/"+paymentID+"/"+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(h.sb.SecretKey(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", action, paymentID, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("%s %s: HTTP %d", action, paymentID, resp.StatusCode)
	}
}

// field returns the value of a "label: value" line of text output.
func field(out, label string) string {
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, label+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
