package proof

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// holdProxy sits between the binary and the sandbox. The first request
// that matches is either forwarded (the sandbox does the work) and its
// answer withheld, or withheld without forwarding; either way the proxy
// reports it on arrived and then waits for the client to disappear. Every
// other request passes through.
type holdProxy struct {
	target  string // sandbox base URL
	match   func(*http.Request) bool
	forward bool // forward the held request before holding its answer
	arrived chan struct{}
	once    sync.Once
}

func (h *holdProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	hold := false
	if h.match(r) {
		h.once.Do(func() { hold = true })
	}
	if hold && !h.forward {
		close(h.arrived)
		<-r.Context().Done()
		return
	}
	// The outgoing call ignores the client's context: once sent, the work
	// happens even if the client dies, as on a real server.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, h.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	res, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	rb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if hold {
		close(h.arrived)
		select { // the answer never goes out: the client is killed meanwhile
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
		return
	}
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rb)
}

// historyJSON is the part of `history --json` the tests read.
type historyJSON struct {
	OrderNum  string               `json:"order_num"`
	Status    komoju.PaymentStatus `json:"status"`
	PaymentID string               `json:"payment_id"`
	Outcome   string               `json:"outcome"`
	Total     int64                `json:"total"`
}

// payArgs is a card sale with order number order through flow.
func payArgs(order, flow, journalPath string) []string {
	return []string{"pay", "--amount", "1000", "--method", "credit_card", "--card", "4111111111111111", "--exp", cardExpiry,
		"--cvc", "123", "--order", order, "--flow", flow, "--journal", journalPath}
}

// startKill starts the binary and returns a function that SIGKILLs it and
// returns what it printed.
func startKill(t *testing.T, env []string, args ...string) (kill func() string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = baseEnv(t, env)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill = func() string {
		if !killed {
			killed = true
			_ = cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Errorf("komoju-tui pay was not killed by SIGKILL (it ended first: %v); output:\n%s", err, out.String())
			}
		}
		return out.String()
	}
	t.Cleanup(func() { kill() })
	return kill
}

