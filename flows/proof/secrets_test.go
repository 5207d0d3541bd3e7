package proof

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// proofCVC is the security code every sale in the secrets run types: a
// value distinctive enough to search for.
const proofCVC = "918"

// proofSecret is the sandbox's secret key in the secrets run.
const proofSecret = "sk_test_proofsecret_Zq8Xw2Lm4Np6Rt0Vb3"

// TestNoSecretsLeftBehind runs full card sales with the test cards — in
// process through flows (debug logging of engine, client and sandbox to
// files) and through the built binary in test mode and in embedded-sandbox
// mode with KOMOJU_TUI_DEBUG set — then reads every file the run left in
// its temp dirs (journal .db, -wal and -shm, debug logs, saved command
// output) and every golden file under ui/testdata. None may contain a
// test card number (plain, spaced or dashed), the CVC typed, or the full
// secret key.
func TestNoSecretsLeftBehind(t *testing.T) {
	root := t.TempDir()
	cards := flows.TestCards()

	// 1. In process: flows engine + journal + client + sandbox, all logging.
	logFile, err := os.Create(filepath.Join(root, "inprocess-debug.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logger := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sb := startSandbox(t, sandbox.Options{SecretKey: proofSecret, Logger: logger})
	c := fastClient(sb, komoju.WithLogger(logger))
	j, err := journal.Open(filepath.Join(root, "inprocess-journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := flows.NewEngine(flows.Deps{Client: c, Journal: j, Logger: logger, Now: sb.Now, OrderPrefix: "PROOF"})
	ctx := testCtx(t, 2*time.Minute)
	for i, tc := range cards {
		d := flows.Details{CardNumber: tc.Number, CardExpiry: cardExpiry, CardCVC: cvcFor(tc.Number), CardName: "PROOF TESTER"}
		co := flows.Checkout{Amount: int64(500 + i), Email: "proof@example.com"}
		if i%2 == 0 {
			sale, err := e.StartSession(ctx, co)
			if err != nil {
				t.Fatalf("%s: %v", tc.Label, err)
			}
			_, _ = e.PaySession(ctx, sale, komoju.TypeCreditCard, d, flows.PayOptions{})
		} else {
			_, _ = e.PayDirect(ctx, co, komoju.TypeCreditCard, d, flows.PayOptions{})
		}
	}
	if _, err := e.Reconcile(ctx); err != nil {
		t.Logf("reconcile: %v", err)
	}
	_ = j.Close()

	// 2. The binary in test mode against that sandbox, with a debug log.
	env := []string{"KOMOJU_SECRET_KEY=" + proofSecret, "KOMOJU_API_URL=" + sb.URL(), "KOMOJU_TUI_DEBUG=" + filepath.Join(root, "cli-debug.log")}
	jpath := filepath.Join(root, "cli-journal.db")
	save := func(name string, r result) {
		_ = os.WriteFile(filepath.Join(root, name+".out"), []byte(r.stdout+"\n--- stderr ---\n"+r.stderr), 0o600)
	}
	for i, tc := range cards {
		if i%3 != 0 && !longMode() {
			continue // short mode: every third card through the binary (all in process)
		}
		flow := []string{"session", "direct"}[i%2]
		args := []string{"pay", "--amount", fmt.Sprint(700 + i), "--method", "credit_card", "--card", tc.Number, "--exp", cardExpiry,
			"--cvc", cvcFor(tc.Number), "--name", "PROOF TESTER", "--flow", flow, "--journal", jpath, "--json"}
		if i == 0 {
			args = append(args, "--capture", "manual")
		}
		r := run(t, env, args...)
		save(fmt.Sprintf("pay-%02d", i), r)
		if i == 0 {
			var out struct {
				Payment struct {
					ID string `json:"id"`
				} `json:"payment"`
				PaymentID string `json:"payment_id"`
			}
			_ = json.Unmarshal([]byte(r.stdout), &out)
			id := out.PaymentID
			if id == "" {
				id = out.Payment.ID
			}
			if id == "" {
				t.Fatalf("pay --json printed no payment id (exit %d): %s %s", r.code, r.stdout, r.stderr)
			}
			for _, step := range [][]string{{"capture", id, "--amount", "300"}, {"refund", id, "--amount", "100"}, {"show", id}} {
				r := run(t, env, append(step, "--journal", jpath)...)
				if r.code != 0 {
					t.Errorf("%s: exit %d: %s %s", step[0], r.code, r.stdout, r.stderr)
				}
				save(step[0], r)
			}
		}
	}
	for _, cmd := range [][]string{{"history"}, {"history", "--csv"}, {"history", "--json"}, {"summary", "--json"}} {
		r := run(t, env, append(cmd, "--journal", jpath)...)
		save(strings.Join(cmd, "-"), r)
	}
	// 3. The binary with its embedded sandbox (no key), debug on.
	env2 := []string{"KOMOJU_TUI_DEBUG=" + filepath.Join(root, "embedded-debug.log")}
	r := run(t, env2, "pay", "--amount", "999", "--method", "credit_card", "--card", "4111111111111111", "--exp", cardExpiry,
		"--cvc", proofCVC, "--journal", filepath.Join(root, "embedded-journal.db"))
	save("embedded-pay", r)
	if r.code != 0 {
		t.Errorf("embedded sandbox pay: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}

	// Scan. The run must have left files behind, or the scan proves nothing.
	var files []string
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	var golden []string
	_ = filepath.Walk(filepath.Join(moduleRoot(t), "ui", "testdata"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".golden") {
			golden = append(golden, p)
		}
		return nil
	})
	want := []string{"inprocess-debug.log", "inprocess-journal.db", "cli-debug.log", "cli-journal.db", "embedded-debug.log", "embedded-journal.db", "pay-00.out"}
	for _, w := range want {
		if fi, err := os.Stat(filepath.Join(root, w)); err != nil || fi.Size() == 0 {
			t.Errorf("expected a non-empty %s after the run (%v)", w, err)
		}
	}
	if len(golden) == 0 {
		t.Errorf("no golden files under ui/testdata to scan")
	}
	files = append(files, golden...)
	pats := secretPatterns(cards)
	scanned := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("reading %s: %v", f, err)
			continue
		}
		scanned += len(b)
		text := printableRuns(b) // SQLite pages hold text as plain bytes
		for _, p := range pats {
			if loc := p.re.FindStringIndex(text); loc != nil {
				lo, hi := max(0, loc[0]-40), min(len(text), loc[1]+40)
				t.Errorf("%s contains %s: …%q…", strings.TrimPrefix(f, root+"/"), p.what, mask(text[lo:hi]))
			}
		}
	}
	t.Logf("scanned %d files, %d KB, for %d card numbers, the CVC and the secret key", len(files), scanned>>10, len(cards))
}

// TestSecretPatternsCatchLeaks proves the scanner above finds what it
// looks for, and ignores look-alikes (timestamps, ids, longer numbers).
func TestSecretPatternsCatchLeaks(t *testing.T) {
	pats := secretPatterns(flows.TestCards())
	hit := func(s string) bool {
		for _, p := range pats {
			if p.re.MatchString(printableRuns([]byte(s))) {
				return true
			}
		}
		return false
	}
	for _, leak := range []string{"card=4111111111111111;", "4111 1111 1111 1111", "5555-5555-5555-4444", "x\x00\x01378282246310005\x00",
		`"verification_value":"918"`, "cvc=918", " 918 ", "number 3530111333300000", proofSecret, "key " + sandbox.DefaultSecretKey} {
		if !hit(leak) {
			t.Errorf("scanner misses %q", mask(leak))
		}
	}
	for _, fine := range []string{"09:12:33.918Z", "id=q1p19180x", "port 40918", "41111111111111112", "•••• 1111", "sk_test_komo…0000", "total 1918", "duration=918µs", "duration=918.412µs", "took 918.5ms"} {
		if hit(fine) {
			t.Errorf("scanner flags the harmless %q", fine)
		}
	}
}

// cvcFor is the CVC typed for a card: 4 digits for American Express.
func cvcFor(number string) string {
	if strings.HasPrefix(number, "34") || strings.HasPrefix(number, "37") {
		return "9" + proofCVC
	}
	return proofCVC
}

type secretPattern struct {
	what string
	re   *regexp.Regexp
}

// secretPatterns matches every test card number with optional space or
// dash separators, the CVCs as standalone numbers (not inside a longer
// number, an id, a decimal or a key=value measurement), and the secret key.
func secretPatterns(cards []flows.TestCard) []secretPattern {
	var out []secretPattern
	for _, c := range cards {
		var parts []string
		for _, d := range c.Number {
			parts = append(parts, string(d))
		}
		out = append(out, secretPattern{"card number " + c.Number[:4] + "…" + c.Number[len(c.Number)-4:], regexp.MustCompile(`(?:^|[^0-9])` + strings.Join(parts, `[ -]?`) + `(?:[^0-9]|$)`)})
	}
	for _, cvc := range []string{proofCVC, "9" + proofCVC} {
		// Not after "=" nor before ".": a debug log's "duration=918.2µs"
		// is a measurement, not a leak ("cvc=918" is caught below).
		out = append(out, secretPattern{"the CVC " + cvc, regexp.MustCompile(`(?:^|[^0-9A-Za-z.:_=-])` + cvc + `(?:[^0-9A-Za-z.]|$)`)})
	}
	out = append(out, secretPattern{"the CVC in a parameter", regexp.MustCompile(`(?i)(verification_value|cvc|cvv|security_code)["'=: ]+[0-9]{3,4}`)})
	out = append(out, secretPattern{"the full secret key", regexp.MustCompile(regexp.QuoteMeta(proofSecret) + `|` + regexp.QuoteMeta(sandbox.DefaultSecretKey))})
	return out
}

// printableRuns keeps runs of 4+ printable bytes, one per line, as
// `strings` does.
func printableRuns(b []byte) string {
	var out bytes.Buffer
	start := -1
	flush := func(i int) {
		if start >= 0 && i-start >= 4 {
			out.Write(b[start:i])
			out.WriteByte('\n')
		}
		start = -1
	}
	for i, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\t' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(b))
	return out.String()
}

// mask hides digits so a failure message does not itself print a card.
func mask(s string) string {
	return regexp.MustCompile(`[0-9]`).ReplaceAllString(s, "#")
}

// TestSandboxBindsLoopbackByDefault: an in-process sandbox with zero
// Options and `komoju-tui sandbox` without --addr listen on loopback only:
// the port is not reachable through the machine's other addresses.
func TestSandboxBindsLoopbackByDefault(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	checkLoopbackOnly(t, sb.BaseURL())

	// The command's default address (127.0.0.1:7777).
	r := run(t, nil, "sandbox", "--help")
	if !strings.Contains(r.stdout+r.stderr, "127.0.0.1:7777") {
		t.Errorf("komoju-tui sandbox --help does not show the loopback default 127.0.0.1:7777:\n%s%s", r.stdout, r.stderr)
	}
	cmd, out := startBackground(t, nil, "sandbox")
	base, err := waitBanner(out, 60*time.Second)
	if err != nil {
		// Port 7777 may be taken by another run on this machine; the help
		// text above already pinned the default.
		if strings.Contains(out.String(), "address already in use") {
			t.Logf("port 7777 busy; default checked through --help only")
			return
		}
		t.Fatalf("komoju-tui sandbox (defaults): %v\n%s", err, out.String())
	}
	_ = cmd
	checkLoopbackOnly(t, base)
}

// checkLoopbackOnly checks base's host is a loopback IP and that the same
// port on the machine's non-loopback addresses refuses connections.
func checkLoopbackOnly(t *testing.T, base string) {
	t.Helper()
	host, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(base, "http://"), "/", 2)[0], "http://"), "https://"))
	if err != nil {
		t.Fatalf("base URL %q: %v", base, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("sandbox listens on %s, not a loopback address", host)
	}
	addrs, _ := net.InterfaceAddrs()
	tried := 0
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil {
			continue
		}
		tried++
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), port), time.Second); err == nil {
			c.Close()
			t.Errorf("sandbox port %s answers on %s: it is not loopback-only", port, ipn.IP)
		}
	}
	t.Logf("sandbox at %s; %d non-loopback addresses refused", host, tried)
}

