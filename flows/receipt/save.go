package receipt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// DefaultDir is where receipts are saved when no directory is set: the
// console's export directory under the data directory,
// $XDG_DATA_HOME/komoju-tui/exports (or ~/.local/share/komoju-tui/exports),
// the same place the console saves them. "" when there is no home.
func DefaultDir(getenv func(string) string) string {
	base := getenv("XDG_DATA_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return ""
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "komoju-tui", "exports")
}

// FileName is the receipt's file name: receipt-ORDER.txt (the payment id
// when there is no order number), with anything but letters, digits, -
// and _ replaced, so an order number cannot name another directory.
func (r Receipt) FileName() string {
	id := r.OrderNum
	if id == "" && r.Payment != nil {
		id = r.Payment.OrderNum()
		if id == "" {
			id = r.Payment.ID
		}
	}
	if id == "" {
		id = "sale"
	}
	clean := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, id)
	return "receipt-" + clean + ".txt"
}

// maxNameTries bounds the search for a free name.
const maxNameTries = 1000

// Save writes r's text to a new file in dir (created 0700) and returns its
// path. Receipts hold customers' purchases: the file is 0600, never
// written through a symlink (O_NOFOLLOW) and never over an existing file
// (O_EXCL): a taken name gets -2, -3, … before .txt, so a reprint or a
// second receipt for the same order keeps the first.
func Save(dir string, r Receipt) (string, error) {
	return SaveNew(dir, r.FileName(), []byte(r.Text()))
}

// SaveNew writes data to a new file named name (or name-N) in dir, with
// Save's guarantees.
func SaveNew(dir, name string, data []byte) (string, error) {
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
			continue
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
