package ui

import (
	"os"
	"path/filepath"

	"github.com/komoju-tui/komoju-tui/flows/receipt"
)

// Receipts and CSV exports hold customer names and emails. They are saved
// 0600 under the data directory ($XDG_DATA_HOME/komoju-tui/exports, or
// ~/.local/share/...), never through a symlink someone planted there
// (O_NOFOLLOW, and O_EXCL refuses any existing name), and never over an
// existing file: a taken name gets -2, -3, ... before the extension.

// defaultExportDir is where receipts and exports go when Options has none.
func defaultExportDir(getenv func(string) string) string {
	base := getenv("XDG_DATA_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "" // the current directory, as before
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "komoju-tui", "exports")
}

// saveNew writes data to a new file named name (or name-N) in dir and
// returns its path, with receipt.SaveNew's guarantees (the one place that
// writes customer data to disk).
func saveNew(dir, name string, data []byte) (string, error) {
	return receipt.SaveNew(dir, name, data)
}
