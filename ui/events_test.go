package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// fakeEventsSource is an EventsSource with canned events and results.
type fakeEventsSource struct {
	mu       sync.Mutex
	events   []webhooks.Event
	lists    int
	replays  []string
	forwards []string
	res      webhooks.ForwardResult
	err      error
	health   *webhooks.Health
}

func (f *fakeEventsSource) List(ctx context.Context, limit int) ([]webhooks.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	return append([]webhooks.Event(nil), f.events...), nil
}

func (f *fakeEventsSource) Replay(ctx context.Context, id string) (webhooks.ForwardResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replays = append(f.replays, id)
	return f.res, f.err
}

func (f *fakeEventsSource) Forward(ctx context.Context, id string) (webhooks.ForwardResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forwards = append(f.forwards, id)
	return f.res, f.err
}

// fakeHealthSource adds Health.
type fakeHealthSource struct{ *fakeEventsSource }

func (f fakeHealthSource) Health() webhooks.Health { return *f.health }

var evNow = time.Date(2026, 11, 24, 10, 0, 0, 0, journal.JST) // the shop's clock, on which the inspector shows times

func evBody(id, paymentID string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"type":"payment.captured","resource":"event","data":{"id":%q,"status":"captured","total":1500,"currency":"JPY"}}`, id, paymentID))
}

func sampleEvents() []webhooks.Event {
	return []webhooks.Event{
		{Seq: 1, EventID: "evt_old", Type: "payment.authorized", PaymentID: "pay_konbini1", Amount: 1500, Currency: "JPY",
			PaymentStatus: komoju.PaymentAuthorized, ReceivedAt: evNow.Add(-10 * time.Minute), LastAt: evNow.Add(-10 * time.Minute),
			Deliveries: 1, Verified: true, Body: evBody("evt_old", "pay_konbini1"), Headers: map[string]string{"X-Komoju-ID": "evt_old"}},
		{Seq: 3, EventID: "evt_new", Type: "payment.captured", PaymentID: "pay_konbini1", Amount: 1500, Currency: "JPY",
			PaymentStatus: komoju.PaymentCaptured, ReceivedAt: evNow.Add(-1 * time.Minute), LastAt: evNow.Add(-30 * time.Second),
			Deliveries: 3, Verified: true, Body: evBody("evt_new", "pay_konbini1"),
			Headers: map[string]string{"X-Komoju-ID": "evt_new", "X-Komoju-Signature": "ab12", "User-Agent": "Komoju-Webhook"}},
		{Seq: 2, EventID: "evt_forged", Type: "payment.refunded", PaymentID: "pay_x", Amount: 99900, Currency: "USD",
			ReceivedAt: evNow.Add(-5 * time.Minute), LastAt: evNow.Add(-5 * time.Minute), Deliveries: 1,
			Verified: false, Reason: webhooks.ReasonMissingSignature, Body: []byte(`not json`)},
	}
}

// runCmd runs cmd and feeds every resulting message back, as the runtime
// would (batches included); it returns the messages the model did not
// consume itself (EventsBackMsg).
func runCmd(t *testing.T, m EventsModel, cmd tea.Cmd) (EventsModel, []tea.Msg) {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case EventsBackMsg:
			out = append(out, msg)
			continue
		case nil:
			continue
		}
		var next tea.Cmd
		m, next = m.Update(msg)
		queue = append(queue, next)
	}
	return m, out
}

func press(t *testing.T, m EventsModel, keys ...string) (EventsModel, []tea.Msg) {
	t.Helper()
	var all []tea.Msg
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		var out []tea.Msg
		m, out = runCmd(t, m, cmd)
		all = append(all, out...)
	}
	return m, all
}

func newTestEvents(t *testing.T, src EventsSource, w, h int) (EventsModel, *[]string) {
	t.Helper()
	var copied []string
	m := NewEventsModel(src, w, h).WithNow(func() time.Time { return evNow }).
		WithClipboard(func(s string) error { copied = append(copied, s); return nil })
	m, _ = runCmd(t, m, m.Init())
	return m, &copied
}

func plain(m EventsModel) string { return ansi.Strip(m.View()) }

func TestEventsListNewestFirst(t *testing.T) {
	src := &fakeEventsSource{events: sampleEvents()}
	m, _ := newTestEvents(t, src, 120, 20)
	v := plain(m)
	// Rows are found by type: event ids are not a list column.
	iNew, iForged, iOld := strings.Index(v, "payment.captured"), strings.Index(v, "payment.refunded"), strings.Index(v, "payment.authorized")
	if iNew < 0 || iForged < 0 || iOld < 0 || !(iNew < iForged && iForged < iOld) {
		t.Fatalf("rows are not newest first:\n%s", v)
	}
	lines := strings.Split(v, "\n")
	var captured, forged string
	for _, l := range lines {
		if strings.Contains(l, "payment.captured") {
			captured = l
		}
		if strings.Contains(l, "payment.refunded") {
			forged = l
		}
	}
	for _, want := range []string{"> ", "09:59:30", "pay_konbini1", "¥1,500", "×3", "✓"} {
		if !strings.Contains(captured, want) {
			t.Errorf("captured row %q lacks %q", captured, want)
		}
	}
	for _, want := range []string{"pay_x", "$999.00", "×1", "✗ missing X-Komoju-Signature header"} {
		if !strings.Contains(forged, want) {
			t.Errorf("rejected row %q lacks %q", forged, want)
		}
	}
	for _, want := range []string{"Webhook events (3)", "enter details", "r replay locally", "f forward", "y copy id"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 120 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
}

func TestEventsDetailView(t *testing.T) {
	src := &fakeEventsSource{events: sampleEvents()}
	m, _ := newTestEvents(t, src, 100, 40)
	m, _ = press(t, m, "enter")
	if !m.InDetail() {
		t.Fatal("enter did not open the detail view")
	}
	v := plain(m)
	for _, want := range []string{"Event evt_new", "Type payment.captured", "✓ signature verified", "Deliveries 3",
		"Payment pay_konbini1", "Amount ¥1,500", "Status captured", "Headers", "X-Komoju-Signature: ab12",
		"User-Agent: Komoju-Webhook", "Body", `  "id": "evt_new",`, `    "status": "captured",`} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	m, back := press(t, m, "esc")
	if m.InDetail() || len(back) != 0 {
		t.Fatalf("esc in detail: detail=%v msgs=%v", m.InDetail(), back)
	}
	// The rejected one says why and that its fields are unverified.
	m, _ = press(t, m, "down", "enter")
	v = plain(m)
	for _, want := range []string{"✗ rejected: missing X-Komoju-Signature header", "Unverified", "not json"} {
		if !strings.Contains(v, want) {
			t.Errorf("rejected detail lacks %q:\n%s", want, v)
		}
	}
	m, _ = press(t, m, "esc")
	_, back = press(t, m, "esc")
	if len(back) != 1 {
		t.Errorf("esc in the list sent %v, want EventsBackMsg", back)
	}
}

func TestEventsDetailScrolls(t *testing.T) {
	evs := sampleEvents()
	var big strings.Builder
	big.WriteString(`{"id":"evt_new","type":"payment.captured","data":{`)
	for i := range 60 {
		fmt.Fprintf(&big, `"k%02d":%d,`, i, i)
	}
	big.WriteString(`"last":"the end"}}`)
	evs[1].Body = []byte(big.String())
	m, _ := newTestEvents(t, &fakeEventsSource{events: evs}, 80, 16)
	m, _ = press(t, m, "enter")
	if strings.Contains(plain(m), "the end") {
		t.Fatal("the whole body fits; the test needs a longer one")
	}
	for range 80 {
		m, _ = press(t, m, "j")
	}
	if v := plain(m); !strings.Contains(v, `"last": "the end"`) {
		t.Errorf("scrolling did not reach the end of the body:\n%s", v)
	}
	if n := strings.Count(plain(m), "\n"); n > 16 {
		t.Errorf("view is %d lines for a height of 16", n)
	}
}

func TestEventsReplayAndForward(t *testing.T) {
	src := &fakeEventsSource{events: sampleEvents(), res: webhooks.ForwardResult{URL: "http://localhost/webhook", Status: 200, Latency: 1200 * time.Microsecond}}
	m, _ := newTestEvents(t, src, 120, 20)
	lists := src.lists
	m, _ = press(t, m, "r")
	if len(src.replays) != 1 || src.replays[0] != "evt_new" {
		t.Fatalf("replays %v", src.replays)
	}
	if v := plain(m); !strings.Contains(v, "replay evt_new → local receiver: 200 OK in 1.2ms") {
		t.Errorf("replay result not shown:\n%s", v)
	}
	if src.lists == lists {
		t.Error("the list was not reloaded after a replay")
	}
	src.res = webhooks.ForwardResult{URL: "http://127.0.0.1:3000/hook", Status: 502, Latency: 30 * time.Millisecond}
	m, _ = press(t, m, "f")
	if v := plain(m); !strings.Contains(v, "forward evt_new → http://127.0.0.1:3000/hook: 502 Bad Gateway in 30ms") {
		t.Errorf("forward result not shown:\n%s", v)
	}
	src.err = fmt.Errorf("%w", webhooks.ErrNoForwardURL)
	m, _ = press(t, m, "f")
	if v := plain(m); !strings.Contains(v, "forward failed: no forward URL: start with --forward-to URL") {
		t.Errorf("forward error not shown:\n%s", v)
	}
	// A rejected delivery is refused without calling the source.
	src.err = nil
	m, _ = press(t, m, "down", "r")
	if len(src.replays) != 1 {
		t.Errorf("a rejected delivery was replayed")
	}
	if v := plain(m); !strings.Contains(v, "cannot replay a rejected delivery (missing X-Komoju-Signature header)") {
		t.Errorf("refusal not shown:\n%s", v)
	}
}

func TestEventsStaleActionResultIgnored(t *testing.T) {
	src := &fakeEventsSource{events: sampleEvents()}
	m, _ := newTestEvents(t, src, 120, 20)
	m, _ = m.Update(eventsActionMsg{attempt: 99, kind: "replay", eventID: "evt_new", res: webhooks.ForwardResult{Status: 200}})
	if strings.Contains(plain(m), "replay evt_new") {
		t.Error("a result for an attempt never made was shown")
	}
}

func TestEventsCopy(t *testing.T) {
	src := &fakeEventsSource{events: sampleEvents()}
	m, copied := newTestEvents(t, src, 120, 20)
	m, _ = press(t, m, "y")
	m, _ = press(t, m, "c")
	if len(*copied) != 2 || (*copied)[0] != "evt_new" || !strings.Contains((*copied)[1], `"id": "evt_new"`) {
		t.Fatalf("copied %q", *copied)
	}
	if v := plain(m); !strings.Contains(v, "copied the body to the clipboard (OSC 52)") {
		t.Errorf("copy not confirmed:\n%s", v)
	}
	m = m.WithClipboard(func(string) error { return errors.New("not a terminal") })
	m, _ = press(t, m, "y")
	if v := plain(m); !strings.Contains(v, "copy failed: not a terminal") {
		t.Errorf("copy failure not shown:\n%s", v)
	}
}

func TestOSC52Sequence(t *testing.T) {
	var b bytes.Buffer
	t.Setenv("TMUX", "")
	if err := osc52Copy(&b, "xterm-256color", "evt_123"); err != nil {
		t.Fatal(err)
	}
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("evt_123")) + "\x07"
	if b.String() != want {
		t.Errorf("sequence %q, want %q", b.String(), want)
	}
}

func TestEventsLiveDeliveryKeepsSelection(t *testing.T) {
	src := &fakeEventsSource{events: sampleEvents()}
	m, _ := newTestEvents(t, src, 120, 20)
	m, _ = press(t, m, "down") // the rejected one
	src.mu.Lock()
	src.events = append(src.events, webhooks.Event{Seq: 4, EventID: "evt_latest", Type: "payment.expired", PaymentID: "pay_late",
		Amount: 700, Currency: "JPY", ReceivedAt: evNow, LastAt: evNow, Deliveries: 1, Verified: true})
	src.mu.Unlock()
	m, _ = runCmd(t, m, func() tea.Msg { return WebhookDeliveryMsg{} })
	v := plain(m)
	if !strings.Contains(v, "Webhook events (4)") || strings.Index(v, "payment.expired") > strings.Index(v, "payment.captured") {
		t.Fatalf("new delivery not at the top:\n%s", v)
	}
	if e, _ := m.Selected(); e.EventID != "evt_forged" {
		t.Errorf("selection moved to %q", e.EventID)
	}
}

func TestEventsScrollAndNarrow(t *testing.T) {
	var evs []webhooks.Event
	for i := range 50 {
		evs = append(evs, webhooks.Event{Seq: int64(i + 1), EventID: fmt.Sprintf("evt_%02d", i), Type: "payment.captured",
			PaymentID: fmt.Sprintf("pay_%02d_abcdefghijklmnopqrstuvwxyz", i), Amount: int64(i), Currency: "JPY",
			ReceivedAt: evNow.Add(time.Duration(i) * time.Second), LastAt: evNow.Add(time.Duration(i) * time.Second), Deliveries: 1, Verified: true})
	}
	m, _ := newTestEvents(t, &fakeEventsSource{events: evs}, 60, 10)
	v := plain(m)
	if !strings.Contains(v, "pay_49") || strings.Contains(v, "pay_00") {
		t.Fatalf("first page:\n%s", v)
	}
	m, _ = press(t, m, "G")
	v = plain(m)
	if !strings.Contains(v, "> ") || !strings.Contains(v, "pay_00") {
		t.Errorf("G did not reach the oldest:\n%s", v)
	}
	for i, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w > 60 {
			t.Errorf("line %d is %d cells wide: %q", i, w, l)
		}
	}
	if n := strings.Count(v, "\n"); n > 10 {
		t.Errorf("%d lines for a height of 10", n)
	}
	m, _ = press(t, m, "g")
	if e, _ := m.Selected(); e.EventID != "evt_49" {
		t.Errorf("g selected %q", e.EventID)
	}
}

func TestEventsEmptyStateShowsReceiver(t *testing.T) {
	src := fakeHealthSource{&fakeEventsSource{health: &webhooks.Health{Listening: true, URL: "http://127.0.0.1:4242/webhook", SecretSet: true}}}
	m, _ := newTestEvents(t, src, 140, 10)
	v := plain(m)
	for _, want := range []string{"No webhook events yet. Deliveries to http://127.0.0.1:4242/webhook appear here.", "webhooks ● 127.0.0.1:4242"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	src.health.Listening = false
	m, _ = runCmd(t, m, m.Reload())
	if v := plain(m); !strings.Contains(v, "The receiver is not listening.") || !strings.Contains(v, "webhooks ○ not listening") {
		t.Errorf("not-listening state:\n%s", v)
	}
}

// The adapter over a real receiver: a signed delivery shows up, replay is
// counted as a redelivery, forward reaches a server that verifies it.
func TestEventsWithRealReceiver(t *testing.T) {
	const secret = "whsec_ui_test"
	verified := make(chan error, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var b bytes.Buffer
		b.ReadFrom(req.Body)
		verified <- komoju.VerifyWebhook(b.Bytes(), req.Header.Get("X-Komoju-Signature"), secret)
	}))
	defer srv.Close()
	r, err := webhooks.New(webhooks.Options{Secret: secret, ForwardTo: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	body := evBody("evt_real", "pay_real")
	req := httptest.NewRequest(http.MethodPost, webhooks.Path, bytes.NewReader(body))
	req.Header.Set("X-Komoju-Signature", komoju.SignWebhook(body, secret))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("delivery answered %d", rec.Code)
	}
	<-verified // the auto-forward
	m, _ := newTestEvents(t, WebhookSource{Receiver: r}, 120, 20)
	if v := plain(m); !strings.Contains(v, "pay_real") || !strings.Contains(v, "×1") {
		t.Fatalf("list:\n%s", v)
	}
	m, _ = press(t, m, "r")
	if v := plain(m); !strings.Contains(v, "200 OK") || !strings.Contains(v, "×2") {
		t.Errorf("after replay:\n%s", v)
	}
	// The replay is a verified delivery, so it is auto-forwarded too.
	if err := <-verified; err != nil {
		t.Errorf("auto-forwarded replay signature: %v", err)
	}
	m, _ = press(t, m, "f")
	if err := <-verified; err != nil {
		t.Errorf("forwarded signature: %v", err)
	}
	if v := plain(m); !strings.Contains(v, "forward evt_real → "+srv.URL+": 200 OK") {
		t.Errorf("after forward:\n%s", v)
	}
}

// The inspector in Japanese: its headings, keys, health line and labels
// are the clerk's words (they were English on the Japanese console), the
// list's columns still line up on screen, and what came in a delivery
// (type, ids, headers, body, the rejection reason) is shown as it came.
func TestEventsInJapanese(t *testing.T) {
	h := webhooks.Health{Listening: true, URL: "http://127.0.0.1:38585/webhook", SecretSet: true, LastEventAt: evNow, LastEventType: "payment.captured", Accepted: 2}
	src := fakeHealthSource{&fakeEventsSource{events: sampleEvents(), health: &h}}
	m := NewEventsModel(src, 120, 20).WithNow(func() time.Time { return evNow }).WithLanguage("ja")
	m, _ = runCmd(t, m, m.Init())
	v := plain(m)
	for _, want := range []string{"Webhookイベント (3)", "正常 2", "重複 0", "種類", "金額", "配信", "判定", "enter 詳細", "r ローカルで再送", "f 転送", "y IDをコピー",
		"payment.captured", "pay_konbini1", "✗ missing X-Komoju-Signature header"} {
		if !strings.Contains(v, want) {
			t.Errorf("list lacks %q:\n%s", want, v)
		}
	}
	for _, english := range []string{"Webhook events", "TYPE", "VERDICT", "replay locally", "copy id", " ok ", " dup"} {
		if strings.Contains(v, english) {
			t.Errorf("list says %q:\n%s", english, v)
		}
	}
	// The payment column starts at one cell, heading and rows.
	at := map[int]bool{}
	for _, l := range strings.Split(v, "\n") {
		for _, mark := range []string{"決済ID", "pay_"} {
			if i := strings.Index(l, mark); i >= 0 && (mark == "決済ID" || strings.Contains(l, "payment.")) {
				at[ansi.StringWidth(l[:i])] = true
			}
		}
	}
	if len(at) != 1 {
		t.Errorf("the payment column starts at cells %v:\n%s", at, v)
	}
	m, _ = press(t, m, "enter")
	v = plain(m)
	for _, want := range []string{"イベント evt_new", "種類 payment.captured", "✓ 署名を検証済み", "配信回数 3", "決済 pay_konbini1", "ヘッダー", "本文", "X-Komoju-Signature: ab12"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	for _, english := range []string{"signature verified", "Headers", "Deliveries"} {
		if strings.Contains(v, english) {
			t.Errorf("detail says %q:\n%s", english, v)
		}
	}
}
