package proof

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// BenchmarkTUIHistoryRSS runs the real console (the built binary, test
// mode against an in-process sandbox) in a 120x40 tmux pane on a journal
// with 1k, 10k or 100k sales today (journaltest's bulk day, 09:00-21:00
// Japan time), opens History, shows the whole store ("a"), tabs through
// two filters and scrolls down 200 rows, then reads the process RSS.
// key-ms is the mean time from a keypress to its frame on the pane
// (tmux polled every 2 ms, so a few ms of it are tmux's), h-ms, a-ms and
// Tab-ms each key's. The keys are pressed once the console has used under
// 5 % of a CPU for 1.5 s (the day's integrity check starts 1 s after the
// first frame); startup-busy-ms is how long its start-up work took.
//
//	go test -run '^$' -bench TUIHistoryRSS -benchtime 3x ./flows/proof/
//
// KOMOJU_TUI_BENCH_SIZES=10k,100k narrows the sizes.
func BenchmarkTUIHistoryRSS(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Fatal("tmux is not installed: run scripts/test.sh, which installs it")
	}
	bin := binary(b)
	sb := startSandbox(b, sandbox.Options{})
	sizes := []journaltest.Size{{Name: "1k", Sales: 1_000}, {Name: "10k", Sales: 10_000}, {Name: "100k", Sales: 100_000}}
	if os.Getenv(journaltest.SizesEnv) != "" {
		sizes = journaltest.Sizes(b)
	}
	// Today in Japan, whatever the date the benchmark runs on.
	jst := time.FixedZone("JST", 9*3600)
	now := time.Now().In(jst)
	end := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, jst)
	for _, sz := range sizes {
		b.Run(sz.Name, func(b *testing.B) {
			src := journaltest.Cached(b, journaltest.Options{Sales: sz.Sales, PerDay: sz.Sales, End: end, Prefix: "POS"})
			var maxRSS int64
			var keys int
			var keyTotal time.Duration
			perKey, perKeyN := map[string]time.Duration{}, map[string]int{}
			var startBusy time.Duration
			for i := 0; i < b.N; i++ {
				// A copy each run: the console writes to its journal.
				jpath := filepath.Join(b.TempDir(), "journal.db")
				data, err := os.ReadFile(src)
				if err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(jpath, data, 0o600); err != nil {
					b.Fatal(err)
				}
				tr := &tmuxRun{b: b, socket: fmt.Sprintf("komoju-hist-%d-%d", os.Getpid(), i)}
				env := []string{"KOMOJU_SECRET_KEY=" + sb.SecretKey(), "KOMOJU_API_URL=" + sb.URL()}
				cmdline := "exec env -i " + strings.Join(append(baseEnv(b, env), "TERM=xterm-256color"), " ") + " " + bin + " --no-browser --journal " + jpath
				if out, err := tr.tmux("new-session", "-d", "-s", "s", "-x", "120", "-y", "40", cmdline); err != nil {
					b.Fatalf("tmux: %v %s", err, out)
				}
				fail := func(what string) {
					s, _ := tr.tmux("capture-pane", "-p", "-t", "s")
					_, _ = tr.tmux("kill-server")
					b.Fatalf("%s:\n%s", what, s)
				}
				if !tr.waitScreen("Type the amount", 20*time.Second) {
					fail("no first frame within 20 s")
				}
				pidS, err := tr.tmux("display-message", "-p", "-t", "s", "#{pane_pid}")
				if err != nil {
					b.Fatal(err)
				}
				pid, _ := strconv.Atoi(strings.TrimSpace(pidS))
				// The keys are timed once the console's start-up work is
				// done: with a journal not checked for 24 hours, its
				// integrity check reads the whole file a second after the
				// first frame (about a second of CPU at 100k sales).
				busy, err := waitIdle(pid, 1500*time.Millisecond, 60*time.Second)
				if err != nil {
					fail(err.Error())
				}
				startBusy += busy
				press := func(k, want string) {
					t0 := time.Now()
					_, _ = tr.tmux("send-keys", "-t", "s", k)
					if !tr.waitScreen(want, 20*time.Second) {
						fail(fmt.Sprintf("%s did not show %q", k, want))
					}
					d := time.Since(t0)
					keyTotal += d
					keys++
					perKey[k] += d
					perKeyN[k]++
				}
				press("h", "Sales today")
				press("a", fmt.Sprintf("1 of %d", sz.Sales))
				press("Tab", "Filter:  captured")
				press("Tab", "Filter:  authorized")
				press("Tab", "Filter:  pending")
				_, _ = tr.tmux("send-keys", "-t", "s", "Tab", "Tab", "Tab", "Tab", "Tab") // back to all
				if !tr.waitScreen("Filter:  all", 20*time.Second) {
					fail("the filter did not come back to all")
				}
				for k := 0; k < 200; k++ {
					_, _ = tr.tmux("send-keys", "-t", "s", "Down")
				}
				if !tr.waitScreen(fmt.Sprintf("201 of %d", sz.Sales), 20*time.Second) {
					fail("200 rows down did not reach row 201")
				}
				time.Sleep(300 * time.Millisecond)
				rss, err := rssOf(pid)
				if err != nil {
					b.Fatal(err)
				}
				maxRSS = max(maxRSS, rss)
				_, _ = tr.tmux("kill-server")
			}
			b.ReportMetric(float64(keyTotal.Microseconds())/1000/float64(max(keys, 1)), "key-ms")
			b.ReportMetric(float64(startBusy.Milliseconds())/float64(b.N), "startup-busy-ms")
			for k, d := range perKey {
				b.ReportMetric(float64(d.Microseconds())/1000/float64(perKeyN[k]), k+"-ms")
			}
			b.ReportMetric(float64(maxRSS)/(1<<20), "rss-history-MB")
		})
	}
}
