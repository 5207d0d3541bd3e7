package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// discoveryEnv runs commands as separate invocations would: no shared
// in-process sandbox, an environment of its own (configuration and
// runtime directories in a temporary directory), and app.Open as main
// calls it, so a command without a key either finds the announced
// `komoju-tui sandbox` or starts its own empty one.
type discoveryEnv struct {
	t    *testing.T
	env  map[string]string
	path string // where a running sandbox is announced for env
}

func newDiscoveryEnv(t *testing.T) *discoveryEnv {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"XDG_CONFIG_HOME":    filepath.Join(dir, "config"),
		"XDG_RUNTIME_DIR":    filepath.Join(dir, "run"),
		"KOMOJU_TUI_JOURNAL": filepath.Join(dir, "journal.db"),
	}
	d := &discoveryEnv{t: t, env: env, path: sandbox.DiscoveryPath(func(k string) string { return env[k] })}
	if d.path == "" || !strings.HasPrefix(d.path, filepath.Join(dir, "run")) {
		t.Fatalf("discovery path %q is not under the runtime directory", d.path)
	}
	return d
}

func (d *discoveryEnv) connect(ctx context.Context, cfg config.Config) (*Backend, error) {
	return app.Open(ctx, cfg, app.Options{
		Getenv:        func(string) string { return "" },
		ClientOptions: []komoju.Option{komoju.WithBackoff(func(int) time.Duration { return 0 }), komoju.WithMaxRetries(1)},
		PollBackoff:   func(int) time.Duration { return 5 * time.Millisecond },
		Timeout:       5 * time.Second,
	})
}

func (d *discoveryEnv) run(extra map[string]string, args ...string) (int, string, string) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return d.env[k]
	}
	code := Run(ctx, args[0], args[1:], &stdout, &stderr, getenv, d.connect)
	out := stdout.String() + stderr.String()
	if strings.Contains(out, testCard) || strings.Contains(out, testCVC+"\n") {
		d.t.Errorf("the card number or CVC was printed:\n%s", out)
	}
	return code, stdout.String(), stderr.String()
}

// startSandbox runs a sandbox as `komoju-tui sandbox` would and announces
// it (this process stands for the sandbox's: its pid is alive).
func (d *discoveryEnv) startSandbox() *sandbox.Server {
	d.t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { _ = sb.Close() })
	if err := sandbox.WriteDiscovery(d.path, sb, time.Now()); err != nil {
		d.t.Fatal(err)
	}
	return sb
}

// writeRaw writes the announcement file as given (hostile and stale ones).
func (d *discoveryEnv) writeRaw(b []byte, perm os.FileMode) {
	d.t.Helper()
	if err := os.MkdirAll(filepath.Dir(d.path), 0o700); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(d.path, b, perm); err != nil {
		d.t.Fatal(err)
	}
	if err := os.Chmod(d.path, perm); err != nil {
		d.t.Fatal(err)
	}
}

func announcement(t *testing.T, sb *sandbox.Server, pid int) []byte {
	t.Helper()
	b, err := json.Marshal(sandbox.Running{Version: 1, APIURL: sb.URL(), BaseURL: sb.BaseURL(), SecretKey: sb.SecretKey(),
		PublishableKey: sb.PublishableKey(), WebhookSecret: sb.WebhookSecret(), PID: pid, StartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deadPID is the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run a child process: %v", err)
	}
	return cmd.ProcessState.Pid()
}

var usingRE = regexp.MustCompile(`using the sandbox at (http://127\.0\.0\.1:\d+) started (\d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d) \(pid (\d+)\)`)

// A script's pay and capture, two invocations with only `komoju-tui
// sandbox` running elsewhere, act on one sandbox, and each says which.
func TestDiscoveryPayThenCaptureAcrossInvocations(t *testing.T) {
	d := newDiscoveryEnv(t)
	sb := d.startSandbox()
	code, out, errOut := d.run(nil, append([]string{"pay", "--amount", "1000", "--capture", "manual"}, cardArgs(testCard)...)...)
	if code != ExitOK || field(out, "result") != "authorized" {
		t.Fatalf("pay: exit %d\n%s\n%s", code, out, errOut)
	}
	m := usingRE.FindStringSubmatch(errOut)
	if m == nil || m[1] != sb.BaseURL() || m[3] != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pay does not say which sandbox it uses:\n%s", errOut)
	}
	id := field(out, "payment")
	if p, err := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL())).Payments.Get(t.Context(), id); err != nil || p.Status != komoju.PaymentAuthorized {
		t.Fatalf("the running sandbox does not hold payment %s: %v", id, err)
	}
	code, out, errOut = d.run(nil, "capture", id)
	if code != ExitOK || field(out, "status") != "captured" || !usingRE.MatchString(errOut) {
		t.Fatalf("capture in a second invocation: exit %d\n%s\n%s", code, out, errOut)
	}
	// In Japanese the notice is Japanese too (it was English under ja).
	code, _, errOut = d.run(map[string]string{"KOMOJU_TUI_LANG": "ja"}, "show", id)
	if code != ExitOK || !strings.Contains(errOut, "起動中のサンドボックス "+sb.BaseURL()+" を使います") || strings.Contains(errOut, "using the sandbox") {
		t.Fatalf("show in Japanese: exit %d\n%s", code, errOut)
	}
}

