package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// sandboxConfig is a sandbox-mode configuration with its journal in dir.
func sandboxConfig(t *testing.T, dir string) config.Config {
	t.Helper()
	env := map[string]string{"XDG_CONFIG_HOME": dir, "KOMOJU_TUI_JOURNAL": filepath.Join(dir, "journal.db")}
	cfg, err := config.Resolve(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != config.ModeSandbox {
		t.Fatalf("mode %s, want sandbox", cfg.Mode)
	}
	return cfg
}

func noEnv(string) string { return "" }

func TestOpenSandboxWiresEverything(t *testing.T) {
	cfg := sandboxConfig(t, t.TempDir())
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Sandbox == nil || a.Config.APIURL != a.Sandbox.URL() || a.Config.SecretKey != a.Sandbox.SecretKey() {
		t.Fatalf("the client does not talk to the embedded sandbox: %+v", a.Config)
	}
	if a.Receiver != nil {
		t.Errorf("a command without Webhooks got a receiver")
	}
	// The engine knows the return URL from the start, and it answers.
	u := a.Engine.ReturnURL()
	if !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("return URL %q", u)
	}
	resp, err := http.Get(u + "?session_id=nope")
	if err != nil {
		t.Fatalf("return server not serving: %v", err)
	}
	resp.Body.Close()
	// A sale goes through and lands in the journal.
	o, err := a.Engine.PayDirect(t.Context(), flows.Checkout{Amount: 1200, Currency: "JPY"}, komoju.TypeCreditCard,
		flows.Details{CardNumber: "4111111111111111", CardExpiry: time.Now().AddDate(3, 0, 0).Format("01/06"), CardCVC: "123"}, flows.PayOptions{})
	if err != nil || o.Kind != flows.OutcomePaid {
		t.Fatalf("pay: %v %+v", err, o)
	}
	if _, err := a.Journal.SaleByPayment(t.Context(), o.PaymentID()); err != nil {
		t.Errorf("sale not journaled: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func TestWebhookRouteReachesTheHub(t *testing.T) {
	cfg := sandboxConfig(t, t.TempDir())
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv, Webhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Receiver == nil || a.Receiver.URL() == "" {
		t.Fatal("no webhook receiver")
	}
	pushes, unsub := a.Engine.Hub().Subscribe()
	defer unsub()
	o, err := a.Engine.PayDirect(t.Context(), flows.Checkout{Amount: 2480, Currency: "JPY"}, komoju.TypeKonbini,
		flows.Details{Store: "lawson", Email: "a@example.com", Phone: "0312345678"}, flows.PayOptions{})
	if err != nil || o.Kind != flows.OutcomeAwaiting {
		t.Fatalf("konbini: %v %+v", err, o)
	}
	// The customer pays at the store: the sandbox sends payment.captured.
	req, _ := http.NewRequest(http.MethodPost, a.Sandbox.BaseURL()+"/sandbox/payments/"+o.PaymentID()+"/pay_at_store", nil)
	req.SetBasicAuth(a.Sandbox.SecretKey(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		select {
		case p := <-pushes:
			if p.Source == flows.SourceWebhook && p.Payment.ID == o.PaymentID() && p.Payment.Status == komoju.PaymentCaptured {
				// ... and the receiver journaled it before the hub saw it.
				s, err := a.Journal.SaleByPayment(t.Context(), o.PaymentID())
				if err != nil || s.Status != komoju.PaymentCaptured {
					t.Errorf("journal after the webhook: %v %+v", err, s.Status)
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("the captured webhook never reached the hub")
		}
	}
}

func TestPersistedSandboxAndSecondConsole(t *testing.T) {
	dir := t.TempDir()
	cfg := sandboxConfig(t, dir)
	first, err := Open(t.Context(), cfg, Options{Getenv: noEnv, PersistSandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := os.Stat(cfg.Journal + ".sandbox.json"); err != nil && !os.IsNotExist(err) {
		t.Fatalf("state file: %v", err)
	}
	// A second console on the same journal cannot share the state file: it
	// runs an empty sandbox and says so.
	second, err := Open(t.Context(), cfg, Options{Getenv: noEnv, PersistSandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if !strings.Contains(noticesText(second.Notices), "in use by another komoju-tui") {
		t.Errorf("notices %q", second.Notices)
	}
	if second.Sandbox.URL() == first.Sandbox.URL() {
		t.Errorf("the second console shares the first one's sandbox")
	}
}

func TestOpenFailureReleasesWhatItStarted(t *testing.T) {
	dir := t.TempDir()
	cfg := sandboxConfig(t, dir)
	cfg.Journal = filepath.Join(dir, "no-such-dir", "x", "journal.db")
	if err := os.WriteFile(filepath.Join(dir, "no-such-dir"), []byte("a file, not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv, PersistSandbox: true})
	if err == nil {
		a.Close()
		t.Fatal("a journal that cannot be created did not fail Open")
	}
	if a != nil {
		t.Errorf("Open returned an App with its error")
	}
}

func TestDebugLogRedactsKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "debug.log")
	cfg := sandboxConfig(t, t.TempDir())
	a, err := Open(t.Context(), cfg, Options{Getenv: func(k string) string {
		if k == "KOMOJU_TUI_DEBUG" {
			return path
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	key := a.Config.SecretKey
	a.Logger.Debug("test", "key", key)
	a.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || strings.Contains(string(b), key) {
		t.Errorf("debug log empty or holds the key:\n%s", b)
	}
}

// In sandbox mode with the address and keys of a running `komoju-tui
// sandbox` (a command found one), Open talks to it instead of starting an
// embedded one, and a webhook receiver started later is registered
// nowhere (that sandbox's own --webhook-url settings decide).
func TestOpenUsesARunningSandbox(t *testing.T) {
	running, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	cfg := sandboxConfig(t, t.TempDir())
	cfg.APIURL, cfg.SecretKey, cfg.PublishableKey, cfg.WebhookSecret = running.URL(), running.SecretKey(), running.PublishableKey(), running.WebhookSecret()
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Sandbox != nil || a.SandboxURL() != running.BaseURL() {
		t.Fatalf("embedded %v, sandbox URL %q, want %s", a.Sandbox != nil, a.SandboxURL(), running.BaseURL())
	}
	o, err := a.Engine.PayDirect(t.Context(), flows.Checkout{Amount: 1200, Currency: "JPY"}, komoju.TypeCreditCard,
		flows.Details{CardNumber: "4111111111111111", CardExpiry: time.Now().AddDate(3, 0, 0).Format("01/06"), CardCVC: "123"}, flows.PayOptions{})
	if err != nil || o.Kind != flows.OutcomePaid {
		t.Fatalf("pay: %v %+v", err, o)
	}
	if _, err := komoju.NewClient(running.SecretKey(), komoju.WithBaseURL(running.URL())).Payments.Get(t.Context(), o.PaymentID()); err != nil {
		t.Errorf("the running sandbox does not hold the payment: %v", err)
	}
	if err := a.StartWebhooks(t.Context(), WebhookOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(running.Webhooks()) != 0 {
		t.Errorf("the receiver registered itself with another process's sandbox: %v", running.Webhooks())
	}
	if err := a.StartWebhooks(t.Context(), WebhookOptions{}); err == nil {
		t.Errorf("a second receiver was started")
	}
}

// TestPublicURLReachesPhones: with --lan/--public-url the links a phone
// opens (session page, wallet page, instructions, and so their QR codes)
// and the return URL the phone comes back to name the public address,
// never 127.0.0.1; the sandbox is in its network mode (fresh keys, not the
// public built-in ones) while the till itself still talks to it over
// loopback.
func TestPublicURLReachesPhones(t *testing.T) {
	const public = "http://192.0.2.10:7777" // TEST-NET-1: never reached
	cfg := sandboxConfig(t, t.TempDir())
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv, SandboxAddr: "0.0.0.0:0", SandboxPublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !a.Sandbox.OnNetwork() || a.Config.SecretKey == sandbox.DefaultSecretKey {
		t.Errorf("the sandbox is on the network with the public built-in key (network mode off)")
	}
	if !strings.HasPrefix(a.Config.APIURL, "http://127.0.0.1:") {
		t.Errorf("the till's own API URL %q is not loopback", a.Config.APIURL)
	}
	if u := a.Engine.ReturnURL(); !strings.HasPrefix(u, "http://192.0.2.10:") {
		t.Errorf("return URL %q does not name the public host", u)
	}
	found := false
	for _, n := range a.Notices {
		found = found || strings.Contains(n.String(), public)
	}
	if !found {
		t.Errorf("no notice names the public URL: %q", a.Notices)
	}
	sale, err := a.Engine.StartSession(t.Context(), a.Engine.NewCheckout(4400, "JPY"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sale.Session.SessionURL, public+"/") {
		t.Errorf("session URL %q (the phone's QR code) does not start with %s", sale.Session.SessionURL, public)
	}
	o, err := a.Engine.PaySession(t.Context(), sale, komoju.TypePayPay, flows.Details{}, flows.PayOptions{})
	if err != nil || o.Kind != flows.OutcomeRedirect {
		t.Fatalf("paypay: %v %+v", err, o)
	}
	if !strings.HasPrefix(o.RedirectURL, public+"/") {
		t.Errorf("PayPay link %q (the phone's QR code) does not start with %s", o.RedirectURL, public)
	}
	co := a.Engine.NewCheckout(2480, "JPY")
	co.Flow = flows.FlowDirect
	k, err := a.Engine.PayDirect(t.Context(), co, komoju.TypeKonbini, flows.Details{Store: "lawson", Email: "taro@example.com"}, flows.PayOptions{})
	if err != nil || !strings.HasPrefix(k.InstructionsURL, public+"/") {
		t.Errorf("konbini instructions %q (err %v) do not start with %s", k.InstructionsURL, err, public)
	}
}

// TestPublicURLBehindATunnel: --public-url without a port (a tunnel's
// https://… name) says where the sandbox listens on this machine, or the
// clerk has nothing to point the tunnel at; a public URL at the listening
// port needs no second address.
func TestPublicURLBehindATunnel(t *testing.T) {
	const public = "https://till.example.test" // never reached
	cfg := sandboxConfig(t, t.TempDir())
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv, SandboxAddr: "0.0.0.0:0", SandboxPublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := url.Parse(a.Sandbox.LocalURL())
	if err != nil {
		t.Fatal(err)
	}
	notices := noticesText(a.Notices)
	if !strings.Contains(notices, public) || !strings.Contains(notices, "listens on port "+u.Port()) ||
		!strings.Contains(notices, "http://127.0.0.1:"+u.Port()) {
		t.Errorf("the notices name no local port (%s) to point the tunnel at: %q", u.Port(), a.Notices)
	}
	if n := networkNotice("http://192.168.1.20:7777", "http://127.0.0.1:7777/api/v1").String(); strings.Contains(n, "listens on") {
		t.Errorf("a public URL at the listening port got a second address: %q", n)
	}
}

// The console's App hears from the journal what another process (the
// store's webhook receiver) records about its sales: the payment reaches
// the engine's Hub, which the console's follow-ups read (issue 15 item 4).
func TestConsoleHearsTheStoreReceiver(t *testing.T) {
	cfg := sandboxConfig(t, t.TempDir())
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv, Webhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := t.Context()
	slip, err := a.Engine.PayDirect(ctx, flows.Checkout{Amount: 2480, Currency: "JPY"}, komoju.TypeKonbini,
		flows.Details{Store: "lawson", Email: "taro@example.com", Phone: "09012345678"}, flows.PayOptions{})
	if err != nil || slip.Kind != flows.OutcomeAwaiting {
		t.Fatalf("konbini: %v %+v", err, slip)
	}
	pushes, unsub := a.Engine.Hub().Subscribe()
	defer unsub()
	receiver, err := journal.OpenWith(a.Journal.Path(), journal.Options{Till: "listen"})
	if err != nil {
		t.Fatal(err)
	}
	defer receiver.Close()
	p := *slip.Payment
	p.Status = komoju.PaymentCaptured
	if err := receiver.RecordPayment(ctx, &p, journal.SourceWebhook); err != nil {
		t.Fatal(err)
	}
	bound := time.After(20 * time.Second)
	for {
		select {
		case push := <-pushes:
			if push.Payment.ID == p.ID && push.Payment.Status == komoju.PaymentCaptured {
				return
			}
		case <-bound:
			t.Fatal("the console's hub never heard that the slip was paid")
		}
	}
}

// TestReturnLinkBehindATunnel: with --public-url naming a tunnel (https,
// no port), the return URL a phone comes back to after 3-D Secure or a
// wallet is a page of that same public address, which the tunnel
// forwards to the sandbox's port, not the public host name on some
// other port of this machine; and the till's handler answers there.
func TestReturnLinkBehindATunnel(t *testing.T) {
	const public = "https://till-7.tunnel.example"
	cfg := sandboxConfig(t, t.TempDir())
	a, err := Open(t.Context(), cfg, Options{Getenv: noEnv, SandboxAddr: "0.0.0.0:0", SandboxPublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u := a.Engine.ReturnURL()
	if !strings.HasPrefix(u, public+"/app/return-") {
		t.Fatalf("return URL %q, want %s/app/return-…", u, public)
	}
	// What the tunnel forwards to: the sandbox's own listener.
	local := strings.TrimSuffix(a.Sandbox.LocalURL(), "/api/v1")
	resp, err := http.Get(local + strings.TrimPrefix(u, public) + "?session_id=ses_nobody")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "return to the counter") {
		t.Errorf("the till's return page through the sandbox: %d %s", resp.StatusCode, body)
	}
	// Other paths under /app/ are not the till's.
	if resp, err := http.Get(local + "/app/other"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/app/other: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/app/other", strings.TrimPrefix(u, public)} {
		resp, err := http.Get(local + p)
		if err != nil {
			continue // the embedded sandbox closed with the till
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

// noticesText is the notices in English, a line each.
func noticesText(ns []words.Text) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.String() + "\n")
	}
	return b.String()
}
