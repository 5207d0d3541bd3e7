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
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

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
			return cli.Run(ctx, name, args[1:], stdout, stderr, getenv, app.With(app.Options{Getenv: getenv}))
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
	// The console's embedded sandbox keeps its state beside the journal,
	// so a restarted console can still settle a konbini slip or a 3-D
	// Secure sale it made before. Its webhook receiver registers itself
	// with the embedded sandbox, so events flow with no configuration.
	a, err := app.Open(ctx, cfg, app.Options{
		PersistSandbox: true, FreshSandbox: *freshSandbox,
		Webhooks: true, WebhookAddr: *webhookAddr, ForwardTo: *forwardTo,
		Getenv: getenv,
	})
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
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
		Notices:    append(cfg.Notices, a.Notices...),
		Currency:   cfg.Currency,
		Flow:       flows.Flow(cfg.Flow),
		Capture:    cfg.Capture,
		NoBrowser:  cfg.NoBrowser,
		Lang:       cfg.Lang,
		Demo:       cfg.Demo,
		Accessible: cfg.Accessible,
		// After the first frame: settle what a crash left behind (own and
		// orphaned sales only) and recheck every waiting sale.
		Recheck:    a.Engine.StartupCheck,
		SandboxURL: a.SandboxURL(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui: %v\n", err)
		return 1
	}
	return 0
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
