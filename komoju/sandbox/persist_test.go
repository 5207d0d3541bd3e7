package sandbox

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// startPersistent starts a sandbox on a state file with a fixed clock.
func startPersistent(t *testing.T, path string, extra ...func(*Options)) *Server {
	t.Helper()
	o := Options{StatePath: path, Clock: NewClock(time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC)), Seed: 42, WebhookBackoff: 5 * time.Millisecond}
	for _, f := range extra {
		f(&o)
	}
	sb, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// A console restarted in SANDBOX mode must still resolve the konbini, 3DS
// and wallet sales it started: the state file brings back every object as
// it was, byte for byte, and the sales can be finished after the restart.
func TestStateSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox-state.json")
	sb := startPersistent(t, path)
	c := newRaw(t, sb)
	cardPay := must(t, c.post("/payments", cardPayment("4111111111111111", "external_order_num", "R-1")), 200)
	must(t, c.post("/payments/"+cardPay.str("id")+"/refund", map[string]any{"amount": 300}), 200)
	kon := must(t, c.post("/payments", map[string]any{"amount": 2000, "currency": "JPY", "external_order_num": "R-2", "payment_details": konbini("lawson")}), 200)
	wallet := must(t, c.post("/payments", map[string]any{"amount": 800, "currency": "JPY", "tax": 0, "payment_details": map[string]any{"type": "paypay"}}), 200)
	ss := must(t, c.post("/sessions", map[string]any{"amount": 1500, "currency": "JPY", "payment_types": []string{"credit_card"},
		"payment_data": map[string]any{"external_order_num": "R-3"}, "metadata": map[string]any{"till": "2"}}), 200)
	tds := must(t, c.post("/sessions/"+ss.str("id")+"/pay", map[string]any{"payment_details": card("4100000000005000")}), 200)
	tok := must(t, c.post("/tokens", map[string]any{"payment_details": card("4111111111111111")}), 200)
	idem := must(t, c.post("/payments", cardPayment("4111111111111111", "capture", false), "X-KOMOJU-IDEMPOTENCY", "restart-1"), 200)
	mustErr(t, c.post("/payments", cardPayment("4123111111111000")), 502, "insufficient_funds")
	secure := must(t, c.post("/secure_tokens", map[string]any{"amount": 4400, "currency": "JPY", "return_url": "https://shop.example/3ds",
		"payment_details": card("4100000000005000")}), 200)
	kon2 := must(t, c.post("/payments", map[string]any{"amount": 3000, "currency": "JPY", "payment_details": konbini("lawson")}), 200)
	must(t, c.post("/sandbox/payments/"+kon2.str("id")+"/pay_at_store", nil), 200)
	must(t, c.post("/payments/"+kon2.str("id")+"/refund_request", map[string]any{"amount": 1000, "customer_name": "YAMADA TARO", "bank_name": "MIZUHO",
		"branch_number": "123", "account_type": "normal", "account_number": "1234567", "include_payment_method_fee": false}), 200)

	paths := []string{"/secure_tokens/" + secure.str("id"), "/payments/" + kon2.str("id"), "/payments/" + cardPay.str("id"), "/payments/" + kon.str("id"), "/payments/" + wallet.str("id"), "/payments/" + idem.str("id"),
		"/sessions/" + ss.str("id"), "/payments?per_page=100", "/events?per_page=100", "/payments?external_order_num=R-2"}
	before := map[string]string{}
	for _, p := range paths {
		before[p] = string(must(t, c.getr(p), 200).body)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	sb2 := startPersistent(t, path)
	c2 := newRaw(t, sb2)
	for _, p := range paths {
		if got := string(must(t, c2.getr(p), 200).body); got != before[p] {
			t.Errorf("GET %s changed across the restart:\nbefore %s\nafter  %s", p, before[p], got)
		}
	}
	if n := sb2.StateNotices(); len(n) != 1 || !strings.Contains(n[0], "restored") {
		t.Errorf("notices %v", n)
	}
	// The waiting sales can still be resolved.
	if r := must(t, c2.post("/sandbox/payments/"+kon.str("id")+"/pay_at_store", nil), 200); r.str("status") != "captured" {
		t.Errorf("konbini after restart: %s", r.body)
	}
	if r := must(t, c2.post("/sandbox/payments/"+tds.str("payment", "id")+"/3ds", url.Values{"code": {"123456"}}), 200); r.str("status") != "captured" {
		t.Errorf("3DS after restart: %s", r.body)
	}
	if r := must(t, c2.getr("/sessions/"+ss.str("id")), 200); r.str("status") != "completed" {
		t.Errorf("session after restart: %s", r.body)
	}
	if r := must(t, c2.post("/sandbox/payments/"+wallet.str("id")+"/approve", nil), 200); r.str("status") != "captured" {
		t.Errorf("wallet after restart: %s", r.body)
	}
	// The refund requested so far still counts against what remains.
	mustErr(t, c2.post("/payments/"+kon2.str("id")+"/refund_request", map[string]any{"amount": 2500, "customer_name": "YAMADA TARO", "bank_name": "MIZUHO",
		"branch_number": "123", "account_type": "normal", "account_number": "1234567", "include_payment_method_fee": false}), 422, "invalid_parameter")
	// Idempotency keys, order numbers and tokens are remembered.
	if r := must(t, c2.post("/payments", cardPayment("4111111111111111", "capture", false), "X-KOMOJU-IDEMPOTENCY", "restart-1"), 200); r.str("id") != idem.str("id") {
		t.Errorf("idempotent replay after restart answered %s, want %s", r.str("id"), idem.str("id"))
	}
	mustErr(t, c2.post("/payments", cardPayment("4111111111111111", "external_order_num", "R-1")), 422, "invalid_parameter")
	must(t, c2.post("/payments", map[string]any{"amount": 100, "currency": "JPY", "payment_details": tok.str("id")}), 200)
	// New ids continue the sequence: none repeats an old one.
	fresh := must(t, c2.post("/payments", cardPayment("4111111111111111")), 200)
	if strings.Contains(before["/payments?per_page=100"]+before["/events?per_page=100"], fresh.str("id")) {
		t.Errorf("id %s handed out again after the restart", fresh.str("id"))
	}
}

