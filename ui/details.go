package ui

import (
	"fmt"
	"io"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// openDetails shows the form of the chosen method (or, with ACCESSIBLE=1,
// runs it line by line outside the full-screen view).
func (m *Model) openDetails() tea.Cmd {
	if m.details.d == nil {
		m.details = newDetailsData(m.method)
	}
	if m.details.d.Email == "" && m.method.Takes(flows.DetailEmail) {
		m.details.d.Email = m.checkout.Email // typed on the amount screen
	}
	cmd := m.showDetails(nil)
	if m.opts.Accessible {
		form := m.details.form.WithAccessible(true)
		m.details.form = nil
		return tea.Exec(&accessibleForm{form: form}, func(err error) tea.Msg { return formDoneMsg{err: err} })
	}
	return cmd
}

// showDetails (re)builds the details screen's form, errs above it.
func (m *Model) showDetails(errs flows.FieldErrors) tea.Cmd {
	m.details = m.details.Open(detailsOpen{common: m.common, keys: m.keys, bodyH: m.bodyHeight(), method: m.method,
		testData: m.testMode(), threeDS: m.uses3DS(), accessible: m.opts.Accessible}, errs)
	m.screen = screenDetails
	return m.details.Init()
}

// formDoneMsg is sent when the accessible form returns.
type formDoneMsg struct{ err error }

// accessibleForm runs a huh form in accessible mode as a tea.ExecCommand:
// bubbletea releases the terminal, huh prompts line by line, and the
// console comes back afterwards.
type accessibleForm struct {
	form *huh.Form
	in   io.Reader
	out  io.Writer
}

// Run prompts for every field on the terminal bubbletea handed over.
func (a *accessibleForm) Run() error {
	return a.form.WithInput(a.in).WithOutput(a.out).Run()
}

// SetStdin, SetStdout and SetStderr receive the terminal from tea.Exec.
func (a *accessibleForm) SetStdin(r io.Reader) { a.in = r }

// SetStdout sets where the prompts are written.
func (a *accessibleForm) SetStdout(w io.Writer) { a.out = w }

// SetStderr is unused: huh writes prompts and errors to stdout.
func (a *accessibleForm) SetStderr(io.Writer) {}

func (m *Model) onAccessibleFormDone(msg formDoneMsg) tea.Cmd {
	if msg.err != nil {
		m.screen = screenMethod
		return nil
	}
	return m.submitDetails()
}

// onDetailsAsk does what the details screen asked.
func (m *Model) onDetailsAsk(msg tea.Msg) tea.Cmd {
	if m.screen != screenDetails || m.modal != nil {
		return nil // a late ask: the clerk already moved on
	}
	switch msg.(type) {
	case detailsSubmitMsg:
		return m.submitDetails()
	case detailsBackMsg:
		m.details.form = nil
		m.screen = screenMethod
	case details3DSMsg:
		if m.uses3DS() {
			m.sec.skip = !m.sec.skip
		}
	}
	return nil
}

// inputDetails removes escape sequences and control characters from what
// the clerk typed or pasted (termtext.Strip), before it is validated and
// sent to KOMOJU. Accessible mode reads lines from the terminal raw, so
// the key filter in Update alone is not enough.
func inputDetails(d *flows.Details) {
	if d == nil {
		return
	}
	for _, f := range []*string{&d.CardNumber, &d.CardExpiry, &d.CardCVC, &d.CardName, &d.Email, &d.Phone,
		&d.GivenName, &d.FamilyName, &d.GivenNameKana, &d.FamilyNameKana} {
		*f = termtext.Strip(*f)
	}
}

// submitDetails validates everything with flows and pays.
func (m *Model) submitDetails() tea.Cmd {
	dm := &m.details
	inputDetails(dm.d)
	dm.errs = flows.ValidateDetails(m.method.Type, *dm.d, m.opts.Now())
	if len(dm.errs) > 0 {
		// Show the form again at the first bad field.
		return m.showDetails(dm.errs)
	}
	return m.pay()
}

// pay asks LIVE clerks to type the amount again, then pays.
func (m *Model) pay() tea.Cmd {
	if m.opts.Mode == "live" {
		want := m.checkout.Total()
		cur := m.checkout.Currency
		m.modal = m.promptModal(m.t.S("Type the amount again to confirm (LIVE)"),
			komoju.FormatAmount(want, cur), "",
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
			func(m *Model, _ string) tea.Cmd { return m.doPay() })
		return m.modal.input.Focus()
	}
	return m.doPay()
}

// doPay sends the pay request. The details (with the card secrets) are
// copied into the command and then wiped from the model.
func (m *Model) doPay() tea.Cmd {
	dm := &m.details
	var d flows.Details
	if dm.d != nil {
		d = *dm.d
	}
	m.lastCard = ""
	if m.method.Takes(flows.DetailCardNumber) && d.CardLast4() != "" {
		// Brand and last four only, to say which card a decline was.
		m.lastCard = flows.BrandName(flows.CardBrand(d.CardNumber)) + " •••• " + d.CardLast4()
	}
	dm.wipeSecrets()
	dm.form = nil
	co := m.checkout
	co.Capture = m.capture
	co.Flow = m.flow
	if m.flow == flows.FlowDirect && m.amount.input(fieldOrder) == "" {
		co.OrderNum = "" // a fresh order number per attempt: Method 2 needs one
	}
	var sale flows.Sale
	if m.flow == flows.FlowSession && m.sale != nil {
		// Session: Pay's capture overrides the session's (the seed).
		m.sale.Checkout.Capture = m.capture
		sale = *m.sale // the command gets a copy; the answer brings the new sale
	}
	opts := flows.PayOptions{Scenario: dm.scenario}
	if m.uses3DS() {
		return m.pay3DS(co, d, opts)
	}
	id, ctx := m.begin(opPay, true, payTimeout)
	name := m.method.Name(m.t.lang)
	if m.flow == flows.FlowSession {
		first := step{label: m.t.S("Creating session"), state: stepDone}
		if m.sale != nil {
			first.note = m.showID(m.sale.SessionID())
		}
		m.processing = m.processing.Start(first, step{label: m.t.S("Paying") + " (" + name + ")", state: stepActive})
	} else {
		m.processing = m.processing.Start(step{label: m.t.S("Creating payment") + " (" + name + ")", state: stepActive})
	}
	m.outcome = nil
	m.browser = ""
	m.status = ""
	m.screen = screenProcessing
	return tea.Batch(payCmd(ctx, m.eng, id, m.flow, sale, co, m.method.Type, d, opts), m.spin.Tick)
}
