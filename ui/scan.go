package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// PayPay codes scanned at the counter (flows' PayScannedCode). Picking
// PayPay in Method 2 asks for the customer's code first: a keyboard-wedge
// barcode scanner types the digits and Enter faster than anyone types, so
// the code lands in a one-line prompt whose Enter pays at once (the prompt
// takes a burst of digits whole; q and ? are text there, not commands).
// The answer is immediate — paid, or declined / expired in the clerk's
// words — with no redirect. An empty Enter keeps the old path: the
// customer pays in their PayPay app through the redirect page.

// scanCharLimit fits the longest code flows accepts, with room for the
// spaces and dashes a clerk might type.
const scanCharLimit = 80

// scanning reports whether picking meth asks for a scanned code.
func (m Model) scanning(meth flows.Method) bool {
	return m.flow == flows.FlowDirect && meth.Type == komoju.TypePayPay
}

// openScan asks for the customer's PayPay code.
func (m *Model) openScan() tea.Cmd {
	amt := komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency)
	title := m.t.S("Scan customer's PayPay code") + "  " + amt
	body := m.t.S("Scan the barcode in the customer's PayPay app, or type its digits, then Enter: the payment is made at once. Leave it empty and press Enter to have the customer pay in the PayPay app instead.")
	m.modal = m.promptModal(title, body, "",
		func(s string) error {
			if s == "" {
				return nil
			}
			_, err := flows.ScannedCode(s)
			if err != nil {
				return fmt.Errorf("%s", m.scanInputError())
			}
			return nil
		},
		func(m *Model, s string) tea.Cmd {
			if s == "" {
				return m.pay() // the customer pays in the app (redirect)
			}
			return m.payScanConfirmed(s)
		})
	m.modal.input.CharLimit = scanCharLimit
	m.modal.input.Placeholder = "000000000000000000"
	return m.modal.input.Focus()
}

// scanInputError names what is wrong with a typed code, in clerk words.
func (m Model) scanInputError() string {
	return m.t.S("That is not a PayPay code (letters and digits only, at most 64): scan it again.")
}

// payScanConfirmed asks LIVE clerks to type the amount again (the code is
// charged at once), then pays.
func (m *Model) payScanConfirmed(code string) tea.Cmd {
	if m.opts.Mode != "live" {
		return m.payScan(code)
	}
	want, cur := m.checkout.Total(), m.checkout.Currency
	m.modal = m.promptModal(m.t.S("Type the amount again to confirm (LIVE)"), komoju.FormatAmount(want, cur), "",
		func(s string) error {
			v, err := komoju.ParseAmount(s, cur)
			if err != nil {
				return err
			}
			if v != want {
				return fmt.Errorf("%s", m.t.S("The amounts do not match. Nothing was sent."))
			}
			return nil
		},
		func(m *Model, _ string) tea.Cmd { return m.payScan(code) })
	return m.modal.input.Focus()
}

// payScan charges the scanned code; the answer comes back as any Method 2
// pay result.
func (m *Model) payScan(code string) tea.Cmd {
	co := m.checkout
	co.Capture = m.capture
	co.Flow = flows.FlowDirect
	if m.amount.input(fieldOrder) == "" {
		co.OrderNum = "" // a fresh order number per attempt: Method 2 needs one
	}
	opts := flows.PayOptions{Scenario: m.details.scenario}
	m.lastCard = ""
	id, ctx := m.begin(opPay, true, payTimeout)
	m.processing = m.processing.Start(step{label: m.t.S("Charging the PayPay code"), state: stepActive})
	m.outcome = nil
	m.browser = ""
	m.status = ""
	m.screen = screenProcessing
	eng := m.eng
	return tea.Batch(func() tea.Msg {
		o, err := eng.PayScannedCode(ctx, co, code, opts)
		return payResultMsg{attempt: id, outcome: o, err: err}
	}, m.spin.Tick)
}
