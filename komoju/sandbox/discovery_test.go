package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// `komoju-tui sandbox` announces where it listens while it serves: a file
// only its owner can read, written whole, that Discover reads back, and
// that a clean stop removes.
func TestCommandAnnouncesItselfUntilStopped(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "cfg"), "XDG_RUNTIME_DIR": filepath.Join(dir, "run")}
	getenv := func(k string) string { return env[k] }
	path := DiscoveryPath(getenv)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() { code <- CommandEnv(ctx, []string{"--addr", "127.0.0.1:0"}, &out, &errOut, getenv) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not started; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Discovery file:   "+path) {
		t.Errorf("stdout does not name the discovery file %s:\n%s", path, out.String())
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("discovery file: %v %v", fi, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left beside it: %v", entries)
	}
	r, err := Discover(path)
	if err != nil || r == nil {
		t.Fatalf("Discover: %v %v", r, err)
	}
	if r.PID != os.Getpid() || r.SecretKey != DefaultSecretKey || !strings.HasPrefix(r.APIURL, r.BaseURL) || !strings.Contains(out.String(), r.APIURL) {
		t.Errorf("announced %+v; stdout:\n%s", r, out.String())
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d: %s", c, errOut.String())
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("the announcement outlived the sandbox: %v", err)
	}
}

// A sandbox that stops removes only its own announcement: one started
// after it (which replaced the file) stays findable.
func TestRemoveDiscoveryKeepsAnotherProcesses(t *testing.T) {
	sb, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	path := filepath.Join(t.TempDir(), "komoju-tui", "sandbox.json")
	if err := WriteDiscovery(path, sb, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	other := strings.Replace(string(b), `"pid": `, `"pid": 1`, 1) // another process's id
	if err := os.WriteFile(path, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	RemoveDiscovery(path)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("another process's announcement was removed: %v", err)
	}
}

// Without a configuration directory or a home, nothing is announced or
// looked for: the process environment is never read behind getenv.
func TestDiscoveryPathNeedsDirectories(t *testing.T) {
	if p := DiscoveryPath(func(string) string { return "" }); p != "" {
		t.Errorf("empty environment: %q", p)
	}
	if p := DiscoveryPath(func(k string) string {
		return map[string]string{"XDG_CONFIG_HOME": "relative/dir", "XDG_RUNTIME_DIR": "/run/user/1"}[k]
	}); p != "" {
		t.Errorf("a relative configuration directory: %q", p)
	}
	home := DiscoveryPath(func(k string) string { return map[string]string{"HOME": "/home/a"}[k] })
	if !strings.HasPrefix(home, "/home/a/.local/share/komoju-tui/sandbox-") {
		t.Errorf("home only: %q", home)
	}
}

// BenchmarkDiscover is what every headless command without a key pays to
// look for a running sandbox: "none" with no announcement (a stat), "found"
// with a live one (read, check, kill(pid, 0) and a loopback dial).
func BenchmarkDiscover(b *testing.B) {
	sb, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	dir := b.TempDir()
	b.Run("none", func(b *testing.B) {
		path := filepath.Join(dir, "none.json")
		for b.Loop() {
			if r, err := Discover(path); r != nil || err != nil {
				b.Fatal(r, err)
			}
		}
	})
	b.Run("found", func(b *testing.B) {
		path := filepath.Join(dir, "found.json")
		if err := WriteDiscovery(path, sb, time.Now()); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if r, err := Discover(path); r == nil || err != nil {
				b.Fatal(r, err)
			}
		}
	})
}
