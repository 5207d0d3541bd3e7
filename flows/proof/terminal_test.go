package proof

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// listenURL waits for `komoju-tui listen` to print its URL.
func listenURL(t *testing.T, out *syncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(out.String(), "\n") {
			if u, ok := strings.CutPrefix(l, "listening on "); ok {
				return strings.TrimSpace(u)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("listen did not start:\n%s", out.String())
	return ""
}

// TestListenBinaryUnderAttack runs the real binary as the attacker
// met it: every hostile string in signed and unsigned deliveries (the
// printed output must carry none), then 30 unsigned 1 MiB posts into a
// --journal (the journal must not grow by their size).
func TestListenBinaryUnderAttack(t *testing.T) {
	const secret = "whsec_proof"
	dir := t.TempDir()
	jpath := filepath.Join(dir, "journal.db")
	cmd := newCmd(t, []string{"KOMOJU_WEBHOOK_SECRET=" + secret}, "listen", "--journal", jpath)
	out := &syncBuffer{}
	var errb syncBuffer
	cmd.Stdout, cmd.Stderr = out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	u := listenURL(t, out)
	post := func(body []byte, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
		req.Header.Set("X-Komoju-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := termtext.HostileCases()
	for _, c := range cases {
		pay, _ := json.Marshal(map[string]any{"id": "pay_" + c.In, "resource": "payment", "status": "captured" + c.In, "total": 100, "currency": "JPY"})
		body, _ := json.Marshal(map[string]any{"id": "evt_" + c.In, "type": "payment.captured" + c.In, "resource": "event", "data": json.RawMessage(pay)})
		post(body, komoju.SignWebhook(body, secret))
		post(body, strings.Repeat("0", 64))
	}
	fi0, _ := os.Stat(jpath)
	mib := bytes.Repeat([]byte("A"), 1<<20)
	start := time.Now()
	codes := map[int]int{}
	for i := 0; i < 30; i++ {
		codes[post(mib, strings.Repeat("0", 64))]++
	}
	elapsed := time.Since(start)
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	if err := termtext.Check(out.String()); err != nil {
		t.Errorf("listen printed %v", err)
	}
	var grown int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(jpath + suffix); err == nil {
			grown += fi.Size()
		}
	}
	if fi0 != nil {
		grown -= fi0.Size()
	}
	t.Logf("%d hostile strings × signed/unsigned printed inert; 30 unsigned 1 MiB posts in %s answered %v, journal (+WAL) grew %d bytes",
		len(cases), elapsed.Round(time.Millisecond), codes, grown)
	if grown > 2<<20 {
		t.Errorf("the journal grew %d bytes under 30 MiB of unsigned posts", grown)
	}
}

// TestShowBinaryAgainstHostileAPI: `show` prints a payment whose every
// text field carries every hostile string, from the real binary.
func TestShowBinaryAgainstHostileAPI(t *testing.T) {
	var all strings.Builder
	for _, c := range termtext.HostileCases() {
		all.WriteString(c.In)
	}
	s := all.String()
	srv := newHostileAPI(t, s)
	for _, args := range [][]string{{"show", "pay_hostile"}, {"show", "pay_hostile", "--json"}, {"capture", "pay_hostile"}} {
		r := run(t, []string{"KOMOJU_SECRET_KEY=sk_test_proofproof", "KOMOJU_API_URL=" + srv}, args...)
		if err := termtext.Check(r.stdout + r.stderr); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestCardFromStdinKeepsArgvClean: with --card -, the process's command
// line (what ps and /proc/PID/cmdline show) holds no card data.
func TestCardFromStdinKeepsArgvClean(t *testing.T) {
	cmd := exec.Command(binary(t), "pay", "--amount", "1000", "--method", "credit_card", "--card", "-", "--flow", "direct")
	cmd.Env = baseEnv(t, nil)
	cmd.Stdin = strings.NewReader("4111111111111111\n" + time.Now().AddDate(5, 0, 0).Format("01/06") + "\n123\n") // expiry five years on: pay checks the real clock
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		t.Fatalf("pay --card -: %v\n%s\n%s", err, so.String(), se.String())
	}
	if strings.Contains(strings.Join(cmd.Args, " "), "4111") || strings.Contains(so.String()+se.String(), "4111111111111111") {
		t.Error("the card number is in argv or the output")
	}
	if !strings.Contains(so.String(), "captured") || strings.Contains(se.String(), "warning") {
		t.Errorf("stdout %q stderr %q", so.String(), se.String())
	}
}

func newHostileAPI(t *testing.T, s string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			w.WriteHeader(422)
			fmt.Fprintf(w, `{"error":{"code":"bad","message":%q}}`, "refused "+s)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "pay_hostile", "resource": "payment", "status": "captured", "amount": 1, "total": 1, "currency": "JPY",
			"external_order_num": s, "description": s, "payment_details": map[string]any{"type": "konbini" + s},
			"refunds":         []map[string]any{{"id": "r" + s, "amount": 1, "description": s, "created_at": "2026-11-24T09:00:00Z"}},
			"refund_requests": []map[string]any{{"id": "rr" + s, "bank_name": s, "status": "pending", "created_at": "2026-11-24T09:00:00Z"}},
			"created_at":      "2026-11-24T09:00:00Z"})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}
