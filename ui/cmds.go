package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Timeouts of the API steps. Pay gets longer: the flows engine may retry
// with the same idempotency key and then look the payment up before it
// answers.
const (
	sessionTimeout = 30 * time.Second
	payTimeout     = 90 * time.Second
	actionTimeout  = 60 * time.Second
)

// sessionStartedMsg answers StartSession.
type sessionStartedMsg struct {
	attempt int
	sale    *flows.Sale
	err     error
}

// payResultMsg answers a pay attempt (Method 1 or 2). With Method 1 it
// carries the sale as the engine left it (state, attempts, last outcome):
// Update adopts that value, so the sale is never shared with the command's
// goroutine.
type payResultMsg struct {
	attempt int
	sale    flows.Sale
	hasSale bool
	outcome flows.Outcome
	err     error
}

// actionResultMsg answers capture, cancel, refund, refund request or refresh.
type actionResultMsg struct {
	attempt int
	action  flows.Action
	amount  int64 // what was asked (0: the whole payment)
	outcome flows.Outcome
	err     error
	recheck bool // a Recheck of the outcome on the result screen
}

// recheckCmd asks where the result on screen stands now (flows' Recheck:
// by payment, session or order number; it never charges again).
func recheckCmd(ctx context.Context, eng *flows.Engine, attempt int, o flows.Outcome) tea.Cmd {
	return func() tea.Msg {
		no, err := eng.Recheck(ctx, o)
		return actionResultMsg{attempt: attempt, action: flows.ActionRefresh, outcome: no, err: err, recheck: true}
	}
}

// watchMsg is one update from flows' Watch (ok false: the watch ended).
type watchMsg struct {
	gen    int
	update flows.Update
	ok     bool
	ch     <-chan flows.Update
}

// openedMsg says whether the browser opened.
type openedMsg struct{ err error }

// savedMsg reports a receipt save, print or export.
type savedMsg struct {
	text string
	err  error
}

// startSessionCmd creates the Method 1 session for co.
func startSessionCmd(ctx context.Context, eng *flows.Engine, attempt int, co flows.Checkout) tea.Cmd {
	return func() tea.Msg {
		s, err := eng.StartSession(ctx, co)
		return sessionStartedMsg{attempt: attempt, sale: s, err: err}
	}
}

// payCmd pays: Method 1 on the sale's session (a copy of the sale taken
// when the command is built; the new sale comes back in the message),
// Method 2 directly. d holds the card secrets for this one call only.
func payCmd(ctx context.Context, eng *flows.Engine, attempt int, flow flows.Flow, sale flows.Sale, co flows.Checkout, t komoju.PaymentType, d flows.Details, opts flows.PayOptions) tea.Cmd {
	return func() tea.Msg {
		if flow == flows.FlowSession {
			next, o, err := eng.PaySale(ctx, sale, t, d, opts)
			return payResultMsg{attempt: attempt, sale: next, hasSale: true, outcome: o, err: err}
		}
		o, err := eng.PayDirect(ctx, co, t, d, opts)
		return payResultMsg{attempt: attempt, outcome: o, err: err}
	}
}

// actionCmd runs one action on a payment.
func actionCmd(ctx context.Context, eng *flows.Engine, attempt int, a flows.Action, paymentID string, amount int64, rr *komoju.RefundRequestParams) tea.Cmd {
	return func() tea.Msg {
		var o flows.Outcome
		var err error
		switch a {
		case flows.ActionCapture:
			o, err = eng.Capture(ctx, paymentID, amount)
		case flows.ActionCancel:
			o, err = eng.Cancel(ctx, paymentID)
		case flows.ActionRefund:
			o, err = eng.Refund(ctx, paymentID, amount, "komoju-tui refund")
		case flows.ActionRefundRequest:
			o, err = eng.RefundRequest(ctx, paymentID, *rr)
		default:
			o, err = eng.Refresh(ctx, paymentID)
		}
		return actionResultMsg{attempt: attempt, action: a, amount: amount, outcome: o, err: err}
	}
}

// waitWatch reads the next update of a watch.
func waitWatch(gen int, ch <-chan flows.Update) tea.Cmd {
	return func() tea.Msg {
		u, ok := <-ch
		return watchMsg{gen: gen, update: u, ok: ok, ch: ch}
	}
}

// openURLCmd opens url with open (pkg/browser by default).
func openURLCmd(open func(string) error, url string) tea.Cmd {
	return func() tea.Msg { return openedMsg{err: open(url)} }
}
