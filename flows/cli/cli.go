package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/app"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// Backend is what a command runs against: the App that flows/app opens
// (it starts the embedded sandbox when cfg.Mode == sandbox).
type Backend = app.App

// Connector opens the App for a resolved configuration. It is called once
// per command, after the flags were checked, so bad input never starts a
// sandbox or opens a journal. main passes app.With(options); tests pass an
// Opener over their shared sandbox.
type Connector = app.Opener

// Exit codes, documented in the package doc and in every command's --help.
const (
	ExitOK           = 0 // done (paid, authorized, awaiting, redirect printed, action done)
	ExitFailure      = 1 // local failure: journal, backend start, output
	ExitUsage        = 2 // usage or input error, configuration error (live key without --live)
	ExitDeclined     = 3 // card or account declined, payment failed
	ExitAuth         = 4 // KOMOJU refused the API key
	ExitUnknown      = 5 // network: KOMOJU unreachable or silent; outcome of a money call unknown
	ExitAPI          = 6 // other KOMOJU error (not found, wrong state, server error)
	ExitNotCompleted = 7 // payment cancelled/expired, or --wait ran out before it settled
	ExitUnreachable  = 8 // KOMOJU unreachable and nothing was charged: safe to try again
	ExitExpectation  = 9 // scenario run: an expectation did not hold
)

// exitCodesHelp is appended to every command's --help.
const exitCodesHelp = `Exit codes:
  0  done (paid, authorized, awaiting the customer, redirect URL printed, action done)
  1  local failure (journal unusable: nothing was sent; backend could not start)
  2  usage or input error (the message names the flag); live key without --live
  3  declined (card/account refused, payment failed)
  4  authentication (KOMOJU refused the API key)
  5  network: KOMOJU unreachable or no answer; a money call's outcome is unknown
  6  other KOMOJU error (not found, not capturable/refundable, server error)
  7  not completed (cancelled, expired, or --wait ran out before the payment settled)
  8  KOMOJU unreachable, and nothing was charged (no connection, or no session
     was created): safe to try again
  9  scenario run: an expectation did not hold
`

// ExitCode maps an error class from flows.Classify to an exit code.
func ExitCode(c flows.ErrorClass) int {
	switch c {
	case flows.ClassNone:
		return ExitOK
	case flows.ClassInput:
		return ExitUsage
	case flows.ClassDeclined:
		return ExitDeclined
	case flows.ClassAuth:
		return ExitAuth
	case flows.ClassNetwork:
		return ExitUnknown
	case flows.ClassAPI:
		return ExitAPI
	case flows.ClassLocal:
		return ExitFailure
	case flows.ClassUnreachable:
		return ExitUnreachable
	}
	return ExitAPI
}

// command is one subcommand.
type command struct {
	name  string
	usage string // synopsis and description for --help
	run   func(r *runner, args []string) int
}

func commands() []command {
	return []command{
		{"pay", payUsage, (*runner).pay},
		{"capture", captureUsage, (*runner).capture},
		{"cancel", cancelUsage, (*runner).cancel},
		{"refund", refundUsage, (*runner).refund},
		{"refund-request", refundRequestUsage, (*runner).refundRequest},
		{"show", showUsage, (*runner).show},
		{"history", historyUsage, (*runner).history},
		{"summary", summaryUsage, (*runner).summary},
		{"close", closeUsage, (*runner).close},
		{"reconcile", reconcileUsage, (*runner).reconcile},
		{"sessions", sessionsUsage, (*runner).sessions},
		{"trigger", triggerUsage, (*runner).trigger},
		{"scenario", scenarioUsage, (*runner).scenario},
		{"receipt", receiptUsage, (*runner).receipt},
	}
}

// Commands returns the subcommand names this package handles.
func Commands() []string {
	cs := commands()
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}

// Run runs subcommand name with args and returns its exit code. stdout gets
// results, stderr progress and errors; getenv is os.Getenv in production.
// It never panics on bad input: every problem becomes a message and an exit
// code.
func Run(ctx context.Context, name string, args []string, stdout, stderr io.Writer, getenv func(string) string, connect Connector) (code int) {
	return RunIO(ctx, name, args, nil, stdout, stderr, getenv, connect)
}