// With nothing announced, a command runs on its own empty sandbox, as
// before, and says nothing about one; the next invocation cannot see its
// payment, and the failure says how to share a sandbox.
func TestDiscoveryNoneFoundRunsEmbedded(t *testing.T) {
	d := newDiscoveryEnv(t)
	code, out, errOut := d.run(nil, append([]string{"pay", "--amount", "1000", "--capture", "manual"}, cardArgs(testCard)...)...)
	if code != ExitOK || strings.Contains(errOut, "using the sandbox") {
		t.Fatalf("pay: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = d.run(nil, "capture", field(out, "payment"))
	if code != ExitAPI || !strings.Contains(errOut, "every command without a key then uses it:\n    komoju-tui sandbox\n") {
		t.Errorf("capture on another empty sandbox: exit %d\n%s", code, errOut)
	}
}

// An announcement whose process is gone, or where nothing listens any
// more, is ignored and removed.
func TestDiscoveryStaleIsIgnoredAndCleaned(t *testing.T) {
	for _, tc := range []struct {
		name string
		file func(d *discoveryEnv) []byte
	}{
		{"dead pid", func(d *discoveryEnv) []byte {
			sb, err := sandbox.New(sandbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sb.Close() })
			return announcement(t, sb, deadPID(t))
		}},
		{"nothing listening", func(d *discoveryEnv) []byte {
			sb, err := sandbox.New(sandbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := announcement(t, sb, os.Getpid())
			_ = sb.Close()
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDiscoveryEnv(t)
			d.writeRaw(tc.file(d), 0o600)
			code, out, errOut := d.run(nil, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...)
			if code != ExitOK || strings.Contains(errOut, "using the sandbox") || strings.Contains(errOut, "ignoring") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			if _, err := os.Lstat(d.path); !os.IsNotExist(err) {
				t.Errorf("the stale announcement is still there: %v", err)
			}
		})
	}
}

// --fresh runs on a new embedded sandbox even when one is announced.
func TestDiscoveryFreshStartsItsOwn(t *testing.T) {
	d := newDiscoveryEnv(t)
	sb := d.startSandbox()
	code, out, errOut := d.run(nil, append([]string{"pay", "--amount", "1000", "--fresh"}, cardArgs(testCard)...)...)
	if code != ExitOK || strings.Contains(errOut, "using the sandbox") {
		t.Fatalf("pay --fresh: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL())).Payments.Get(t.Context(), field(out, "payment")); !komoju.IsNotFound(err) {
		t.Errorf("pay --fresh reached the running sandbox: %v", err)
	}
	if _, err := os.Stat(d.path); err != nil {
		t.Errorf("--fresh removed the running sandbox's announcement: %v", err)
	}
}

// A key given explicitly wins over an announced sandbox.
func TestDiscoveryExplicitKeyWins(t *testing.T) {
	d := newDiscoveryEnv(t)
	announced := d.startSandbox()
	other, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	env := map[string]string{"KOMOJU_SECRET_KEY": other.SecretKey(), "KOMOJU_API_URL": other.URL()}
	code, out, errOut := d.run(env, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...)
	if code != ExitOK || strings.Contains(errOut, "using the sandbox") {
		t.Fatalf("pay with a key: exit %d\n%s\n%s", code, out, errOut)
	}
	id := field(out, "payment")
	if _, err := komoju.NewClient(other.SecretKey(), komoju.WithBaseURL(other.URL())).Payments.Get(t.Context(), id); err != nil {
		t.Errorf("the payment is not at the key's API URL: %v", err)
	}
	if _, err := komoju.NewClient(announced.SecretKey(), komoju.WithBaseURL(announced.URL())).Payments.Get(t.Context(), id); !komoju.IsNotFound(err) {
		t.Errorf("the payment reached the announced sandbox: %v", err)
	}
}

// A damaged or hostile announcement is named, ignored (the command runs on
// its own sandbox, never on what the file says) and left for the user.
func TestDiscoveryHostileFileIsNamedAndIgnored(t *testing.T) {
	valid := func(t *testing.T) []byte {
		sb, err := sandbox.New(sandbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sb.Close() })
		return announcement(t, sb, os.Getpid())
	}
	for _, tc := range []struct {
		name  string
		body  func(t *testing.T) []byte
		perm  os.FileMode
		link  bool
		chown bool // owned by another user (only root can arrange that)
		want  string
	}{
		{"not JSON", func(*testing.T) []byte { return []byte("{\x1b[31mnot json") }, 0o600, false, false, "damaged"},
		{"readable by others", valid, 0o644, false, false, "mode 0644"},
		{"symbolic link", valid, 0o600, true, false, "not a regular file"},
		{"too large", func(*testing.T) []byte { return bytes.Repeat([]byte(" "), 1<<20) }, 0o600, false, false, "larger than"},
		{"not an http URL", func(t *testing.T) []byte {
			var r sandbox.Running
			_ = json.Unmarshal(valid(t), &r)
			r.APIURL, r.BaseURL = "file:///etc/passwd", "file:///etc"
			b, _ := json.Marshal(r)
			return b
		}, 0o600, false, false, "is not an http(s) URL"},
		{"no keys", func(*testing.T) []byte {
			return []byte(`{"version":1,"api_url":"http://127.0.0.1:1/api/v1","base_url":"http://127.0.0.1:1","pid":1}`)
		}, 0o600, false, false, "secret_key is missing"},
		{"another user's", valid, 0o600, false, true, "owned by another user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDiscoveryEnv(t)
			if tc.link {
				target := filepath.Join(t.TempDir(), "elsewhere.json")
				if err := os.WriteFile(target, tc.body(t), tc.perm); err != nil {
					t.Fatal(err)
				}
				_ = os.MkdirAll(filepath.Dir(d.path), 0o700)
				if err := os.Symlink(target, d.path); err != nil {
					t.Fatal(err)
				}
			} else {
				d.writeRaw(tc.body(t), tc.perm)
			}
			if tc.chown {
				if os.Getuid() != 0 {
					t.Skip("only root can give a file to another user")
				}
				if err := os.Chown(d.path, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errOut := d.run(nil, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...)
			if code != ExitOK || strings.Contains(errOut, "using the sandbox") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "warning: ignoring sandbox discovery file "+d.path+": ") || !strings.Contains(errOut, tc.want) ||
				!strings.Contains(errOut, "this command starts its own empty sandbox") {
				t.Errorf("the warning does not name the file and what is wrong (%q):\n%s", tc.want, errOut)
			}
			if strings.Contains(errOut, "\x1b") {
				t.Errorf("the file's escape sequence reached the terminal:\n%q", errOut)
			}
			if _, err := os.Lstat(d.path); err != nil {
				t.Errorf("a file komoju-tui cannot vouch for was removed: %v", err)
			}
		})
	}
}

// Tests set their own configuration directory, so they never find a
// developer's running sandbox: the announcement is named after the
// configuration directory, and with no directory or home known there is
// no discovery at all (the process environment is never read).
func TestDiscoveryIsScopedToTheConfiguration(t *testing.T) {
	d := newDiscoveryEnv(t)
	d.startSandbox()
	// Another configuration, same runtime directory: not found.
	other := map[string]string{"XDG_CONFIG_HOME": filepath.Join(t.TempDir(), "another-config")}
	code, out, errOut := d.run(other, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...)
	if code != ExitOK || strings.Contains(errOut, "using the sandbox") {
		t.Errorf("a command with another configuration used the sandbox: exit %d\n%s\n%s", code, out, errOut)
	}
	// The developer's own environment with a test's configuration
	// directory is announced elsewhere than the developer's.
	dev := sandbox.DiscoveryPath(os.Getenv)
	test := sandbox.DiscoveryPath(func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return t.TempDir()
		}
		return os.Getenv(k)
	})
	if dev != "" && dev == test {
		t.Errorf("a test's configuration finds the developer's sandbox at %s", dev)
	}
	// The harness every other test uses knows no home: no discovery.
	h := newHarness(t)
	if p := sandbox.DiscoveryPath(func(k string) string { return h.env[k] }); p != "" {
		// XDG_CONFIG_HOME is the harness's own; the announcement must
		// then live under a directory the harness chose too.
		t.Errorf("the harness looks for a sandbox at %s", p)
	}
}
