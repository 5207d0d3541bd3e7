package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Running is what a running `komoju-tui sandbox` writes where it listens
// (its discovery file), so headless commands given no key use it instead
// of starting an empty sandbox of their own.
type Running struct {
	Version        int       `json:"version"`
	APIURL         string    `json:"api_url"`  // e.g. http://127.0.0.1:7777/api/v1
	BaseURL        string    `json:"base_url"` // hosted pages and /sandbox control
	SecretKey      string    `json:"secret_key"`
	PublishableKey string    `json:"publishable_key"`
	WebhookSecret  string    `json:"webhook_secret"`
	PID            int       `json:"pid"`
	StartedAt      time.Time `json:"started_at"`
	// Path is the file it was read from.
	Path string `json:"-"`
}

// discoveryVersion is the format written; a reader refuses others.
const discoveryVersion = 1

// maxDiscoveryFile bounds what Discover reads: the file is a few hundred
// bytes, so anything much larger is not one komoju-tui wrote.
const maxDiscoveryFile = 16 << 10

// DiscoveryPath is where a running sandbox is announced for the
// configuration getenv describes: under $XDG_RUNTIME_DIR/komoju-tui (gone
// at logout, like the sandbox), else the data directory
// ($XDG_DATA_HOME/komoju-tui or ~/.local/share/komoju-tui). The file is
// named after the configuration directory ($XDG_CONFIG_HOME, or
// ~/.config), so a process with a configuration of its own (every test
// sets one) never finds a sandbox started under another. It reads only
// getenv, never the process environment: "" (no discovery) when getenv
// names neither a configuration directory nor a home.
func DiscoveryPath(getenv func(string) string) string {
	abs := func(k string) string {
		if v := getenv(k); filepath.IsAbs(v) {
			return filepath.Clean(v)
		}
		return ""
	}
	home := abs("HOME")
	cfgDir := abs("XDG_CONFIG_HOME")
	if cfgDir == "" && home != "" {
		cfgDir = filepath.Join(home, ".config")
	}
	dir := abs("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = abs("XDG_DATA_HOME")
	}
	if dir == "" && home != "" {
		dir = filepath.Join(home, ".local", "share")
	}
	if cfgDir == "" || dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(cfgDir))
	return filepath.Join(dir, "komoju-tui", "sandbox-"+hex.EncodeToString(sum[:6])+".json")
}

// WriteDiscovery announces s at path: written whole (a temporary file
// renamed over it), readable by its owner only (it holds the sandbox's
// keys). A sandbox started later replaces the announcement.
func WriteDiscovery(path string, s *Server, started time.Time) error {
	r := Running{Version: discoveryVersion, APIURL: s.URL(), BaseURL: s.BaseURL(), SecretKey: s.SecretKey(),
		PublishableKey: s.PublishableKey(), WebhookSecret: s.WebhookSecret(), PID: os.Getpid(), StartedAt: started.UTC()}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".sandbox-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// RemoveDiscovery removes the announcement at path when it is this
// process's (a sandbox started after this one keeps its own).
func RemoveDiscovery(path string) {
	r, err := readDiscovery(path)
	if err == nil && r.PID == os.Getpid() {
		_ = os.Remove(path)
	}
}

// Discover reads the announcement at path. It returns nil, nil when there
// is none, or when the sandbox that wrote it is gone (its process is dead
// or nothing listens at its address; the stale file is then removed). An
// error names the file and what is wrong with it (another user's, readable
// by others, not a regular file, damaged): the caller ignores the file.
func Discover(path string) (*Running, error) {
	if path == "" {
		return nil, nil
	}
	r, err := readDiscovery(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox discovery file %s: %w", path, err)
	}
	if !processAlive(r.PID) || !listening(r.BaseURL) {
		_ = os.Remove(path)
		return nil, nil
	}
	return r, nil
}

// readDiscovery reads and checks the file at path.
func readDiscovery(path string) (*Running, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file (a symbolic link or a device): remove it")
	}
	if err := ownedPrivately(fi); err != nil {
		return nil, err
	}
	if fi.Size() > maxDiscoveryFile {
		return nil, fmt.Errorf("%d bytes, larger than a discovery file can be: remove it", fi.Size())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDiscoveryFile+1))
	if err != nil {
		return nil, err
	}
	var r Running
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("damaged (%v): remove it, or restart komoju-tui sandbox", err)
	}
	if r.Version != discoveryVersion {
		return nil, fmt.Errorf("format version %d, not %d: restart komoju-tui sandbox", r.Version, discoveryVersion)
	}
	for _, u := range []struct{ name, v string }{{"api_url", r.APIURL}, {"base_url", r.BaseURL}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
			return nil, fmt.Errorf("%s %q is not an http(s) URL: remove it", u.name, truncate(u.v, 80))
		}
	}
	if !strings.HasPrefix(r.APIURL, r.BaseURL) {
		return nil, fmt.Errorf("api_url %q is not under base_url %q: remove it", truncate(r.APIURL, 80), truncate(r.BaseURL, 80))
	}
	for _, k := range []struct{ name, v string }{{"secret_key", r.SecretKey}, {"publishable_key", r.PublishableKey}, {"webhook_secret", r.WebhookSecret}} {
		if k.v == "" || len(k.v) > 200 || strings.IndexFunc(k.v, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
			return nil, fmt.Errorf("%s is missing or not printable ASCII: remove it", k.name)
		}
	}
	if r.PID <= 0 {
		return nil, fmt.Errorf("pid %d is not a process id: remove it", r.PID)
	}
	r.Path = path
	return &r, nil
}

// listening reports that something accepts connections at base's host (a
// process id may have been reused by another program since).
func listening(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	c, err := net.DialTimeout("tcp", host, 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
