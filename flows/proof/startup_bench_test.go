package proof

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// BenchmarkStartupJournalSize measures the built binary with journals of
// 0, 10k, 100k and 1M sales (issue 10: start-up must not grow with the
// journal; target within 1.2x of the empty journal):
//
//   - pay: `komoju-tui pay --flow direct` with a card, process start to
//     exit, against a sandbox already running in this process;
//   - console: `komoju-tui` in a 120x40 tmux pane, process start to the
//     first frame on screen (the amount screen).
//
// Each journal holds 5 outstanding (authorized) sales besides its
// history; none is left without a result, so every run starts the same
// (a sale without a result would be reconciled, and closed, by the first).
// Each iteration runs every size in turn, starting with a different one,
// so the machine's load weighs on all alike; the metrics are median
// milliseconds per size and the ratio to the empty journal.
//
//	go test -run '^$' -bench StartupJournalSize -benchtime 20x ./flows/proof/
//
// KOMOJU_TUI_BENCH_SIZES=0,100k narrows the sizes. KOMOJU_TUI_BENCH_BIN runs
// another build of komoju-tui instead (to measure an older commit with
// the same harness; its schema must accept the journals built here).
func BenchmarkStartupJournalSize(b *testing.B) {
	bin := os.Getenv("KOMOJU_TUI_BENCH_BIN")
	if bin == "" {
		bin = binary(b)
	}
	sb := startSandbox(b, sandbox.Options{})
	sizes := journaltest.Sizes(b)
	paths := make([]string, len(sizes))
	for i, s := range sizes {
		paths[i] = journaltest.Cached(b, journaltest.Options{Sales: s.Sales + 5, Outstanding: 5})
	}
	env := baseEnv(b, []string{"KOMOJU_SECRET_KEY=" + sb.SecretKey(), "KOMOJU_API_URL=" + sb.URL()})
	// A till per journal: two journals of one till would number alike, and
	// KOMOJU refuses a number it has seen.
	envFor := func(s int) []string { return append(slices.Clip(env), fmt.Sprintf("KOMOJU_TUI_TILL=B%d", s)) }
	ctx := context.Background()

	interleaved := func(b *testing.B, op func(b *testing.B, size int) time.Duration) {
		samples := make([][]time.Duration, len(sizes))
		i := 0
		for b.Loop() {
			for k := range sizes {
				s := (i + k) % len(sizes)
				samples[s] = append(samples[s], op(b, s))
			}
			i++
		}
		med := make([]float64, len(sizes))
		for s := range sizes {
			slices.Sort(samples[s])
			med[s] = float64(samples[s][len(samples[s])/2].Microseconds()) / 1000
			b.ReportMetric(med[s], "ms-"+sizes[s].Name)
		}
		for s := 1; s < len(sizes); s++ {
			b.ReportMetric(med[s]/med[0], "x-"+sizes[s].Name)
		}
	}

	b.Run("pay", func(b *testing.B) {
		interleaved(b, func(b *testing.B, s int) time.Duration {
			cmd := exec.CommandContext(ctx, bin, "pay", "--flow", "direct", "--amount", "1000", "--method", "credit_card",
				"--card", "4111111111111111", "--exp", cardExpiry, "--cvc", "123", "--journal", paths[s])
			cmd.Env = envFor(s)
			t0 := time.Now()
			out, err := cmd.CombinedOutput()
			d := time.Since(t0)
			if err != nil {
				b.Fatalf("komoju-tui pay with %s sales: %v\n%s", sizes[s].Name, err, out)
			}
			return d
		})
	})

	b.Run("console", func(b *testing.B) {
		if _, err := exec.LookPath("tmux"); err != nil {
			b.Skip("tmux is not installed: run scripts/test.sh, which installs it")
		}
		n := 0
		interleaved(b, func(b *testing.B, s int) time.Duration {
			n++
			tr := &tmuxRun{b: b, socket: fmt.Sprintf("komoju-startup-%d-%d", os.Getpid(), n)}
			cmdline := "exec env -i " + strings.Join(append(envFor(s), "TERM=xterm-256color"), " ") + " " + bin + " --no-browser --journal " + paths[s]
			t0 := time.Now()
			if out, err := tr.tmux("new-session", "-d", "-s", "s", "-x", "120", "-y", "40", cmdline); err != nil {
				b.Fatalf("tmux: %v %s", err, out)
			}
			ok := tr.waitScreen("Type the amount", 10*time.Second)
			d := time.Since(t0)
			if !ok {
				scr, _ := tr.tmux("capture-pane", "-p", "-t", "s")
				_, _ = tr.tmux("kill-server")
				b.Fatalf("no first frame within 10 s with %s sales:\n%s", sizes[s].Name, scr)
			}
			// Quit as a clerk would (confirming the warning about the
			// authorized sales), so the journal is closed cleanly, its WAL
			// checkpointed, before the next start.
			for _, k := range []string{"C-c", "y"} {
				_, _ = tr.tmux("send-keys", "-t", "s", k)
				for i := 0; i < 100; i++ {
					if _, err := tr.tmux("has-session", "-t", "s"); err != nil {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			_, _ = tr.tmux("kill-server")
			return d
		})
	})
}
