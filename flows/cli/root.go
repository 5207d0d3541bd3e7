package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Env is what the command tree runs with: its I/O, the environment and
// how to open the App.
type Env struct {
	Stdin          io.Reader // nil: os.Stdin
	Stdout, Stderr io.Writer
	Getenv         func(string) string // nil: an empty environment
	Connect        Connector
	Version        string
	// OneShot says this process runs the one command and exits (main):
	// a headless command then lets the heap grow further between
	// collections (see oneShotGC). Tests running many commands in one
	// process leave it false.
	OneShot bool
}

// Console is the root command's own behaviour (main: the terminal
// console), run when no subcommand is named.
type Console struct {
	// Flags registers the console's flags (shown by --help, completed by
	// the shell). Run parses them itself.
	Flags func(fs *flag.FlagSet)
	// Run runs the console with its arguments; cmd.Help() prints the
	// root help (for --help).
	Run func(ctx context.Context, cmd *cobra.Command, args []string) int
}

// Passthrough is a command that parses its own arguments (sandbox,
// listen): the tree lists it, and its help is its own --help.
type Passthrough struct {
	Name, Short, Long string
	Run               func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// rootLong is the root command's description.
const rootLong = `komoju-tui — a point-of-sale console for KOMOJU, and headless commands for
QA scripts and CI that drive the same sale lifecycle as the console.

Without a KOMOJU key everything runs against the embedded KOMOJU-compatible
sandbox (test mode; nothing moves real money); a headless command uses the
running "komoju-tui sandbox" instead when there is one (--fresh: its own),
so the steps of a script share one sandbox. Every command takes the
configuration flags (--secret-key-file, --api-url, --journal, --currency,
--flow, --capture, ...) and the same environment variables and config file
as the console.`

// rootExample is shown by komoju-tui --help.
const rootExample = `  komoju-tui                                   # the console, embedded sandbox
  komoju-tui pay --amount 1000 --method card --card - --json < card.txt
  komoju-tui pay --amount 2480 --method konbini --store lawson --email a@example.com
  komoju-tui show POS-20261124-0007
  komoju-tui history --date today --json
  komoju-tui completion bash > /etc/bash_completion.d/komoju-tui
  komoju-tui man | man -l -`

// examples are shown by each command's --help.
var examples = map[string]string{
	"pay": `  komoju-tui pay --amount 1000 --method card --card - < card.txt
  komoju-tui pay --amount 10.50 --currency USD --method card --card - --flow direct
  komoju-tui pay --amount 2480 --method konbini --store lawson --email a@example.com
  komoju-tui pay --amount 3000 --method paypay --wait 2m --json
  komoju-tui pay --sale POS-20261124-0007 --method card --card - < other-card.txt`,
	"capture":        "  komoju-tui capture PAYMENT_ID\n  komoju-tui capture POS-K3F9-20261202-0001 --amount 1500 --json",
	"cancel":         "  komoju-tui cancel PAYMENT_ID\n  komoju-tui cancel PAYMENT_ID --json",
	"refund":         "  komoju-tui refund PAYMENT_ID\n  komoju-tui refund POS-K3F9-20261202-0001 --amount 500 --description \"damaged box\"",
	"refund-request": "  komoju-tui refund-request PAYMENT_ID --customer-name ヤマダタロウ --bank-name みずほ銀行 \\\n      --branch-number 001 --account-number 1234567",
	"show":           "  komoju-tui show PAYMENT_ID\n  komoju-tui show POS-20261124-0007 --json",
	"history":        "  komoju-tui history --date today --till all\n  komoju-tui history --status authorized --json\n  komoju-tui history --limit 0 --csv > sales.csv",
	"summary":        "  komoju-tui summary\n  komoju-tui summary --date yesterday --json\n  komoju-tui summary --till all",
	"close":          "  komoju-tui close\n  komoju-tui close --till all --format csv > close.csv\n  komoju-tui close --day 2026-11-24 --json",
	"reconcile":      "  komoju-tui reconcile\n  komoju-tui reconcile --fence 5m --json",
	"scenario":       "  komoju-tui scenario run docs/scenarios/*.yaml\n  komoju-tui scenario run konbini.yaml --junit report.xml --json",
	"trigger":        "  komoju-tui trigger payment.captured --forward-to http://127.0.0.1:3000/webhooks\n  komoju-tui trigger payment.expired --json\n  komoju-tui trigger payment.refunded --payment PAYMENT_ID",
	"receipt":        "  komoju-tui receipt POS-20261124-0007\n  komoju-tui receipt POS-20261124-0007 --lang ja --save\n  komoju-tui receipt POS-20261124-0007 --print 192.168.1.50:9100\n  komoju-tui receipt PAYMENT_ID --print /dev/usb/lp0 --format text",
	"sessions":       "  komoju-tui sessions\n  komoju-tui sessions cancel POS-20261124-0007\n  komoju-tui sessions cancel --all --json",
}

// shorts are the one-line descriptions in the command list.
var shorts = map[string]string{
	"pay":            "Take one payment without the console",
	"capture":        "Capture an authorized (two-step) payment",
	"cancel":         "Cancel a pending or authorized payment",
	"refund":         "Refund a captured card or wallet payment",
	"refund-request": "Refund a konbini, bank transfer or Pay-easy payment by bank transfer",
	"show":           "Show a payment as KOMOJU has it now",
	"history":        "List the sales in the journal",
	"summary":        "Summarise a day's takings",
	"close":          "Close the day: refresh open sales, then the Z-report",
	"reconcile":      "Settle sales a crash left unfinished and recheck waiting ones",
	"scenario":       "Replay QA flows from scenario files and check what must follow",
	"trigger":        "Make the sandbox send a webhook event (payment.captured, ...)",
	"sessions":       "List or cancel the KOMOJU sessions sales left open",
	"receipt":        "Make, save or print the customer's receipt of a sale",
}

// headless marks the commands of this package (their help has the
// exit-code table).
const headless = "komoju-tui/headless"

// NewRoot builds komoju-tui's command tree: the headless commands, help,
// completion and man, plus main's console (the root's own run; nil: the
// root only lists commands) and passthrough commands. *code receives the
// exit code of whatever ran.
func NewRoot(ctx context.Context, env Env, console *Console, extra []Passthrough, code *int) *cobra.Command {
	root, describe := newRoot(ctx, env, console, extra, code)
	describe()
	return root
}

// newRoot is NewRoot with the flags not yet mirrored: describe mirrors
// them, once, and help calls it. Running one headless command needs none
// of them (it parses its own); building every command's flag set was about
// 7 % of the CPU of a process's start in a perf profile (issue 13).
func newRoot(ctx context.Context, env Env, console *Console, extra []Passthrough, code *int) (root *cobra.Command, describe func()) {
	env = env.withDefaults()
	var mirrors []func()
	describe = sync.OnceFunc(func() {
		for _, m := range mirrors {
			m()
		}
	})
	root = &cobra.Command{
		Use:     "komoju-tui",
		Short:   "A point-of-sale console and headless commands for KOMOJU",
		Long:    rootLong,
		Example: rootExample,
		Version: env.Version,
		// Cobra's own errors (unknown command) are printed by Execute
		// with the exit code for usage errors.
		SilenceErrors: true,
		SilenceUsage:  true,
		// Commands parse their own flags (the documented conventions:
		// flags anywhere among the arguments, "--card -"); the tree
		// knows them for help, completion and the man page.
		DisableFlagParsing:         true,
		SuggestionsMinimumDistance: 2,
		DisableAutoGenTag:          true,
		CompletionOptions:          cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetVersionTemplate("komoju-tui {{.Version}}\n")
	if console != nil {
		if console.Flags != nil {
			mirrors = append(mirrors, func() { mirrorFlags(root, console.Flags) })
		}
		root.Run = func(cmd *cobra.Command, args []string) {
			*code = console.Run(ctx, cmd, args)
		}
	}
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		describe()
		if cmd.Annotations[headless] == "" {
			defaultHelp(cmd, args)
			if cmd == root {
				fmt.Fprint(cmd.OutOrStdout(), "\n"+exitCodesHelp)
			}
			return
		}
		printCommandHelp(cmd)
	})
	for _, c := range commands() {
		cmd, mirror := headlessCommand(ctx, env, c, code)
		root.AddCommand(cmd)
		mirrors = append(mirrors, mirror)
	}
	for _, p := range extra {
		root.AddCommand(passthroughCommand(ctx, env, p, code))
	}
	root.AddCommand(manCommand(root, env, code))
	return root, describe
}

