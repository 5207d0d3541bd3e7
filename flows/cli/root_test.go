package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/komoju-tui/komoju-tui/flows/config"
)

// execute runs the command tree with args and no backend.
func execute(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	refuse := func(context.Context, config.Config) (*Backend, error) {
		t.Fatalf("%v opened the backend", args)
		return nil, nil
	}
	code := Execute(t.Context(), args, Env{Stdout: &stdout, Stderr: &stderr, Connect: refuse, Version: "test"}, nil)
	return code, stdout.String(), stderr.String()
}

// TestHelpGolden holds every command's --help: usage, examples, every
// documented flag and the exit-code table. Run with -update to accept a
// change on purpose.
func TestHelpGolden(t *testing.T) {
	for _, name := range Commands() {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := execute(t, name, "--help")
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, want := range []string{"Usage: komoju-tui " + name, "Examples:\n  komoju-tui " + name, "Flags:", "--json", "-h, --help", "Exit codes:", "8  KOMOJU unreachable"} {
				if name == "reconcile" && want == "--json" {
					continue
				}
				if !strings.Contains(out, want) {
					t.Errorf("missing %q", want)
				}
			}
			golden.RequireEqual(t, []byte(out))
			// "komoju-tui help NAME" says the same.
			if code, via, _ := execute(t, "help", name); code != ExitOK || via != out {
				t.Errorf("help %s differs from %s --help (exit %d):\n%s", name, name, code, via)
			}
		})
	}
}

func TestRootHelpListsCommandsAndExitCodes(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, _ := execute(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, want := range append(Commands(), "completion", "man", "Exit codes:", "Examples:") {
			if !strings.Contains(out, want) {
				t.Errorf("%v: missing %q:\n%s", args, want, out)
			}
		}
	}
}

func TestTypoSuggestsTheCommand(t *testing.T) {
	for typo, want := range map[string]string{"pya": "pay", "captrue": "capture", "histroy": "history", "refund-requst": "refund-request"} {
		code, out, errOut := execute(t, typo)
		if code != ExitUsage || out != "" {
			t.Errorf("%s: exit %d stdout %q", typo, code, out)
		}
		if !strings.Contains(errOut, "unknown command \""+typo+"\"") || !strings.Contains(errOut, "Did you mean this?\n\t"+want+"\n") {
			t.Errorf("%s: no suggestion of %s:\n%s", typo, want, errOut)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "__start_komoju-tui", "zsh": "#compdef komoju-tui", "fish": "complete -c komoju-tui"} {
		code, out, _ := execute(t, "completion", shell)
		if code != ExitOK || !strings.Contains(out, marker) {
			t.Errorf("completion %s: exit %d, no %q in %d bytes", shell, code, marker, len(out))
		}
	}
	// What the shell asks at run time: flag names and known values.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pay", "--me"}, "--method"},
		{[]string{"pay", "--method", "kon"}, "konbini"},
		{[]string{"pay", "--store", "law"}, "lawson"},
		{[]string{"history", "--status", "auth"}, "authorized"},
		{[]string{"capture", "--am"}, "--amount"},
		{[]string{"ca"}, "capture"},
	} {
		code, out, _ := execute(t, append([]string{"__complete"}, tc.args...)...)
		if code != ExitOK || !strings.Contains(out, tc.want) {
			t.Errorf("complete %v: exit %d, want %q in:\n%s", tc.args, code, tc.want, out)
		}
	}
}

func TestManPage(t *testing.T) {
	code, out, _ := execute(t, "man")
	if code != ExitOK || !strings.HasPrefix(out, ".nh\n.TH \"KOMOJU-TUI\" \"1\"") || !strings.Contains(out, ".SH EXIT CODES") ||
		!strings.Contains(out, "komoju-tui-pay(1)") {
		t.Errorf("man: exit %d\n%s", code, out)
	}
	code, out, _ = execute(t, "man", "pay")
	if code != ExitOK || !strings.Contains(out, `.TH "KOMOJU-TUI-PAY"`) || !strings.Contains(out, `\fB--amount\fP`) || !strings.Contains(out, ".SH EXIT CODES") {
		t.Errorf("man pay: exit %d\n%s", code, out)
	}
	if code, _, errOut := execute(t, "man", "nosuch"); code != ExitUsage || !strings.Contains(errOut, `no command "nosuch"`) {
		t.Errorf("man nosuch: exit %d %s", code, errOut)
	}
	// A directory that does not exist yet is made, as "install -d" would.
	dir := filepath.Join(t.TempDir(), "share", "man", "man1")
	if code, _, errOut := execute(t, "man", "--dir", dir); code != ExitOK {
		t.Fatalf("man --dir: exit %d %s", code, errOut)
	}
	for _, f := range []string{"komoju-tui.1", "komoju-tui-pay.1", "komoju-tui-refund-request.1"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("man --dir: %v", err)
		}
	}
}