// RunIO is Run with standard input (nil: os.Stdin), which "pay --card -"
// and "--secret-key-file -" read. It goes through the same command tree
// as Execute.
func RunIO(ctx context.Context, name string, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, connect Connector) (code int) {
	env := Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, Connect: connect}.withDefaults()
	if !slices.Contains(Commands(), name) {
		fmt.Fprintf(termtext.NewWriter(env.Stderr), "komoju-tui: unknown command %q (commands: %s)\n", redact(name), strings.Join(Commands(), ", "))
		return ExitUsage
	}
	return Execute(ctx, append([]string{name}, args...), env, nil)
}

// runCommand runs headless command c with its arguments (cobra has not
// parsed them: the command's own parser does).
func runCommand(ctx context.Context, c command, cmd *cobra.Command, args []string, env Env) (code int) {
	name := c.name
	stdin, stdout, stderr := env.Stdin, env.Stdout, env.Stderr
	if name == "pay" {
		if err := checkCardArgs(args, stderr, env.Getenv); err != nil {
			fmt.Fprintf(stderr, "komoju-tui pay: %s\n%s\n", err, say(argsLang(args, env.Getenv), "cli_usage_hint_s", "pay"))
			return ExitUsage
		}
	}
	// The card number typed on the command line is masked in everything
	// written, whatever path wrote it; and nothing written reaches the
	// terminal raw: KOMOJU's texts (names, descriptions, bank names,
	// messages) may carry escape sequences, so every byte of text output
	// goes through termtext (JSON is escaped before it gets there).
	secrets := cardSecrets(args)
	outText, errText := termtext.NewWriter(stdout), termtext.NewWriter(stderr)
	defer outText.Flush()
	defer errText.Flush()
	r := &runner{
		ctx:     ctx,
		name:    name,
		args:    args,
		cmd:     cmd,
		stdout:  &redactWriter{w: outText, secrets: secrets},
		stderr:  &redactWriter{w: errText, secrets: secrets},
		getenv:  env.Getenv,
		connect: env.Connect,
		// Reports (show, history, summary) only read: they never write a
		// verdict about a sale, let alone one another process owns.
		settles: name == "pay" || name == "capture" || name == "cancel" || name == "refund" || name == "refund-request",
		stdin:   stdin,
	}
	defer func() {
		// Last resort: a bug must not dump a stack trace that could hold
		// request data; report it and fail.
		if p := recover(); p != nil {
			fmt.Fprintf(r.stderr, "komoju-tui %s: internal error: %s\n", name, redact(fmt.Sprint(p)))
			code = ExitFailure
		}
	}()
	return c.run(r, args)
}

// runner carries one command's I/O and environment.
type runner struct {
	ctx     context.Context
	name    string
	args    []string // as given: the language of an early refusal is read from them
	stdout  io.Writer
	stderr  io.Writer
	getenv  func(string) string
	connect Connector
	stdin   io.Reader
	json    bool        // --json was given: errors are also written as JSON to stdout
	lines   bool        // JSON lines (pay --wait --json): one compact value per line
	mode    config.Mode // the resolved mode, once known
	lang    string      // the resolved language (en, ja), once known: the close report's
	settles bool        // the command moves money, so it first settles orphaned sales
	// fresh (--fresh, or a command that needs its own sandbox) skips
	// looking for a running `komoju-tui sandbox`.
	fresh bool
	// running is the running sandbox this command uses (found by
	// discover), else nil.
	running *sandbox.Running
	// cmd is the command in the tree (its help is the command's --help).
	cmd *cobra.Command
	// describe, when set, receives the command's flag set instead of a
	// run: the tree learns the flags from the one place they are declared.
	describe func(fs *flag.FlagSet)
}

// common holds the flags every command takes.
type common struct {
	cfg     *config.Flags
	json    *bool
	timeout *time.Duration
	fresh   *bool
}

