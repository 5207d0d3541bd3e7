package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// argvCardWarning is what pay says when the card is in argv.
const argvCardWarning = "warning: --card and --cvc on the command line are visible to other users (ps, /proc/*/cmdline) and kept in shell history; use --card - to read the card from standard input\n"

// runIn runs a command with stdin.
func (h *harness) runIn(stdin string, extra map[string]string, args ...string) (int, string, string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return h.env[k]
	}
	code := RunIO(ctx, args[0], args[1:], strings.NewReader(stdin), &stdout, &stderr, getenv, h.connect)
	h.mu.Lock()
	h.out = append(h.out, stdout.String(), stderr.String())
	h.mu.Unlock()
	return code, stdout.String(), stderr.String()
}

// TestPayCardFromStdin: "--card -" takes number, expiry and CVC from
// standard input; nothing of the card is in argv, and no warning is given.
func TestPayCardFromStdin(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.runIn(testCard+"\n"+testExp+"\n"+testCVC+"\n", nil, "pay", "--amount", "1000", "--method", "credit_card", "--card", "-")
	if code != ExitOK || field(out, "status") != "captured" {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr: %q", errOut)
	}
	if !strings.Contains(out, "•••• 1111") {
		t.Errorf("card not recognised:\n%s", out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{testCard + "\n" + testExp + "\n", nil, "three lines"},
		{testCard + "\n" + testExp + "\n" + testCVC + "\n", []string{"--cvc", "123"}, "drop --cvc"},
		{testCard + "\n" + testExp + "\n" + testCVC + "\n", []string{"--exp=" + testExp}, "drop --exp"},
		{testCard + "\n" + testExp + "\n", []string{"--lang", "ja"}, "標準入力に3行を読み取ります"},
		{testCard + "\n" + testExp + "\n", []string{"--lang=ja"}, "使い方は 'komoju-tui pay --help' で表示されます。"},
		{testCard + "\n" + testExp + "\n" + testCVC + "\n", []string{"--lang", "ja", "--cvc", "123"}, "--cvc を外してください"},
	} {
		args := append([]string{"pay", "--amount", "1000", "--method", "credit_card", "--card=-"}, tc.args...)
		code, _, errOut := h.runIn(tc.stdin, nil, args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want usage error with %q", tc.args, code, errOut, tc.want)
		}
	}
	// The argv form still works, with the warning.
	code, _, errOut = h.pay("1000", cardArgs(testCard)...)
	if code != ExitOK || errOut != argvCardWarning {
		t.Errorf("argv card: exit %d, stderr %q", code, errOut)
	}
	// In the clerk's language, which the warning reads before the
	// configuration is resolved: --lang, KOMOJU_TUI_LANG, the config file.
	const ja = "警告: コマンドラインの --cardと--cvc は他のユーザーから見え"
	if code, _, errOut := h.pay("1000", append(cardArgs(testCard), "--lang", "ja")...); code != ExitOK || !strings.HasPrefix(errOut, ja) {
		t.Errorf("argv card, --lang ja: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := h.runEnv(map[string]string{"KOMOJU_TUI_LANG": "ja"}, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...); code != ExitOK || !strings.HasPrefix(errOut, ja) {
		t.Errorf("argv card, KOMOJU_TUI_LANG=ja: exit %d, stderr %q", code, errOut)
	}
	cfg := filepath.Join(h.dir, "ja.toml")
	if err := os.WriteFile(cfg, []byte("lang = \"ja\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := h.pay("1000", append(cardArgs(testCard), "--config", cfg)...); code != ExitOK || !strings.HasPrefix(errOut, ja) {
		t.Errorf("argv card, lang in --config: exit %d, stderr %q", code, errOut)
	}
}

// TestPayReadsTheCardLast: with "--card -" the card is read only once
// everything else on the command line is known good (and a large total
// confirmed): a clerk at a terminal must not type a card for a sale that is
// then refused. Each problem is said once (the e-mail was said twice: as
// the sale's and as the method's detail).
func TestPayReadsTheCardLast(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--email", "bad"}, `--email: "bad" is not an email address like taro@example.com`},
		{[]string{"--amount", "2000000"}, "the total ¥2,000,000 is more than ¥1,000,000"},
		{[]string{"--tax", "-1"}, "--tax"},
	} {
		in := &watchedReader{r: strings.NewReader(testCard + "\n" + testExp + "\n" + testCVC + "\n")}
		var stdout, stderr bytes.Buffer
		args := append([]string{"--amount", "1000", "--method", "credit_card", "--card", "-"}, tc.args...)
		code := RunIO(context.Background(), "pay", args, in, &stdout, &stderr, func(k string) string { return h.env[k] }, h.connect)
		if code != ExitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want a usage error with %q", tc.args, code, stderr.String(), tc.want)
		}
		if in.read {
			t.Errorf("%v: the card was read before the command was refused", tc.args)
		}
		if n := strings.Count(stderr.String(), tc.want); n > 1 {
			t.Errorf("%v: said %d times: %q", tc.args, n, stderr.String())
		}
	}
	// A card typo is still caught before anything starts, and masked.
	code, out, errOut := h.runIn("4111111111111112\n"+testExp+"\n"+testCVC+"\n", nil, "pay", "--amount", "1000", "--method", "credit_card", "--card", "-")
	if code != ExitUsage || !strings.Contains(errOut, "--card: is not a valid card number") || strings.Contains(out+errOut, "4111111111111112") {
		t.Errorf("card typo: exit %d, %q %q", code, out, errOut)
	}
}

// watchedReader records whether anything read it.
type watchedReader struct {
	r    *strings.Reader
	read bool
}

func (w *watchedReader) Read(p []byte) (int, error) {
	w.read = true
	return w.r.Read(p)
}

// TestSecretKeyFromFileOrStdin: the key can come from --secret-key-file
// (a file or -) or KOMOJU_SECRET_KEY_FILE; --secret-key in argv warns.
func TestSecretKeyFromFileOrStdin(t *testing.T) {
	h := newHarness(t)
	key := h.sb.SecretKey()
	path := filepath.Join(h.dir, "key")
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KOMOJU_API_URL": h.sb.URL()}
	for _, tc := range []struct {
		name  string
		stdin string
		env   map[string]string
		args  []string
		warn  bool
	}{
		{"file flag", "", nil, []string{"--secret-key-file", path}, false},
		{"stdin", key + "\n", nil, []string{"--secret-key-file", "-"}, false},
		{"env file", "", map[string]string{"KOMOJU_SECRET_KEY_FILE": path}, nil, false},
		{"argv", "", nil, []string{"--secret-key", key}, true},
	} {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		for k, v := range tc.env {
			e[k] = v
		}
		args := append([]string{"history", "--limit", "1"}, tc.args...)
		code, _, errOut := h.runIn(tc.stdin, e, args...)
		if code != ExitOK {
			t.Errorf("%s: exit %d: %s", tc.name, code, errOut)
		}
		if got := strings.Contains(errOut, "warning: --secret-key on the command line is visible"); got != tc.warn {
			t.Errorf("%s: warning %v, want %v: %q", tc.name, got, tc.warn, errOut)
		}
		if strings.Contains(errOut, key[8:]) {
			t.Errorf("%s: stderr shows the key: %q", tc.name, errOut)
		}
	}
	code, _, errOut := h.runIn("", env, "history", "--secret-key", key, "--secret-key-file", path)
	if code != ExitUsage || !strings.Contains(errOut, "use one") {
		t.Errorf("both: exit %d %q", code, errOut)
	}
}
