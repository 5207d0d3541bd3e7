package journal

import (
	"runtime"
	"syscall"
)

// inBackground runs f on an OS thread of its own at the lowest CPU
// priority (nice 19) and waits for it. The whole-file integrity check
// reads every page, about 1.5 s of CPU for 100,000 sales, a second after
// the console's first frame: at nice 19 the clerk's keys, the terminal and
// the other tills' processes on the machine go first. Linux sets a nice
// value per thread (setpriority(2) on a thread id); an unprivileged
// process cannot lower it again, so the thread is never handed back to Go's
// scheduler: its goroutine ends locked to it and the runtime ends the
// thread with it.
func inBackground(f func()) {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		defer close(done)
		// Best effort: if it is refused the check runs at normal priority.
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
		f()
	}()
	<-done
}
