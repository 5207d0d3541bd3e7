package journaltest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Size is one journal size the start-up benchmarks compare.
type Size struct {
	Name  string // "0", "10k", "100k", "1M"
	Sales int    // finished sales in the journal's history
}

// DefaultSizes are the sizes of issue 10: none, 10,000, 100,000 (a till's
// year) and 1,000,000 sales.
var DefaultSizes = []Size{{"0", 0}, {"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}}

// SizesEnv names the environment variable that narrows the sizes a run
// builds, e.g. KOMOJU_TUI_BENCH_SIZES=0,100k (building 1M takes ~25 s).
const SizesEnv = "KOMOJU_TUI_BENCH_SIZES"

// Sizes returns DefaultSizes, or those SizesEnv names ("0", "10k", "1M",
// or a plain number).
func Sizes(tb testing.TB) []Size {
	tb.Helper()
	v := strings.TrimSpace(os.Getenv(SizesEnv))
	if v == "" {
		return DefaultSizes
	}
	var out []Size
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		num := f
		switch {
		case strings.HasSuffix(f, "k"):
			mult, num = 1_000, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "M"):
			mult, num = 1_000_000, strings.TrimSuffix(f, "M")
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 {
			tb.Fatalf("%s: %q is not a size (want e.g. 0,10k,100k,1M)", SizesEnv, f)
		}
		out = append(out, Size{Name: f, Sales: n * mult})
	}
	return out
}

// WithOpenWork is what the start-up benchmarks put in every journal: the
// history of size sales plus a handful of open work on top (5 sales a
// crash left without a result, 5 authorized sales, 2 refunds without a
// result), so reconciling has something to find at every size.
func WithOpenWork(size int) Options {
	return Options{Sales: size + 12, Open: 5, Outstanding: 5, OpenActions: 2}
}

// cache is the built journals of this test process.
var cache struct {
	mu    sync.Mutex
	dir   string
	built map[string]*entry
}

type entry struct {
	once sync.Once
	path string
	err  error
}

// Cached returns the path of a journal built with o, building it the first
// time this process asks for it (in a temporary directory per process, so
// every sub-benchmark and every -count round reuses it; directories of
// processes that have ended are removed on the next run). Callers share
// the file: a benchmark that would change what another one reads (resolve
// the open sales, say) must ask for Options of its own.
func Cached(tb testing.TB, o Options) string {
	tb.Helper()
	o.defaults()
	cache.mu.Lock()
	if cache.dir == "" {
		removeStale()
		d, err := os.MkdirTemp("", fmt.Sprintf("komoju-tui-journals-%d-", os.Getpid()))
		if err != nil {
			cache.mu.Unlock()
			tb.Fatal(err)
		}
		cache.dir, cache.built = d, map[string]*entry{}
	}
	e := cache.built[o.Key()]
	if e == nil {
		e = &entry{path: filepath.Join(cache.dir, o.Key()+".db")}
		cache.built[o.Key()] = e
	}
	cache.mu.Unlock()
	e.once.Do(func() {
		t0 := time.Now()
		e.err = Build(context.Background(), e.path, o)
		if e.err == nil {
			fi, _ := os.Stat(e.path)
			var size int64
			if fi != nil {
				size = fi.Size()
			}
			tb.Logf("journaltest: built %d sales (%d MB) in %s: %s", o.Sales, size>>20, time.Since(t0).Round(time.Millisecond), e.path)
		}
	})
	if e.err != nil {
		tb.Fatalf("journaltest: building %d sales: %v", o.Sales, e.err)
	}
	return e.path
}

// removeStale removes the journal directories of test processes that have
// ended (a benchmark run leaves its directory behind: nothing runs after
// the last benchmark to remove it).
func removeStale() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "komoju-tui-journals-*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), "komoju-tui-journals-")
		pidS, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidS)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if fi, err := os.Stat(m); err == nil && !processAlive(pid, fi.ModTime()) {
			_ = os.RemoveAll(m)
		}
	}
}
