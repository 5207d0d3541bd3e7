//go:build unix

package journal

import (
	"errors"
	"syscall"
)

// pidAlive reports whether a process with pid runs on this host. EPERM
// means it runs under another user: alive.
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
