// Package app is komoju-tui's one composition root. Open builds, in order,
// the debug logger, the backend (the embedded sandbox when there is no key,
// else KOMOJU), the client, the sale journal, the return-URL server, the
// flows engine and (for the console) the webhook receiver with its single
// route: receiver → journal → engine hub. Close releases them in reverse.
// The console, every headless command and the tests open an App the same
// way, so they run the same wiring.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// returnMount is the return URL's path on the embedded sandbox.
const returnMount = sandbox.MountPrefix + "return"

// Options are what a front end asks of Open beyond the configuration.
type Options struct {
	// PersistSandbox keeps the embedded sandbox's state beside the journal
	// (JOURNAL.sandbox.json), so a restarted console can still settle the
	// konbini, 3-D Secure and wallet sales it made before.
	PersistSandbox bool
	// FreshSandbox starts the persisted sandbox empty (--fresh-sandbox):
	// its saved state is moved aside.
	FreshSandbox bool

	// Webhooks starts the webhook receiver on WebhookAddr (default
	// 127.0.0.1:0). With the embedded sandbox it registers itself, so
	// events flow with no configuration.
	Webhooks    bool
	WebhookAddr string
	// ForwardTo forwards every verified webhook, re-signed, to this URL.
	ForwardTo string

	// SandboxAddr is where the embedded sandbox listens (default
	// 127.0.0.1:0). A network address (0.0.0.0:0 for --lan) puts it in
	// the sandbox's network mode: fresh random keys, the public built-in
	// ones refused (docs/SECURITY.md). The return-URL server then listens
	// on the network too, so a phone comes back to the till.
	SandboxAddr string
	// SandboxPublicURL is the base URL put in session, 3-D Secure, wallet
	// and instructions links (and so in their QR codes), for phones that
	// cannot open 127.0.0.1 (--public-url). Default: the listener's
	// address, or the machine's first LAN address on 0.0.0.0.
	SandboxPublicURL string

	// Logger receives debug logs. Nil: the file named by KOMOJU_TUI_DEBUG
	// (Getenv), or nowhere; stdout belongs to the console.
	Logger *slog.Logger
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string

	// Sandbox, when set, is a running sandbox to use in sandbox mode
	// instead of starting one (tests share one across commands). Open
	// does not close it.
	Sandbox *sandbox.Server
	// ClientOptions are added to the KOMOJU client's (tests: no backoff).
	ClientOptions []komoju.Option
	// PollBackoff and Timeout are passed to the engine (flows.Deps).
	PollBackoff func(attempt int) time.Duration
	Timeout     time.Duration
}

// App is one running komoju-tui: what a front end drives.
type App struct {
	// Config is the resolved configuration; in sandbox mode its APIURL and
	// keys are the embedded sandbox's.
	Config  config.Config
	Client  *komoju.Client
	Journal *journal.Journal
	Engine  *flows.Engine
	// Sandbox is the embedded sandbox (nil against KOMOJU, or against a
	// running `komoju-tui sandbox`).
	Sandbox *sandbox.Server
	// RunningSandbox is the base URL of the running `komoju-tui sandbox`
	// used instead of an embedded one: in sandbox mode, a Config with an
	// APIURL (a command found one, see sandbox.Discover). Else "".
	RunningSandbox string
	// Receiver is the webhook receiver (nil unless Options.Webhooks).
	Receiver *webhooks.Receiver
	// Notices are things to tell the user at start (a sandbox that could
	// not load its saved state, a webhook registration that failed).
	Notices []words.Text
	Logger  *slog.Logger

	closeOnce sync.Once
	closeErr  error
	closers   []func() error
	stop      context.CancelFunc
	routed    chan struct{}
}

// Opener opens an App for a resolved configuration; commands call it once
// their flags were checked, so bad input never starts a sandbox or opens
// a journal.
type Opener func(ctx context.Context, cfg config.Config) (*App, error)

// With returns an Opener that opens with o.
func With(o Options) Opener {
	return func(ctx context.Context, cfg config.Config) (*App, error) { return Open(ctx, cfg, o) }
}

// JournalPath is the journal file (or PostgreSQL URL) cfg names: its
// Journal, or the mode's own file under the data directory.
func JournalPath(cfg config.Config) (string, error) {
	if cfg.Journal != "" {
		return cfg.Journal, nil
	}
	return journal.DefaultPath(string(cfg.Mode))
}

