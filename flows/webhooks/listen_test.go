package webhooks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// syncBuffer is a bytes.Buffer safe for the listener goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func post(t *testing.T, url string, body []byte, hdr map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// runListen starts Listen and returns its URL, its output and a stop
// function that returns Listen's error.
func runListen(t *testing.T, o ListenOptions) (string, *syncBuffer, func() error) {
	t.Helper()
	out := &syncBuffer{}
	o.Out = out
	ready := make(chan string, 1)
	o.Ready = func(u string) { ready <- u }
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Listen(ctx, o) }()
	var u string
	select {
	case u = <-ready:
	case err := <-errc:
		cancel()
		t.Fatalf("Listen: %v", err)
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatal("Listen did not start")
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Listen did not stop")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return u, out, stop
}

func TestListenPrintsOneLinePerDelivery(t *testing.T) {
	u, out, stop := runListen(t, ListenOptions{Secret: testSecret})
	body := eventBody(t, "evt_l1", komoju.EventPaymentCaptured, "pay_l1", komoju.PaymentCaptured, 1500)
	if s := post(t, u, body, signed(body, testSecret)); s != 200 {
		t.Fatalf("valid: %d", s)
	}
	if s := post(t, u, body, signed(body, testSecret)); s != 200 {
		t.Fatalf("duplicate: %d", s)
	}
	if s := post(t, u, body, map[string]string{}); s != 401 {
		t.Fatalf("unsigned: %d", s)
	}
	if err := stop(); err != nil {
		t.Fatalf("Listen returned %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want URL + 3:\n%s", len(lines), out.String())
	}
	if lines[0] != "listening on "+u {
		t.Errorf("first line %q", lines[0])
	}
	for i, want := range [][]string{
		{"✓ payment.captured", "event=evt_l1", "payment=pay_l1", "amount=¥1,500", "status=captured", "http=200"},
		{"✓ payment.captured", "http=200", "duplicate deliveries=2"},
		{"✗ payment.captured", "http=401", `reason="missing X-Komoju-Signature header"`},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("line %d %q lacks %q", i+1, lines[i+1], w)
			}
		}
	}
	if strings.Contains(lines[1], "duplicate") {
		t.Errorf("first delivery marked duplicate: %q", lines[1])
	}
}

func TestListenJSON(t *testing.T) {
	fwd := newVerifyingServer(t, testSecret, 204)
	u, out, stop := runListen(t, ListenOptions{Secret: testSecret, JSON: true, ForwardTo: fwd.URL})
	body := eventBody(t, "evt_j", komoju.EventPaymentExpired, "pay_j", komoju.PaymentExpired, 800)
	post(t, u, body, signed(body, testSecret))
	post(t, u, []byte("{"), signed([]byte("{"), testSecret))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	var objs []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		objs = append(objs, m)
	}
	if len(objs) != 3 || objs[0]["listening"] != u {
		t.Fatalf("objects %v", objs)
	}
	// Forwarded deliveries are printed once the forward answers, so the
	// order of the two lines is not fixed.
	ok, bad := objs[1], objs[2]
	if ok["verdict"] != "✓" {
		ok, bad = bad, ok
	}
	if ok["event_type"] != "payment.expired" || ok["event_id"] != "evt_j" || ok["payment_id"] != "pay_j" ||
		ok["amount"] != 800.0 || ok["currency"] != "JPY" || ok["verdict"] != "✓" || ok["verified"] != true || ok["duplicate"] != false {
		t.Errorf("valid object %v", ok)
	}
	if f, _ := ok["forward"].(map[string]any); f == nil || f["status"] != 204.0 {
		t.Errorf("forward %v", ok["forward"])
	}
	if bad["verdict"] != "✗" || bad["http_status"] != 400.0 || !strings.Contains(bad["reason"].(string), ReasonNotEvent) {
		t.Errorf("rejected object %v", bad)
	}
	if _, _, errs := fwd.snapshot(); len(errs) != 0 {
		t.Errorf("forward signature errors %v", errs)
	}
}

