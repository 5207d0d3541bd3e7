package cli

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// BenchmarkPayDirectJournalSize runs a whole headless `pay --flow direct`
// card sale in process, as main does it (open the journal, reconcile,
// settle, pay, close), against the in-process sandbox, with journals of 0, 10k,
// 100k and 1M sales (issue 10: within 1.2x of the empty journal). The
// built binary, process start included, is measured by flows/proof's
// BenchmarkStartupJournalSize.
//
// Each journal holds 5 outstanding (authorized) sales besides its history
// and nothing left without a result, so every run starts alike. Each
// iteration pays once on every size, in turn; the metrics are median
// milliseconds per size and the ratio to the empty journal.
//
//	go test -run '^$' -bench PayDirectJournalSize -benchtime 50x ./flows/cli/
//
// KOMOJU_TUI_BENCH_SIZES=0,100k narrows the sizes.
func BenchmarkPayDirectJournalSize(b *testing.B) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	sizes := journaltest.Sizes(b)
	paths := make([]string, len(sizes))
	for i, s := range sizes {
		paths[i] = journaltest.Cached(b, journaltest.Options{Sales: s.Sales + 5, Outstanding: 5})
	}
	// connect is main's: flows/app opens the client, journal and engine;
	// Run then settles what a crash left, as pay does on start.
	connect := app.With(app.Options{Getenv: func(string) string { return "" }})
	samples := make([][]time.Duration, len(sizes))
	i := 0
	configDir := b.TempDir()
	for b.Loop() {
		for k := range sizes {
			s := (i + k) % len(sizes)
			// A till per journal: two journals of one till would number
			// alike, and KOMOJU refuses a number it has seen.
			env := map[string]string{"XDG_CONFIG_HOME": configDir, "KOMOJU_TUI_JOURNAL": paths[s], "KOMOJU_TUI_TILL": fmt.Sprintf("B%d", s),
				"KOMOJU_SECRET_KEY": sb.SecretKey(), "KOMOJU_API_URL": sb.URL()}
			var stdout, stderr bytes.Buffer
			t0 := time.Now()
			code := Run(context.Background(), "pay", []string{"--flow", "direct", "--amount", "1000", "--method", "credit_card",
				"--card", "4111111111111111", "--exp", testExp, "--cvc", "123"}, &stdout, &stderr, func(k string) string { return env[k] }, connect)
			samples[s] = append(samples[s], time.Since(t0))
			if code != ExitOK {
				b.Fatalf("pay with %s sales: exit %d\n%s%s", sizes[s].Name, code, stdout.String(), stderr.String())
			}
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
