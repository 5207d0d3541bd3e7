package proof

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPayAsksAgainOnATerminal runs pay in a real terminal (tmux) with a
// total above the console's threshold: it asks before anything starts, "no"
// leaves the customer uncharged (exit 2), "yes" charges as typed; with
// "--card -" the question comes before the card's prompts, so "no" never
// has the clerk type a card; with --lang ja the question and the card's
// prompts are Japanese.
func TestPayAsksAgainOnATerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: run scripts/test.sh (it installs tmux) or apt-get install tmux")
	}
	bin := binary(t)
	socket := fmt.Sprintf("komoju-confirm-%d", os.Getpid())
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
		if err != nil && args[0] != "kill-server" {
			t.Fatalf("tmux %s: %v %s", args[0], err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { tmux("kill-server") })
	waitFor := func(name, want string) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			s := tmux("capture-pane", "-p", "-J", "-t", name)
			if strings.Contains(s, want) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed %q:\n%s", name, want, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	env := baseEnv(t, nil)
	start := func(name, payArgs string) {
		t.Helper()
		args := []string{"new-session", "-d", "-s", name, "-x", "160", "-y", "30"}
		for _, e := range env {
			args = append(args, "-e", e)
		}
		script := fmt.Sprintf("%q pay --fresh %s; echo EXIT=$?; sleep 30", bin, payArgs)
		tmux(append(args, "sh", "-c", script)...)
	}
	for _, c := range []struct{ answer, exit, says string }{
		{"no", "EXIT=2", "Not charged: the amount was not confirmed."},
		{"yes", "EXIT=0", "/sandbox/wallet/"},
	} {
		start(c.answer, "--amount 2000000 --method paypay")
		waitFor(c.answer, "Charge ¥2,000,000? It is more than ¥1,000,000")
		tmux("send-keys", "-t", c.answer, c.answer, "Enter")
		s := waitFor(c.answer, c.exit)
		if !strings.Contains(s, c.says) {
			t.Errorf("answered %q: the terminal does not say %q:\n%s", c.answer, c.says, s)
		}
	}

	// With "--card -" the question comes first: answering no, the clerk
	// never types the card (it was asked for first, then the sale refused).
	start("card-no", "--amount 2000000 --method credit_card --card -")
	waitFor("card-no", "Charge ¥2,000,000?")
	if s := tmux("capture-pane", "-p", "-J", "-t", "card-no"); strings.Contains(s, "Card number") {
		t.Errorf("the card was asked for before the amount was confirmed:\n%s", s)
	}
	tmux("send-keys", "-t", "card-no", "no", "Enter")
	if s := waitFor("card-no", "EXIT="); !strings.Contains(s, "EXIT=2") || strings.Contains(s, "Card number") {
		t.Errorf("answered no: the card was asked for, or the sale went on:\n%s", s)
	}

	// In Japanese, the question and the card's prompts (no echo) too.
	start("ja", "--amount 1500000 --method credit_card --card - --lang ja")
	for _, step := range []struct{ prompt, typed string }{
		{"¥1,500,000 を請求しますか？", "はい"},
		{"カード番号:", "4111111111111111"}, {"有効期限 (MM/YY):", cardExpiry}, {"セキュリティコード:", "123"},
	} {
		waitFor("ja", step.prompt)
		tmux("send-keys", "-t", "ja", "-l", step.typed)
		tmux("send-keys", "-t", "ja", "Enter")
	}
	s := waitFor("ja", "EXIT=")
	if !strings.Contains(s, "EXIT=0") || !strings.Contains(s, "¥1,500,000 の支払いが完了しました") || strings.Contains(s, "4111111111111111") {
		t.Errorf("a Japanese card sale on a terminal:\n%s", s)
	}
}