func TestCommandFlags(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name string
		args []string
		env  map[string]string
		code int
		err  string
	}{
		{"unknown flag", []string{"--nope"}, map[string]string{"KOMOJU_WEBHOOK_SECRET": "s"}, 2, "flag provided but not defined: -nope"},
		{"stray argument", []string{"extra"}, map[string]string{"KOMOJU_WEBHOOK_SECRET": "s"}, 2, `unexpected argument "extra"`},
		{"no secret", nil, nil, 2, "no webhook secret: set KOMOJU_WEBHOOK_SECRET or pass --webhook-secret"},
		{"bad forward URL", []string{"--webhook-secret", "s", "--forward-to", "example.com/hook"}, nil, 2, "--forward-to"},
		{"empty address", []string{"--webhook-secret", "s", "--webhook-addr", ""}, nil, 2, "--webhook-addr must not be empty"},
		{"address in use or invalid", []string{"--webhook-secret", "s", "--webhook-addr", "127.0.0.1:99999"}, nil, 1, "listen on 127.0.0.1:99999"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Command(t.Context(), tc.args, &stdout, &stderr, env(tc.env))
			if code != tc.code || !strings.Contains(stderr.String(), tc.err) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.err)
			}
		})
	}
	var stdout bytes.Buffer
	if code := Command(t.Context(), []string{"--help"}, &stdout, io.Discard, nil); code != 0 || !strings.Contains(stdout.String(), "--forward-to URL") {
		t.Errorf("--help: exit %d, %q", code, stdout.String())
	}
}

func TestCommandRunsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Command(ctx, []string{"--json"}, out, io.Discard, func(k string) string {
			if k == "KOMOJU_WEBHOOK_SECRET" {
				return testSecret
			}
			return ""
		})
	}()
	var u string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		line, _, _ := strings.Cut(out.String(), "\n")
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			u, _ = m["listening"].(string)
			break
		}
	}
	if u == "" {
		cancel()
		t.Fatalf("no listening line: %q", out.String())
	}
	body := eventBody(t, "evt_cmd", komoju.EventPaymentCaptured, "pay_cmd", komoju.PaymentCaptured, 1)
	if s := post(t, u, body, signed(body, testSecret)); s != 200 {
		t.Errorf("delivery answered %d (secret from the environment not used?)", s)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out.String(), `"event_id":"evt_cmd"`) {
		t.Errorf("output %q", out.String())
	}
}

// TestCommandKeepsDeliveriesInJournal: with --journal, listen persists each
// delivery, so the console's inspector lists it after a restart.
func TestCommandKeepsDeliveriesInJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal-test.db")
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Command(ctx, []string{"--json", "--journal", path, "--webhook-secret", testSecret}, out, io.Discard, nil)
	}()
	var u string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && u == ""; time.Sleep(10 * time.Millisecond) {
		line, _, _ := strings.Cut(out.String(), "\n")
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			u, _ = m["listening"].(string)
		}
	}
	if u == "" {
		cancel()
		t.Fatalf("no listening line: %q", out.String())
	}
	body := eventBody(t, "evt_kept", komoju.EventPaymentCaptured, "pay_kept", komoju.PaymentCaptured, 1)
	if s := post(t, u, body, signed(body, testSecret)); s != 200 {
		t.Errorf("delivery answered %d", s)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ev, err := j.Event(t.Context(), "evt_kept")
	if err != nil || !ev.Verified || ev.Type != komoju.EventPaymentCaptured {
		t.Fatalf("stored event %+v, err %v", ev, err)
	}

	// A journal that cannot be opened is named, and nothing listens.
	var stderr bytes.Buffer
	if code := Command(t.Context(), []string{"--webhook-secret", "s", "--journal", t.TempDir()}, io.Discard, &stderr, nil); code != 1 || !strings.Contains(stderr.String(), "--journal") {
		t.Errorf("directory as journal: exit %d, %q", code, stderr.String())
	}
}

