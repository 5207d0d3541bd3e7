//go:build unix

package journaltest

import (
	"errors"
	"syscall"
	"time"
)

// processAlive reports whether process pid still runs.
func processAlive(pid int, _ time.Time) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
