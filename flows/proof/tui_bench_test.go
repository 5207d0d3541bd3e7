package proof

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// fillJournal records n real sales (Method 2 through the engine: cards,
// some two-step, some refunded, konbini) in a journal at path.
func fillJournal(b *testing.B, sb *sandbox.Server, path string, n int) {
	j, err := journal.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	e := flows.NewEngine(flows.Deps{Client: fastClient(sb), Journal: j, Now: sb.Now})
	ctx := context.Background()
	card := flows.Details{CardNumber: "4111111111111111", CardExpiry: cardExpiry, CardCVC: "123", CardName: "TARO YAMADA"}
	for i := 0; i < n; i++ {
		co := flows.Checkout{Amount: int64(100 + i), Email: "customer@example.com", Description: fmt.Sprintf("item %d", i)}
		var o flows.Outcome
		var err error
		switch i % 4 {
		case 0, 1:
			o, err = e.PayDirect(ctx, co, komoju.TypeCreditCard, card, flows.PayOptions{})
		case 2:
			co.Capture = komoju.CaptureManual
			o, err = e.PayDirect(ctx, co, komoju.TypeCreditCard, card, flows.PayOptions{})
			if err == nil {
				_, err = e.Refund(ctx, o.PaymentID(), 0, "")
				if err != nil { // authorized: capture then refund half
					if _, err = e.Capture(ctx, o.PaymentID(), 0); err == nil {
						_, err = e.Refund(ctx, o.PaymentID(), co.Amount/2, "half")
					}
				}
			}
		default:
			o, err = e.PayDirect(ctx, co, komoju.TypeKonbini, flows.Details{Store: "lawson", Email: "customer@example.com", Phone: "0312345678"}, flows.PayOptions{})
		}
		if err != nil {
			b.Fatalf("sale %d: %v (%s)", i, err, o.Message)
		}
	}
}

// tmuxRun is a komoju-tui console running in a private tmux server.
type tmuxRun struct {
	b      *testing.B
	socket string
}

func (tr *tmuxRun) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", tr.socket}, args...)...).CombinedOutput()
	return string(out), err
}

// waitScreen polls the pane until it shows want.
func (tr *tmuxRun) waitScreen(want string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if s, err := tr.tmux("capture-pane", "-p", "-t", "s"); err == nil && strings.Contains(s, want) {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// rssOf reads VmRSS of pid in bytes.
func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

// cpuTicksOf is the CPU time pid has used (user and system), in clock
// ticks (1/100 s on Linux).
func cpuTicksOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14, stime 15.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, b)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, b)
	}
	return u + st, nil
}

// waitIdle waits until pid has used at most 5 % of a CPU over the last
// window (at most limit), and says when that window began: the console's
// start-up work (settling what earlier runs left, the day's integrity
// check of a journal not checked for 24 hours) is over, and only its
// clock ticks.
func waitIdle(pid int, window, limit time.Duration) (time.Duration, error) {
	type sample struct {
		at    time.Time
		ticks int64
	}
	t0 := time.Now()
	var seen []sample
	for time.Since(t0) < limit {
		n, err := cpuTicksOf(pid)
		if err != nil {
			return 0, err
		}
		now := time.Now()
		seen = append(seen, sample{now, n})
		for len(seen) > 1 && now.Sub(seen[1].at) >= window {
			seen = seen[1:]
		}
		if first := seen[0]; now.Sub(first.at) >= window {
			used := time.Duration(n-first.ticks) * 10 * time.Millisecond // 100 ticks a second
			if used*20 <= now.Sub(first.at) {
				return first.at.Sub(t0), nil
			}
		}
		time.Sleep(window / 10)
	}
	return 0, fmt.Errorf("pid %d still busy after %s", pid, limit)
}

// BenchmarkTUIColdStartAndRSS starts the real console (the built binary)
// in a 120x40 tmux pane with a journal of 1,000 sales, measures process
// start to the first frame on screen, opens the history (which loads the
// sales), and reads the process RSS. "test" mode talks to a sandbox in
// this process (the console's own memory only); "embedded" runs the
// console with its built-in sandbox (no key), as a demo would.
//
//	go test -run '^$' -bench TUIColdStartAndRSS -benchtime 5x ./flows/proof/
func BenchmarkTUIColdStartAndRSS(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Fatal("tmux is not installed: run scripts/test.sh, which installs it")
	}
	bin := binary(b)
	sb := startSandbox(b, sandbox.Options{})
	jpath := filepath.Join(b.TempDir(), "journal.db")
	t0 := time.Now()
	fillJournal(b, sb, jpath, 1000)
	b.Logf("1,000 sales journaled in %s", time.Since(t0).Round(time.Millisecond))
	for _, mode := range []string{"test", "embedded"} {
		b.Run(mode, func(b *testing.B) {
			var env []string
			if mode == "test" {
				env = append(env, "KOMOJU_SECRET_KEY="+sb.SecretKey(), "KOMOJU_API_URL="+sb.URL())
			}
			var firstTotal time.Duration
			var maxRSS, maxRSSStart int64
			for i := 0; i < b.N; i++ {
				tr := &tmuxRun{b: b, socket: fmt.Sprintf("komoju-proof-%d-%d", os.Getpid(), i)}
				cmdline := "exec env -i " + strings.Join(append(baseEnv(b, env), "TERM=xterm-256color"), " ") + " " + bin + " --no-browser --journal " + jpath
				start := time.Now()
				if out, err := tr.tmux("new-session", "-d", "-s", "s", "-x", "120", "-y", "40", cmdline); err != nil {
					b.Fatalf("tmux: %v %s", err, out)
				}
				if !tr.waitScreen("Type the amount", 10*time.Second) {
					s, _ := tr.tmux("capture-pane", "-p", "-t", "s")
					_, _ = tr.tmux("kill-server")
					b.Fatalf("no first frame within 10 s:\n%s", s)
				}
				firstTotal += time.Since(start)
				pidS, err := tr.tmux("display-message", "-p", "-t", "s", "#{pane_pid}")
				if err != nil {
					b.Fatal(err)
				}
				pid, _ := strconv.Atoi(strings.TrimSpace(pidS))
				rs, _ := rssOf(pid)
				maxRSSStart = max(maxRSSStart, rs)
				_, _ = tr.tmux("send-keys", "-t", "s", "h")
				if !tr.waitScreen("POS-", 10*time.Second) {
					s, _ := tr.tmux("capture-pane", "-p", "-t", "s")
					_, _ = tr.tmux("kill-server")
					b.Fatalf("history did not show the journal's sales:\n%s", s)
				}
				time.Sleep(300 * time.Millisecond)
				rss, err := rssOf(pid)
				if err != nil {
					b.Fatal(err)
				}
				maxRSS = max(maxRSS, rss)
				_, _ = tr.tmux("kill-server")
			}
			b.ReportMetric(float64(firstTotal.Microseconds())/1000/float64(b.N), "first-frame-ms")
			b.ReportMetric(float64(maxRSSStart)/(1<<20), "rss-start-MB")
			b.ReportMetric(float64(maxRSS)/(1<<20), "rss-history-MB")
		})
	}
}
