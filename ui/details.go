package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// detailsModel is the per-method form. d is shared with the huh fields
// (they write into it as the clerk types); it lives only in this model,
// and the card number and CVC are wiped as soon as a pay command has
// captured them.
type detailsModel struct {
	method   flows.Method
	d        *flows.Details
	form     *huh.Form
	scenario string // Komoju-Scenario for the next attempt (test modes)
	picker   *picker
	errs     flows.FieldErrors
}

func newDetailsData(meth flows.Method) detailsModel {
	d := &flows.Details{}
	if len(meth.Stores) > 0 {
		d.Store = meth.Stores[0]
	}
	return detailsModel{method: meth, d: d}
}

// wipeSecrets forgets the card number and CVC (after a pay attempt took
// them, or when the clerk starts over).
func (dm *detailsModel) wipeSecrets() {
	if dm.d != nil {
		dm.d.CardNumber = ""
		dm.d.CardCVC = ""
	}
}

// optional lets an empty optional field through and otherwise applies v.
func optional(v func(string) error) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return v(s)
	}
}

// buildForm makes the huh form of meth, bound to d, reusing flows'
// validators so the form and the engine agree on what is valid.
func (m *Model) buildForm(meth flows.Method, d *flows.Details) *huh.Form {
	var fields []huh.Field
	for _, f := range meth.Fields() {
		req := meth.Needs(f)
		title := m.t.S(f.Label())
		if !req {
			title += " " + m.t.S("(optional)")
		}
		v := func(fn func(string) error) func(string) error {
			if req {
				return fn
			}
			return optional(fn)
		}
		in := func(dst *string, placeholder string, fn func(string) error) *huh.Input {
			return huh.NewInput().Key(string(f)).Title(title).Value(dst).Placeholder(placeholder).Validate(v(fn))
		}
		switch f {
		case flows.DetailCardNumber:
			num := in(&d.CardNumber, m.t.S("digits on the card"), flows.ValidateCardNumber).CharLimit(23)
			if m.opts.Demo {
				num = num.EchoMode(huh.EchoModePassword) // presenter mode: never on a shared screen
			}
			fields = append(fields, num)
		case flows.DetailCardExpiry:
			fields = append(fields, in(&d.CardExpiry, "MM/YY", flows.ExpiryValidator(m.opts.Now)).CharLimit(7))
		case flows.DetailCardCVC:
			fields = append(fields, in(&d.CardCVC, m.t.S("3-4 digits"), flows.CVCValidator(func() string { return d.CardNumber })).
				EchoMode(huh.EchoModePassword).CharLimit(4))
		case flows.DetailCardName:
			fields = append(fields, in(&d.CardName, m.t.S("as printed on the card"), flows.ValidateName))
		case flows.DetailStore:
			var opts []huh.Option[string]
			for _, s := range meth.Stores {
				opts = append(opts, huh.NewOption(flows.StoreName(s, m.t.lang), s))
			}
			fields = append(fields, huh.NewSelect[string]().Key(string(f)).Title(title).Options(opts...).Value(&d.Store))
		case flows.DetailEmail:
			fields = append(fields, in(&d.Email, m.t.S("e.g. name@example.com"), flows.ValidateEmail))
		case flows.DetailPhone:
			fields = append(fields, in(&d.Phone, "e.g. 090-1234-5678", flows.ValidatePhone))
		case flows.DetailGivenName:
			fields = append(fields, in(&d.GivenName, "e.g. Taro", flows.ValidateName))
		case flows.DetailFamilyName:
			fields = append(fields, in(&d.FamilyName, "e.g. Yamada", flows.ValidateName))
		case flows.DetailGivenNameKana:
			fields = append(fields, in(&d.GivenNameKana, "e.g. タロウ", flows.ValidateKana))
		case flows.DetailFamilyNameKana:
			fields = append(fields, in(&d.FamilyNameKana, "e.g. ヤマダ", flows.ValidateKana))
		}
	}
	form := huh.NewForm(huh.NewGroup(fields...)).
		WithShowHelp(false).
		WithWidth(min(max(m.width-4, 30), 76)).
		WithHeight(max(m.bodyHeight()-4, 6))
	return form
}

