package ui

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
)

// fakeHealth is an events source whose receiver listens without a secret:
// the longest header there is.
type fakeHealth struct{ EventsSource }

func (fakeHealth) Health() webhooks.Health { return webhooks.Health{Listening: true} }

// At every width down to 80 the header keeps the product name and the
// mode badge, even with the longest webhook warning.
func TestHeaderKeepsNameAndBadge(t *testing.T) {
	env := newEnv(t, envOpt{})
	for _, mode := range []string{"sandbox", "test", "live"} {
		o := env.options()
		o.Mode = mode
		o.Events = fakeHealth{}
		badge := map[string]string{"sandbox": "SANDBOX", "test": "TEST", "live": "LIVE"}[mode]
		for w := 80; w <= 160; w++ {
			m := New(o)
			nm, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			first, _, _ := strings.Cut(ansi.Strip(nm.(Model).View()), "\n")
			if !strings.HasPrefix(first, "KOMOJU POS") || !strings.Contains(first, badge) || ansi.StringWidth(first) > w {
				t.Fatalf("%s at %d columns: %q", mode, w, first)
			}
		}
	}
}

// helpKeys lists the keys of the full help, column by column.
func helpKeys(m Model) []string {
	var ks []string
	for _, col := range m.fullBindings() {
		for _, b := range col {
			ks = append(ks, b.Help().Key)
		}
	}
	return ks
}

// ? lists every key of the screen and the global ones, each once; the
// 80-column footer always ends with "? help" and the quit key.
func TestHelpListsEachKeyOnceAndFooterKeepsHelp(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 80, 24)
	check := func(name string, want ...string) {
		t.Helper()
		ks := helpKeys(h.m)
		seen := map[string]bool{}
		for _, k := range ks {
			if seen[k] {
				t.Errorf("%s: %q listed twice in %q", name, k, ks)
			}
			seen[k] = true
		}
		for _, w := range append(want, "?", "q", "ctrl+c") {
			if !seen[w] {
				t.Errorf("%s: %q missing from %q", name, w, ks)
			}
		}
		lines := strings.Split(h.view(), "\n")
		footer := strings.TrimRight(lines[len(lines)-1], " ")
		quit := "q quit"
		if h.m.typing() {
			quit = "ctrl+c quit"
		}
		if !strings.HasSuffix(footer, "? help • "+quit) {
			t.Errorf("%s: footer %q lost ? help / %s", name, footer, quit)
		}
	}
	check("amount", "h", "tab", "shift+tab", "enter")
	h.amountTo("1000")
	check("method", "m", "c", "esc", "↑/k")
	h.pickMethod("Credit card")
	check("details", "ctrl+t", "ctrl+s")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitText("PAID")
	check("result", "n", "h", "f", "d", "s")
	h.keys("d")
	h.waitFor("payment", func(m Model) bool { return m.screen == screenPayment })
	check("payment", "esc", "h", "n")
	h.keys("h")
	h.waitFor("history", func(m Model) bool { return m.screen == screenHistory && m.history.loaded })
	check("history", "tab", "e", "g", "n")
	h.keys("?")
	if v := h.view(); strings.Count(v, "new sale") != 1 {
		t.Errorf("history's full help:\n%s", v)
	}
}

