package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tmuxTerm drives the built binary in a real terminal: a detached tmux
// session of a fixed size on a private socket.
type tmuxTerm struct {
	t      *testing.T
	socket string
	name   string
}

func (tt *tmuxTerm) tmux(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-L", tt.socket}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (tt *tmuxTerm) send(keys ...string) {
	tt.t.Helper()
	for _, k := range keys {
		if out, err := tt.tmux("send-keys", "-t", tt.name, k); err != nil {
			tt.t.Fatalf("send-keys %q: %v %s", k, err, out)
		}
		time.Sleep(60 * time.Millisecond)
	}
}

// literal types text as is (tmux -l), for filters that contain spaces.
func (tt *tmuxTerm) literal(s string) {
	tt.t.Helper()
	if out, err := tt.tmux("send-keys", "-t", tt.name, "-l", s); err != nil {
		tt.t.Fatalf("send-keys -l %q: %v %s", s, err, out)
	}
	time.Sleep(80 * time.Millisecond)
}

func (tt *tmuxTerm) capture() string {
	out, _ := tt.tmux("capture-pane", "-p", "-t", tt.name)
	return out
}

// waitFor polls the screen until every text is on it.
func (tt *tmuxTerm) waitFor(texts ...string) string {
	tt.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := tt.capture()
		ok := true
		for _, x := range texts {
			if !strings.Contains(s, x) {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("screen never showed %q:\n%s", texts, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// buildBinary builds komoju-tui once per test binary run.
func buildBinary(t testing.TB) string {
	t.Helper()
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "komoju-tui-e2e-")
		if err != nil {
			builtErr = err
			return
		}
		builtBin = filepath.Join(dir, "komoju-tui")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		build := exec.CommandContext(ctx, "go", "build", "-o", builtBin, ".")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			builtErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtBin
}

var (
	builtOnce sync.Once
	builtBin  string
	builtErr  error
)

// startUnderScript runs the binary in a pseudo-terminal that never answers
// anything (script -qc with its output read by us, nothing typing back)
// and returns the bytes written up to the first frame, and how long that
// took.
func startUnderScript(t testing.TB, bin string) ([]byte, time.Duration) {
	t.Helper()
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("script (util-linux) is not installed")
	}
	tmp := t.TempDir()
	cmd := exec.Command("script", "-qc", bin+" --no-browser", "/dev/null")
	// Its own process group, so the kill below also ends komoju-tui under
	// script instead of leaving it running for the rest of the suite.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "XDG_DATA_HOME="+filepath.Join(tmp, "d"), "XDG_CONFIG_HOME="+filepath.Join(tmp, "c"),
		"KOMOJU_SECRET_KEY=", "KOMOJU_API_URL=", "COLORTERM=", "NO_COLOR=")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
	got := make(chan []byte, 1)
	go func() {
		var buf []byte
		b := make([]byte, 4096)
		for {
			n, err := out.Read(b)
			buf = append(buf, b[:n]...)
			if strings.Contains(string(buf), "SANDBOX") || err != nil {
				got <- buf
				return
			}
		}
	}()
	select {
	case buf := <-got:
		return buf, time.Since(start)
	case <-time.After(30 * time.Second):
		// Generous: speed is the benchmark's business; a start-up query
		// is caught by the caller whatever the time.
		t.Fatal("no first frame within 30s under script")
	}
	return nil, 0
}

// TestStartupAsksTheTerminalNothing: in a terminal that never answers, the
// console must not send colour or cursor queries (each would wait 5 s for
// an answer) before its first frame.
func TestStartupAsksTheTerminalNothing(t *testing.T) {
	buf, _ := startUnderScript(t, buildBinary(t))
	for _, q := range []string{"\x1b]10;?", "\x1b]11;?", "\x1b[6n", "\x1b[c"} {
		if strings.Contains(string(buf), q) {
			t.Fatalf("start-up sent the terminal query %q: %q", q, buf)
		}
	}
	if !strings.Contains(string(buf), "SANDBOX") {
		t.Fatalf("first frame lacks the SANDBOX badge: %q", buf)
	}
}

// BenchmarkStartupUnderScript is the whole binary's start-up (embedded
// sandbox, journal, first frame) in a terminal that never answers.
func BenchmarkStartupUnderScript(b *testing.B) {
	bin := buildBinary(b)
	var total time.Duration
	for b.Loop() {
		_, d := startUnderScript(b, bin)
		total += d
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/first-frame")
}

// TestE2ETmux builds komoju-tui, runs it with the embedded sandbox in a
// 120x40 tmux session and sells: a card, a konbini slip paid at the store
// through the sandbox, PayPay approved through the sandbox, a manual
// capture then capture, a refund, and a decline followed by a successful
// retry; then the rest of the shift (issue 13): saves a receipt, opens
// History, closes the day and reads the Z-report; then quits with q and
// checks the exit.
func TestE2ETmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: run scripts/test.sh (it installs tmux) or apt-get install tmux")
	}
	tmp := t.TempDir()
	bin := buildBinary(t)
	tt := &tmuxTerm{t: t, socket: fmt.Sprintf("komoju-e2e-%d", os.Getpid()), name: "pos"}
	t.Cleanup(func() { _, _ = tt.tmux("kill-server") })
	env := []string{
		"XDG_DATA_HOME=" + filepath.Join(tmp, "data"), "XDG_CONFIG_HOME=" + filepath.Join(tmp, "config"),
		"KOMOJU_SECRET_KEY=", "KOMOJU_API_URL=", "KOMOJU_PUBLISHABLE_KEY=", "TERM=xterm-256color",
	}
	args := []string{"new-session", "-d", "-s", tt.name, "-x", "120", "-y", "40"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	script := fmt.Sprintf("cd %q && %q --no-browser; echo KOMOJU-EXIT=$?; sleep 30", tmp, bin)
	args = append(args, "sh", "-c", script)
	if out, err := tt.tmux(args...); err != nil {
		t.Fatalf("tmux new-session: %v %s", err, out)
	}
	tt.waitFor("SANDBOX", "Amount")

	paymentID := regexp.MustCompile(`Payment id\s+([a-z0-9]{10,})`)
	base := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/`)
	post := func(screen, action string) {
		t.Helper()
		id := paymentID.FindStringSubmatch(screen)
		b := base.FindStringSubmatch(screen)
		if id == nil || b == nil {
			t.Fatalf("no payment id or sandbox URL on screen:\n%s", screen)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sandboxPost(ctx, b[1]+"/sandbox/payments/"+id[1]+"/"+action, ""); err != nil {
			t.Fatalf("sandbox %s: %v", action, err)
		}
	}
	pickTest := func(filter string) {
		t.Helper()
		tt.send("C-t")
		tt.waitFor("Test data")
		tt.literal(filter)
		tt.send("Enter")
	}
	down := func(n int) {
		for range n {
			tt.send("Down")
		}
	}

	// 1. Card sale.
	tt.send("1", "0", "0", "0", "Enter")
	tt.waitFor("Payment method", "Credit card")
	tt.send("Enter")
	tt.waitFor("Card number")
	pickTest("Visa: success")
	tt.send("C-s")
	tt.waitFor("PAID", "Visa •••• 1111")

	// 2. Konbini, then paid at the store on the sandbox.
	tt.send("n", "5", "0", "0", "Enter")
	tt.waitFor("Payment method")
	down(1)
	tt.send("Enter")
	tt.waitFor("Convenience store")
	pickTest("Sample customer")
	tt.send("C-s")
	s := tt.waitFor("WAITING FOR PAYMENT", "Instructions")
	post(s, "pay_at_store")
	tt.waitFor("PAID", "Konbini")

	// 3. PayPay approved through the sandbox.
	tt.send("n", "8", "0", "0", "Enter")
	tt.waitFor("Payment method")
	down(4)
	tt.send("Enter")
	s = tt.waitFor("CUSTOMER MUST FINISH PAYING", "--no-browser")
	post(s, "approve")
	tt.waitFor("PAID", "PayPay")

	// 4. Manual capture, then capture; 5. refund it.
	tt.send("n", "3", "0", "0", "0", "Enter")
	tt.waitFor("Payment method")
	tt.send("c")
	tt.waitFor("session  capture manual")
	tt.send("Enter")
	tt.waitFor("Card number")
	pickTest("Mastercard: success")
	tt.send("C-s")
	tt.waitFor("AUTHORIZED: CAPTURE PENDING")
	tt.send("c")
	tt.waitFor("Capture ¥3,000 of payment")
	tt.send("y")
	tt.waitFor("PAID", "Mastercard")
	tt.send("f")
	tt.waitFor("Refund ¥3,000 of payment")
	tt.send("y")
	tt.waitFor("REFUNDED")

	// 6. Decline, then a successful retry on the same session.
	tt.send("n", "1", "2", "0", "0", "Enter")
	tt.waitFor("Payment method")
	tt.send("c")
	tt.waitFor("session  capture auto")
	tt.send("Enter")
	tt.waitFor("Card number")
	pickTest("insufficient funds")
	tt.send("C-s")
	tt.waitFor("NOT PAID", "insufficient funds")
	tt.send("t")
	tt.waitFor("Card number")
	pickTest("JCB: success")
	tt.send("C-s")
	tt.waitFor("PAID", "JCB")

	// 7. The receipt of the sale on screen, saved under the data
	// directory with the SANDBOX mark (issue 13: a test slip is never
	// mistaken for a real one).
	tt.send("s")
	tt.waitFor("Receipt saved to")
	exports := filepath.Join(tmp, "data", "komoju-tui", "exports")
	saved, _ := filepath.Glob(filepath.Join(exports, "*"))
	if len(saved) != 1 {
		t.Fatalf("want one receipt under %s, found %v", exports, saved)
	}
	slip, err := os.ReadFile(saved[0])
	if err != nil || !strings.Contains(string(slip), "S A N D B O X") || !strings.Contains(string(slip), "1,200") {
		t.Fatalf("receipt %s (%v) lacks the SANDBOX mark or the total:\n%s", saved[0], err, slip)
	}

	// 8. History lists the day's sales, the konbini slip with its store.
	tt.send("h")
	s = tt.waitFor("Sales today", "Konbini · ", "PayPay", "Visa •••• 1111", "JCB")
	if !regexp.MustCompile(`Konbini · \S`).MatchString(s) {
		t.Fatalf("the konbini sale names no store:\n%s", s)
	}

	// 9. Close the day: the Z-report counts what was captured (¥1,000 +
	// ¥500 + ¥800 + ¥3,000 + ¥1,200 = ¥6,500: the declined ¥1,200 is not
	// in it), the ¥3,000 refund, and the net ¥3,500.
	tt.send("z")
	s = tt.waitFor("END-OF-DAY CLOSE", "Net takings")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Captured\s+¥6,500\b`),
		regexp.MustCompile(`Refunds\s+¥3,000 \(1\)`),
		regexp.MustCompile(`Net takings\s+¥3,500\b`),
	} {
		if !want.MatchString(s) {
			t.Fatalf("the Z-report lacks %s:\n%s", want, s)
		}
	}
	if regexp.MustCompile(`Captured\s+¥7,700`).MatchString(s) {
		t.Fatalf("the declined attempt is in the takings:\n%s", s)
	}
	tt.send("Escape")
	tt.waitFor("Sales today")
	tt.send("Escape")
	tt.waitFor("PAID", "JCB")

	// q quits cleanly from the result screen.
	tt.send("q")
	out := tt.waitFor("KOMOJU-EXIT=")
	if !strings.Contains(out, "KOMOJU-EXIT=0") {
		t.Fatalf("komoju-tui did not exit 0:\n%s", out)
	}
}
