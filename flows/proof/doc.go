// Package proof holds komoju-tui's system-level proofs: suites that drive
// the whole stack (sandbox, client, flows engine, journal, the built
// komoju-tui binary) the way a payments team would before trusting it at a
// counter. It has no production code; everything lives in _test.go files:
//
//   - no double charge under injected faults (dropped answers after the
//     work, 503s before it), counted through the API and the journal;
//   - crash recovery: the binary is SIGKILLed between the API call and the
//     journal's result write, and the next command shows the sale once with
//     its true status;
//   - load: 32 concurrent API clients, every state change has exactly one
//     event and every event's webhook is delivered or listed as failed;
//   - hostile HTTP input the sandbox's own tests do not cover, each answered
//     with the right KOMOJU error and no state change;
//   - secrets: no card number, CVC or secret key in any file a run leaves
//     behind; loopback by default; a live key refused without --live;
//   - sale truth (issue 10, docs/RELIABILITY.md): two processes on one
//     journal, four tills on one account, a script following the tool's
//     advice under a slow KOMOJU, a till killed during a phone sale, a
//     partial refund lost on the network, waiting sales finished while no
//     till runs — each counted through the API and the journal;
//   - benchmarks of a whole headless sale against curl making the same
//     requests (see docs/PERFORMANCE.md).
//
// The suites are short by default (about 95 s for the package under -race
// on two cores). KOMOJU_TUI_LONG=1 runs the long versions (500 checkouts
// from 16 goroutines, a 30 s load, 32 rounds of two processes, 4 tills ×
// 50 sales):
//
//	KOMOJU_TUI_LONG=1 go test -race -run . -v ./flows/proof/
package proof
