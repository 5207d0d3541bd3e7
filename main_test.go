package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/config"
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

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": dir, "XDG_DATA_HOME": dir}
	code := run(t.Context(), args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

// TestHelpCommandAnswers: "komoju-tui help" used to be "unknown command"
// (exit 2); it lists every command, the console's flags and the exit codes.
func TestHelpCommandAnswers(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}} {
		code, out, errOut := runMain(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errOut)
		}
		for _, want := range []string{"pay", "capture", "reconcile", "sandbox", "listen", "completion", "man",
			"--fresh-sandbox", "--webhook-addr", "--no-browser", "Exit codes:"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: missing %q:\n%s", args, want, out)
			}
		}
	}
}

func TestConsoleFlagsAndTypos(t *testing.T) {
	if code, out, _ := runMain(t, "--version"); code != 0 || out != "komoju-tui "+version+"\n" {
		t.Errorf("--version: exit %d %q", code, out)
	}
	if code, _, errOut := runMain(t, "pya"); code != 2 || !strings.Contains(errOut, "Did you mean this?\n\tpay") {
		t.Errorf("typo: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runMain(t, "sandbx"); code != 2 || !strings.Contains(errOut, "\tsandbox") {
		t.Errorf("typo of a passthrough: exit %d\n%s", code, errOut)
	}
	if code, _, _ := runMain(t, "--no-such-flag"); code != 2 {
		t.Errorf("bad console flag: exit %d", code)
	}
	// A bad big-amount threshold is refused by name before anything starts.
	for _, v := range []string{"abc", "-5", "0"} {
		if code, _, errOut := runMain(t, "--confirm-above", v); code != 2 || !strings.Contains(errOut, "--confirm-above") {
			t.Errorf("--confirm-above %s: exit %d\n%s", v, code, errOut)
		}
	}
	// A refused setting at the console's start is said in the clerk's
	// language (it was English whatever --lang said).
	if code, _, errOut := runMain(t, "--lang", "ja", "--currency", "XYZ"); code != 2 || !strings.Contains(errOut, `通貨 "XYZ" は KOMOJU が対応していません`) {
		t.Errorf("--lang ja --currency XYZ: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runMain(t, "--currency", "XYZ"); code != 2 || !strings.Contains(errOut, `komoju-tui: currency "XYZ" is not one KOMOJU supports`) {
		t.Errorf("--currency XYZ: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runMain(t, "--lang", "ja", "--confirm-above", "abc"); code != 2 || !strings.Contains(errOut, `--confirm-above: "abc" は JPY の`) {
		t.Errorf("--lang ja --confirm-above abc: exit %d\n%s", code, errOut)
	}
	bad := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(bad, []byte("this is not a journal, just some notes of the day"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runMain(t, "--lang", "ja", "--journal", bad); code != 1 || !strings.Contains(errOut, "komoju-tui: ジャーナル "+bad+": SQLite データベースではありません") {
		t.Errorf("--lang ja, a journal that is not one: exit %d\n%s", code, errOut)
	}
	// A headless command's bad input is still its own exit 2, named.
	if code, _, errOut := runMain(t, "pay", "--amount", "abc", "--method", "card"); code != 2 || !strings.Contains(errOut, "--amount") {
		t.Errorf("pay --amount abc: exit %d\n%s", code, errOut)
	}
	// sandbox and listen keep their own help.
	if code, out, errOut := runMain(t, "help", "sandbox"); code != 0 || !strings.Contains(out+errOut, "Usage: komoju-tui sandbox") {
		t.Errorf("help sandbox: exit %d\n%s%s", code, out, errOut)
	}
}

// TestSandboxNetworkFlags: --lan and --public-url put the embedded sandbox
// on the network (at the public URL's port), refuse a malformed URL, and
// are refused outside sandbox mode, where KOMOJU's own links work.
func TestSandboxNetworkFlags(t *testing.T) {
	for _, tc := range []struct {
		lan             bool
		public          string
		mode            config.Mode
		addr, publicURL string
		err             string
	}{
		{mode: config.ModeSandbox},
		{lan: true, mode: config.ModeSandbox, addr: "0.0.0.0:0"},
		{public: "http://192.168.1.20:7777", mode: config.ModeSandbox, addr: "0.0.0.0:7777", publicURL: "http://192.168.1.20:7777"},
		{lan: true, public: "https://pos.example", mode: config.ModeSandbox, addr: "0.0.0.0:0", publicURL: "https://pos.example"},
		{public: "192.168.1.20:7777", mode: config.ModeSandbox, err: "must be like"},
		{public: "ftp://x", mode: config.ModeSandbox, err: "must be like"},
		{lan: true, mode: config.ModeTest, err: "embedded sandbox"},
	} {
		addr, pub, err := sandboxNetwork(tc.lan, tc.public, tc.mode)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: error %v, want %q", tc, err, tc.err)
			}
			continue
		}
		if err != nil || addr != tc.addr || pub != tc.publicURL {
			t.Errorf("%+v: got %q %q %v", tc, addr, pub, err)
		}
	}
}
