package journal

import (
	"runtime"
	"syscall"
	"testing"
)

// niceOfThisThread is the calling thread's nice value (the raw syscall
// answers 20 - nice).
func niceOfThisThread() (int, error) {
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	return 20 - p, err
}

// The integrity check's work runs at nice 19 on a thread of its own, and
// the caller's thread keeps its priority (the thread at 19 is never given
// back to other goroutines).
func TestInBackgroundRunsAtTheLowestPriority(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := niceOfThisThread()
	if err != nil {
		t.Fatal(err)
	}
	var inside, tid int
	var insideErr error
	inBackground(func() { inside, insideErr = niceOfThisThread(); tid = syscall.Gettid() })
	if insideErr != nil || inside != 19 {
		t.Fatalf("the background work ran at nice %d (%v), want 19", inside, insideErr)
	}
	if tid == syscall.Gettid() {
		t.Fatal("the background work ran on the caller's thread")
	}
	if after, _ := niceOfThisThread(); after != before {
		t.Fatalf("the caller's thread went from nice %d to %d", before, after)
	}
}
