// Command komoju-tui is a terminal point-of-sale console for the KOMOJU
// payments API, with an embedded KOMOJU-compatible sandbox.
//
// main stays thin: it parses flags, resolves the configuration, builds the
// backend (embedded sandbox or KOMOJU, client, journal, flows engine) and
// hands over to the console or a headless command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/cli"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
	"github.com/komoju-tui/komoju-tui/ui"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `komoju-tui — a point-of-sale console for KOMOJU

Usage:
  komoju-tui [flags]                 the console (embedded sandbox when no key is set)
  komoju-tui sandbox [flags]         run the KOMOJU-compatible sandbox server
  komoju-tui pay [flags]             take one payment without the console
  komoju-tui capture|cancel|refund|refund-request|show ID [flags]
  komoju-tui history|summary [flags] the sale journal
  komoju-tui listen [flags]          receive, verify and print webhooks

Run "komoju-tui COMMAND --help" for a command's flags.

Console flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 {
		switch name := args[0]; {
		case name == "sandbox":
			return sandbox.Command(ctx, args[1:], stdout, stderr)
		case name == "listen":
			return webhooks.Command(ctx, args[1:], stdout, stderr, getenv)
		case slices.Contains(cli.Commands(), name):
			return cli.Run(ctx, name, args[1:], stdout, stderr, getenv, connect)
		}
	}

	fs := flag.NewFlagSet("komoju-tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := config.RegisterFlags(fs)
	showVersion := fs.Bool("version", false, "print the version and exit")
	webhookAddr := fs.String("webhook-addr", "127.0.0.1:0", "address of the webhook receiver (loopback by default)")
	forwardTo := fs.String("forward-to", "", "forward every verified webhook, re-signed, to this URL")
	freshSandbox := fs.Bool("fresh-sandbox", false, "start the embedded sandbox empty (its saved state is moved aside)")
	checkJournal := fs.Bool("check-journal", false, "read the whole sale journal for damage, print the verdict and exit (1 when damaged)")
	// The flag package prints its own error; help goes to stdout, once.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintln(stderr, "see komoju-tui --help")
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "komoju-tui %s\n", version)
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "komoju-tui: unknown command %q (see komoju-tui --help)\n", fs.Arg(0))
		return 2
	}
	cfg, err := config.Resolve(flags, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 2
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "komoju-tui: warning: %s\n", w)
	}
	cfg.Notices = append(cfg.Notices, cfg.Warnings...) // the console shows them too
	if *checkJournal {
		return checkJournalFile(ctx, cfg, stdout, stderr)
	}
	// The console's embedded sandbox keeps its state beside the journal, so
	// a restarted console can still settle a konbini slip or a 3-D Secure
	// sale it made before.
	be, err := connectFull(ctx, cfg, connectOptions{persistSandbox: true, freshSandbox: *freshSandbox})
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 1
	}
	defer be.Close()

	// The webhook receiver: with the embedded sandbox it registers itself,
	// so events flow with no configuration.
	secret := cfg.WebhookSecret
	if sb := be.sandbox; sb != nil {
		secret = sb.WebhookSecret()
	}
	recv, err := webhooks.New(webhooks.Options{Secret: secret, Journal: be.Journal, ForwardTo: *forwardTo, Logger: be.logger})
	if err == nil {
		_, err = recv.Start(*webhookAddr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: webhook receiver: %v\n", err)
		return 1
	}
	defer recv.Close()
	if be.sandbox != nil {
		if err := be.sandbox.AddWebhook(recv.URL()); err != nil {
			be.notices = append(be.notices, "webhooks: "+err.Error())
		}
	}
	// Verified events move the payment the clerk is watching. The receiver
	// has already written them to the journal, so they go to the hub only.
	go func() {
		for d := range recv.Subscribe(ctx) {
			if d.Payment != nil {
				be.Engine.Hub().Publish(flows.Push{Payment: d.Payment, Source: flows.SourceWebhook})
			}
		}
	}()

	err = ui.Run(ctx, ui.Options{
		Engine:     be.Engine,
		Journal:    be.Journal,
		Events:     ui.WebhookSource{Receiver: recv, ForwardTo: *forwardTo},
		Webhooks:   recv.Subscribe(ctx),
		Mode:       string(cfg.Mode),
		KeyMasked:  cfg.MaskedKey(),
		Notices:    append(cfg.Notices, be.notices...),
		Currency:   cfg.Currency,
		Flow:       flows.Flow(cfg.Flow),
		Capture:    cfg.Capture,
		NoBrowser:  cfg.NoBrowser,
		Lang:       cfg.Lang,
		Demo:       cfg.Demo,
		Accessible: cfg.Accessible,
		// After the first frame: settle what a crash left behind (own and
		// orphaned sales only) and recheck every waiting sale.
		Recheck:    be.Engine.StartupCheck,
		SandboxURL: be.sandboxURL(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 1
	}
	return 0
}

// backend is cli.Backend plus what only main knows about.
type backend struct {
	*cli.Backend
	sandbox *sandbox.Server
	logger  *slog.Logger
	notices []string
}

func (b *backend) sandboxURL() string {
	if b.sandbox == nil {
		return ""
	}
	return b.sandbox.BaseURL()
}

// connect builds the backend for cfg: the embedded sandbox when there is no
// key, the client, the journal and the flows engine, then reconciles sales
// a crash left unfinished.
func connect(ctx context.Context, cfg config.Config) (*cli.Backend, error) {
	b, err := connectFull(ctx, cfg, connectOptions{})
	if err != nil {
		return nil, err
	}
	return b.Backend, nil
}

// connectOptions are what only the console asks of connectFull.
type connectOptions struct {
	persistSandbox bool // keep the embedded sandbox's state beside the journal
	freshSandbox   bool // ... but start it empty this time
}

func connectFull(ctx context.Context, cfg config.Config, co connectOptions) (*backend, error) {
	logger, closeLog, err := debugLogger(os.Getenv("KOMOJU_TUI_DEBUG"))
	if err != nil {
		return nil, err
	}
	b := &backend{logger: logger}
	closers := []func() error{closeLog}
	closeAll := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}

	path := cfg.Journal
	if path == "" {
		if path, err = journal.DefaultPath(string(cfg.Mode)); err != nil {
			closeAll()
			return nil, err
		}
	}
	persisted := false
	if cfg.Mode == config.ModeSandbox {
		so := sandbox.Options{Logger: logger}
		if co.persistSandbox {
			so.StatePath, so.FreshState = path+".sandbox.json", co.freshSandbox
		}
		sb, err := sandbox.New(so)
		if errors.Is(err, sandbox.ErrStateInUse) {
			// Another console runs on this journal's sandbox: run an empty
			// one rather than share a file two processes would write.
			b.notices = append(b.notices, "the saved sandbox is in use by another komoju-tui; this one starts empty and settles nothing from before")
			so.StatePath, so.FreshState = "", false
			sb, err = sandbox.New(so)
		}
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("starting the embedded sandbox: %w", err)
		}
		closers = append(closers, func() error { return sb.Close() })
		b.sandbox = sb
		persisted = so.StatePath != "" && sb.StateError() == nil
		b.notices = append(b.notices, sb.StateNotices()...)
		cfg.APIURL = sb.URL()
		cfg.SecretKey = sb.SecretKey()
		cfg.PublishableKey = sb.PublishableKey()
		cfg.WebhookSecret = sb.WebhookSecret()
	}
	client := komoju.NewClient(cfg.SecretKey,
		komoju.WithBaseURL(cfg.APIURL),
		komoju.WithPublishableKey(cfg.PublishableKey),
		komoju.WithLogger(logger))

	j, err := journal.OpenWith(path, journal.Options{Till: cfg.Till})
	if err != nil {
		closeAll()
		return nil, err
	}
	closers = append(closers, j.Close)

	eng := flows.NewEngine(flows.Deps{Client: client, Recorder: j, Logger: logger, OrderPrefix: cfg.OrderNumberPrefix(),
		// A sandbox started empty knows nothing of earlier sales: its
		// "no such session" is no proof that nobody was charged.
		Amnesiac: b.sandbox != nil && !persisted})
	ret, err := flows.NewReturnServer("127.0.0.1:0", eng.ReturnHandler(cfg.SecretKey))
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("starting the return-URL server: %w", err)
	}
	closers = append(closers, ret.Close)
	eng.SetReturnURL(ret.URL())

	b.Backend = &cli.Backend{Engine: eng, Journal: j, Config: cfg, Client: client, Close: closeAll, Notices: b.notices}
	return b, nil
}

// checkJournalFile runs the journal's whole-file check on demand (the
// console runs it in the background once a day): it reads every page, so
// it takes time in proportion to the journal.
func checkJournalFile(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	path := cfg.Journal
	if path == "" {
		var err error
		if path, err = journal.DefaultPath(string(cfg.Mode)); err != nil {
			fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
			return 1
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: no journal to check at %s: %v\n", path, err)
		return 1
	}
	j, err := journal.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 1
	}
	defer j.Close()
	start := time.Now()
	if err := j.CheckIntegrity(ctx); err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "journal %s: intact (%.1f MB read in %s)\n", j.Path(), float64(fi.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return 0
}

// debugLogger logs to the file named by KOMOJU_TUI_DEBUG, or nowhere:
// stdout belongs to the console.
func debugLogger(path string) (*slog.Logger, func() error, error) {
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
