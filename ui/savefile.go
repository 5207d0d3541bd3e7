package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// maxNameTries bounds the search for a free name.
const maxNameTries = 1000

// saveNew writes data to a new file named name (or name-N) in dir and
// returns its path. It never follows a symlink and never replaces a file.
func saveNew(dir, name string, data []byte) (string, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", err
		}
		if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("%s is a symbolic link: refusing to write customer data through it", dir)
		}
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; i <= maxNameTries; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d%s", stem, i, ext)
		}
		path := filepath.Join(dir, n)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ELOOP) {
			continue // taken (a file, or a symlink planted under this name)
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(path)
			return "", err
		}
		if err := f.Close(); err != nil {
			os.Remove(path)
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("no free name for %s in %s after %d tries", name, dir, maxNameTries)
}
