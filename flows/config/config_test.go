package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
)

func resolve(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if _, ok := env["XDG_CONFIG_HOME"]; !ok {
		env["XDG_CONFIG_HOME"] = t.TempDir() // never read the developer's own file
	}
	return Resolve(f, func(k string) string { return env[k] })
}

func writeFile(t *testing.T, dir, body string) {
	t.Helper()
	p := filepath.Join(dir, "komoju-tui", "config.toml")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestNoKeyMeansSandbox(t *testing.T) {
	c, err := resolve(t, nil, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeSandbox || c.Currency != "JPY" || c.Flow != "session" || c.Capture != komoju.CaptureAuto || c.Lang != "en" || c.OrderPrefix != "POS" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestPrecedenceFlagsEnvFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secret_key = \"sk_test_fromfile12345678\"\ncurrency = \"USD\"\nflow = \"direct\"\norder_prefix = \"TILL2\"\n")
	env := map[string]string{"XDG_CONFIG_HOME": dir}

	c, err := resolve(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != "sk_test_fromfile12345678" || c.KeySource != "file" || c.Mode != ModeTest || c.Currency != "USD" || c.Flow != "direct" || c.OrderPrefix != "TILL2" {
		t.Fatalf("file only: %+v", c)
	}
	if c.APIURL != DefaultAPIURL {
		t.Fatalf("API URL default: %q", c.APIURL)
	}

	env["KOMOJU_SECRET_KEY"] = "sk_test_fromenv123456789"
	c, err = resolve(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != "sk_test_fromenv123456789" || c.KeySource != "env" {
		t.Fatalf("env over file: %+v", c)
	}
	if len(c.Notices) != 1 || !strings.Contains(c.Notices[0].String(), "KOMOJU_SECRET_KEY") {
		t.Fatalf("the override must be reported on screen: %q", c.Notices)
	}

	c, err = resolve(t, []string{"--secret-key", "sk_test_fromflag12345678", "--currency", "eur"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != "sk_test_fromflag12345678" || c.KeySource != "flag" || c.Currency != "EUR" {
		t.Fatalf("flag over env: %+v", c)
	}
}

func TestLiveKeyNeedsLiveFlag(t *testing.T) {
	env := map[string]string{"KOMOJU_SECRET_KEY": "sk_live_abcdefghijklmnop"}
	if _, err := resolve(t, nil, env); err == nil || !strings.Contains(err.Error(), "--live") {
		t.Fatalf("a live key without --live must be refused, got %v", err)
	}
	c, err := resolve(t, []string{"--live"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeLive {
		t.Fatalf("mode %s", c.Mode)
	}
	env["KOMOJU_API_URL"] = "http://example.test/api/v1"
	if _, err := resolve(t, []string{"--live"}, env); err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("a live key over plain http must be refused, got %v", err)
	}
}

func TestBadInputNamesTheProblem(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--currency", "XYZ"}, map[string]string{}, `currency "XYZ"`},
		{[]string{"--flow", "sideways"}, map[string]string{}, `flow "sideways"`},
		{[]string{"--capture", "later"}, map[string]string{}, `capture "later"`},
		{[]string{"--lang", "fr"}, map[string]string{}, `lang "fr"`},
		{[]string{"--order-prefix", "POS 2"}, map[string]string{}, `order prefix "POS 2"`},
		{[]string{"--order-prefix", "TILLNUMBERTHIRTEEN"}, map[string]string{}, `order prefix`},
		{nil, map[string]string{"KOMOJU_API_URL": "http://x/api/v1"}, "no secret key"},
		{nil, map[string]string{"KOMOJU_SECRET_KEY": "sk_test_ abc"}, "space"},
		{nil, map[string]string{"KOMOJU_SECRET_KEY": "pk_test_abcdefghijkl"}, "publishable key"},
		{nil, map[string]string{"KOMOJU_SECRET_KEY": "sk_test_abcdefghijkl", "KOMOJU_API_URL": "ftp://x"}, "not an http(s) URL"},
	}
	for _, tc := range cases {
		_, err := resolve(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: want error containing %q, got %v", tc.args, tc.env, tc.want, err)
		}
	}
}

func TestBadConfigFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secret_key = \"unterminated\n")
	_, err := resolve(t, nil, map[string]string{"XDG_CONFIG_HOME": dir})
	if err == nil || !strings.Contains(err.Error(), "config.toml") {
		t.Fatalf("a broken file must be named, got %v", err)
	}
	writeFile(t, dir, "secrit_key = \"sk_test_x\"\n")
	_, err = resolve(t, nil, map[string]string{"XDG_CONFIG_HOME": dir})
	if err == nil || !strings.Contains(err.Error(), "secrit_key") {
		t.Fatalf("a misspelt setting must be named, got %v", err)
	}
	_, err = resolve(t, []string{"--config", filepath.Join(dir, "missing.toml")}, map[string]string{})
	if err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Fatalf("an explicit missing file is an error, got %v", err)
	}
}

func TestMaskKey(t *testing.T) {
	cases := map[string]string{
		"":                          "",
		"sk_test_abcdefghijkl1234":  "sk_test_…1234",
		"sk_live_0123456789abcdefg": "sk_live_…defg",
		"sk_short":                  "sk_…",
		"opaquekeywithoutprefix99":  "…ix99",
	}
	for in, want := range cases {
		if got := MaskKey(in); got != want {
			t.Errorf("MaskKey(%q) = %q, want %q", in, got, want)
		}
		if in != "" && len(in) > 8 && strings.Contains(MaskKey(in), in[len(in)-8:]) {
			t.Errorf("MaskKey(%q) leaks too much", in)
		}
	}
}

// Issue 10, case 7: every till numbers its sales apart from the others
// without anyone remembering a flag: a till id is made at first start and
// kept, and generated order numbers carry it.
func TestTillIDMadeOnceAndKept(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	first, err := resolve(t, nil, map[string]string{"XDG_CONFIG_HOME": a})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := resolve(t, nil, map[string]string{"XDG_CONFIG_HOME": a})
	other, _ := resolve(t, nil, map[string]string{"XDG_CONFIG_HOME": b})
	if first.Till == "" || first.Till != again.Till {
		t.Fatalf("till id not kept: %q then %q", first.Till, again.Till)
	}
	if other.Till == first.Till {
		t.Fatalf("two machines got the same till id %q", first.Till)
	}
	if p := first.OrderNumberPrefix(); p != "POS-"+first.Till {
		t.Errorf("order number prefix %q, want POS-%s", p, first.Till)
	}
	if b, err := os.ReadFile(filepath.Join(a, "komoju-tui", "till")); err != nil || strings.TrimSpace(string(b)) != first.Till {
		t.Errorf("till file: %q %v", b, err)
	}
	// An explicit prefix or till wins.
	c, _ := resolve(t, []string{"--order-prefix", "TILL2"}, map[string]string{"XDG_CONFIG_HOME": a})
	if c.OrderNumberPrefix() != "TILL2" {
		t.Errorf("--order-prefix: %q", c.OrderNumberPrefix())
	}
	c, _ = resolve(t, []string{"--till", "FRONT"}, map[string]string{"XDG_CONFIG_HOME": a})
	if c.Till != "FRONT" || c.OrderNumberPrefix() != "POS-FRONT" {
		t.Errorf("--till: %q %q", c.Till, c.OrderNumberPrefix())
	}
	if _, err := resolve(t, []string{"--till", "front desk"}, map[string]string{"XDG_CONFIG_HOME": a}); err == nil || !strings.Contains(err.Error(), "till") {
		t.Errorf("bad till name: %v", err)
	}
}

// Tills started at the same moment on one config directory agree on one
// id (the loser once read the winner's still-empty file and made its own).
func TestTillIDRaceAgrees(t *testing.T) {
	for round := 0; round < 20; round++ {
		dir := t.TempDir()
		getenv := func(k string) string {
			if k == "XDG_CONFIG_HOME" {
				return dir
			}
			return ""
		}
		ids := make(chan string, 8)
		for i := 0; i < 8; i++ {
			go func() { ids <- TillID(getenv) }()
		}
		first := <-ids
		for i := 1; i < 8; i++ {
			if id := <-ids; id != first {
				t.Fatalf("round %d: till ids %q and %q for one config directory", round, first, id)
			}
		}
	}
}
