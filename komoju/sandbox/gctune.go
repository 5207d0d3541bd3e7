package sandbox

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// gcMinHeadroom is the least heap growth allowed between two collections
// in the standalone sandbox. With Go's default (GOGC=100, growth = the live
// heap) a sandbox holding 30–50 MB collected every half second under load,
// and each mark phase (70–250 ms on the shared 2 cores) took a core from
// the handlers: that, not the handlers, set the POST and Method 1 p99
// (docs/PERFORMANCE.md, round four). From 128 MB of live heap on (about
// 100,000 payments) the growth is the default's, so a large sandbox keeps
// the memory figures recorded for it; a small one may grow up to 128 MB
// above its live heap before collecting.
const gcMinHeadroom = 128 << 20

// gcHeadroom keeps the heap goal at live + max(live, min) by adjusting the
// GC percentage after every collection. It leaves a GOGC set in the
// environment alone. stop restores the percentage it found.
func gcHeadroom(min uint64) (stop func()) {
	if os.Getenv("GOGC") != "" || min == 0 {
		return func() {}
	}
	orig := debug.SetGCPercent(100) // reads it; put back at once
	debug.SetGCPercent(orig)
	if orig <= 0 {
		return func() {}
	}
	t := &gcTuner{min: min, orig: orig, cur: orig}
	t.sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t.adjust()
	t.arm()
	return t.stop
}

type gcTuner struct {
	mu      sync.Mutex
	min     uint64
	orig    int
	cur     int
	stopped bool
	sample  []metrics.Sample
}

// gcSentinel is garbage at birth; its finalizer runs after the next
// collection and arms a new one (the usual "after each GC" hook). It holds
// a pointer so it is never a tiny allocation, whose finalizer might not run.
type gcSentinel struct {
	t   *gcTuner
	pad [2]uintptr
}

func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{t: t}, func(s *gcSentinel) {
		if s.t.adjust() {
			s.t.arm()
		}
	})
}

// adjust sets the percentage for the next cycle; false once stopped.
func (t *gcTuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return false // a runtime without the metric: leave GOGC as it is
	}
	live := t.sample[0].Value.Uint64()
	pct := t.orig
	if live > 0 && live < t.min {
		pct = max(t.orig, int(t.min*100/live))
	}
	pct = min(pct, 100_000) // an almost empty heap: do not overflow the goal
	if pct != t.cur && (pct > t.cur*21/20 || pct < t.cur*19/20) {
		debug.SetGCPercent(pct)
		t.cur = pct
	}
	return true
}

func (t *gcTuner) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(t.orig)
	}
}

// gcMinProcs is the least GOMAXPROCS the standalone sandbox runs with.
// Below four Ps Go's collector marks with a fractional worker, which keeps
// its P for up to 10–20 ms while the goroutines queued there wait
// (https://github.com/golang/go/issues/21698; the fractional mode is used
// for GOMAXPROCS up to 3, https://github.com/golang/go/issues/44380). From
// four it marks with one dedicated worker, which hands the goroutines of
// its P to the others, and the kernel time-slices the Ps' threads over the
// cores. On a 2-vCPU machine under wrk this took POST /payments' p99 from
// 13.8–18.2 ms to 9.1–12.6 ms and Method 1's from 16.6–21.6 ms to
// 10.0–14.9 ms (docs/PERFORMANCE.md, "Round six").
const gcMinProcs = 4

// gcProcs raises GOMAXPROCS to min when it is lower. It leaves a
// GOMAXPROCS set in the environment alone. stop gives the runtime back its
// default (and its automatic updates).
func gcProcs(min int) (stop func()) {
	if os.Getenv("GOMAXPROCS") != "" || runtime.GOMAXPROCS(0) >= min {
		return func() {}
	}
	runtime.GOMAXPROCS(min)
	return runtime.SetDefaultGOMAXPROCS
}
