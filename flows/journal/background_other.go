//go:build !linux

package journal

// inBackground runs f (at normal priority: lowering one thread's is
// Linux's, see background_linux.go).
func inBackground(f func()) { f() }