// newFlagSet returns a flag set with the shared config flags, --json (when
// withJSON) and --timeout.
func (r *runner) newFlagSet(withJSON bool) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("komoju-tui "+r.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by parse, help by usage
	fs.Usage = func() {}
	c := &common{cfg: config.RegisterFlags(fs)}
	c.cfg.Stdin = r.stdin
	c.timeout = fs.Duration("timeout", 2*time.Minute, "give up on KOMOJU after this long (not counting --wait)")
	if r.name != "scenario" { // each scenario file always runs on a sandbox of its own
		c.fresh = fs.Bool("fresh", false, "with no key: start an empty embedded sandbox even when 'komoju-tui sandbox' runs")
	}
	if withJSON {
		c.json = fs.Bool("json", false, "print the result as JSON")
	} else {
		c.json = new(bool)
	}
	return fs, c
}

// parse parses flags anywhere among the positional arguments ("capture ID
// --amount 500" and "capture --amount 500 ID" both work; "--" ends flags).
// ok is false when the command should exit with code.
func (r *runner) parse(fs *flag.FlagSet, usage string, args []string) (pos []string, code int, ok bool) {
	if r.describe != nil {
		r.describe(fs)
		return nil, ExitOK, false
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				r.printHelp(fs, usage)
				return nil, ExitOK, false
			}
			r.flagError(err)
			return nil, ExitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// printHelp writes the command's help (usage, examples, flags and the
// exit codes; see printCommandHelp).
func (r *runner) printHelp(*flag.FlagSet, string) {
	if r.cmd != nil {
		_ = r.cmd.Help()
	}
}

// usageError reports a usage problem; flagName, when set, is the flag at
// fault ("--amount") and starts the message.
func (r *runner) usageError(flagName, format string, args ...any) {
	lang := r.language()
	msg := redact(fmt.Sprintf(sayFormat(lang, format), args...))
	if flagName != "" {
		msg = flagName + ": " + msg
	}
	fmt.Fprintf(r.stderr, "komoju-tui %s: %s\n%s\n", r.name, msg, say(lang, "cli_usage_hint_s", r.name))
	if r.json {
		r.writeJSON(errorJSON{Event: r.event(), OK: false, ExitCode: ExitUsage, Error: &errorDetail{Class: string(flows.ClassInput), Message: msg, Flag: flagName}})
	}
}

// sayFormat is a usage error's or a failure's format in lang, the
// clerk's language (r.language, English with --json): the English is a
// words entry's (usageTable), looked up by its text; the arguments are
// said in that language by the caller (r.problem).
func sayFormat(lang, format string) string {
	if isJa(lang) {
		if ja, ok := words.JA(format); ok {
			return ja
		}
	}
	return format
}

// flagError reports a command line Go's flag package refused, in the
// clerk's language: its three common refusals by their words, any other
// as the package says it.
func (r *runner) flagError(err error) {
	msg := err.Error()
	for _, f := range []string{"flag provided but not defined: %s", "flag needs an argument: %s"} {
		if name, ok := strings.CutPrefix(msg, strings.TrimSuffix(f, "%s")); ok {
			r.usageError("", f, name)
			return
		}
	}
	// "invalid value %q for flag -%s: %v"
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if value, err := strconv.QuotedPrefix(rest); err == nil {
			if flagAndWhy, ok := strings.CutPrefix(rest[len(value):], " for flag "); ok {
				if name, why, ok := strings.Cut(flagAndWhy, ": "); ok {
					v, _ := strconv.Unquote(value)
					r.usageError("", "invalid value %q for flag %s: %s", v, name, why)
					return
				}
			}
		}
	}
	r.usageError("", "%s", msg)
}

// language is the clerk's language for what stderr says: the resolved
// configuration's, or before it is resolved what --lang, KOMOJU_TUI_LANG
// or the config file say (argsLang). With --json it is English, as the
// JSON is.
func (r *runner) language() string {
	switch {
	case r.json:
		return "en"
	case r.lang != "":
		return r.lang
	}
	return argsLang(r.args, r.getenv)
}

// fail reports a non-usage failure with exit code code.
func (r *runner) fail(code int, class string, format string, args ...any) int {
	msg := redact(fmt.Sprintf(sayFormat(r.language(), format), args...))
	fmt.Fprintf(r.stderr, "komoju-tui %s: %s\n", r.name, msg)
	if r.json {
		r.writeJSON(errorJSON{Event: r.event(), OK: false, ExitCode: code, Error: &errorDetail{Class: class, Message: msg}})
	}
	return code
}

