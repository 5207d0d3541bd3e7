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
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/cli"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
	"github.com/komoju-tui/komoju-tui/ui"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is main without the process: flags → config → app.Open → run, for
// the console and every command, through one command tree.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	env := cli.Env{Stdout: stdout, Stderr: stderr, Getenv: getenv, Connect: app.With(app.Options{Getenv: getenv}), Version: version, OneShot: true}
	con := &cli.Console{
		Flags: func(fs *flag.FlagSet) { registerConsoleFlags(fs) },
		Run: func(ctx context.Context, cmd *cobra.Command, args []string) int {
			return console(ctx, cmd, args, stdout, stderr, getenv)
		},
	}
	return cli.Execute(ctx, args, env, con,
		cli.Passthrough{Name: "sandbox", Short: "Run the KOMOJU-compatible sandbox server",
			Long: "Run the embedded KOMOJU-compatible sandbox as a server (test mode only).",
			Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
				return sandbox.CommandEnv(ctx, args, stdout, stderr, getenv)
			}},
		cli.Passthrough{Name: "listen", Short: "Receive, verify and print webhooks",
			Long: "Receive KOMOJU webhooks, verify their signatures and print them (JSON lines with --json).",
			Run: func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
				return webhooks.CommandIO(ctx, args, stdin, stdout, stderr, getenv)
			}},
	)
}

// consoleFlags are the console's own flags beside the configuration's.
type consoleFlags struct {
	cfg                    *config.Flags
	version, freshSandbox  *bool
	checkJournal           *bool
	webhookAddr, forwardTo *string
	confirmAbove           *string
	lan, accessible        *bool
	publicURL              *string
}

func registerConsoleFlags(fs *flag.FlagSet) consoleFlags {
	cfg := config.RegisterFlags(fs)
	cfg.RegisterReceiptFlags(fs, true)
	return consoleFlags{
		cfg:          cfg,
		version:      fs.Bool("version", false, "print the version and exit"),
		webhookAddr:  fs.String("webhook-addr", "127.0.0.1:0", "address of the webhook receiver (loopback by default)"),
		forwardTo:    fs.String("forward-to", "", "forward every verified webhook, re-signed, to this URL"),
		freshSandbox: fs.Bool("fresh-sandbox", false, "start the embedded sandbox empty (its saved state is moved aside)"),
		checkJournal: fs.Bool("check-journal", false, "read the whole sale journal for damage, print the verdict and exit (1 when damaged)"),
		confirmAbove: fs.String("confirm-above", "", "ask the clerk again before a sale whose total is above this amount (default 1000000 in JPY; off never asks)"),
		accessible:   fs.Bool("accessible", false, "a line-by-line console for screen readers (also ACCESSIBLE=1)"),
		lan:          fs.Bool("lan", false, "embedded sandbox: listen on this machine's LAN address so customers' phones can open its pages and QR codes (fresh keys)"),
		publicURL:    fs.String("public-url", "", "embedded sandbox: base URL phones use for its pages and QR codes, e.g. http://192.168.1.20:7777 (listens on the network at its port)"),
	}
}

// console runs the terminal console with its flags.
func console(ctx context.Context, cmd *cobra.Command, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("komoju-tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := registerConsoleFlags(fs)
	flags, showVersion, webhookAddr, forwardTo, freshSandbox := cf.cfg, cf.version, cf.webhookAddr, cf.forwardTo, cf.freshSandbox
	// The flag package prints its own error; help goes to stdout, once.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_ = cmd.Help()
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
		// A refused setting in the clerk's language, as far as it is
		// known without the configuration: --lang, else KOMOJU_TUI_LANG.
		lang := flags.Lang
		if lang == "" {
			lang = getenv("KOMOJU_TUI_LANG")
		}
		fmt.Fprintf(stderr, "komoju-tui: %s\n", flows.ProblemIn(err, lang))
		return 2
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "komoju-tui: warning: %s\n", w)
	}
	cfg.Notices = append(cfg.Notices, cfg.Warnings...) // the console shows them too
	if *cf.checkJournal {
		return checkJournalFile(ctx, cfg, stdout, stderr)
	}
	confirmAbove, err := flows.ParseConfirmAbove(*cf.confirmAbove, cfg.Currency)
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: --confirm-above: %s\n", flows.ProblemIn(err, cfg.Lang))
		return 2
	}
	sandboxAddr, publicURL, err := sandboxNetwork(*cf.lan, *cf.publicURL, cfg.Mode)
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 2
	}
	// The console's embedded sandbox keeps its state beside the journal,
	// so a restarted console can still settle a konbini slip or a 3-D
	// Secure sale it made before. Its webhook receiver registers itself
	// with the embedded sandbox, so events flow with no configuration.
	a, err := app.Open(ctx, cfg, app.Options{
		PersistSandbox: true, FreshSandbox: *freshSandbox,
		Webhooks: true, WebhookAddr: *webhookAddr, ForwardTo: *forwardTo,
		Getenv:      getenv,
		SandboxAddr: sandboxAddr, SandboxPublicURL: publicURL,
	})
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %s\n", flows.ProblemIn(err, cfg.Lang))
		return 1
	}
	defer a.Close()

	err = ui.Run(ctx, ui.Options{
		Engine:     a.Engine,
		Journal:    a.Journal,
		Events:     ui.WebhookSource{Receiver: a.Receiver, ForwardTo: *forwardTo},
		Webhooks:   a.Receiver.Subscribe(ctx),
		Mode:       string(cfg.Mode),
		KeyMasked:  cfg.MaskedKey(),
		Till:       cfg.Till,
		Notices:    append(cfg.Notices, a.Notices...),
		Currency:   cfg.Currency,
		Flow:       flows.Flow(cfg.Flow),
		Capture:    cfg.Capture,
		NoBrowser:  cfg.NoBrowser,
		Lang:       cfg.Lang,
		Demo:       cfg.Demo,
		Accessible: cfg.Accessible || *cf.accessible,
		Shop:       cfg.Shop,
		Printer:    cfg.Printer,
		// After the first frame: settle what a crash left behind (own and
		// orphaned sales only) and recheck every waiting sale.
		Recheck:      a.Engine.StartupCheck,
		ConfirmAbove: confirmAbove,
		SandboxURL:   a.SandboxURL(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 1
	}
	return 0
}

// sandboxNetwork turns --lan and --public-url into the embedded sandbox's
// listen address and public URL. Either puts the sandbox on the network
// (all interfaces, at the public URL's port when it names one), where the
// sandbox's network-mode key rules apply. Against KOMOJU the links are
// KOMOJU's own, which phones open already.
func sandboxNetwork(lan bool, public string, mode config.Mode) (addr, publicURL string, err error) {
	public = strings.TrimSpace(public)
	if !lan && public == "" {
		return "", "", nil
	}
	if mode != config.ModeSandbox {
		return "", "", fmt.Errorf("--lan and --public-url are for the embedded sandbox; in %s mode customers open KOMOJU's own pages", mode)
	}
	port := "0"
	if public != "" {
		u, perr := url.Parse(public)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
			return "", "", fmt.Errorf("--public-url %q must be like http://192.168.1.20:7777", public)
		}
		if p := u.Port(); p != "" {
			port = p
		}
	}
	return net.JoinHostPort("0.0.0.0", port), public, nil
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
	if journal.IsPostgresURL(path) { // the server checks its own pages
		fmt.Fprintln(stderr, "komoju-tui: --check-journal reads an SQLite file; a PostgreSQL journal is checked on its server (pg_amcheck)")
		return 1
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