// waitIntent polls the journal (as a second process would) until the sale
// with order has an intent row, and returns it.
func waitIntent(t *testing.T, path, order string, within time.Duration) journal.Sale {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if j, err := journal.OpenWith(path, journal.Options{SkipQuickCheck: true}); err == nil {
			s, err := j.SaleByOrder(context.Background(), order)
			_ = j.Close()
			if err == nil {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no intent row for %s in %s after %s", order, path, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recoverAndCheck runs the commands a clerk would after the crash (show
// the order, then the history) and checks the sale appears once with
// want, and that KOMOJU holds wantPayments payments for the order.
func recoverAndCheck(t *testing.T, env []string, jpath, order string, c *komoju.Client, want komoju.PaymentStatus, wantPayments int) {
	t.Helper()
	// The till that made the sale is dead (SIGKILL): the next process
	// settles its sale. show and history only read.
	rec := run(t, env, "reconcile", "--json", "--journal", jpath, "--fence", "2s")
	t.Logf("reconcile → exit %d\n%s%s", rec.code, rec.stdout, rec.stderr)
	if rec.code != 0 {
		t.Errorf("reconcile exit %d: the dead till's sale is still unknown", rec.code)
	}
	show := run(t, env, "show", order, "--json", "--journal", jpath)
	t.Logf("show %s → exit %d\n%s%s", order, show.code, show.stdout, show.stderr)
	hist := run(t, env, "history", "--json", "--journal", jpath)
	if hist.code != 0 {
		t.Fatalf("history exit %d: %s%s", hist.code, hist.stdout, hist.stderr)
	}
	var rows []historyJSON
	if err := json.Unmarshal([]byte(hist.stdout), &rows); err != nil {
		t.Fatalf("history --json is not a JSON list of sales: %v\n%s", err, hist.stdout)
	}
	var mine []historyJSON
	for _, r := range rows {
		if r.OrderNum == order {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("history lists order %s %d times, want once: %+v", order, len(mine), rows)
	}
	if mine[0].Status != want {
		t.Errorf("history shows %s as %q (outcome %q), want its true status %q", order, mine[0].Status, mine[0].Outcome, want)
	}
	j, err := journal.OpenWith(jpath, journal.Options{SkipQuickCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s, err := j.SaleByOrder(context.Background(), order)
	if err != nil {
		t.Fatal(err)
	}
	if s.Unfinished() || s.Status != want {
		t.Errorf("journal after recovery: %s unfinished %v status %q outcome %q, want %q and finished", order, s.Unfinished(), s.Status, s.Outcome, want)
	}
	ps := allPayments(t, c, order)
	if len(ps) != wantPayments {
		t.Errorf("KOMOJU holds %d payments for %s, want %d", len(ps), order, wantPayments)
	}
	if wantPayments == 1 && len(ps) == 1 && s.PaymentID != ps[0].ID {
		t.Errorf("journal names payment %q, KOMOJU has %q", s.PaymentID, ps[0].ID)
	}
}

// TestCrashAfterChargeBeforeJournal kills `komoju-tui pay` with SIGKILL
// after KOMOJU did the work but before the answer reached it (so before
// the journal's result write), for both flows. A proxy forwards the pay
// request to the in-process sandbox and withholds the answer; while it is
// withheld the journal must already hold the intent (written before the
// call) and no result. After the kill, `show` and `history` (new
// processes) show the sale once, captured, and KOMOJU holds one payment.
func TestCrashAfterChargeBeforeJournal(t *testing.T) {
	for _, tc := range []struct {
		flow   string
		suffix string // the money-moving request to hold
	}{
		{"direct", "/api/v1/payments"},
		{"session", "/pay"},
	} {
		t.Run(tc.flow, func(t *testing.T) {
			sb := startSandbox(t, sandbox.Options{})
			px := &holdProxy{target: sb.BaseURL(), forward: true, arrived: make(chan struct{}),
				match: func(r *http.Request) bool {
					return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, tc.suffix)
				}}
			ps := httptest.NewServer(px)
			t.Cleanup(ps.Close)
			env := []string{"KOMOJU_SECRET_KEY=" + sb.SecretKey(), "KOMOJU_API_URL=" + ps.URL + "/api/v1"}
			jpath := filepath.Join(t.TempDir(), "journal.db")
			order := "CRASH-" + strings.ToUpper(tc.flow)
			binary(t) // build before the clock starts
			kill := startKill(t, env, payArgs(order, tc.flow, jpath)...)
			select {
			case <-px.arrived:
			case <-time.After(30 * time.Second):
				t.Fatalf("the pay request never reached KOMOJU; output:\n%s", kill())
			}
			// Between the API call and the result write.
			s := waitIntent(t, jpath, order, 5*time.Second)
			if s.PaymentID != "" || !s.Unfinished() {
				t.Fatalf("while the answer is withheld the journal already has a result: payment %q outcome %q", s.PaymentID, s.Outcome)
			}
			if out := kill(); strings.Contains(out, "4111111111111111") {
				t.Errorf("the killed process printed the card number")
			}
			c := fastClient(sb)
			if n := len(allPayments(t, c, order)); n != 1 {
				t.Fatalf("before recovery KOMOJU holds %d payments for %s; the proxy should have let exactly one through", n, order)
			}
			recoverAndCheck(t, env, jpath, order, c, komoju.PaymentCaptured, 1)
		})
	}
}

// TestCrashBeforeChargeReachesKOMOJU runs `komoju-tui sandbox --latency 2s`
// as its own process and kills `komoju-tui pay` (SIGKILL) once its intent
// is in the journal, while the request sits in the sandbox's latency. The
// sandbox sees the client gone and does nothing; after it has had time to
// finish, `show` and `history` record the sale once as not charged and
// KOMOJU holds no payment for it.
func TestCrashBeforeChargeReachesKOMOJU(t *testing.T) {
	bin := binary(t)
	ctx, cancel := context.WithCancel(context.Background())
	sbCmd := exec.CommandContext(ctx, bin, "sandbox", "--addr", "127.0.0.1:0", "--latency", "2s")
	sbCmd.Env = baseEnv(t, nil)
	sbCmd.Cancel = func() error { return sbCmd.Process.Signal(syscall.SIGINT) }
	sbCmd.WaitDelay = 5 * time.Second
	stdout, err := sbCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var sbErr bytes.Buffer
	sbCmd.Stderr = &sbErr
	if err := sbCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sbCmd.Wait() })
	apiURL, key := readSandboxBanner(t, stdout, &sbErr)
	c := komoju.NewClient(key, komoju.WithBaseURL(apiURL))

	env := []string{"KOMOJU_SECRET_KEY=" + key, "KOMOJU_API_URL=" + apiURL}
	jpath := filepath.Join(t.TempDir(), "journal.db")
	order := "CRASH-EARLY"
	kill := startKill(t, env, payArgs(order, "direct", jpath)...)
	// Killed as soon as the intent is in the journal: the request is then
	// not sent yet or waiting in the sandbox's 2 s latency, far from done.
	s := waitIntent(t, jpath, order, 30*time.Second)
	kill()
	if s.PaymentID != "" {
		t.Fatalf("intent already has a payment %q before the sandbox answered", s.PaymentID)
	}
	time.Sleep(2500 * time.Millisecond) // let the sandbox finish whatever it would do
	// Recovery runs against the same (slow) sandbox.
	recoverAndCheck(t, env, jpath, order, c, "", 0)
}

// readSandboxBanner reads `komoju-tui sandbox` output until it has the
// API base URL and the secret key.
func readSandboxBanner(t *testing.T, r io.Reader, stderr *bytes.Buffer) (apiURL, key string) {
	t.Helper()
	type banner struct{ url, key string }
	got := make(chan banner, 1)
	go func() {
		var b banner
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "API base URL:"); ok {
				b.url = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Secret key:"); ok {
				b.key = strings.TrimSpace(v)
			}
			if b.url != "" && b.key != "" {
				got <- b
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
		close(got)
	}()
	select {
	case b, ok := <-got:
		if !ok {
			t.Fatalf("komoju-tui sandbox printed no API base URL and secret key; stderr:\n%s", stderr.String())
		}
		return b.url, b.key
	case <-time.After(60 * time.Second):
		t.Fatalf("komoju-tui sandbox did not start within 60 s; stderr:\n%s", stderr.String())
	}
	return "", ""
}
