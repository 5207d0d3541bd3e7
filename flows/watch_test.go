package flows

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/flowstest"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

func TestDefaultPollBackoff(t *testing.T) {
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := DefaultPollBackoff(i + 1); got != w {
			t.Errorf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
	if DefaultPollBackoff(1000) != 10*time.Second {
		t.Error("backoff not capped")
	}
}

// TestWatchPushOnly: with polling off, a webhook pushed to the engine
// moves a konbini sale from awaiting to paid; pushes for other payments
// are ignored.
func TestWatchPushOnly(t *testing.T) {
	env := newEnv(t)
	o, err := env.e.PayDirect(env.ctx(), Checkout{Amount: 1600}, komoju.TypeKonbini, konbini("lawson"), PayOptions{})
	mustKind(t, o, err, OutcomeAwaiting)
	other, _ := env.e.PayDirect(env.ctx(), Checkout{Amount: 1700}, komoju.TypeCreditCard, card("4111111111111111"), PayOptions{})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	updates := env.e.Watch(ctx, Target{PaymentID: o.PaymentID()}, WatchOptions{})
	// A watcher subscribes before Watch returns, so this push is seen.
	env.e.Push(ctx, Push{Payment: other.Payment, Source: SourceWebhook})
	paid := env.customer(o.PaymentID(), "pay_at_store", nil)
	env.e.Push(ctx, Push{Payment: paid, Source: SourceWebhook})
	u, ok := <-updates
	if !ok {
		t.Fatal("watch closed without an update")
	}
	if u.Outcome.PaymentID() != o.PaymentID() || u.Outcome.Kind != OutcomePaid || u.Source != SourceWebhook || !u.Done {
		t.Fatalf("update %+v", u)
	}
	if _, open := <-updates; open {
		t.Error("watch went on after a final update")
	}
	if h := env.history(o.OrderNum); !strings.Contains(h, "captured@webhook") {
		t.Errorf("journal history %q", h)
	}
}

// TestWatchMergesPolling: polling sees the first state at once, then a
// pushed update from the options' channel ends the watch.
func TestWatchMergesPollingAndPushes(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 4400})
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypeAuPay, Details{}, PayOptions{})
	mustKind(t, o, err, OutcomeRedirect)
	// Poll slowly so the push is what ends it.
	env.e.backoff = func(int) time.Duration { return time.Hour }
	pushed := make(chan Push, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	updates := env.e.Watch(ctx, Target{SessionID: sale.SessionID()}, WatchOptions{Poll: true, Pushed: pushed})
	first := <-updates
	if first.Source != SourcePoll || first.Outcome.Kind != OutcomeRedirect || first.Done {
		t.Fatalf("first update %+v", first)
	}
	paid := env.customer(o.PaymentID(), "approve", nil)
	pushed <- Push{Payment: paid, Source: SourceReturnURL}
	last := <-updates
	if last.Source != SourceReturnURL || last.Outcome.Kind != OutcomePaid || !last.Done || last.Outcome.SessionID != sale.SessionID() {
		t.Fatalf("last update %+v", last)
	}
	if h := env.history(sale.OrderNum); !strings.Contains(h, "captured@return_url") {
		t.Errorf("journal history %q", h)
	}
}

// TestWatchStopsOnCancel: an Esc from the clerk cancels the context and
// the channel closes; polling with backoff keeps going until then and
// reports only changes.
func TestWatchStopsOnCancel(t *testing.T) {
	env := newEnv(t)
	o, err := env.e.PayDirect(env.ctx(), Checkout{Amount: 1000}, komoju.TypePayPay, Details{}, PayOptions{})
	mustKind(t, o, err, OutcomeRedirect)
	var polls atomic.Int64
	env.e.backoff = func(n int) time.Duration { polls.Store(int64(n)); return time.Millisecond }
	ctx, cancel := context.WithCancel(context.Background())
	updates := env.e.Watch(ctx, Target{PaymentID: o.PaymentID()}, WatchOptions{Poll: true})
	if u := <-updates; u.Outcome.Kind != OutcomeRedirect {
		t.Fatalf("first %+v", u)
	}
	// Let it poll a few times (however slow the machine is), then stop it:
	// an unchanged payment yields no updates and the channel closes.
	for deadline := time.Now().Add(time.Minute); polls.Load() < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d polls in a minute with a 1ms backoff", polls.Load())
		}
	}
	cancel()
	n := 0
	for range updates {
		n++
	}
	if n != 0 {
		t.Errorf("%d updates for an unchanged payment", n)
	}
}