// An answer the client saw is on disk before it was sent: a crash right
// after it loses nothing.
func TestStateIsSavedBeforeTheAnswer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sb := startPersistent(t, path)
	c := newRaw(t, sb)
	p := must(t, c.post("/payments", map[string]any{"amount": 2000, "currency": "JPY", "payment_details": konbini("family-mart")}), 200)
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(b, []byte(p.str("id"))) {
		t.Fatalf("state file lacks payment %s right after the answer (%v)", p.str("id"), err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v (%v), want 0600", fi.Mode(), err)
	}
	// A second sandbox cannot take the same file while this one runs.
	if _, err := New(Options{StatePath: path}); !errors.Is(err, ErrStateInUse) {
		t.Errorf("second sandbox on the same state file: %v", err)
	}
	// Card numbers and CVCs never reach the file.
	must(t, c.post("/payments", cardPayment("4111111111111111")), 200)
	if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("4111111111111111")) || bytes.Contains(b, []byte(`"123"`)) {
		t.Error("the state file holds a card number or CVC")
	}
}

func TestCorruptStateIsMovedAsideNotLost(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	corrupt := []byte(`{"format":"komoju-tui sandbox state","version":1,"payments":[{"snap":7`)
	if err := os.WriteFile(path, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	sb := startPersistent(t, path)
	if l := must(t, newRaw(t, sb).getr("/payments"), 200); l.num("total") != 0 {
		t.Errorf("corrupt state produced %d payments", l.num("total"))
	}
	n := sb.StateNotices()
	if len(n) != 1 || !strings.Contains(n[0], "could not be read") || !strings.Contains(n[0], ".corrupt-") {
		t.Fatalf("notices %v", n)
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	if len(matches) != 1 {
		t.Fatalf("moved-aside files: %v", matches)
	}
	if b, _ := os.ReadFile(matches[0]); !bytes.Equal(b, corrupt) {
		t.Error("the moved-aside file is not the original")
	}
	// Dangling references are corruption too, never a panic.
	bad := []byte(`{"format":"komoju-tui sandbox state","version":1,"snapshots":[],"payments":[{"snap":3}]}`)
	path2 := filepath.Join(dir, "state2.json")
	os.WriteFile(path2, bad, 0o600)
	sb2 := startPersistent(t, path2)
	if n := sb2.StateNotices(); len(n) != 1 || !strings.Contains(n[0], "snapshot 3 missing") {
		t.Errorf("notices %v", n)
	}
}

func TestForeignOrNewerStateFileIsRefusedUntouched(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"journal.db":  []byte("SQLite format 3\x00\x10\x00\x01\x01"),
		"notes.json":  []byte(`{"hello":"world"}`),
		"future.json": []byte(`{"format":"komoju-tui sandbox state","version":99}`),
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, content, 0o600)
		sb, err := New(Options{StatePath: path})
		if err == nil {
			sb.Close()
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), "left untouched") {
			t.Errorf("%s: error %v does not say the file was left alone", name, err)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, content) {
			t.Errorf("%s was changed", name)
		}
	}
}

func TestFreshStateMovesThePreviousStateAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sb := startPersistent(t, path)
	must(t, newRaw(t, sb).post("/payments", cardPayment("4111111111111111")), 200)
	sb.Close()
	sb2 := startPersistent(t, path, func(o *Options) { o.FreshState = true })
	if l := must(t, newRaw(t, sb2).getr("/payments"), 200); l.num("total") != 0 {
		t.Errorf("fresh sandbox has %d payments", l.num("total"))
	}
	if n := sb2.StateNotices(); len(n) != 1 || !strings.Contains(n[0], "started empty") {
		t.Errorf("notices %v", n)
	}
	if m, _ := filepath.Glob(path + ".previous-*"); len(m) != 1 {
		t.Errorf("previous state not kept: %v", m)
	}
}

// Clock expiry is saved too (no request announces it).
func TestExpiryIsSaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sb := startPersistent(t, path)
	p := must(t, newRaw(t, sb).post("/payments", map[string]any{"amount": 2000, "currency": "JPY", "payment_details": konbini("lawson")}), 200)
	sb.Clock().Advance(5 * 24 * time.Hour)
	waitFor(t, "the expiry to be saved", func() bool {
		b, _ := os.ReadFile(path)
		return bytes.Contains(b, []byte(`"expired"`))
	})
	sb.Close()
	sb2 := startPersistent(t, path)
	if r := must(t, newRaw(t, sb2).getr("/payments/"+p.str("id")), 200); r.str("status") != "expired" {
		t.Errorf("after restart: %s", r.str("status"))
	}
	if !sb2.Now().After(time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("sandbox time went backwards across the restart: %s", sb2.Now())
	}
}

// Deadlines are queued, not searched for: one that moved must not fire at
// its old time (a wallet payment approved for manual capture trades its
// 24 hours for a 30-day authorization), a session paid in time never
// expires, nothing expires twice, and after a restart the deadlines still
// ahead fire (restore derives them from the payments and sessions).
func TestDeadlinesFollowMovesAndRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sb := startPersistent(t, path)
	c := newRaw(t, sb)
	wallet := must(t, c.post("/payments", map[string]any{"amount": 800, "currency": "JPY", "tax": 0, "capture": false, "payment_details": map[string]any{"type": "paypay"}}), 200)
	if r := must(t, c.post("/sandbox/payments/"+wallet.str("id")+"/approve", nil), 200); r.str("status") != "authorized" {
		t.Fatalf("approve for manual capture: %s", r.body)
	}
	kon := must(t, c.post("/payments", map[string]any{"amount": 2000, "currency": "JPY", "payment_details": konbini("lawson")}), 200)
	open := must(t, c.post("/sessions", map[string]any{"amount": 900, "currency": "JPY", "payment_data": map[string]any{"external_order_num": "D-1"}}), 200)
	paid := must(t, c.post("/sessions", map[string]any{"amount": 900, "currency": "JPY"}), 200)
	must(t, c.post("/sessions/"+paid.str("id")+"/pay", map[string]any{"payment_details": card("4111111111111111")}), 200)
	later := must(t, c.post("/sessions", map[string]any{"amount": 900, "currency": "JPY", "expires_in_seconds": 86400}), 200)

	sb.Clock().Advance(25 * time.Hour)
	if r := must(t, c.getr("/payments/"+wallet.str("id")), 200); r.str("status") != "authorized" {
		t.Errorf("the wallet payment's old 24 h deadline fired: %s", r.str("status"))
	}
	if r := must(t, c.getr("/sessions/"+open.str("id")), 200); r.get("expired") != true {
		t.Errorf("open session not expired after 25 h: %s", r.body)
	}
	if r := must(t, c.getr("/sessions/"+paid.str("id")), 200); r.get("expired") != false || r.str("status") != "completed" {
		t.Errorf("paid session: %s", r.body)
	}
	must(t, c.post("/sessions", map[string]any{"amount": 900, "currency": "JPY", "payment_data": map[string]any{"external_order_num": "D-1"}}), 200) // an expired session frees its number
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	sb2 := startPersistent(t, path)
	c2 := newRaw(t, sb2)
	mustErr(t, c2.post("/sessions", map[string]any{"amount": 900, "currency": "JPY", "payment_data": map[string]any{"external_order_num": "D-1"}}), 422, "invalid_parameter")
	if r := must(t, c2.getr("/payments/"+kon.str("id")), 200); r.str("status") != "authorized" {
		t.Fatalf("konbini after the restart: %s", r.str("status"))
	}
	sb2.Clock().Advance(3 * 24 * time.Hour)
	if r := must(t, c2.getr("/payments/"+kon.str("id")), 200); r.str("status") != "expired" {
		t.Errorf("konbini past its deadline after a restart: %s", r.str("status"))
	}
	if r := must(t, c2.getr("/sessions/"+later.str("id")), 200); r.get("expired") != true {
		t.Errorf("session past its expiry after a restart: %s", r.body)
	}
	if r := must(t, c2.getr("/payments/"+wallet.str("id")), 200); r.str("status") != "authorized" {
		t.Errorf("wallet authorization lapsed early: %s", r.str("status"))
	}
	sb2.Clock().Advance(30 * 24 * time.Hour)
	if r := must(t, c2.getr("/payments/"+wallet.str("id")), 200); r.str("status") != "expired" {
		t.Errorf("wallet authorization after 30 days: %s", r.str("status"))
	}
	if n := eventCounts(t, c2); n["payment.expired"] != 2 {
		t.Errorf("want one payment.expired for each of the two payments, got %v", n)
	}
}