// errorJSON is the JSON written for a failure that has no outcome.
type errorJSON struct {
	Event    string       `json:"event,omitempty"` // "result" in a JSON-lines stream
	OK       bool         `json:"ok"`
	ExitCode int          `json:"exit_code"`
	Error    *errorDetail `json:"error"`
}

// errorDetail describes what went wrong in JSON output.
type errorDetail struct {
	Class   string `json:"class"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Flag    string `json:"flag,omitempty"`
}

// event is the event name of a final value: "result" in a JSON-lines
// stream.
func (r *runner) event() string {
	if r.lines {
		return "result"
	}
	return ""
}

// writeJSON writes v indented with a trailing newline, or as one compact
// line in a JSON-lines stream.
func (r *runner) writeJSON(v any) bool {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if !r.lines {
		enc.SetIndent("", "  ")
	}
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return false
	}
	// encoding/json leaves C1 controls and bidi overrides raw.
	_, err := r.stdout.Write(termtext.EscapeJSON(b.Bytes()))
	return err == nil
}

// resolve resolves the configuration and prints its notices; ok is false
// (after reporting) when it is invalid.
func (r *runner) resolve(c *common) (config.Config, bool) {
	cfg, err := config.Resolve(c.cfg, r.getenv)
	if err != nil {
		r.usageError("", "%s", r.problem(err))
		return config.Config{}, false
	}
	r.mode, r.lang = cfg.Mode, cfg.Lang
	r.fresh = r.fresh || (c.fresh != nil && *c.fresh)
	for _, w := range cfg.Warnings {
		fmt.Fprintf(r.stderr, "warning: %s\n", redact(w.String()))
	}
	for _, n := range cfg.Notices {
		fmt.Fprintf(r.stderr, "note: %s\n", redact(n.String()))
	}
	if c.timeout != nil && *c.timeout <= 0 {
		r.usageError("--timeout", "must be greater than 0 (for example 2m)")
		return config.Config{}, false
	}
	// On a mistyped path the reports must not read as an empty shop, nor
	// a capture or refund be journaled in a new file the till never reads.
	if r.needsJournal() {
		if path, missing := app.MissingJournal(cfg); missing {
			r.usageError("", "there is no journal at %s: check --journal, KOMOJU_TUI_JOURNAL or journal in the config file (only pay starts a new journal)", path)
			return config.Config{}, false
		}
	}
	return cfg, true
}

// needsJournal reports a command that reads or acts on sales the journal
// already has. Given a journal that does not exist, a report would say "no
// sales" or "nothing to settle" instead of naming the mistake, and show,
// capture, cancel, refund and receipt would act at KOMOJU and record it in
// a new file, leaving the till's own journal showing the sale as it was.
func (r *runner) needsJournal() bool {
	switch r.name {
	case "history", "summary", "close", "reconcile", "sessions", "show", "capture", "cancel", "refund", "receipt":
		return true
	}
	return false
}

// open connects to the backend; ok is false (after reporting) on failure.
func (r *runner) open(cfg config.Config) (*Backend, bool) {
	if r.connect == nil {
		r.fail(ExitFailure, "local", "no backend: komoju-tui was built without a connector")
		return nil, false
	}
	if cfg.Mode == config.ModeSandbox && cfg.APIURL == "" && !r.fresh {
		cfg = r.discover(cfg)
	}
	b, err := r.connect(r.ctx, cfg)
	if err != nil {
		r.fail(ExitFailure, "local", "could not start: %s", r.problem(err))
		return nil, false
	}
	if b == nil || b.Engine == nil {
		closeBackend(b, r.stderr)
		r.fail(ExitFailure, "local", "could not start: the backend has no payment engine")
		return nil, false
	}
	if cfg.Mode == config.ModeLive {
		fmt.Fprintf(r.stderr, "LIVE mode (%s): real money moves\n", cfg.MaskedKey())
	}
	for _, n := range b.Notices {
		fmt.Fprintf(r.stderr, "note: %s\n", redact(n.String()))
	}
	if r.settles {
		// A command that moves money first settles what a crash left
		// behind: only this process's own sales and those whose owner is
		// gone (a report, or a sale in flight at another till, is never
		// touched; see flows.Engine.Reconcile).
		recovered, err := b.Engine.Reconcile(r.ctx)
		if err != nil {
			fmt.Fprintf(r.stderr, "note: could not settle every unfinished sale: %s\n", redact(err.Error()))
		}
		for _, rc := range recovered {
			fmt.Fprintf(r.stderr, "note: %s\n", redact(rc.Say(r.language())))
		}
	}
	return b, true
}

// discover looks for a running `komoju-tui sandbox` (announced under the
// configuration's directories, see sandbox.DiscoveryPath) and, when there
// is one, points cfg at it and says so: a script's pay and capture then
// act on one sandbox with nothing exported. A damaged or foreign
// announcement is named and ignored: the command runs on its own sandbox,
// as with none.
func (r *runner) discover(cfg config.Config) config.Config {
	path := sandbox.DiscoveryPath(r.getenv)
	run, err := sandbox.Discover(path)
	if err != nil {
		fmt.Fprintln(r.stderr, say(r.language(), "cli_sandbox_ignored_s", redact(err.Error())))
		return cfg
	}
	if run == nil {
		return cfg
	}
	r.running = run
	cfg.APIURL, cfg.SecretKey, cfg.PublishableKey, cfg.WebhookSecret = run.APIURL, run.SecretKey, run.PublishableKey, run.WebhookSecret
	fmt.Fprintln(r.stderr, say(r.language(), "cli_sandbox_using_s_s_d", run.BaseURL, startedAt(run.StartedAt, time.Now()), run.PID))
	return cfg
}

// startedAt says when a sandbox started: the time of day when it was
// today, else the date too.
func startedAt(t, now time.Time) string {
	t, now = t.In(journal.JST), now.In(journal.JST)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// start resolves the configuration, connects to the backend and bounds
// the command's time, the steps every command after its own flag checks
// takes in this order. A non-zero code (already reported) means stop;
// otherwise the caller defers done.
func (r *runner) start(c *common, needJournal bool) (b *Backend, ctx context.Context, done func(), code int) {
	cfg, ok := r.resolve(c)
	if !ok {
		return nil, nil, nil, ExitUsage
	}
	if b, ok = r.open(cfg); !ok {
		return nil, nil, nil, ExitFailure
	}
	if needJournal && b.Journal == nil {
		closeBackend(b, r.stderr)
		return nil, nil, nil, r.fail(ExitFailure, "local", "no sale journal is open (see --journal)")
	}
	ctx, cancel := r.withTimeout(c, 0)
	return b, ctx, func() { cancel(); closeBackend(b, r.stderr) }, ExitOK
}

// startJournal is start for the reports that read only the journal
// (history, summary, close --no-refresh): no sandbox is started or looked for and KOMOJU is
// not asked, so they run in the time their query takes (issue 13) and work
// with KOMOJU out of reach.
func (r *runner) startJournal(c *common) (j *journal.Journal, ctx context.Context, done func(), code int) {
	cfg, ok := r.resolve(c)
	if !ok {
		return nil, nil, nil, ExitUsage
	}
	j, err := app.OpenJournal(cfg)
	if err != nil {
		return nil, nil, nil, r.fail(ExitFailure, "local", "could not start: %s", r.problem(err))
	}
	ctx, cancel := r.withTimeout(c, 0)
	return j, ctx, func() {
		cancel()
		if err := j.Close(); err != nil {
			fmt.Fprintf(r.stderr, "warning: closing: %s\n", redact(err.Error()))
		}
	}, ExitOK
}

func closeBackend(b *Backend, stderr io.Writer) {
	if b == nil {
		return
	}
	if err := b.Close(); err != nil {
		fmt.Fprintf(stderr, "warning: closing: %s\n", redact(err.Error()))
	}
}

// flagFor maps a flows field name to the flag that sets it.
func flagFor(field string) string {
	switch field {
	case flows.FieldAmount:
		return "--amount"
	case flows.FieldTax:
		return "--tax"
	case flows.FieldCurrency:
		return "--currency"
	case flows.FieldOrderNum:
		return "--order"
	case flows.FieldEmail:
		return "--email"
	case flows.FieldName, string(flows.DetailCardName):
		return "--name"
	case flows.FieldDescription:
		return "--description"
	case flows.FieldCapture:
		return "--capture"
	case flows.FieldFlow:
		return "--flow"
	case flows.FieldMethod:
		return "--method"
	case flows.FieldReturnURL, flows.FieldMetadata, flows.FieldLineItems:
		return ""
	case string(flows.DetailCardNumber):
		return "--card"
	case string(flows.DetailCardExpiry):
		return "--exp"
	case string(flows.DetailCardCVC):
		return "--cvc"
	case string(flows.DetailStore):
		return "--store"
	case string(flows.DetailPhone):
		return "--phone"
	case string(flows.DetailGivenName):
		return "--given-name"
	case string(flows.DetailFamilyName):
		return "--family-name"
	case string(flows.DetailGivenNameKana):
		return "--given-name-kana"
	case string(flows.DetailFamilyNameKana):
		return "--family-name-kana"
	case "payment_id":
		return "ID"
	case "customer_name", "bank_name", "bank_code", "branch_name", "branch_number", "account_type", "account_number":
		return "--" + strings.ReplaceAll(field, "_", "-")
	}
	// KOMOJU names request params: payment_details[number], external_order_num.
	if inner, ok := strings.CutPrefix(field, "payment_details["); ok {
		switch strings.TrimSuffix(inner, "]") {
		case "number":
			return "--card"
		case "month", "year":
			return "--exp"
		case "verification_value":
			return "--cvc"
		case "name":
			return "--name"
		case "store":
			return "--store"
		case "email":
			return "--email"
		case "phone":
			return "--phone"
		case "given_name":
			return "--given-name"
		case "family_name":
			return "--family-name"
		case "given_name_kana":
			return "--given-name-kana"
		case "family_name_kana":
			return "--family-name-kana"
		}
		return ""
	}
	if field == "external_order_num" {
		return "--order"
	}
	return ""
}

// fieldErrorsText writes field errors with the flag names a script author
// typed: "--card: is not a valid card number; --cvc: must be 3 digits".
func fieldErrorsText(fe flows.FieldErrors, lang string) string {
	parts := make([]string, 0, len(fe))
	for _, e := range fe {
		name := flagFor(e.Field)
		if name == "" {
			name = e.Field
		}
		// pay checks the e-mail both as the sale's and as the method's
		// detail: one problem is said once.
		if p := name + ": " + e.In(lang); !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

// parseDay reads --date: YYYY-MM-DD, "today" or "yesterday", as a day of
// the shop's clock (journal.JST): the day the console's History and close
// show, whatever zone the machine is in.
func parseDay(s string, now time.Time) (time.Time, error) {
	now = now.In(journal.JST)
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "today":
		return now, nil
	case "yesterday":
		return now.AddDate(0, 0, -1), nil
	}
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), journal.JST)
	if err != nil {
		return time.Time{}, flows.Problem{Text: words.T("usage_date_q_s", s, now.Format("2006-01-02"))}
	}
	return d, nil
}

// parseStatus reads --status: one of the Payment status table's statuses.
func parseStatus(s string) (komoju.PaymentStatus, error) {
	statuses := []komoju.PaymentStatus{
		komoju.PaymentPending, komoju.PaymentAuthorized, komoju.PaymentCaptured, komoju.PaymentRefunded,
		komoju.PaymentCancelled, komoju.PaymentExpired, komoju.PaymentFailed,
	}
	s = strings.ToLower(strings.TrimSpace(s))
	names := make([]string, len(statuses))
	for i, st := range statuses {
		if string(st) == s {
			return st, nil
		}
		names[i] = string(st)
	}
	if s == "canceled" {
		return komoju.PaymentCancelled, nil
	}
	return "", flows.Problem{Text: words.T("usage_status_q_s", s, strings.Join(names, ", "))}
}

// parseMethod reads --method: a payment type slug from the catalogue
// ("credit_card", "konbini", ...), with dashes or the short "card".
func parseMethod(s string) (komoju.PaymentType, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.ReplaceAll(k, "-", "_")
	switch k {
	case "card", "creditcard":
		k = string(komoju.TypeCreditCard)
	case "payeasy":
		k = string(komoju.TypePayEasy)
	case "banktransfer", "bank":
		k = string(komoju.TypeBankTransfer)
	}
	if m, ok := flows.LookupMethod(komoju.PaymentType(k)); ok {
		return m.Type, nil
	}
	var names []string
	for _, m := range flows.Catalogue() {
		names = append(names, string(m.Type))
	}
	sort.Strings(names)
	if k == "" {
		return "", flows.Problem{Text: words.T("usage_method_required_s", strings.Join(names, ", "))}
	}
	return "", flows.Problem{Text: words.T("usage_method_q_s", s, strings.Join(names, ", "))}
}

// parseMoney reads an amount typed like a clerk would ("1,000", "10.50",
// "$10.50") in currency's minor units; allowZero accepts "0".
func parseMoney(s, currency string, allowZero bool) (int64, error) {
	t := strings.TrimSpace(s)
	if allowZero && strings.Trim(strings.ReplaceAll(t, ".", ""), "0") == "" && t != "" {
		return 0, nil
	}
	v, err := komoju.ParseAmount(t, currency)
	if err != nil {
		return 0, moneyError{err}
	}
	return v, nil
}

// moneyError is komoju.ParseAmount's refusal after a flag's name: its
// English drops komoju's own "amount " (the flag names it); Unwrap keeps
// the typed error for the clerk's language (runner.problem).
type moneyError struct{ err error }

func (e moneyError) Error() string { return strings.TrimPrefix(e.err.Error(), "amount ") }
func (e moneyError) Unwrap() error { return e.err }

// problem is err in the clerk's language where it is one of flows'
// checks or a refused amount, and err's English otherwise.
func (r *runner) problem(err error) string {
	if lang := r.language(); isJa(lang) {
		return flows.ProblemIn(err, lang)
	}
	return err.Error()
}

// cardSecrets returns the card numbers given on the command line (--card,
// and any long digit run), in the forms they might be printed.
func cardSecrets(args []string) []string {
	var out []string
	add := func(v string) {
		n := flows.NormalizeCardNumber(v)
		if len(n) >= 12 && isDigits(n) {
			out = append(out, n, strings.TrimSpace(v), flows.FormatCardNumber(n))
		}
	}
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "card" {
			if hasVal {
				add(val)
			} else if i+1 < len(args) {
				add(args[i+1])
			}
			continue
		}
		add(a)
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// panRun matches 12 or more digits, possibly grouped by spaces or dashes;
// compiled on first use, not by every process at start-up.
var panRun = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d(?:[ -]?\d){11,}`) })