// TestWatchSessionOnPhone follows a session the customer pays on the
// hosted page (their phone) until it is paid.
func TestWatchSessionOnPhone(t *testing.T) {
	env := newEnv(t)
	sale := env.start(Checkout{Amount: 2000})
	done := make(chan Update, 1)
	go func() {
		done <- env.waitFor(Target{SessionID: sale.SessionID()}, WatchOptions{Poll: true}, func(u Update) bool { return u.Done })
	}()
	// The customer pays on the session page with a card (the client pays
	// the session as the page would).
	_, err := env.c.Sessions.Pay(env.ctx(), sale.SessionID(), &komoju.SessionPayParams{PaymentDetails: card("4111111111111111").Params(komoju.TypeCreditCard)})
	if err != nil {
		t.Fatal(err)
	}
	u := <-done
	mustKind(t, u.Outcome, nil, OutcomePaid)
}

// TestReturnURLSession: a wallet sale through a session; the customer's
// browser approves on the wallet page and is sent to our return URL with
// session_id; the handler asks Session: Show and pushes the payment to
// the watcher.
func TestReturnURLSession(t *testing.T) {
	env := newEnv(t)
	srv := env.withReturnServer()
	sale := env.start(Checkout{Amount: 3200})
	if sale.Checkout.ReturnURL != srv.URL() {
		t.Fatalf("return URL %q", sale.Checkout.ReturnURL)
	}
	o, err := env.e.PaySession(env.ctx(), sale, komoju.TypePayPay, Details{}, PayOptions{})
	mustKind(t, o, err, OutcomeRedirect)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	updates := env.e.Watch(ctx, Target{SessionID: sale.SessionID()}, WatchOptions{}) // pushes only
	status, body := browserPost(t, env.sb.BaseURL()+"/sandbox/payments/"+o.PaymentID()+"/approve")
	if status != 200 || !strings.Contains(body, "return to the counter") {
		t.Fatalf("customer's browser got %d %q", status, body)
	}
	u := <-updates
	if u.Source != SourceReturnURL || u.Outcome.Kind != OutcomePaid || !u.Done {
		t.Fatalf("update %+v", u)
	}
}

// TestReturnURLDirect: a direct wallet payment comes back with an hmac;
// the genuine URL is accepted, tampered or unsigned ones are refused with
// 400 and a plain message.
func TestReturnURLDirect(t *testing.T) {
	env := newEnv(t)
	srv := env.withReturnServer()
	o, err := env.e.PayDirect(env.ctx(), Checkout{Amount: 5100}, komoju.TypeMerpay, Details{}, PayOptions{})
	mustKind(t, o, err, OutcomeRedirect)

	// Forged URLs first: nothing reaches the watcher.
	signed, _ := komoju.SignReturnURL(srv.URL(), url.Values{"payment_id": {o.PaymentID()}, "status": {"pending"}}, env.sb.SecretKey())
	tampered := strings.Replace(signed, "status=pending", "status=captured", 1)
	wrongKey, _ := komoju.SignReturnURL(srv.URL(), url.Values{"payment_id": {o.PaymentID()}}, "sk_test_someone_else")
	for name, u := range map[string]string{
		"tampered":  tampered,
		"wrong key": wrongKey,
		"bad hmac":  srv.URL() + "?payment_id=" + o.PaymentID() + "&hmac=zz",
		"unsigned":  srv.URL() + "?payment_id=" + o.PaymentID(),
	} {
		status, body := browserGet(t, u)
		if status != http.StatusBadRequest || !strings.Contains(body, "return to the counter") {
			t.Errorf("%s: %d %q", name, status, body)
		}
	}
	if status, _ := browserGet(t, signed); status != http.StatusOK {
		t.Errorf("genuine URL: %d", status)
	}
	if resp, err := http.Post(srv.URL(), "text/plain", nil); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the return URL: %v %v", resp, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	updates := env.e.Watch(ctx, Target{PaymentID: o.PaymentID()}, WatchOptions{})
	status, body := browserPost(t, env.sb.BaseURL()+"/sandbox/payments/"+o.PaymentID()+"/decline")
	if status != 200 || !strings.Contains(body, "not completed") {
		t.Fatalf("customer's browser got %d %q", status, body)
	}
	u := <-updates
	if u.Source != SourceReturnURL || u.Outcome.Kind != OutcomeCancelled || !u.Done {
		t.Fatalf("update %+v", u)
	}
	if h := env.history(o.OrderNum); !strings.Contains(h, "cancelled@return_url") {
		t.Errorf("journal history %q", h)
	}
}

