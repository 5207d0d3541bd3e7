// Package cli is komoju-tui's headless commands, for QA scripts and CI:
// pay, capture, cancel, refund, refund-request, show, history, summary,
// reconcile, sessions, trigger, scenario and receipt.
// They drive the same flows.Engine and sale journal as the console, so a
// script exercises exactly the code a clerk does, and they print results in
// plain words (or JSON with --json) instead of drawing screens.
//
// The commands sit in one cobra tree (NewRoot, Execute) with help,
// "completion bash|zsh|fish", "man" and typo suggestions; main.go adds the
// console as the root's own run and the sandbox and listen commands:
//
//	os.Exit(cli.Execute(ctx, os.Args[1:], cli.Env{..., Connect: app.With(opts)}, console, sandbox, listen))
//
// Each command parses its own flags (flags anywhere among the arguments,
// "--" ends them) and opens the App (flows/app) only once they are
// checked, so bad input never starts a sandbox or opens a journal. Every
// command accepts the shared configuration flags (config.RegisterFlags:
// --secret-key, --api-url, --live, --journal, --currency, --flow,
// --capture, ...) and resolves them
// with config.Resolve, so environment variables and the config file work
// as they do for the console; a live key (sk_live_) is refused unless
// --live is given.
//
// With no key, a command uses the running `komoju-tui sandbox` announced
// for its configuration (sandbox.DiscoveryPath, read by runner.discover),
// says which on stderr, and otherwise (or with --fresh) starts an empty
// embedded one; scenario files always run on their own.
//
// # Exit codes
//
// Scripts can branch on the class of failure:
//
//	0  done: paid, authorized (two-step capture), awaiting the customer at a
//	   store or bank, or a redirect the customer must finish (the URL is
//	   printed; with --wait, only once the payment settled); the action or
//	   query succeeded
//	1  local failure: the journal cannot be opened or written (a charge is
//	   then not sent: a sale the journal cannot record could be lost), the
//	   backend could not start, output could not be written
//	2  usage or input error: unknown command or flag, a missing or invalid
//	   value (the message names the flag), configuration errors including a
//	   live key without --live, or KOMOJU refusing the input as invalid
//	3  declined: the card or account was refused, or the payment failed
//	   (e.g. 3D Secure failed)
//	4  authentication: KOMOJU refused the API key (401/403)
//	5  network / outcome unknown: KOMOJU could not be reached or did not
//	   answer; for a call that moves money nobody knows whether it happened,
//	   so check with "show" (or the order number) before charging again
//	6  other API error: not found, not capturable/refundable in this state,
//	   KOMOJU errors not covered above
//	7  not completed: the payment ended cancelled or expired, or --wait ran
//	   out while the customer still had to finish a redirect
//	8  KOMOJU unreachable and nothing was charged (no connection, or no
//	   session was created): safe to try again
//	9  scenario run: an expectation of a scenario file did not hold
//
// Card numbers and CVCs are never printed: payments are shown by brand and
// last four digits, and anything written to stdout or stderr has the card
// number given on the command line masked as a last line of defence.
package cli