// MissingJournal is the journal file cfg names explicitly (--journal,
// KOMOJU_TUI_JOURNAL, the config file) when no such file exists. Opening
// creates a journal; for a command that reads one (a report, a refund, a
// close) a mistyped path would then read as an empty journal and say "no
// sales" or "nothing to settle" for a shop that has them, and leave a new
// file behind. The mode's own default journal is not asked about: it is
// created at the till's first start, and a fresh install has no sales.
func MissingJournal(cfg config.Config) (string, bool) {
	if cfg.Journal == "" || journal.IsPostgresURL(cfg.Journal) {
		return "", false
	}
	if _, err := os.Stat(cfg.Journal); errors.Is(err, os.ErrNotExist) {
		return cfg.Journal, true
	}
	return "", false
}

// OpenJournal opens only the journal Open would open for cfg, for a report
// that reads nothing else (history, summary, close --no-refresh): it starts no sandbox, builds
// no client and asks KOMOJU nothing, so a report costs what its query
// costs.
func OpenJournal(cfg config.Config) (*journal.Journal, error) {
	path, err := JournalPath(cfg)
	if err != nil {
		return nil, err
	}
	return journal.OpenWith(path, journal.Options{Till: cfg.Till})
}

// Open builds the App for cfg. On error everything it started is released.
func Open(ctx context.Context, cfg config.Config, o Options) (a *App, err error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	a = &App{Logger: o.Logger}
	defer func() {
		if err != nil {
			_ = a.Close()
			a = nil
		}
	}()
	if a.Logger == nil {
		logger, closeLog, lerr := DebugLogger(getenv("KOMOJU_TUI_DEBUG"))
		if lerr != nil {
			return nil, lerr
		}
		a.Logger = logger
		a.closers = append(a.closers, closeLog)
	}

	path, err := JournalPath(cfg)
	if err != nil {
		return nil, err
	}
	persisted := false
	if cfg.Mode == config.ModeSandbox && o.Sandbox == nil && cfg.APIURL != "" {
		// Another process's sandbox, with its keys in cfg: its "no such
		// payment" is no proof either (the journal holds sales other
		// sandboxes made), so the engine stays amnesiac.
		a.RunningSandbox = strings.TrimSuffix(strings.TrimSuffix(cfg.APIURL, "/"), "/api/v1")
		if o.SandboxAddr != "" || o.SandboxPublicURL != "" {
			// Its links are its own: say so rather than ignore the flag.
			return nil, fmt.Errorf("--lan and --public-url apply to the embedded sandbox; the running sandbox at %s sets its own (komoju-tui sandbox --public-url)", a.RunningSandbox)
		}
	} else if cfg.Mode == config.ModeSandbox {
		sb := o.Sandbox
		if sb == nil {
			if sb, persisted, err = a.startSandbox(path, o); err != nil {
				return nil, err
			}
		} else {
			persisted = true // the caller's sandbox outlives this App
		}
		a.Sandbox = sb
		// The till talks to its own sandbox over loopback; the public
		// URL is for customers' phones.
		cfg.APIURL = sb.LocalURL()
		cfg.SecretKey = sb.SecretKey()
		cfg.PublishableKey = sb.PublishableKey()
		cfg.WebhookSecret = sb.WebhookSecret()
	}
	a.Config = cfg
	copts := append([]komoju.Option{
		komoju.WithBaseURL(cfg.APIURL),
		komoju.WithPublishableKey(cfg.PublishableKey),
		komoju.WithLogger(a.Logger),
	}, o.ClientOptions...)
	a.Client = komoju.NewClient(cfg.SecretKey, copts...)

	if a.Journal, err = journal.OpenWith(path, journal.Options{Till: cfg.Till}); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Journal.Close)
	if err = a.Journal.ClaimMode(ctx, string(cfg.Mode)); err != nil {
		return nil, err
	}

	// The return URL is known before the engine is built; the engine's
	// handler is served there once it exists. With the embedded sandbox
	// it is a page of the sandbox's own listener: a phone that paid comes
	// back wherever it opened the sandbox's pages (its LAN address, or
	// the one port a tunnel forwards to), not to a port of its own.
	var ret *flows.ReturnServer
	var returnURL string
	var returnTo atomic.Pointer[flows.ReturnHandler]
	if a.Sandbox != nil {
		// A path of this App's own: tests open several on one sandbox.
		var unmount func()
		returnURL, unmount, err = a.Sandbox.Mount(returnMount+"-"+randomHex(6), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := returnTo.Load(); h != nil {
				h.ServeHTTP(w, r)
				return
			}
			http.Error(w, "The till is starting; please return to the counter.", http.StatusServiceUnavailable)
		}))
		if err == nil {
			a.closers = append(a.closers, func() error { unmount(); return nil })
		}
	} else {
		ret, err = flows.ListenReturn("127.0.0.1:0")
		if err == nil {
			a.closers = append(a.closers, ret.Close)
			returnURL = ret.URL()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("starting the return-URL server: %w", err)
	}
	a.Engine = flows.NewEngine(flows.Deps{
		Client: a.Client, Journal: a.Journal, Logger: a.Logger, OrderPrefix: cfg.OrderNumberPrefix(),
		ReturnURL: returnURL, PollBackoff: o.PollBackoff, Timeout: o.Timeout,
		// A sandbox started empty knows nothing of earlier sales: its
		// "no such session" is no proof that nobody was charged.
		Amnesiac: (a.Sandbox != nil && !persisted) || a.RunningSandbox != "",
	})
	if ret != nil {
		ret.Serve(a.Engine.ReturnHandler(cfg.SecretKey))
	} else {
		returnTo.Store(a.Engine.ReturnHandler(cfg.SecretKey))
	}

	if o.Webhooks {
		if err := a.startWebhooks(ctx, o); err != nil {
			return nil, err
		}
		// The console also hears from the journal what the store's
		// webhook receiver and the other tills record about its sales
		// (a konbini slip paid later): the same Hub its follow-ups read.
		fctx, stopFeed := context.WithCancel(context.Background())
		fed := a.Engine.FollowStore(fctx)
		a.closers = append(a.closers, func() error { stopFeed(); <-fed; return nil })
	}
	return a, nil
}