// redact masks anything that looks like a card number or an API key in a
// message that may echo user input. A digit run glued to letters, dashes or
// underscores (order numbers such as POS-20261124-0007, ids) is left alone.
func redact(s string) string {
	s = komoju.RedactSecrets(s) // API keys of every shape, Authorization credentials
	locs := panRun().FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return s
	}
	word := func(c byte) bool {
		return c == '-' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if (l[0] > 0 && word(s[l[0]-1])) || (l[1] < len(s) && word(s[l[1]])) {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(flows.MaskCardNumber(s[l[0]:l[1]]))
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// redactWriter masks the given card numbers in everything written through
// it. Commands write whole lines, so a number is never split across writes.
type redactWriter struct {
	w       io.Writer
	secrets []string
}

// maskCard masks a card number read after the command started (pay
// --card -) in everything the command writes from now on.
func (r *runner) maskCard(number string) {
	for _, w := range []io.Writer{r.stdout, r.stderr} {
		if rw, ok := w.(*redactWriter); ok {
			rw.secrets = append(rw.secrets, cardSecrets([]string{number})...)
		}
	}
}

func (rw *redactWriter) Write(p []byte) (int, error) {
	if len(rw.secrets) == 0 {
		return rw.w.Write(p)
	}
	out := p
	for _, s := range rw.secrets {
		if s != "" && bytes.Contains(out, []byte(s)) {
			out = bytes.ReplaceAll(out, []byte(s), []byte(flows.MaskCardNumber(s)))
		}
	}
	if _, err := rw.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// withTimeout bounds a command's API work.
func (r *runner) withTimeout(c *common, extra time.Duration) (context.Context, context.CancelFunc) {
	d := 2 * time.Minute
	if c != nil && c.timeout != nil && *c.timeout > 0 {
		d = *c.timeout
	}
	return context.WithTimeout(r.ctx, d+extra)
}
