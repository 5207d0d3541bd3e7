package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/journal/journaltest"
)

// --check-journal reads the whole journal on demand (the console's start
// no longer does) and says whether it is intact, with exit 1 when not.
func TestCheckJournalFlag(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "XDG_CONFIG_HOME" || k == "XDG_DATA_HOME" || k == "HOME" {
			return dir
		}
		return ""
	}
	check := func(path string) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"--check-journal", "--journal", path}, &out, &errb, getenv)
		return code, out.String() + errb.String()
	}
	good := filepath.Join(dir, "good.db")
	bad := filepath.Join(dir, "bad.db")
	for _, p := range []string{good, bad} {
		if err := journaltest.Build(context.Background(), p, journaltest.Options{Sales: 500}); err != nil {
			t.Fatal(err)
		}
	}
	if err := journaltest.DamageSales(bad, 0.5); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		code int
		says []string
	}{
		{good, 0, []string{good, "intact"}},
		{bad, 1, []string{bad, "damaged", "restore a backup"}},
		{filepath.Join(dir, "none.db"), 1, []string{"no journal to check", "none.db"}},
	} {
		code, out := check(c.path)
		if code != c.code {
			t.Errorf("--check-journal %s: exit %d, want %d\n%s", filepath.Base(c.path), code, c.code, out)
		}
		for _, s := range c.says {
			if !strings.Contains(out, s) {
				t.Errorf("--check-journal %s: output does not say %q:\n%s", filepath.Base(c.path), s, out)
			}
		}
	}
}
