package ui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// Golden views of the key screens at 120x40 and 80x24, driven through a
// real bubbletea program (teatest) against the sandbox with a fixed seed
// and clock. Regenerate with: go test ./ui -run TestGolden -update
//
// Goldens hold the final View() with the ASCII colour profile (set in
// TestMain). Card numbers never appear: the paid screen shows brand and
// last four digits, and the details golden is taken before a number is
// typed.

// goldenSizes are the terminal sizes every golden is taken at.
var goldenSizes = [][2]int{{120, 40}, {80, 24}}

// cardPANs matches anything that looks like a full card number, so a
// golden can never store one by accident.
var cardPANs = regexp.MustCompile(`\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}\b`)

func goldenRun(t *testing.T, w, h int, drive func(tm *teatest.TestModel, env *testEnv)) {
	t.Helper()
	env := newEnv(t, envOpt{clock: true})
	o := env.options()
	o.NoBrowser = true
	o.SandboxURL = "" // sandbox hints carry the random port
	tm := teatest.NewTestModel(t, New(o), teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { _ = tm.Quit() })
	drive(tm, env)
	// Let the last frame settle, then take the model's own view.
	time.Sleep(50 * time.Millisecond)
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	fm.quitting = false
	out := []byte(fm.View())
	if ansi.Strip(string(out)) != string(out) {
		t.Fatal("golden view has escape sequences with the ASCII profile")
	}
	if cardPANs.Match(out) {
		t.Fatalf("golden would store a card number:\n%s", out)
	}
	golden.RequireEqual(t, out)
}

func waitOut(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func typeKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
		time.Sleep(15 * time.Millisecond)
	}
}

func TestGolden(t *testing.T) {
	screens := []struct {
		name  string
		drive func(t *testing.T, tm *teatest.TestModel, env *testEnv)
	}{
		{"amount", func(t *testing.T, tm *teatest.TestModel, _ *testEnv) {
			typeKeys(tm, "1", "2", "3", "4")
			waitOut(t, tm, "¥1,234")
		}},
		{"method", func(t *testing.T, tm *teatest.TestModel, _ *testEnv) {
			typeKeys(tm, "1", "0", "0", "0", "enter")
			waitOut(t, tm, "Payment method", "Customer pays on their phone")
		}},
		{"details_card", func(t *testing.T, tm *teatest.TestModel, _ *testEnv) {
			typeKeys(tm, "1", "0", "0", "0", "enter")
			waitOut(t, tm, "Payment method")
			typeKeys(tm, "enter")
			waitOut(t, tm, "Card number")
		}},
		{"paid", func(t *testing.T, tm *teatest.TestModel, _ *testEnv) {
			typeKeys(tm, "1", "0", "0", "0", "enter")
			waitOut(t, tm, "Payment method")
			typeKeys(tm, "enter")
			waitOut(t, tm, "Card number")
			typeKeys(tm, "ctrl+t")
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Visa: success")})
			typeKeys(tm, "enter", "ctrl+s")
			waitOut(t, tm, "PAID")
		}},
		{"declined", func(t *testing.T, tm *teatest.TestModel, _ *testEnv) {
			typeKeys(tm, "1", "0", "0", "0", "enter")
			waitOut(t, tm, "Payment method")
			typeKeys(tm, "enter")
			waitOut(t, tm, "Card number")
			typeKeys(tm, "ctrl+t")
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("insufficient funds")})
			typeKeys(tm, "enter", "ctrl+s")
			waitOut(t, tm, "NOT PAID")
		}},
		{"authorized_confirm", func(t *testing.T, tm *teatest.TestModel, _ *testEnv) {
			typeKeys(tm, "5", "0", "0", "0", "enter")
			waitOut(t, tm, "Payment method")
			typeKeys(tm, "c", "enter")
			waitOut(t, tm, "Card number")
			typeKeys(tm, "ctrl+t")
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("JCB: success")})
			typeKeys(tm, "enter", "ctrl+s")
			waitOut(t, tm, "AUTHORIZED")
			typeKeys(tm, "c")
			waitOut(t, tm, "Capture ¥5,000 of payment")
		}},
	}
	for _, sc := range screens {
		for _, sz := range goldenSizes {
			t.Run(fmt.Sprintf("%s_%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				goldenRun(t, sz[0], sz[1], func(tm *teatest.TestModel, env *testEnv) { sc.drive(t, tm, env) })
			})
		}
	}
}

// TestGoldenHasNoSecrets double-checks every stored golden file.
func TestGoldenHasNoSecrets(t *testing.T) {
	files, err := goldenFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files under testdata; run go test ./ui -run TestGolden -update")
	}
	for name, b := range files {
		if cardPANs.Match(b) || bytes.Contains(b, []byte("sk_test_komojutui")) {
			t.Errorf("%s holds a card number or a full key", name)
		}
	}
}

func goldenFiles() (map[string][]byte, error) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*", "*.golden"))
	if err != nil {
		return nil, err
	}
	more, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	out := map[string][]byte{}
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[p] = b
	}
	return out, nil
}

// TestFormHintsAreWhole: every details form, in English and Japanese at 80
// columns, shows its fields' hints whole. huh narrows an input to its
// character limit, and the CVC's "3-4 digits" showed as "3…".
func TestFormHintsAreWhole(t *testing.T) {
	cut := regexp.MustCompile(`> \S*…`)
	for _, lang := range []string{"en", "ja"} {
		env := newEnv(t, envOpt{})
		o := env.options()
		o.Lang = lang
		h := newHarness(t, o, 80, 24)
		h.amountTo("1000")
		forms := 0
		for _, meth := range slices.Clone(h.m.methodList.methods) {
			if len(meth.Fields()) == 0 {
				continue
			}
			h.pickMethod(string(meth.Type))
			h.waitFor("the form", func(m Model) bool { return m.screen == screenDetails && m.details.form != nil })
			forms++
			for _, line := range strings.Split(h.view(), "\n") {
				if cut.MatchString(line) {
					t.Errorf("%s, %s: a hint cut short: %q", lang, meth.Type, strings.TrimSpace(line))
				}
			}
			h.keys("esc")
			h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
		}
		if forms < 3 {
			t.Fatalf("%s: only %d methods with a form", lang, forms)
		}
	}
}
