package sandbox

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
)

func gcPercentNow() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// The standalone sandbox lets a small heap grow by gcMinHeadroom before
// collecting (fewer mark phases under load), keeps Go's default once the
// live heap is larger than that, and puts the setting back when it stops.
func TestGCHeadroomFollowsTheLiveHeap(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the sandbox leaves it alone")
	}
	before := gcPercentNow()
	stop := gcHeadroom(1 << 30)
	// The percentage is set after a collection, by a finalizer: give the
	// finalizer goroutine its turn (a bounded loop, no clock).
	raised := false
	for i := 0; i < 200 && !raised; i++ {
		runtime.GC()
		runtime.Gosched()
		raised = gcPercentNow() > before
	}
	stop()
	if !raised {
		t.Fatalf("GC percent stayed %d with a live heap far below the 1 GB headroom", gcPercentNow())
	}
	if got := gcPercentNow(); got != before {
		t.Fatalf("after stop the GC percent is %d, want the %d it was", got, before)
	}

	// A headroom smaller than the live heap changes nothing.
	stop = gcHeadroom(1)
	for i := 0; i < 5; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	got := gcPercentNow()
	stop()
	if got != before {
		t.Fatalf("with a 1-byte headroom the GC percent became %d, want %d", got, before)
	}
}

// The standalone sandbox (and the load tool's ceiling) run with at least
// gcMinProcs Ps, so that the collector marks with a dedicated worker; a
// GOMAXPROCS set in the environment wins, and stop gives the runtime its
// default back.
func TestGCProcsRaisesTheFloorAndGivesItBack(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set: the sandbox leaves it alone")
	}
	def := runtime.GOMAXPROCS(0)
	stop := gcProcs(def + 2)
	if got := runtime.GOMAXPROCS(0); got != def+2 {
		t.Errorf("GOMAXPROCS %d under gcProcs(%d), want %d", got, def+2, def+2)
	}
	stop()
	if got := runtime.GOMAXPROCS(0); got != def {
		t.Errorf("after stop GOMAXPROCS is %d, want the default %d", got, def)
	}
	stop = gcProcs(def) // already enough: nothing changes
	got := runtime.GOMAXPROCS(0)
	stop()
	if got != def {
		t.Errorf("gcProcs(%d) with %d Ps set %d", def, def, got)
	}
	t.Setenv("GOMAXPROCS", strconv.Itoa(def))
	stop = gcProcs(def + 2)
	got = runtime.GOMAXPROCS(0)
	stop()
	if got != def {
		t.Errorf("with GOMAXPROCS=%d in the environment gcProcs set %d", def, got)
	}
}