// A konbini slip's instructions URL is one whole line at 80 and 120
// columns (a wrapped URL can be neither clicked nor copied); with --demo
// the payment id is masked in it as everywhere else.
func TestInstructionsURLOneLineAndMaskedInDemo(t *testing.T) {
	for _, demo := range []bool{false, true} {
		for _, w := range []int{80, 120} {
			env := newEnv(t, envOpt{})
			o := env.options()
			o.Demo = demo
			h := newHarness(t, o, w, 40)
			h.amountTo("900")
			h.pickMethod("Konbini (convenience store)")
			h.testData("Sample customer")
			h.keys("ctrl+s")
			h.waitFor("slip", func(m Model) bool { return m.outcome != nil && m.outcome.InstructionsURL != "" })
			out := h.m.outcome
			u := out.InstructionsURL
			id := out.PaymentID()
			if u == "" || !strings.Contains(u, id) {
				t.Fatalf("instructions URL %q does not hold the payment id %s", u, id)
			}
			v := h.view()
			want := u
			if demo {
				want = strings.ReplaceAll(u, id, "…"+id[len(id)-4:])
			}
			if len(want) <= w && !strings.Contains(v, want) {
				t.Errorf("demo=%v at %d: URL %q not on one line:\n%s", demo, w, want, v)
			}
			if demo && strings.Contains(v, id) {
				t.Errorf("demo at %d shows the whole payment id %s:\n%s", w, id, v)
			}
		}
	}
}

// Without a browser, the clerk reads one sentence in their words (not
// exec's error) that suggests --no-browser, and the next sale does not
// try again.
func TestNoBrowserSaidOnceInClerkWords(t *testing.T) {
	env := newEnv(t, envOpt{})
	env.opened.err = errors.New(`exec: "xdg-open,x-www-browser,www-browser": executable file not found in $PATH`)
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("800")
	h.pickMethod("PayPay")
	h.waitText("CUSTOMER MUST FINISH PAYING", "no browser here", "--no-browser")
	h.mustNotContain("exec:", "xdg-open", "$PATH")
	h.keys("n")
	h.amountTo("900")
	h.pickMethod("PayPay")
	h.waitText("CUSTOMER MUST FINISH PAYING", "the page was not opened")
	h.mustNotContain("exec:")
	if n := len(env.opened.list()); n != 1 {
		t.Fatalf("the browser was tried %d times, want once", n)
	}
}

// A total above the threshold is confirmed before the sale starts; no
// sends the clerk back to the amount with nothing created.
func TestBigAmountIsConfirmed(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.keys("99999999999", "enter")
	if h.m.modal == nil {
		t.Fatalf("¥99,999,999,999 was taken without a second look:\n%s", h.view())
	}
	h.mustContain("Charge ¥99,999,999,999?", "more than ¥1,000,000")
	h.keys("n")
	if h.m.screen != screenAmount || h.m.sale != nil || h.m.busy != nil {
		t.Fatalf("no did not keep the clerk on the amount: %s", h.m.Screen())
	}
	// A configured threshold; under it nothing is asked.
	o := env.options()
	o.ConfirmAbove = 50_000
	h = newHarness(t, o, 120, 40)
	h.amountTo("40000")
	h.keys("esc")
	h.keys("backspace", "backspace", "backspace", "backspace", "backspace", "60000", "enter")
	if h.m.modal == nil {
		t.Fatal("¥60,000 above a ¥50,000 threshold was not confirmed")
	}
	h.keys("y")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	h.mustContain("¥60,000")
}

// Method 2 names each method as Method 1 does and shows the order number
// line on the method screen.
func TestMethod2NamesAndOrder(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Flow = flows.FlowDirect
	h := newHarness(t, o, 120, 40)
	h.amountTo("1000")
	h.settle()
	h.mustContain("Credit card", "Konbini (convenience store)", "Order automatic")
	h.mustNotContain("Credit Card")
}

// The header names the till (issue 15, item 2): its id is in every order
// number it makes, so the clerk can tell tills apart.
func TestHeaderNamesTheTill(t *testing.T) {
	env := newEnv(t, envOpt{})
	o := env.options()
	o.Till = "K3F9"
	m := New(o)
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	first, _, _ := strings.Cut(ansi.Strip(nm.(Model).View()), "\n")
	if !strings.Contains(first, "till K3F9") {
		t.Fatalf("header %q does not name the till", first)
	}
	o.Lang = "ja"
	nm, _ = New(o).Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	if first, _, _ = strings.Cut(ansi.Strip(nm.(Model).View()), "\n"); !strings.Contains(first, "レジ K3F9") {
		t.Fatalf("Japanese header %q does not name the till", first)
	}
}
