package webhooks_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

const itSecret = "whsec_integration"

// flakyJournal fails RecordPayment for the first n captured payments, as a
// journal briefly locked by another process would.
type flakyJournal struct {
	*journal.Journal
	mu    sync.Mutex
	fails int
}

func (f *flakyJournal) RecordPayment(ctx context.Context, p *komoju.Payment, source string) error {
	f.mu.Lock()
	if p.Status == komoju.PaymentCaptured && f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return errors.New("journal: the journal is locked by another process")
	}
	f.mu.Unlock()
	return f.Journal.RecordPayment(ctx, p, source)
}

type rig struct {
	j      *journal.Journal
	r      *webhooks.Receiver
	sb     *sandbox.Server
	client *komoju.Client
}

func newRig(t *testing.T, wrap func(*journal.Journal) webhooks.Journal) *rig {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var jj webhooks.Journal = j
	if wrap != nil {
		jj = wrap(j)
	}
	r, err := webhooks.New(webhooks.Options{Secret: itSecret, Journal: jj})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	u, err := r.Start("")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.New(sandbox.Options{WebhookURLs: []string{u}, WebhookSecret: itSecret, WebhookBackoff: 20 * time.Millisecond, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c := komoju.NewClient(sb.SecretKey(), komoju.WithBaseURL(sb.URL()), komoju.WithMaxRetries(0))
	return &rig{j: j, r: r, sb: sb, client: c}
}

// konbiniSale records a sale in the journal and creates its konbini
// payment, which stays authorized until the customer pays at the store.
func (g *rig) konbiniSale(t *testing.T, order string, amount int64) *komoju.Payment {
	t.Helper()
	ctx := t.Context()
	id, err := g.j.BeginSale(ctx, journal.Intent{OrderNum: order, IdempotencyKey: "idem-" + order, Flow: journal.FlowDirect,
		Method: komoju.TypeKonbini, Amount: amount, Currency: "JPY"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.client.Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: amount, Currency: "JPY", ExternalOrderNum: order,
		PaymentDetails: &komoju.PaymentDetailsParams{Type: komoju.TypeKonbini, Store: komoju.StoreLawson, Email: "kyaku@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != komoju.PaymentAuthorized {
		t.Fatalf("konbini payment is %s, want authorized", p.Status)
	}
	if err := g.j.FinishSale(ctx, id, journal.ResultFromPayment(p, "awaiting")); err != nil {
		t.Fatal(err)
	}
	return p
}

// The sandbox pings a webhook when it is registered, as KOMOJU does; the
// receiver accepts the ping, applies nothing and keeps it for the inspector.
func TestSandboxPingIsAcceptedAndShown(t *testing.T) {
	g := newRig(t, nil)
	var ping *webhooks.Event
	for deadline := time.Now().Add(5 * time.Second); ping == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		evs, err := g.r.Events(t.Context(), 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range evs {
			if evs[i].Type == komoju.EventPing {
				ping = &evs[i]
			}
		}
	}
	if ping == nil || !ping.Verified || ping.PaymentID != "" {
		t.Fatalf("ping not stored as a verified event: %+v", ping)
	}
}

func (g *rig) payAtStore(t *testing.T, paymentID string) {
	t.Helper()
	resp, err := http.Post(g.sb.BaseURL()+"/sandbox/payments/"+paymentID+"/pay_at_store", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("pay_at_store: %d %s", resp.StatusCode, b)
	}
}

// waitFor returns the first delivery matching ok, failing after 10s.
func waitFor(t *testing.T, ch <-chan webhooks.Delivery, ok func(webhooks.Delivery) bool) webhooks.Delivery {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case d, open := <-ch:
			if !open {
				t.Fatal("subscription closed")
			}
			if ok(d) {
				return d
			}
		case <-timeout:
			t.Fatal("no matching delivery within 10s")
		}
	}
}

// The seed: "You'll get a payment.captured webhook if/when the customer
// pays." The sale turns captured through the webhook alone; nothing polls.
func TestKonbiniCapturedThroughWebhookAlone(t *testing.T) {
	g := newRig(t, nil)
	sub := g.r.Subscribe(t.Context())
	p := g.konbiniSale(t, "POS-WH-1", 1500)
	g.payAtStore(t, p.ID)
	d := waitFor(t, sub, func(d webhooks.Delivery) bool { return d.Type == komoju.EventPaymentCaptured })
	if !d.Verified || d.HTTPStatus != 200 || d.Payment == nil || d.Payment.ID != p.ID || d.Payment.Status != komoju.PaymentCaptured {
		t.Fatalf("captured delivery %+v", d)
	}
	sale, err := g.j.SaleByPayment(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sale.Status != komoju.PaymentCaptured {
		t.Fatalf("journal status %s, want captured", sale.Status)
	}
	last := sale.History[len(sale.History)-1]
	if last.Status != komoju.PaymentCaptured || last.Source != journal.SourceWebhook {
		t.Errorf("last history entry %+v, want captured from webhook", last)
	}
	// The inspector lists it, verified, with the amount.
	evs, err := g.r.Events(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].Type != komoju.EventPaymentCaptured || !evs[0].Verified || evs[0].Amount != 1500 || evs[0].PaymentStatus != komoju.PaymentCaptured {
		t.Errorf("newest stored event %+v", evs[0])
	}
}

// KOMOJU retries a delivery answered with 5xx. A journal failure answers
// 500, and the sandbox's retry brings the event through.
func TestSandboxRetryAfter500(t *testing.T) {
	var flaky *flakyJournal
	g := newRig(t, func(j *journal.Journal) webhooks.Journal {
		flaky = &flakyJournal{Journal: j, fails: 1}
		return flaky
	})
	sub := g.r.Subscribe(t.Context())
	p := g.konbiniSale(t, "POS-WH-2", 800)
	g.payAtStore(t, p.ID)
	first := waitFor(t, sub, func(d webhooks.Delivery) bool { return d.Type == komoju.EventPaymentCaptured })
	if first.HTTPStatus != 500 || first.Err == nil {
		t.Fatalf("first captured delivery answered %d, want 500", first.HTTPStatus)
	}
	second := waitFor(t, sub, func(d webhooks.Delivery) bool { return d.Type == komoju.EventPaymentCaptured })
	if second.HTTPStatus != 200 || second.Duplicate || second.Payment == nil || second.EventID != first.EventID {
		t.Fatalf("retry %+v", second)
	}
	sale, err := g.j.SaleByPayment(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sale.Status != komoju.PaymentCaptured {
		t.Errorf("journal status %s after the retry", sale.Status)
	}
	// The sandbox logs an attempt after reading our answer, so its log may
	// lag the subscription by a moment.
	var attempts []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		attempts = attempts[:0]
		for _, dl := range g.sb.Deliveries() {
			if dl.EventID == first.EventID {
				attempts = append(attempts, http.StatusText(dl.Status))
			}
		}
		if len(attempts) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if strings.Join(attempts, ",") != "Internal Server Error,OK" {
		t.Errorf("sandbox attempts %v, want a 500 then a 200", attempts)
	}
	if h := g.r.Health(); h.Failed != 1 || !h.Listening {
		t.Errorf("health %+v", h)
	}
}

// Replay and forward deliver a correctly signed request; the receiving
// end verifies it as the user's integration would.
func TestReplayAndForwardSandboxEvent(t *testing.T) {
	g := newRig(t, nil)
	sub := g.r.Subscribe(t.Context())
	p := g.konbiniSale(t, "POS-WH-3", 2000)
	g.payAtStore(t, p.ID)
	d := waitFor(t, sub, func(d webhooks.Delivery) bool { return d.Type == komoju.EventPaymentCaptured && d.HTTPStatus == 200 })

	type got struct {
		body   []byte
		header http.Header
		err    error
	}
	gotc := make(chan got, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		gotc <- got{b, req.Header.Clone(), komoju.VerifyWebhook(b, req.Header.Get("X-Komoju-Signature"), itSecret)}
		if _, err := komoju.ParseEvent(b); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()

	res, err := g.r.Forward(t.Context(), d.EventID, srv.URL+"/komoju/webhook")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Latency <= 0 {
		t.Errorf("forward result %+v", res)
	}
	fw := <-gotc
	if fw.err != nil {
		t.Fatalf("forwarded signature: %v", fw.err)
	}
	if id := fw.header.Get("X-Komoju-ID"); id == "" || id == d.EventID || fw.header.Get("X-Komoju-Event") != "payment.captured" || fw.header.Get("User-Agent") != "Komoju-Webhook" {
		t.Errorf("forward headers %v", fw.header)
	}
	stored, _ := g.r.Event(t.Context(), d.EventID)
	if string(fw.body) != string(stored.Body) {
		t.Error("forwarded body is not the stored body")
	}

	// Replay goes to the local handler: a signed redelivery, counted, not
	// applied twice.
	rep, err := g.r.Replay(t.Context(), d.EventID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != 200 {
		t.Fatalf("replay answered %+v", rep)
	}
	rd := waitFor(t, sub, func(x webhooks.Delivery) bool { return x.Replay })
	if !rd.Verified || !rd.Duplicate || rd.Payment != nil || rd.Deliveries != 2 {
		t.Errorf("replayed delivery %+v", rd)
	}
	// Auto-forward: every later verified event reaches the user's URL signed.
	if err := g.r.SetForwardTo(srv.URL); err != nil {
		t.Fatal(err)
	}
	p2 := g.konbiniSale(t, "POS-WH-4", 300)
	g.payAtStore(t, p2.ID)
	af := waitFor(t, sub, func(x webhooks.Delivery) bool {
		return x.Type == komoju.EventPaymentCaptured && x.PaymentID == p2.ID && x.Forward != nil
	})
	if af.Forward == nil || af.Forward.Status != 200 {
		t.Errorf("auto-forward %+v", af.Forward)
	}
	for len(gotc) > 0 {
		if x := <-gotc; x.err != nil {
			t.Errorf("auto-forwarded signature: %v", x.err)
		}
	}
}

// Events are persisted in the journal: the inspector's list survives a
// restart, rejected deliveries included, and a payment this till did not
// start is accepted (200) without touching any sale.
func TestEventsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := webhooks.New(webhooks.Options{Secret: itSecret, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	u, err := r.Start("")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt_foreign","type":"payment.refunded","resource":"event","data":{"id":"pay_foreign","resource":"payment","status":"refunded","amount":990,"total":990,"currency":"JPY"},"created_at":"2026-11-24T09:00:00Z","reason":null}`)
	send := func(sig string) int {
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(string(body)))
		req.Header.Set("X-Komoju-Signature", sig)
		req.Header.Set("X-Komoju-ID", "evt_foreign")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send(komoju.SignWebhook(body, itSecret)); s != 200 {
		t.Fatalf("foreign payment answered %d", s)
	}
	if s := send(komoju.SignWebhook(body, itSecret)); s != 200 {
		t.Fatalf("redelivery answered %d", s)
	}
	if s := send("deadbeef"); s != 401 {
		t.Fatalf("bad hex answered %d", s)
	}
	r.Close()
	j.Close()

	j2, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	r2, err := webhooks.New(webhooks.Options{Secret: itSecret, Journal: j2})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	evs, err := r2.Events(t.Context(), 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("after restart %d events, want 2: %+v", len(evs), evs)
	}
	var ok, bad webhooks.Event
	for _, e := range evs {
		if e.Verified {
			ok = e
		} else {
			bad = e
		}
	}
	if ok.EventID != "evt_foreign" || ok.Deliveries != 2 || ok.PaymentID != "pay_foreign" || ok.Amount != 990 || ok.PaymentStatus != komoju.PaymentRefunded {
		t.Errorf("verified event after restart %+v", ok)
	}
	if bad.Reason != webhooks.ReasonBadHex || bad.Headers["X-Komoju-Signature"] != "deadbeef" {
		t.Errorf("rejected event after restart %+v", bad)
	}
	// A redelivery after the restart is still a duplicate.
	u2, _ := r2.Start("")
	req, _ := http.NewRequest(http.MethodPost, u2, strings.NewReader(string(body)))
	req.Header.Set("X-Komoju-Signature", komoju.SignWebhook(body, itSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "duplicate") {
		t.Errorf("redelivery after restart: %s", b)
	}
}

// The clerk's screen follows the sale through flows' Watch with polling
// off: the verified webhook, fanned out by the receiver, is what turns the
// awaiting konbini sale into paid.
func TestWatchFollowsWebhookWithoutPolling(t *testing.T) {
	g := newRig(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	eng := flows.NewEngine(flows.Deps{Client: g.client})
	// How main wires it: every applied payment goes to the engine's hub.
	deliveries := g.r.Subscribe(ctx)
	go func() {
		for d := range deliveries {
			if d.Payment != nil {
				eng.Hub().Publish(flows.Push{Payment: d.Payment, Source: flows.SourceWebhook})
			}
		}
	}()
	p := g.konbiniSale(t, "POS-WH-5", 1200)
	updates := eng.Watch(ctx, flows.Target{PaymentID: p.ID}, flows.WatchOptions{Poll: false})
	g.payAtStore(t, p.ID)
	for u := range updates {
		if u.Err != nil {
			t.Fatalf("watch error: %v", u.Err)
		}
		if u.Source == flows.SourcePoll {
			t.Fatal("the watch polled")
		}
		if u.Outcome.Kind == flows.OutcomePaid {
			if u.Source != flows.SourceWebhook || u.Outcome.Status() != komoju.PaymentCaptured || !u.Done {
				t.Errorf("paid update %+v", u)
			}
			return
		}
	}
	t.Fatal("the watch ended without seeing the sale paid")
}

// payment.cancelled and payment.expired move the sale like payment.captured.
func TestCancelledAndExpiredThroughWebhook(t *testing.T) {
	g := newRig(t, nil)
	sub := g.r.Subscribe(t.Context())
	cancelled := g.konbiniSale(t, "POS-WH-6", 500)
	expiring := g.konbiniSale(t, "POS-WH-7", 600)
	if _, err := g.client.Payments.Cancel(t.Context(), cancelled.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sub, func(d webhooks.Delivery) bool {
		return d.Type == komoju.EventPaymentCancelled && d.PaymentID == cancelled.ID && d.Payment != nil
	})
	g.sb.Clock().Advance(40 * 24 * time.Hour)
	waitFor(t, sub, func(d webhooks.Delivery) bool {
		return d.Type == komoju.EventPaymentExpired && d.PaymentID == expiring.ID && d.Payment != nil
	})
	for id, want := range map[string]komoju.PaymentStatus{cancelled.ID: komoju.PaymentCancelled, expiring.ID: komoju.PaymentExpired} {
		sale, err := g.j.SaleByPayment(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if sale.Status != want {
			t.Errorf("sale %s is %s, want %s", id, sale.Status, want)
		}
	}
}