// countingListener counts accepted connections: proof that nothing was
// sent.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// TestLiveKeyRefusedWithoutLive runs the binary with a live key
// (sk_live_…) and an https API URL that would answer, for the console and
// every headless command: each exits non-zero naming --live, and the
// server never sees a connection. (With --live over plain http the key is
// refused too: it is only ever sent over https.)
func TestLiveKeyRefusedWithoutLive(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	cl := &countingListener{Listener: srv.Listener}
	srv.Listener = cl
	srv.TLS = &tls.Config{}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	live := "sk_live_proof0000000000000000000000"
	env := []string{"KOMOJU_SECRET_KEY=" + live, "KOMOJU_API_URL=" + srv.URL + "/api/v1"}
	jpath := filepath.Join(t.TempDir(), "journal.db")
	cmds := [][]string{
		{}, // the console
		{"pay", "--amount", "1000", "--method", "credit_card", "--card", "4111111111111111", "--exp", cardExpiry, "--cvc", "123", "--journal", jpath},
		{"capture", "pay_x", "--journal", jpath},
		{"refund", "pay_x", "--journal", jpath},
		{"cancel", "pay_x", "--journal", jpath},
		{"show", "pay_x", "--journal", jpath},
		{"history", "--journal", jpath},
		{"summary", "--journal", jpath},
	}
	for _, args := range cmds {
		name := "console"
		if len(args) > 0 {
			name = args[0]
		}
		r := run(t, env, args...)
		if r.code == 0 || !strings.Contains(r.stderr+r.stdout, "--live") {
			t.Errorf("%s with a live key and no --live: exit %d, output %q; want a refusal naming --live", name, r.code, r.stderr+r.stdout)
		}
		if strings.Contains(r.stderr+r.stdout, live) {
			t.Errorf("%s printed the full live key", name)
		}
	}
	// --live over plain http: still refused.
	r := run(t, []string{"KOMOJU_SECRET_KEY=" + live, "KOMOJU_API_URL=http://127.0.0.1:9/api/v1"}, "history", "--live", "--journal", jpath)
	if r.code == 0 || !strings.Contains(r.stderr, "https") {
		t.Errorf("--live with an http URL: exit %d %q; want a refusal (live keys only over https)", r.code, r.stderr)
	}
	if n := cl.n.Load(); n != 0 {
		t.Errorf("the API server saw %d connections: a live key without --live reached the network", n)
	}
	if fi, err := os.Stat(jpath); err == nil && fi.Size() > 0 {
		t.Logf("note: a refused live run still created the journal %s", jpath)
	}
}

// startBackground starts the binary and returns it with its combined
// output; it is interrupted at the end of the test.
func startBackground(t *testing.T, env []string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := newCmd(t, env, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return cmd, out
}

// waitBanner waits for `komoju-tui sandbox` to print its API base URL.
func waitBanner(out *syncBuffer, within time.Duration) (string, error) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		s := out.String()
		for _, line := range strings.Split(s, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "API base URL:"); ok {
				return strings.TrimSpace(v), nil
			}
		}
		if strings.Contains(s, "address already in use") {
			return "", fmt.Errorf("address in use")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("no banner within %s", within)
}
