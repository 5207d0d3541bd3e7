//go:build !unix

package sandbox

import "os"

// lockFile is a no-op where flock is unavailable: one sandbox per state
// file is then the user's responsibility.
func lockFile(string) (*os.File, error) { return nil, nil }

func unlockFile(*os.File) {}
