package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

const reconcileUsage = `Usage: komoju-tui reconcile [--fence DURATION] [--json]

Settle the sales a crash or a lost answer left without a result: this
process's own and those whose till is gone (its process ended). A sale
another running komoju-tui is working on is never touched. Nothing is
charged again: each sale is looked up at KOMOJU (Session: Show, or the
payments with its order number that match its amount and currency).

"Not charged" is said only on proof: a closed session with no payment (an
abandoned session is cancelled first), or no payment once the fence after
the last request has passed (--fence, default 2m: KOMOJU may still be
working on a request the till gave up on). Until then the sale stays
unknown and the command exits 5.

Then every sale still waiting (a konbini slip, a 3-D Secure or wallet
redirect, an authorization) is checked with KOMOJU and its status recorded,
so history and summary tell the truth without anyone opening each sale.

Every money-moving command (pay, capture, cancel, refund, refund-request)
and the console settle on start; show, history and summary only read.
`

// recoveryJSON is one settled (or still unknown) entry in --json output.
type recoveryJSON struct {
	OrderNum  string `json:"order_num,omitempty"`
	PaymentID string `json:"payment_id,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	Op        string `json:"op"`
	Outcome   string `json:"outcome"`
	Charged   bool   `json:"charged"`
	Resolved  bool   `json:"resolved"`
	Message   string `json:"message"`
}

func (r *runner) reconcile(args []string) int {
	fs, c := r.newFlagSet(true)
	fence := fs.Duration("fence", flows.DefaultFence, "how long after a request's last send an empty look-up proves it did nothing")
	pos, code, ok := r.parse(fs, reconcileUsage, args)
	if !ok {
		return code
	}
	r.json = *c.json
	if len(pos) > 0 {
		r.usageError("", "reconcile takes no arguments (got %q)", pos[0])
		return ExitUsage
	}
	if *fence <= 0 || *fence > 24*time.Hour {
		r.usageError("--fence", "must be between 0 and 24h (for example 2m)")
		return ExitUsage
	}
	b, ctx, done, code := r.start(c, true)
	if code != ExitOK {
		return code
	}
	defer done()
	b.Engine.SetFence(*fence)
	recs, err := b.Engine.Reconcile(ctx)
	code = ExitOK
	out := []recoveryJSON{}
	for _, rc := range recs {
		if !rc.Resolved {
			code = ExitUnknown
		}
		out = append(out, recoveryJSON{OrderNum: rc.OrderNum, PaymentID: rc.PaymentID, SessionID: rc.SessionID, Op: string(rc.Op),
			Outcome: string(rc.Outcome.Kind), Charged: rc.Charged, Resolved: rc.Resolved, Message: rc.Message})
	}
	if err != nil && code == ExitOK {
		code = ExitUnknown
	}
	ups, uerr := b.Engine.RecheckWaiting(ctx)
	for _, u := range ups {
		if !u.Changed {
			continue
		}
		out = append(out, recoveryJSON{OrderNum: u.OrderNum, PaymentID: u.PaymentID, Op: "recheck",
			Outcome: string(u.Outcome.Kind), Charged: chargedStatus(u.After), Resolved: true, Message: u.Message})
		recs = append(recs, flows.Recovery{OrderNum: u.OrderNum, PaymentID: u.PaymentID, Resolved: true, Message: u.Message, Text: u.Text})
	}
	err = errors.Join(err, uerr)
	if r.json {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		if len(recs) == 0 && err == nil {
			fmt.Fprintln(r.stdout, say(r.language(), "cli_reconcile_nothing"))
		}
		for _, rc := range recs {
			fmt.Fprintln(r.stdout, redact(rc.Say(r.language())))
		}
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "komoju-tui reconcile: %s\n", redact(err.Error()))
	}
	return code
}

// chargedStatus reports a payment status that means money was taken or held.
func chargedStatus(s komoju.PaymentStatus) bool {
	return s == komoju.PaymentCaptured || s == komoju.PaymentAuthorized || s == komoju.PaymentRefunded
}