// browserGet and browserPost act as the customer's browser: no API key,
// redirects followed.
func browserGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func browserPost(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestReturnURLUnknownSession(t *testing.T) {
	env := newEnv(t)
	srv, err := NewReturnServer("", env.e.ReturnHandler(env.sb.SecretKey()))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || !strings.HasSuffix(srv.URL(), ReturnPath) {
		t.Errorf("return URL %q", srv.URL())
	}
	status, body := browserGet(t, srv.URL()+"?session_id=nosuchsession")
	if status != http.StatusNotFound || !strings.Contains(body, "return to the counter") {
		t.Errorf("unknown session: %d %q", status, body)
	}
	status, _ = browserGet(t, srv.URL())
	if status != http.StatusBadRequest {
		t.Errorf("no parameters: %d", status)
	}
	if _, err := NewReturnServer("256.0.0.1:1", http.NotFoundHandler()); err == nil {
		t.Error("listening on a bad address succeeded")
	}
}

// TestReturnURLSecureToken: after 3-D Secure for a direct payment the
// customer's browser comes back with secure_token_id and is told to return
// to the counter (it was refused as "not understood").
func TestReturnURLSecureToken(t *testing.T) {
	env := newEnv(t)
	env.withReturnServer()
	res, err := env.e.PayCard3DS(env.ctx(), Checkout{Amount: 4300}, card("4100000000005000"), PayOptions{}, false)
	if err != nil || res.Pending == nil {
		t.Fatalf("PayCard3DS: %+v %v", res, err)
	}
	resp, err := http.PostForm(env.sb.BaseURL()+"/sandbox/secure_tokens/"+res.Pending.TokenID+"/authenticate", url.Values{"code": {"123456"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "return to the counter") {
		t.Fatalf("customer's browser after 3-D Secure got %d %q", resp.StatusCode, b)
	}
}

// withReturnServer rebuilds env's engine with a return-URL server it
// serves, as flows/app does: the URL is known before the engine is built.
func (env *testEnv) withReturnServer() *ReturnServer {
	env.t.Helper()
	srv, err := ListenReturn("")
	if err != nil {
		env.t.Fatal(err)
	}
	env.t.Cleanup(func() { _ = srv.Close() })
	env.withReturnURL(srv.URL())
	srv.Serve(env.e.ReturnHandler(env.sb.SecretKey()))
	return srv
}

// withReturnURL rebuilds env's engine with return URL u (Deps.ReturnURL:
// an engine's return URL is fixed when it is built).
func (env *testEnv) withReturnURL(u string) {
	env.e = NewEngine(Deps{
		Client: env.c, Journal: env.rec, ReturnURL: u, Now: env.e.now,
		PollBackoff: func(int) time.Duration { return time.Millisecond },
		Timeout:     5 * time.Second,
	})
}

// counterClock is an engine timer on a frozen suite clock: each wait moves
// the clock on by its length at once (elapsed keeps the sub-second part
// the sandbox's clock drops), and the customer approves the payment once
// approveAt has elapsed.
type counterClock struct {
	env       *testEnv
	clock     *sandbox.Clock
	approveAt time.Duration
	paymentID string
	mu        sync.Mutex
	elapsed   time.Duration
	approved  bool
	err       error
}

func (c *counterClock) now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.elapsed
}

func (c *counterClock) after(d time.Duration) <-chan time.Time {
	now := c.clock.Advance(d)
	c.mu.Lock()
	c.elapsed += d
	if !c.approved && c.paymentID != "" && c.elapsed >= c.approveAt {
		c.approved = true
		req, _ := http.NewRequest(http.MethodPost, c.env.sb.BaseURL()+"/sandbox/payments/"+c.paymentID+"/approve", nil)
		req.SetBasicAuth(c.env.sb.SecretKey(), "")
		if resp, err := http.DefaultClient.Do(req); err != nil {
			c.err = err
		} else {
			resp.Body.Close()
		}
	}
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

// TestWatchAtCounterPollsEveryTwoSeconds: without webhooks, a PayPay
// approval at t+5s is on the clerk's screen by t+7s while the customer is
// at the counter (the old backoff, 0.5s doubling to 10s, saw it at
// t+7.5s); followed in the background the same payment is still polled
// with the long backoff. Timed on the suite's clock, not the wall's.
func TestWatchAtCounterPollsEveryTwoSeconds(t *testing.T) {
	for _, tc := range []struct {
		name       string
		background bool
		seenBy     time.Duration // latest time the approval may be seen
		notBefore  time.Duration // earliest
	}{
		{"counter", false, 7 * time.Second, 5 * time.Second},
		{"background", true, 8 * time.Second, 7500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := flowstest.New(t, flowstest.Options{Frozen: true})
			env := &testEnv{t: t, sb: w.Sandbox, c: w.Client, j: w.Journal}
			cc := &counterClock{env: env, clock: w.Clock}
			env.e = NewEngine(Deps{Client: w.Client, Journal: w.Journal, Now: w.Now, After: cc.after, Timeout: 5 * time.Second})
			sale := env.start(Checkout{Amount: 4400})
			o, err := env.e.PaySession(env.ctx(), sale, komoju.TypePayPay, Details{}, PayOptions{})
			mustKind(t, o, err, OutcomeRedirect)
			cc.mu.Lock()
			start := cc.elapsed
			cc.paymentID, cc.approveAt = o.PaymentID(), start+5*time.Second
			cc.mu.Unlock()
			seen := time.Duration(-1)
			for u := range env.e.Watch(env.ctx(), Target{PaymentID: o.PaymentID(), SessionID: sale.SessionID()}, WatchOptions{Poll: true, Background: tc.background}) {
				if u.Outcome.Kind == OutcomePaid {
					seen = cc.now()
				}
			}
			if cc.err != nil {
				t.Fatal(cc.err)
			}
			if seen < 0 {
				t.Fatal("the approval was never seen")
			}
			if at := seen - start; at > tc.seenBy || at < tc.notBefore {
				t.Errorf("approval at t+5s seen at t+%s, want between t+%s and t+%s", at, tc.notBefore, tc.seenBy)
			}
		})
	}
}

// TestPollDelayCounterCap: at the counter (a payment on screen, `pay
// --wait`, a 3-D Secure token the customer is authenticating) no wait is
// longer than CounterPoll; in the background the default backoff reaches
// 10s.
func TestPollDelayCounterCap(t *testing.T) {
	e := NewEngine(Deps{})
	for n := 1; n <= 20; n++ {
		if d := e.pollDelay(n, false); d > CounterPoll {
			t.Errorf("counter poll %d waits %s, want at most %s", n, d, CounterPoll)
		}
	}
	if d := e.pollDelay(20, true); d != 10*time.Second {
		t.Errorf("background poll 20 waits %s, want 10s", d)
	}
}
