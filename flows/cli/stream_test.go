package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// decodeStream splits pay --wait --json output into its events and its
// final result (the last line); every line is one compact JSON value.
func decodeStream(t *testing.T, out string) ([]eventJSON, outcomeJSON) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no JSON lines:\n%s", out)
	}
	var events []eventJSON
	for _, l := range lines[:len(lines)-1] {
		events = append(events, decode[eventJSON](t, l))
	}
	return events, decode[outcomeJSON](t, lines[len(lines)-1])
}

// TestPayWaitJSONStreamsTheURLFirst: with --json --wait the URL the
// customer must open is written at once as a JSON line (before, nothing was
// printed until the payment settled, so a script could not send the
// customer anywhere); the customer acts on that URL, and the status change
// and the result follow as lines.
func TestPayWaitJSONStreamsTheURLFirst(t *testing.T) {
	h := newHarness(t)
	pr, pw := io.Pipe()
	codes := make(chan int, 1)
	var errOut bytes.Buffer
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		args := append([]string{"--amount", "4100", "--wait", "20s", "--json"}, cardArgs("4100000000005000")...)
		codes <- Run(ctx, "pay", args, pw, &errOut, func(k string) string { return h.env[k] }, h.connect)
		pw.Close()
	}()
	rd := bufio.NewReader(pr)
	first, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v", err)
	}
	created := decode[eventJSON](t, first)
	if created.Event != "created" || created.Outcome != "redirect" || created.Status != "pending" || created.OrderNum == "" || created.SessionID == "" {
		t.Fatalf("first line %+v", created)
	}
	u, err := url.Parse(created.RedirectURL)
	if err != nil || !strings.Contains(u.Path, "/sandbox/3ds/") {
		t.Fatalf("redirect_url %q", created.RedirectURL)
	}
	// The customer completes the challenge for the payment the line names.
	h.customer(created.PaymentID, "3ds", url.Values{"code": {"123456"}})
	rest, _ := io.ReadAll(rd)
	if code := <-codes; code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	events, res := decodeStream(t, string(rest))
	if len(events) == 0 || events[len(events)-1].Event != "status" || events[len(events)-1].Outcome != "paid" || events[len(events)-1].Status != "captured" {
		t.Errorf("status events %+v", events)
	}
	if res.Event != "result" || !res.OK || res.Outcome != "paid" || res.PaymentID != created.PaymentID || !res.Waited {
		t.Errorf("result %+v", res)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(first), &raw); err != nil || strings.Contains(first[:len(first)-1], "\n") {
		t.Errorf("first line is not one compact JSON value: %q", first)
	}
	// Without --wait, --json is still one indented object.
	code, out, _ := h.pay("4200", append(cardArgs("4100000000005000"), "--json")...)
	if j := decode[outcomeJSON](t, out); code != ExitOK || j.Event != "" || j.RedirectURL == "" || !strings.Contains(out, "\n  \"command\"") {
		t.Errorf("pay --json without --wait: exit %d\n%s", code, out)
	}
	// A usage error in a stream is a result line too.
	code, out, _ = h.pay("abc", "--method", "card", "--wait", "1m", "--json")
	if e := decode[errorJSON](t, out); code != ExitUsage || e.Event != "result" || e.Error == nil || e.Error.Flag != "--amount" || strings.Count(out, "\n") != 1 {
		t.Errorf("usage error in a stream: exit %d\n%s", code, out)
	}
}

// TestSandboxModeSaysHowToShareOneSandbox: without a key each command runs
// its own empty sandbox, so the second step of a script (capture the
// payment the first made) fails; the failure says how to run one sandbox
// for the whole script. With a key it says nothing of the kind.
func TestSandboxModeSaysHowToShareOneSandbox(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{{"capture", "pay_made_by_an_earlier_command"}, {"show", "pay_made_by_an_earlier_command", "--json"}} {
		code, _, errOut := h.run(args...)
		if code != ExitAPI || !strings.Contains(errOut, "start\n  one sandbox in another terminal; every command without a key then uses it:\n    komoju-tui sandbox\n") {
			t.Errorf("%v: exit %d\n%s", args, code, errOut)
		}
	}
	// Test mode keeps a journal of its own (the sandbox's may not hold
	// test-mode sales: journal.ClaimMode).
	env := map[string]string{"KOMOJU_SECRET_KEY": h.sb.SecretKey(), "KOMOJU_API_URL": h.sb.URL(), "KOMOJU_TUI_JOURNAL": filepath.Join(h.dir, "test.db")}
	startJournal(t, env["KOMOJU_TUI_JOURNAL"])
	code, _, errOut := h.runEnv(env, "capture", "pay_nowhere")
	if code != ExitAPI || strings.Contains(errOut, "komoju-tui sandbox") {
		t.Errorf("with a key: exit %d\n%s", code, errOut)
	}
}