// startSandbox starts the embedded sandbox; persisted reports that it
// holds the state of earlier runs (so its "not found" is proof).
func (a *App) startSandbox(journalPath string, o Options) (*sandbox.Server, bool, error) {
	so := sandbox.Options{Logger: a.Logger, Addr: o.SandboxAddr, PublicURL: o.SandboxPublicURL}
	if o.PersistSandbox {
		so.StatePath, so.FreshState = journalPath+".sandbox.json", o.FreshSandbox
	}
	sb, err := sandbox.New(so)
	if errors.Is(err, sandbox.ErrStateInUse) {
		// Another console runs on this journal's sandbox: run an empty
		// one rather than share a file two processes would write.
		a.Notices = append(a.Notices, words.T("notice_sandbox_in_use"))
		so.StatePath, so.FreshState = "", false
		sb, err = sandbox.New(so)
	}
	if err != nil {
		return nil, false, fmt.Errorf("starting the embedded sandbox: %w", err)
	}
	a.closers = append(a.closers, sb.Close)
	for _, n := range sb.StateNotes() {
		a.Notices = append(a.Notices, stateNotice(n))
	}
	if sb.OnNetwork() {
		a.Notices = append(a.Notices, networkNotice(sb.BaseURL(), sb.LocalURL()))
	}
	return sb, so.StatePath != "" && sb.StateError() == nil, nil
}

// networkNotice says where phones open the sandbox's pages (public) and,
// when that is not the port the sandbox listens on (a --public-url behind
// a tunnel or port forward, https://abc.example without a port), the
// local address to point the tunnel at: the public URL alone gives the
// clerk nothing to forward to.
func networkNotice(public, local string) words.Text {
	n := words.T("notice_sandbox_network", public)
	lu, err := url.Parse(local)
	if err != nil {
		return n
	}
	port := lu.Port()
	pub, err := url.Parse(public)
	if err != nil || port == "" {
		return n
	}
	pubPort := pub.Port()
	if pubPort == "" {
		pubPort = map[string]string{"http": "80", "https": "443"}[pub.Scheme]
	}
	if pubPort == port {
		return n
	}
	return words.T("notice_sandbox_network_port", public, port, net.JoinHostPort("0.0.0.0", port), port)
}

