package proof

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// longMode reports whether the long versions of the suites run
// (KOMOJU_TUI_LONG=1).
func longMode() bool { return os.Getenv("KOMOJU_TUI_LONG") == "1" }

// cardExpiry (MM/YY) and cardYear (YYYY) are five years after today: the
// engine and the sandbox check a card's expiry against the real clock, so
// a fixed date would make the suites fail once it passes.
var (
	cardExpiry = time.Now().AddDate(5, 0, 0).Format("01/06")
	cardYear   = time.Now().AddDate(5, 0, 0).Format("2006")
)

// binDir holds the komoju-tui binary built once for the whole package run.
var binDir string

func TestMain(m *testing.M) {
	if os.Getenv(phoneChildEnv) != "" {
		os.Exit(m.Run()) // a child till: it builds nothing and is killed
	}
	d, err := os.MkdirTemp("", "komoju-tui-proof-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "proof: temp dir:", err)
		os.Exit(1)
	}
	binDir = d
	code := m.Run()
	_ = os.RemoveAll(d)
	os.Exit(code)
}

// buildState is the result of building the binary once.
type buildState struct {
	once sync.Once
	path string
	err  error
}

// built is per package run (TestMain owns its directory); it is only
// touched through binary(), which serialises with once.
var built buildState

// moduleRoot is the directory holding go.mod (tests run in flows/proof).
func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

// goTool finds the go command that runs these tests.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// binary builds komoju-tui from the module root (once per package run) and
// returns its path (KOMOJU_TUI_PROOF_BIN=PATH uses that binary instead).
// Under -race it is built with -race, which reuses the
// packages the test build already compiled.
func binary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if p := os.Getenv("KOMOJU_TUI_PROOF_BIN"); p != "" {
			// A binary built elsewhere, e.g. from an older commit, to see
			// which suites it fails (docs/RELIABILITY.md).
			built.path = p
			return
		}
		out := filepath.Join(binDir, "komoju-tui")
		args := []string{"build", "-o", out}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, ".")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goTool(), args...)
		cmd.Dir = moduleRoot(t)
		b, err := cmd.CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, b)
			return
		}
		built.path = out
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the binary with args and exactly env (plus PATH and HOME set to
// a temp dir, so no user config or journal is touched), bounded by 60 s.
func run(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = baseEnv(t, env)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("komoju-tui %s: %v", strings.Join(redactArgs(args), " "), err)
		}
		code = ee.ExitCode()
	}
	return result{code: code, stdout: so.String(), stderr: se.String()}
}

// baseEnv is a minimal environment: PATH, a throwaway HOME and XDG dirs
// (nothing of the user's is read or written), plus env.
func baseEnv(t testing.TB, env []string) []string {
	home := t.TempDir()
	base := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"TERM=dumb",
	}
	if raceEnabled {
		// A race in the binary fails the run loudly.
		base = append(base, "GORACE=halt_on_error=1 exitcode=66 atexit_sleep_ms=0")
	}
	return append(base, env...)
}

// redactArgs hides card numbers and CVCs when a command line is printed.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i := 0; i+1 < len(out); i++ {
		if out[i] == "--card" || out[i] == "--cvc" {
			out[i+1] = "***"
		}
	}
	return out
}

// startSandbox starts an in-process sandbox closed at the end of the test.
func startSandbox(t testing.TB, o sandbox.Options) *sandbox.Server {
	t.Helper()
	if o.WebhookBackoff == 0 {
		o.WebhookBackoff = time.Millisecond
	}
	sb, err := sandbox.New(o)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// fastClient is a komoju client for sb without sleeping between retries.
func fastClient(sb *sandbox.Server, extra ...komoju.Option) *komoju.Client {
	opts := append([]komoju.Option{komoju.WithBaseURL(sb.URL()), komoju.WithBackoff(func(int) time.Duration { return 0 })}, extra...)
	return komoju.NewClient(sb.SecretKey(), opts...)
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// allPayments pages through GET /payments (100 per page): the count the
// API gives, not what any cache believes.
func allPayments(t testing.TB, c *komoju.Client, orderNum string) []komoju.Payment {
	t.Helper()
	var all []komoju.Payment
	for page := 1; ; page++ {
		l, err := c.Payments.List(testCtx(t, 30*time.Second), &komoju.PaymentListParams{ExternalOrderNum: orderNum, Page: page, PerPage: 100})
		if err != nil {
			t.Fatalf("GET /payments page %d: %v", page, err)
		}
		all = append(all, l.Data...)
		if page >= l.LastPage || len(l.Data) == 0 {
			if len(all) != l.Total {
				t.Fatalf("GET /payments: paged %d payments, envelope total %d", len(all), l.Total)
			}
			return all
		}
	}
}

// allEvents pages through GET /events.
func allEvents(t testing.TB, c *komoju.Client) []komoju.Event {
	t.Helper()
	var all []komoju.Event
	for page := 1; ; page++ {
		l, err := c.Events.List(testCtx(t, 30*time.Second), &komoju.EventListParams{Page: page, PerPage: 100})
		if err != nil {
			t.Fatalf("GET /events page %d: %v", page, err)
		}
		all = append(all, l.Data...)
		if page >= l.LastPage || len(l.Data) == 0 {
			if len(all) != l.Total {
				t.Fatalf("GET /events: paged %d events, envelope total %d", len(all), l.Total)
			}
			return all
		}
	}
}

// eventPayment returns the payment id an event is about.
func eventPayment(t testing.TB, ev komoju.Event) string {
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ev.Data, &p); err != nil || p.ID == "" {
		t.Fatalf("event %s (%s): no payment id in data: %v", ev.ID, ev.Type, err)
	}
	return p.ID
}

// rawCall sends one request with basic auth key (none when empty) and
// returns the status and body.
func rawCall(t testing.TB, method, url, key, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t, 30*time.Second), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20)) // the delivery log of a load run is several MB
	if err != nil {
		t.Fatalf("%s %s: reading answer: %v", method, url, err)
	}
	return res.StatusCode, b
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// newCmd builds a command running the binary with the test environment.
func newCmd(t testing.TB, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary(t), args...)
	cmd.Env = baseEnv(t, env)
	return cmd
}

// syncBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