// openDetails shows the form of the chosen method (or, with ACCESSIBLE=1,
// runs it line by line outside the full-screen view).
func (m *Model) openDetails() tea.Cmd {
	dm := &m.details
	if dm.d == nil {
		*dm = newDetailsData(m.method)
	}
	if dm.d.Email == "" && m.method.Takes(flows.DetailEmail) {
		dm.d.Email = m.checkout.Email // typed on the amount screen
	}
	dm.errs = nil
	dm.form = m.buildForm(m.method, dm.d)
	m.screen = screenDetails
	if m.opts.Accessible {
		form := dm.form.WithAccessible(true)
		dm.form = nil
		return tea.Exec(&accessibleForm{form: form}, func(err error) tea.Msg { return formDoneMsg{err: err} })
	}
	return dm.form.Init()
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

func (m *Model) updateDetails(msg tea.Msg) tea.Cmd {
	dm := &m.details
	if dm.picker != nil {
		return m.updatePicker(msg)
	}
	if m.toggle3DS(msg) {
		return nil
	}
	if km, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(km, m.keys.Back):
			dm.form = nil
			m.screen = screenMethod
			return nil
		case key.Matches(km, m.keys.TestData) && m.testMode():
			dm.picker = m.newPicker()
			return nil
		case key.Matches(km, m.keys.Submit):
			return m.submitDetails()
		}
	}
	if dm.form == nil {
		return nil
	}
	before := dm.form.GetFocusedField()
	fm, cmd := dm.form.Update(msg)
	if f, ok := fm.(*huh.Form); ok {
		dm.form = f
	}
	cmd = tea.Batch(cmd, moveOnFromRefused(dm.form, msg, before))
	switch dm.form.State {
	case huh.StateCompleted:
		return m.submitDetails()
	case huh.StateAborted:
		dm.form = nil
		m.screen = screenMethod
		return nil
	}
	return cmd
}

// moveOnFromRefused moves the form on from a text field that refused its
// value on enter or tab. huh keeps the focus on such a field, so what the
// clerk (or a fast typist, or tmux) types next for the following field was
// appended to the refused text ("Yamadaヤマダ"). The refusal stays on the
// field and under the form, and the form cannot be completed until it is
// fixed (shift+tab goes back). The last field keeps the focus: there is no
// next field to type into.
func moveOnFromRefused(form *huh.Form, msg tea.Msg, before huh.Field) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok || (km.Type != tea.KeyEnter && km.Type != tea.KeyTab) || form == nil || form.State != huh.StateNormal {
		return nil
	}
	f := form.GetFocusedField()
	if _, input := f.(*huh.Input); !input || f != before || f.Error() == nil {
		return nil
	}
	cmd := form.NextField()
	if form.GetFocusedField() == f {
		return tea.Batch(cmd, f.Focus()) // the last field: stay
	}
	return cmd
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
		dm.form = m.buildForm(m.method, dm.d)
		m.screen = screenDetails
		return dm.form.Init()
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

func (m Model) viewDetails() string {
	dm := m.details
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render(m.method.Name(m.t.lang)) + "  " +
		st.Value.Render(komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency)) + "\n")
	if dm.d != nil && m.method.Takes(flows.DetailCardNumber) {
		num := dm.d.CardNumber
		shown := flows.FormatCardNumber(num)
		if m.opts.Demo {
			shown = flows.MaskCardNumber(num)
		}
		brand := ""
		if flows.NormalizeCardNumber(num) != "" {
			brand = flows.BrandName(flows.CardBrand(num))
		}
		b.WriteString(st.Label.Render(m.t.S("Card")+": ") + st.Value.Render(shown) + "  " + st.Selected.Render(brand) + "\n")
	}
	b.WriteString(m.view3DSChoice())
	if dm.scenario != "" {
		b.WriteString(st.Warn.Render(m.t.F("Komoju-Scenario: %s (this attempt will fail on purpose)", dm.scenario)) + "\n")
	}
	for _, e := range dm.errs {
		b.WriteString(st.Err.Render(m.t.S(flows.DetailField(e.Field).Label())+" "+e.Message) + "\n")
	}
	if dm.picker != nil {
		b.WriteString(m.viewPicker())
		return b.String()
	}
	if dm.form != nil {
		b.WriteString(dm.form.View())
	} else if m.opts.Accessible {
		b.WriteString(st.Muted.Render(m.t.S("The form runs in accessible mode.")))
	}
	return b.String()
}