func (env Env) withDefaults() Env {
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	return env
}

// Execute runs komoju-tui with args (os.Args[1:]) and returns the exit code.
func Execute(ctx context.Context, args []string, env Env, console *Console, extra ...Passthrough) int {
	if ctx == nil {
		ctx = context.Background()
	}
	code := ExitOK
	root, describe := newRoot(ctx, env, console, extra, &code)
	if len(args) == 0 || !slices.Contains(Commands(), args[0]) {
		// The console, help, completion, man: they show the flags.
		describe()
	}
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		w := root.ErrOrStderr()
		fmt.Fprintf(w, "komoju-tui: %s\n", redact(strings.TrimRight(err.Error(), "\n")))
		fmt.Fprintln(w, "Run 'komoju-tui --help' for usage.")
		return ExitUsage
	}
	return code
}

// headlessCommand is the cobra command of c: it runs the command's own
// parser; mirror adds its flags to the command, for help, completion and
// the man page.
func headlessCommand(ctx context.Context, env Env, c command, code *int) (cmd *cobra.Command, mirror func()) {
	use, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(strings.SplitN(c.usage, "\n", 2)[0]), "Usage: komoju-tui "), "\n")
	cmd = &cobra.Command{
		Use:                use,
		Short:              shorts[c.name],
		Long:               strings.TrimSpace(c.usage),
		Example:            examples[c.name],
		DisableFlagParsing: true,
		Annotations:        map[string]string{headless: "1"},
		ValidArgsFunction:  completeValues,
	}
	cmd.Run = func(cmd *cobra.Command, args []string) {
		if env.OneShot {
			oneShotGC()
		}
		*code = runCommand(ctx, c, cmd, args, env)
	}
	// The flag set is declared once, in the command: running it in
	// describe mode hands it over without doing anything else.
	return cmd, func() {
		d := &runner{name: c.name, stdout: io.Discard, stderr: io.Discard, getenv: env.Getenv, stdin: env.Stdin}
		d.describe = func(fs *flag.FlagSet) { cmd.Flags().AddGoFlagSet(fs) }
		c.run(d, []string{"--help"})
	}
}