// stateNotice says what the embedded sandbox found in its saved state.
func stateNotice(n sandbox.StateNote) words.Text {
	switch n.Kind {
	case sandbox.StateRestored:
		return words.T("notice_sandbox_restored", n.Path, n.Payments, n.Sessions)
	case sandbox.StateStartedEmpty:
		return words.T("notice_sandbox_started_empty", n.Aside)
	case sandbox.StateUnreadable:
		return words.T("notice_sandbox_unreadable", n.Path, n.Err, n.Aside)
	}
	return words.Raw(n.String())
}

// WebhookOptions are how StartWebhooks runs the receiver.
type WebhookOptions struct {
	// Addr is where it listens (default 127.0.0.1:0).
	Addr string
	// ForwardTo forwards every verified webhook, re-signed, to this URL.
	ForwardTo string
	// Events selects the event types the embedded sandbox sends it, as a
	// KOMOJU webhook's event selection does (default: all).
	Events []string
}

// startWebhooks starts the receiver for Open.
func (a *App) startWebhooks(ctx context.Context, o Options) error {
	return a.StartWebhooks(ctx, WebhookOptions{Addr: o.WebhookAddr, ForwardTo: o.ForwardTo})
}

// StartWebhooks starts the webhook receiver (once; Open does it for
// Options.Webhooks) and the one route a verified event takes: the
// receiver records it in the journal, then the payment goes to the
// engine's hub, which moves the sale the clerk is watching. With the
// embedded sandbox the receiver registers itself, so events flow with no
// configuration. Close stops it.
func (a *App) StartWebhooks(ctx context.Context, wo WebhookOptions) error {
	if a.Receiver != nil {
		return errors.New("webhook receiver: already started")
	}
	recv, err := webhooks.New(webhooks.Options{Secret: a.Config.WebhookSecret, Journal: a.Journal, ForwardTo: wo.ForwardTo, Logger: a.Logger})
	if err == nil {
		addr := wo.Addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		_, err = recv.Start(addr)
	}
	if err != nil {
		return fmt.Errorf("webhook receiver: %w", err)
	}
	a.Receiver = recv
	a.closers = append(a.closers, recv.Close)
	if a.Sandbox != nil {
		if err := a.Sandbox.RegisterWebhook(sandbox.Webhook{URL: recv.URL(), Events: wo.Events}); err != nil {
			a.Notices = append(a.Notices, words.T("notice_webhooks_failed", err.Error()))
		}
	}
	rctx, stop := context.WithCancel(ctx)
	a.stop = stop
	a.routed = make(chan struct{})
	deliveries := recv.Subscribe(rctx)
	hub := a.Engine.Hub()
	go func() {
		defer close(a.routed)
		// The receiver has already written the event to the journal, so
		// it goes to the hub only.
		for d := range deliveries {
			if d.Payment != nil {
				hub.Publish(flows.Push{Payment: d.Payment, Source: flows.SourceWebhook})
			}
		}
	}()
	return nil
}

// SandboxURL is the sandbox's address, embedded or running ("" against
// KOMOJU).
func (a *App) SandboxURL() string {
	switch {
	case a == nil:
		return ""
	case a.Sandbox != nil:
		return a.Sandbox.BaseURL()
	case a.RunningSandbox != "":
		return a.RunningSandbox
	}
	return ""
}

// Close stops the webhook route and releases everything Open started, in
// reverse order. It is safe to call more than once.
func (a *App) Close() error {
	if a == nil {
		return nil
	}
	a.closeOnce.Do(func() {
		if a.stop != nil {
			a.stop()
		}
		var errs []error
		for i := len(a.closers) - 1; i >= 0; i-- {
			errs = append(errs, a.closers[i]())
		}
		if a.routed != nil {
			<-a.routed
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}

// DebugLogger logs to the file named path (KOMOJU_TUI_DEBUG), or nowhere
// when path is empty.
func DebugLogger(path string) (*slog.Logger, func() error, error) {
	if path == "" {
		return slog.New(slog.DiscardHandler), func() error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("KOMOJU_TUI_DEBUG log file: %w", err)
	}
	// API keys of every shape are redacted from every line (flows and the
	// sandbox log through this logger too).
	return slog.New(komoju.RedactingHandler(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))), f.Close, nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
	return hex.EncodeToString(b)
}