// Every field of the state is either saved or declared derived. A field
// added later fails here until persist.go saves it (or says why not).
func TestEveryStateFieldIsPersisted(t *testing.T) {
	for _, tc := range []struct {
		v       any
		handled []string
	}{
		{state{}, []string{"order", "idx", "indexed", "sessions", "sessIdx", "events", "eventIdx", "eventsIndexed", "tokens", "secureTokens",
			"duePayments", "dueSessions", "idem", "idemSwept",
			"cardDetails", "lastTime", "payGen", "pagesGen", "pages"}}, // the last five are caches, rebuilt on use; idx, indexed, sessIdx, eventIdx, eventsIndexed and the due queues are rebuilt on load
		{payRec{}, []string{"cur", "typ", "manual", "tds", "session", "deadline", "seq", "nextSameNum", "extra", "orderNum", "firstEvent"}}, // firstEvent: saved with the events; nextSameNum: rebuilt with idx; orderNum: saved in the snapshot
		{payExtra{}, []string{"returnURL", "cancelURL", "webhooks", "refundRequested"}},
		{sessRec{}, []string{"view", "types", "scenario", "returnURL", "manual", "email", "expiresAt", "base", "latest", "nextSameNum", "endedAt"}}, // nextSameNum: rebuilt with sessIdx; endedAt: saved as view's completed_at or cancelled_at
		{tokenRec{}, []string{"view", "card", "currency", "used"}},
		{secureTokenRec{}, []string{"view", "card", "tds", "frictionless", "amount", "currency", "returnURL", "email", "used"}},
		{cardInfo{}, []string{"brand", "last4", "month", "year", "name", "decline", "tds"}},
		{eventRec{}, []string{"id", "typ", "created", "payment"}},
		{idemEntry{}, []string{"hash", "created", "inFlight", "resp"}},
	} {
		typ := reflect.TypeOf(tc.v)
		for i := range typ.NumField() {
			if f := typ.Field(i).Name; !slices.Contains(tc.handled, f) {
				t.Errorf("%s.%s is not saved in the state file: add it to persist.go (snapshotLocked and restore) and to this list", typ.Name(), f)
			}
		}
	}
}

// BenchmarkStateSave is one whole-state save (snapshot under the lock,
// encode, write, fsync, rename) with n card payments and their events:
// what a state-changing request waits for with Options.StatePath.
func BenchmarkStateSave(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(itoa(n), func(b *testing.B) {
			sb, err := New(Options{Seed: 1, Clock: NewClock(time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC))})
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			for i := range n {
				body := `{"amount":1000,"currency":"JPY","tax":0,"external_order_num":"B-` + itoa(i) + `","payment_details":{"type":"credit_card","number":"4111111111111111","month":12,"year":2030,"verification_value":"123"}}`
				req := httptest.NewRequest(http.MethodPost, "/api/v1/payments", strings.NewReader(body))
				req.SetBasicAuth(sb.SecretKey(), "")
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				sb.Handler().ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("create: %d %s", w.Code, w.Body)
				}
			}
			path := filepath.Join(b.TempDir(), "state.json")
			sb.persist = &persister{path: path} // save by hand, without the request path
			b.ResetTimer()
			for range b.N {
				if err := sb.saveState(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			sb.persist = nil
			fi, _ := os.Stat(path)
			b.ReportMetric(float64(fi.Size())/float64(n), "file-bytes/payment")
		})
	}
}