// mirrorFlags adds the flags register declares to cmd (for help and
// completion; cmd parses nothing itself).
func mirrorFlags(cmd *cobra.Command, register func(*flag.FlagSet)) {
	fs := flag.NewFlagSet(cmd.Name(), flag.ContinueOnError)
	register(fs)
	cmd.Flags().AddGoFlagSet(fs)
}

func passthroughCommand(ctx context.Context, env Env, p Passthrough, code *int) *cobra.Command {
	cmd := &cobra.Command{Use: p.Name + " [flags]", Short: p.Short, Long: p.Long, DisableFlagParsing: true}
	cmd.Run = func(cmd *cobra.Command, args []string) {
		*code = p.Run(ctx, args, env.Stdin, env.Stdout, env.Stderr)
	}
	cmd.SetHelpFunc(func(*cobra.Command, []string) {
		*code = p.Run(ctx, []string{"--help"}, env.Stdin, env.Stdout, env.Stderr)
	})
	return cmd
}

// printCommandHelp writes a headless command's usage, examples, flags and
// the exit codes.
func printCommandHelp(cmd *cobra.Command) {
	var b strings.Builder
	b.WriteString(cmd.Long)
	b.WriteString("\n")
	if cmd.Example != "" {
		b.WriteString("\nExamples:\n" + cmd.Example + "\n")
	}
	b.WriteString("\nFlags:\n")
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			fs.AddFlag(f)
		}
	})
	fs.SortFlags = true
	fs.BoolP("help", "h", false, "help for "+cmd.Name())
	b.WriteString(fs.FlagUsagesWrapped(100))
	b.WriteString("\n")
	b.WriteString(exitCodesHelp)
	fmt.Fprint(cmd.OutOrStdout(), b.String())
}

