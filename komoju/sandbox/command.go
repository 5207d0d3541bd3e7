package sandbox

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

const commandUsage = `Usage: komoju-tui sandbox [flags]

Runs a KOMOJU-compatible sandbox: the payments API under /api/v1, hosted
test pages (3DS, wallets, konbini instructions, session checkout) and signed
webhooks. Test mode only; nothing here moves real money.

While it runs it announces where it listens (a file only you can read, in
$XDG_RUNTIME_DIR/komoju-tui or the data directory, removed when it stops):
komoju-tui's headless commands run without a key (pay, capture, show,
trigger, ...) use it by themselves and say so; --fresh gives them their own.

  komoju-tui sandbox load [flags]   measure a sandbox against a bare net/http server (see load -h)

Flags:
`

// Command runs `komoju-tui sandbox [flags]`: it prints the base URL, keys
// and webhook secret, then serves until ctx is cancelled (Ctrl-C) and shuts
// down gracefully. It returns the process exit code: 0 after a clean stop, 1
// when the server cannot start, 2 for bad flags. It announces itself to
// nobody; see CommandEnv.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return CommandEnv(ctx, args, stdout, stderr, func(string) string { return "" })
}

// CommandEnv is Command that also announces the running sandbox at
// DiscoveryPath(getenv) while it serves, so headless commands given no key
// use it (see Discover); the file is removed on a clean stop.
func CommandEnv(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "load" {
		return LoadCommand(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("komoju-tui sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	usage := usageTo(fs, commandUsage)
	fs.Usage = func() {} // printed below: asked for, to stdout; after a mistake, to stderr
	var (
		webhooks stringList
		opts     Options
		verbose  bool
	)
	fs.StringVar(&opts.Addr, "addr", "127.0.0.1:7777", "listen address (127.0.0.1:0 picks a free port)")
	fs.StringVar(&opts.PublicURL, "public-url", "", "base URL customers' browsers use, e.g. http://192.168.1.20:7777 (default: from --addr)")
	fs.StringVar(&opts.SecretKey, "secret-key", "", "secret API key to accept (default: "+DefaultSecretKey+" on loopback, a fresh random key on a network address)")
	fs.StringVar(&opts.PublishableKey, "publishable-key", "", "publishable API key to accept (default: like --secret-key)")
	fs.BoolVar(&opts.RealKeys, "real-keys", false, "issue keys shaped like KOMOJU's (sk_/pk_ + 40 hex) instead of the fixed defaults; --secret-key/--publishable-key still win")
	fs.BoolVar(&opts.AllowDefaultKeys, "allow-default-keys", false, "accept the built-in public keys on a network address")
	fs.Var(&webhooks, "webhook-url", `send webhooks to this URL (repeatable); "URL payment.captured,payment.failed" selects event types (default: all)`)
	fs.StringVar(&opts.WebhookSecret, "webhook-secret", "", "secret that signs webhooks (X-Komoju-Signature; default: like --secret-key)")
	fs.DurationVar(&opts.Latency, "latency", 0, "delay added to every API request, e.g. 200ms")
	fs.Float64Var(&opts.FailRate, "fail-rate", 0, "fraction (0..1) of API requests answered 503 before doing anything")
	fs.Float64Var(&opts.DropRate, "drop-rate", 0, "fraction (0..1) of API requests processed and then dropped without an answer")
	fs.DurationVar(&opts.Slow, "slow", 0, "hold API requests this long, then do the work even if the client gave up (a slow processor), e.g. 3s")
	fs.Float64Var(&opts.SlowRate, "slow-rate", 0, "fraction (0..1) of --slow-only requests that are slow (default: all)")
	fs.StringVar(&opts.SlowOnly, "slow-only", "", `limit --slow to one endpoint, e.g. "POST /payments"`)
	fs.StringVar(&opts.StatePath, "state", "", "keep payments, sessions and events in this file across restarts (saved after every change)")
	fs.BoolVar(&opts.FreshState, "fresh", false, "with --state: start empty (the previous state is moved aside, not deleted)")
	fs.Int64Var(&opts.Seed, "seed", 0, "seed for deterministic ids and codes (0: random)")
	fs.BoolVar(&verbose, "verbose", false, "log every request to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		usage(stderr)
		return 2
	}
	if opts.FreshState && opts.StatePath == "" {
		fmt.Fprintln(stderr, "komoju-tui sandbox: --fresh needs --state FILE")
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "komoju-tui sandbox: unexpected argument %q\n", fs.Arg(0))
		usage(stderr)
		return 2
	}
	f := opts.faults()
	if err := f.validate(); err != nil {
		fmt.Fprintf(stderr, "komoju-tui sandbox: %v\n", err)
		return 2
	}
	for _, v := range webhooks {
		h, err := ParseWebhookFlag(v)
		if err != nil {
			fmt.Fprintf(stderr, "komoju-tui sandbox: --webhook-url: %v\n", err)
			return 2
		}
		opts.Webhooks = append(opts.Webhooks, h)
	}
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if opts.PublicURL != "" {
		if u, err := url.Parse(opts.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(stderr, "komoju-tui sandbox: --public-url %q must be like http://192.168.1.20:7777\n", opts.PublicURL)
			return 2
		}
	}
	sb, err := New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "komoju-tui sandbox: %v\n", err)
		return 1
	}
	// Only the standalone sandbox: an embedded one shares its process with
	// the console or a headless command, whose memory is not ours to trade.
	defer gcHeadroom(gcMinHeadroom)()
	defer gcProcs(gcMinProcs)()
	if sb.OnNetwork() {
		fmt.Fprintf(stderr, "komoju-tui sandbox: warning: listening on a network address (%s): whoever has the secret key can read payments, reset state, set faults and register webhooks; the hosted pages need no key.\n", opts.Addr)
		if sb.KeysGenerated() {
			fmt.Fprintln(stderr, "komoju-tui sandbox: fresh keys were generated for this run (the built-in ones are public); they are printed below.")
		}
	}
	fmt.Fprintf(stdout, `KOMOJU sandbox (test mode, no real money)
  API base URL:     %s
  Hosted pages:     %s
  Secret key:       %s
  Publishable key:  %s
  Webhook secret:   %s
`, sb.URL(), sb.BaseURL(), sb.SecretKey(), sb.PublishableKey(), sb.WebhookSecret())
	for _, h := range sb.Webhooks() {
		events := "all events"
		if len(h.Events) > 0 {
			events = strings.Join(h.Events, ", ")
		}
		fmt.Fprintf(stdout, "  Webhook URL:      %s (%s)\n", h.URL, events)
	}
	if opts.StatePath != "" {
		fmt.Fprintf(stdout, "  State file:       %s\n", opts.StatePath)
	}
	for _, n := range sb.StateNotices() {
		fmt.Fprintf(stdout, "  Note:             %s\n", n)
	}
	if f != (Faults{}) {
		fmt.Fprintf(stdout, "  Faults:           latency %s, fail rate %.2f, drop rate %.2f\n", f.Latency, f.FailRate, f.DropRate)
		if f.Slow > 0 {
			fmt.Fprintf(stdout, "  Slow:             %s for %.0f%% of %s (the work is done even if the client gives up)\n", f.Slow, f.SlowRate*100, cmp.Or(f.SlowOnly, "every request"))
		}
	}
	if path := DiscoveryPath(getenv); path != "" {
		if err := WriteDiscovery(path, sb, time.Now()); err != nil {
			fmt.Fprintf(stderr, "komoju-tui sandbox: warning: commands will not find this sandbox by themselves: %v\n", err)
		} else {
			defer RemoveDiscovery(path)
			fmt.Fprintf(stdout, "  Discovery file:   %s\n", path)
			fmt.Fprintln(stdout, "Headless commands run without a key (pay, capture, show, trigger, ...) use this sandbox; --fresh gives them their own.")
		}
	}
	fmt.Fprintf(stdout, "Try: curl -u %s: %s/payment_methods\nPress Ctrl-C to stop.\n", sb.SecretKey(), sb.URL())
	<-ctx.Done()
	fmt.Fprintln(stdout, "Stopping the sandbox…")
	done := make(chan error, 1)
	go func() { done <- sb.Close() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "komoju-tui sandbox: shutdown: %v\n", err)
			return 1
		}
	case <-time.After(10 * time.Second):
		fmt.Fprintln(stderr, "komoju-tui sandbox: shutdown timed out")
		return 1
	}
	return 0
}

// usageTo returns a function that writes the command's usage and its flags
// to w: help a user asked for goes to stdout (so "komoju-tui sandbox --help
// | less" shows it), the reminder after a mistake to stderr.
func usageTo(fs *flag.FlagSet, text string) func(w io.Writer) {
	return func(w io.Writer) {
		out := fs.Output()
		defer fs.SetOutput(out)
		fmt.Fprint(w, text)
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}