// TestListenOutputIsInert pushes every hostile string through the fields
// a delivery prints (event id and type, payment id and status), signed and
// unsigned, in text and JSON: the output must carry no escape sequence,
// control or bidi character, and each delivery stays on its own line.
func TestListenOutputIsInert(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		u, out, stop := runListen(t, ListenOptions{Secret: testSecret, JSON: asJSON})
		cases := termtext.HostileCases()
		for _, c := range cases {
			body := eventBody(t, "evt_"+c.In, komoju.EventPaymentCaptured+c.In, "pay_"+c.In, komoju.PaymentStatus("captured"+c.In), 1500)
			post(t, u, body, signed(body, testSecret))
			post(t, u, body, map[string]string{"X-Komoju-Signature": "00"})
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if err := termtext.Check(got); err != nil {
			t.Fatalf("json=%v: listen printed %v:\n%s", asJSON, err, got)
		}
		// What a sequence carried is gone. ("pwned" is not checked: raw C1
		// bytes are not UTF-8, so JSON turned "\x9d0;pwned\x9c" into
		// U+FFFD and text before the receiver saw it; so did the overlong ESC.)
		for _, payload := range []string{"aGFja2Vk", "evil.example", "[31m", "[999;999H"} {
			if !asJSON && strings.Contains(got, payload) {
				t.Errorf("text output shows %q, the inside of a sequence", payload)
			}
		}
		if n := strings.Count(strings.TrimSpace(got), "\n") + 1; n != 1+2*len(cases) {
			t.Errorf("json=%v: %d lines, want %d (a field broke a line)", asJSON, n, 1+2*len(cases))
		}
	}
}

// Issue 15 item 4: the store's receiver (listen --journal) applies a
// verified payment event to the sale a till made, and each line says which
// sale of which till it moved; a redelivery moves nothing again.
func TestListenAppliesEventsToTheTillsSale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	till, err := journal.OpenWith(path, journal.Options{Till: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	defer till.Close()
	ctx := t.Context()
	id, err := till.BeginSale(ctx, journal.Intent{OrderNum: "POS-T1-20261124-0007", IdempotencyKey: "k7", Flow: journal.FlowDirect,
		Method: komoju.TypeKonbini, Amount: 2480, Currency: "JPY", Capture: komoju.CaptureAuto})
	if err != nil {
		t.Fatal(err)
	}
	if err := till.FinishSale(ctx, id, journal.Result{Outcome: "awaiting", PaymentID: "pay_slip", Status: komoju.PaymentPending}); err != nil {
		t.Fatal(err)
	}
	store, err := journal.OpenWith(path, journal.Options{Till: "listen"})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, asJSON := range []bool{false, true} {
		u, out, stop := runListen(t, ListenOptions{Secret: testSecret, Journal: store, JSON: asJSON})
		evt := "evt_paid_text"
		if asJSON {
			evt = "evt_paid_json"
		}
		body := eventBody(t, evt, komoju.EventPaymentCaptured, "pay_slip", komoju.PaymentCaptured, 2480)
		post(t, u, body, signed(body, testSecret))
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("output %q", out.String())
		}
		if !asJSON {
			if !strings.Contains(lines[1], "✓ payment.captured") || !strings.HasSuffix(lines[1], " sale=POS-T1-20261124-0007 till=T1") {
				t.Errorf("line %q does not name the till's sale", lines[1])
			}
			continue
		}
		var m struct {
			Sale *struct {
				ID       int64  `json:"id"`
				OrderNum string `json:"order_num"`
				Till     string `json:"till"`
				Status   string `json:"status"`
			} `json:"sale"`
		}
		if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
			t.Fatal(err)
		}
		if m.Sale == nil || m.Sale.ID != id || m.Sale.OrderNum != "POS-T1-20261124-0007" || m.Sale.Till != "T1" || m.Sale.Status != "captured" {
			t.Errorf("JSON line %s: sale %+v", lines[1], m.Sale)
		}
	}
	s, err := till.Sale(ctx, id)
	if err != nil || s.Status != komoju.PaymentCaptured || s.History[len(s.History)-1].Source != journal.SourceWebhook {
		t.Fatalf("the till's sale after the receiver applied it: %s %+v %v", s.Status, s.History, err)
	}
	if s.Owner != till.OwnerID() {
		t.Errorf("the receiver took the sale over (owner %s): it only records what KOMOJU said", s.Owner)
	}
}
