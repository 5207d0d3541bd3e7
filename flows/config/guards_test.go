package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFileModeGuards(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secret_key = \"sk_test_fromfile12345678\"\n")
	p := filepath.Join(dir, "komoju-tui", "config.toml")
	env := func() map[string]string { return map[string]string{"XDG_CONFIG_HOME": dir} }

	for _, mode := range []os.FileMode{0o666, 0o620, 0o602} {
		os.Chmod(p, mode)
		_, err := resolve(t, nil, env())
		if err == nil || !strings.Contains(err.Error(), "writable by other users") || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: %v, want a refusal", mode, err)
		}
	}
	os.Chmod(p, 0o644)
	c, err := resolve(t, nil, env())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].String(), "other users can read it") {
		t.Errorf("0644 with a key: warnings %q", c.Warnings)
	}
	os.Chmod(p, 0o600)
	if c, err := resolve(t, nil, env()); err != nil || len(c.Warnings) != 0 {
		t.Errorf("0600: %v %q", err, c.Warnings)
	}
	// A readable file without secrets is fine.
	writeFile(t, dir, "currency = \"USD\"\n")
	os.Chmod(p, 0o644)
	if c, err := resolve(t, nil, env()); err != nil || len(c.Warnings) != 0 {
		t.Errorf("0644 without a key: %v %q", err, c.Warnings)
	}
}

// TestLiveWithATestKeyNamesTheSources: --live with a test key was silently
// TEST mode, even when the file held a live key the environment overrode.
func TestLiveWithATestKeyNamesTheSources(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secret_key = \"sk_live_fromfile12345678\"\n")
	_, err := resolve(t, []string{"--live"}, map[string]string{"XDG_CONFIG_HOME": dir, "KOMOJU_SECRET_KEY": "sk_test_fromenv123456789"})
	if err == nil {
		t.Fatal("--live with a test key from the environment was accepted")
	}
	for _, want := range []string{"--live", "sk_test_…6789", "KOMOJU_SECRET_KEY in the environment", "sk_live_…5678", "config.toml"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := resolve(t, []string{"--live", "--secret-key", "sk_0123456789abcdef0123456789abcdef01234567"}, map[string]string{}); err == nil ||
		!strings.Contains(err.Error(), "from --secret-key") {
		t.Errorf("--live with an sk_ hex test key: %v", err)
	}
	if c, err := resolve(t, []string{"--live"}, map[string]string{"XDG_CONFIG_HOME": dir}); err != nil || c.Mode != ModeLive {
		t.Errorf("--live with the file's live key: %v %s", err, c.Mode)
	}
	if _, err := resolve(t, nil, map[string]string{"XDG_CONFIG_HOME": dir}); err == nil || !strings.Contains(err.Error(), "from the config file") {
		t.Errorf("live key without --live: %v", err)
	}
}

func TestSecretInArgvWarns(t *testing.T) {
	c, err := resolve(t, []string{"--secret-key", "sk_test_argv12345678", "--webhook-secret", "whsec"}, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 2 || !strings.Contains(c.Warnings[0].String(), "--secret-key on the command line") || !strings.Contains(c.Warnings[1].String(), "--webhook-secret") {
		t.Errorf("warnings %q", c.Warnings)
	}
	path := filepath.Join(t.TempDir(), "wh")
	os.WriteFile(path, []byte("whsec_file\n"), 0o600)
	c, err = resolve(t, []string{"--webhook-secret-file", path}, map[string]string{})
	if err != nil || c.WebhookSecret != "whsec_file" || len(c.Warnings) != 0 {
		t.Errorf("file: %v %q %q", err, c.WebhookSecret, c.Warnings)
	}
	c, err = resolve(t, nil, map[string]string{"KOMOJU_WEBHOOK_SECRET_FILE": path})
	if err != nil || c.WebhookSecret != "whsec_file" {
		t.Errorf("env file: %v %q", err, c.WebhookSecret)
	}
}
