package proof

import (
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// startSandboxProcess runs `komoju-tui sandbox` on a free loopback port
// until the end of the test and returns its API base URL and secret key.
func startSandboxProcess(t *testing.T, args ...string) (apiURL, key string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary(t), append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = baseEnv(t, nil)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	apiURL, key = readSandboxBanner(t, stdout, nil) // nil: its stderr is read only after it ends
	return apiURL, key
}

// TestRestartWithWaitingSales holds issue 10 case 8 ("restart does not
// recheck waiting sales"). Through the binary, against a `komoju-tui
// sandbox` process, a till takes a konbini slip (awaiting the store), a
// 3-D Secure card (pending the customer's redirect) and a manual-capture
// card (authorized), and stops. While no till runs, the customers finish
// through the sandbox's control endpoints: the konbini slip is paid at the
// store, the 3-D Secure challenge is passed, and the authorization lapses
// (the sandbox clock moves 31 days on; authorizations expire after 30).
// Then `komoju-tui reconcile` alone — nobody opens a sale, no `show` — and
// `history --json` lists each sale with KOMOJU's true status. Before the
// fix only unfinished sales were reconciled on start (there was no
// reconcile command): pending, redirect and awaiting sales stayed as they
// were until the clerk opened each one.
func TestRestartWithWaitingSales(t *testing.T) {
	apiURL, key := startSandboxProcess(t)
	base := strings.TrimSuffix(apiURL, "/api/v1")
	dir := t.TempDir()
	jpath := filepath.Join(dir, "journal.db")
	env := append(apiEnv(key, apiURL), machineEnv(dir)...)

	type waiting struct {
		name, outcome string
		args          []string
		finish        func(id string) // the customer (or time) moves it on
		want          komoju.PaymentStatus
		out           payJSON
	}
	control := func(path, contentType, body string) {
		code, b := rawCall(t, "POST", base+path, key, contentType, strings.NewReader(body))
		if code != 200 {
			t.Fatalf("POST %s: HTTP %d %s", path, code, b)
		}
	}
	sales := []*waiting{
		{name: "konbini slip", outcome: "awaiting", want: komoju.PaymentCaptured,
			args: []string{"pay", "--amount", "1500", "--method", "konbini", "--store", "lawson", "--email", "taro@example.com"},
			finish: func(id string) {
				control("/sandbox/payments/"+id+"/pay_at_store", "", "")
			}},
		{name: "3-D Secure redirect", outcome: "redirect", want: komoju.PaymentCaptured,
			args: []string{"pay", "--amount", "2500", "--method", "credit_card", "--card", "4100000000005000", "--exp", cardExpiry, "--cvc", "123"},
			finish: func(id string) {
				control("/sandbox/payments/"+id+"/3ds", "application/x-www-form-urlencoded", url.Values{"code": {"123456"}}.Encode())
			}},
		{name: "manual-capture authorization", outcome: "authorized", want: komoju.PaymentExpired,
			args: []string{"pay", "--amount", "3500", "--method", "credit_card", "--card", "4111111111111111", "--exp", cardExpiry, "--cvc", "123", "--capture", "manual"},
			finish: func(string) {
				control("/sandbox/clock", "application/json", `{"advance":"31d"}`)
			}},
	}
	for _, w := range sales {
		r := run(t, env, append(w.args, "--json", "--journal", jpath)...)
		out, err := parsePay(r.stdout)
		if err != nil || r.code != 0 || out.Outcome != w.outcome || out.PaymentID == "" {
			t.Fatalf("%s: exit %d outcome %q (want %q) %v\n%s%s", w.name, r.code, out.Outcome, w.outcome, err, r.stdout, r.stderr)
		}
		w.out = out
	}
	// No till runs now. The customers finish.
	for _, w := range sales {
		w.finish(w.out.PaymentID)
	}
	history := func() map[string]historyJSON {
		h := run(t, env, "history", "--json", "--journal", jpath)
		var rows []historyJSON
		if err := json.Unmarshal([]byte(h.stdout), &rows); err != nil || h.code != 0 {
			t.Fatalf("history: exit %d %v\n%s%s", h.code, err, h.stdout, h.stderr)
		}
		m := map[string]historyJSON{}
		for _, r := range rows {
			m[r.OrderNum] = r
		}
		return m
	}
	before := history()

	rec := run(t, env, "reconcile", "--json", "--journal", jpath)
	var recs []reconcileJSON
	if err := json.Unmarshal([]byte(rec.stdout), &recs); err != nil || rec.code != 0 {
		t.Fatalf("reconcile: exit %d %v\n%s%s", rec.code, err, rec.stdout, rec.stderr)
	}
	said := map[string]string{}
	for _, r := range recs {
		said[r.OrderNum] = r.Message
	}

	after := history()
	c := komoju.NewClient(key, komoju.WithBaseURL(apiURL))
	for _, w := range sales {
		p, err := c.Payments.Get(testCtx(t, 30*time.Second), w.out.PaymentID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != w.want {
			t.Fatalf("%s: KOMOJU shows %s, want %s: the customer's step did not do what the test needs", w.name, p.Status, w.want)
		}
		h, ok := after[w.out.OrderNum]
		if !ok || h.Status != p.Status || h.PaymentID != p.ID {
			t.Errorf("%s (%s): history after reconcile shows %q payment %q; KOMOJU: %s %s", w.name, w.out.OrderNum, h.Status, h.PaymentID, p.Status, p.ID)
		}
		if b := before[w.out.OrderNum]; string(b.Status) != w.out.Status {
			t.Errorf("%s: history before reconcile shows %q, want the status the till left it in (%s)", w.name, b.Status, w.out.Status)
		}
		if said[w.out.OrderNum] == "" {
			t.Errorf("%s (%s): reconcile did not tell the clerk what changed:\n%s", w.name, w.out.OrderNum, rec.stdout)
		}
		t.Logf("%s %s: history %s before reconcile, %s after (KOMOJU %s); reconcile: %s",
			w.name, w.out.OrderNum, before[w.out.OrderNum].Status, h.Status, p.Status, said[w.out.OrderNum])
	}
}
