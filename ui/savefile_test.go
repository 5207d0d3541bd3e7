package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaveNewNeverFollowsOrOverwrites: receipts and exports were written
// 0644, through symlinks and over existing files.
func TestSaveNewNeverFollowsOrOverwrites(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A symlink planted under the receipt's name, and an existing file
	// under the next one.
	if err := os.Symlink(victim, filepath.Join(dir, "receipt-A.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "receipt-A-2.txt"), []byte("old receipt"), 0o600); err != nil {
		t.Fatal(err)
	}
	path, err := saveNew(dir, "receipt-A.txt", []byte("new receipt"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "receipt-A-3.txt" {
		t.Errorf("saved to %s, want receipt-A-3.txt", path)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "receipt-A-2.txt")); string(b) != "old receipt" {
		t.Errorf("an existing receipt was overwritten: %q", b)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	// A symlinked directory is refused.
	link := filepath.Join(t.TempDir(), "exports")
	os.Symlink(t.TempDir(), link)
	if _, err := saveNew(link, "x.csv", []byte("x")); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("symlinked directory: %v", err)
	}
}

func TestExportsDefaultToTheDataDirectory(t *testing.T) {
	data := t.TempDir()
	got := defaultExportDir(func(k string) string {
		if k == "XDG_DATA_HOME" {
			return data
		}
		return ""
	})
	if got != filepath.Join(data, "komoju-tui", "exports") {
		t.Errorf("default export dir %q", got)
	}
}