// completeValues completes the values of flags that take one of a known
// set (the flag names themselves are completed by cobra).
func completeValues(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var vals []string
	switch prev := args[len(args)-1]; strings.TrimLeft(prev, "-") {
	case "method":
		for _, m := range flows.Catalogue() {
			vals = append(vals, string(m.Type))
		}
		sort.Strings(vals)
	case "store":
		vals = append(vals, komoju.KonbiniStores...)
	case "flow":
		vals = []string{"session", "direct"}
	case "capture":
		vals = []string{"auto", "manual"}
	case "status":
		vals = []string{"pending", "authorized", "captured", "refunded", "cancelled", "expired", "failed"}
	case "date", "day":
		vals = []string{"today", "yesterday"}
	case "format":
		vals = []string{"text", "csv", "json"}
	case "currency":
		vals = []string{"JPY", "USD", "EUR"}
	case "journal", "config", "secret-key-file", "webhook-secret-file":
		return nil, cobra.ShellCompDirectiveDefault
	default:
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, v := range vals {
		if strings.HasPrefix(v, toComplete) {
			out = append(out, v)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// manCommand writes the man page of komoju-tui (or of one command),
// generated from the command tree, to stdout.
func manCommand(root *cobra.Command, env Env, code *int) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "man [COMMAND]",
		Short: "Print the man page (roff) to stdout",
		Long: `Print komoju-tui's man page, generated from the commands' help, in roff to
stdout; with a command name, that command's page; with --dir, every page
(komoju-tui.1, komoju-tui-pay.1, ...) into that directory.`,
		Example: `  komoju-tui man | man -l -
  komoju-tui man pay > komoju-tui-pay.1
  komoju-tui man --dir /usr/local/share/man/man1`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return Commands(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target := root
			if len(args) == 1 {
				c, _, err := root.Find(args)
				if err != nil || c == root {
					return fmt.Errorf("man: no command %q", args[0])
				}
				target = c
			}
			// The date is the build's (SOURCE_DATE_EPOCH) when set, so
			// pages built for a release are reproducible.
			date := time.Now()
			if s := env.Getenv("SOURCE_DATE_EPOCH"); s != "" {
				var sec int64
				if _, err := fmt.Sscan(s, &sec); err == nil {
					date = time.Unix(sec, 0).UTC()
				}
			}
			hdr := &doc.GenManHeader{Title: "KOMOJU-TUI", Section: "1", Source: "komoju-tui " + env.Version, Manual: "komoju-tui manual", Date: &date}
			if dir != "" {
				if len(args) == 1 {
					return fmt.Errorf("man: give a command or --dir, not both")
				}
				// As "install -d": the man1 directory of a fresh prefix
				// may not exist yet.
				if err := os.MkdirAll(dir, 0o755); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "komoju-tui man: %s\n", err)
					*code = ExitFailure
					return nil
				}
				if err := doc.GenManTree(root, hdr, dir); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "komoju-tui man: %s\n", err)
					*code = ExitFailure
				}
				return nil
			}
			if target != root {
				hdr.Title = strings.ToUpper(strings.ReplaceAll(target.CommandPath(), " ", "-"))
			}
			if err := doc.GenMan(target, hdr, cmd.OutOrStdout()); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "komoju-tui man: %s\n", err)
				*code = ExitFailure
				return nil
			}
			if target.Annotations[headless] != "" || target == root {
				fmt.Fprint(cmd.OutOrStdout(), manExitCodes)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "write every page into this directory instead")
	return cmd
}

// manExitCodes is the exit-code table as a roff section.
var manExitCodes = ".SH EXIT CODES\n.nf\n" + strings.ReplaceAll(strings.TrimPrefix(exitCodesHelp, "Exit codes:\n"), `\`, `\e`) + ".fi\n"

// oneShotGC sets the collector's percentage to 400 for a process that runs
// one headless command and exits, unless GOGC is set. With Go's default
// (100: collect when the heap has doubled, from 4 MB) history --limit 0
// collected a dozen times for 10,000 sales, each cycle starting the
// collector's workers on the second core and faulting in fresh pages:
// 34 → 26 ms for the whole process (docs/PERFORMANCE.md). The heap it
// allows stays small: the reports stream (48 MB of RSS for 100,000 sales).
func oneShotGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
