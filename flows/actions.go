package flows

import "github.com/komoju-tui/komoju-tui/komoju"

// Action is something the clerk can do to an existing payment.
type Action string

// Actions on a payment. Partial capture and partial refund are the same
// actions with an amount.
const (
	ActionCapture       Action = "capture"        // Two-Step Capture: take the authorized money (full or partial)
	ActionCancel        Action = "cancel"         // void a pending or authorized payment
	ActionRefund        Action = "refund"         // give money back (full or partial) for cards and wallets
	ActionRefundRequest Action = "refund_request" // ask KOMOJU to send a bank refund (konbini, bank transfer, Pay-easy)
	ActionRefresh       Action = "refresh"        // fetch the payment again
)

// String returns the action's slug.
func (a Action) String() string { return string(a) }

// Label is the action's English label for buttons and help.
func (a Action) Label() string {
	switch a {
	case ActionCapture:
		return "Capture"
	case ActionCancel:
		return "Cancel payment"
	case ActionRefund:
		return "Refund"
	case ActionRefundRequest:
		return "Request bank refund"
	case ActionRefresh:
		return "Refresh"
	}
	return string(a)
}

// AllowedActions lists what the clerk may do with p in its current status,
// following the seed's Payment status table:
//   - authorized two-step payments (not konbini/bank/Pay-easy): capture, cancel;
//   - pending, and authorized cash payments waiting for the customer: cancel;
//   - captured card and wallet payments with money left to refund: refund;
//   - captured konbini/bank/Pay-easy payments with money left: refund_request
//     (the refund endpoint cannot return cash);
//   - refresh, always.
//
// Final statuses (cancelled, expired, failed, refunded) allow only refresh.
func AllowedActions(p *komoju.Payment) []Action {
	if p == nil {
		return []Action{ActionRefresh}
	}
	async := p.Type().IsAsync()
	var out []Action
	switch p.Status {
	case komoju.PaymentAuthorized:
		if !async {
			out = append(out, ActionCapture)
		}
		out = append(out, ActionCancel)
	case komoju.PaymentPending:
		out = append(out, ActionCancel)
	case komoju.PaymentCaptured:
		if p.RefundableAmount() > 0 {
			if async {
				out = append(out, ActionRefundRequest)
			} else {
				out = append(out, ActionRefund)
			}
		}
	}
	return append(out, ActionRefresh)
}

// Allows reports whether a is in AllowedActions(p).
func Allows(p *komoju.Payment, a Action) bool {
	for _, x := range AllowedActions(p) {
		if x == a {
			return true
		}
	}
	return false
}
