package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// maxDigits bounds the keypad: 13 digits is ¥9,999,999,999,999, more than
// flows accepts, so the "too large" message comes from flows' validation.
const maxDigits = 13

// Amount screen fields after the keypad (focus 1..n).
const (
	fieldOrder = iota + 1
	fieldEmail
	fieldName
	fieldDescription
	fieldTax
	numAmountFields = fieldTax
)

// amountModel is the amount screen: the keypad and the optional sale
// fields, with its own keys and help. It asks the root to go on with the
// sale (amountSubmitMsg) or to open History; the root builds and checks
// the checkout from what was typed.
type amountModel struct {
	common
	keys     amountKeys
	currency string
	digits   string // minor units, as typed on the keypad
	focus    int    // 0: keypad; 1..: a text field
	inputs   []textinput.Model
	errs     flows.FieldErrors
	message  string
}

// amountKeys are the amount screen's keys.
type amountKeys struct {
	Digit, DoubleZero, Backspace, Clear, NextField, PrevField, Continue, History key.Binding
}

// ShortHelp is the footer's part.
func (k amountKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Digit, k.Continue, k.NextField, k.Backspace, k.Clear, k.DoubleZero, k.History}
}

// FullHelp is every key of the screen (?).
func (k amountKeys) FullHelp() []key.Binding {
	return []key.Binding{k.Digit, k.DoubleZero, k.Backspace, k.Clear, k.NextField, k.PrevField, k.Continue, k.History}
}

// What the amount screen asks of the root.
type (
	amountSubmitMsg  struct{}
	amountHistoryMsg struct{}
)

func newAmountModel(c common, k KeyMap, currency string) amountModel {
	t := c.t
	a := amountModel{common: c, currency: currency, keys: amountKeys{Digit: k.Digit, DoubleZero: k.DoubleZero, Backspace: k.Backspace,
		Clear: k.Clear, NextField: k.NextField, PrevField: k.PrevField, Continue: k.Continue, History: k.History}}
	mk := func(placeholder string, limit int) textinput.Model {
		ti := textinput.New()
		ti.Placeholder = placeholder
		ti.CharLimit = limit
		ti.Prompt = ""
		ti.Width = 40
		return ti
	}
	a.inputs = []textinput.Model{
		mk(t.S("automatic (POS-TILL-YYYYMMDD-NNNN)"), 100),
		mk(t.S("optional"), 254),
		mk(t.S("optional"), 100),
		mk(t.S("optional"), 255),
		mk("0", 16),
	}
	return a
}

// value is the amount in minor units.
func (a amountModel) value() int64 {
	if a.digits == "" {
		return 0
	}
	v, err := strconv.ParseInt(a.digits, 10, 64)
	if err != nil {
		return 0
	}
	return v
}

func (a amountModel) formatted() string { return komoju.FormatAmount(a.value(), a.currency) }

// input returns the text of field f.
func (a amountModel) input(f int) string { return strings.TrimSpace(a.inputs[f-1].Value()) }

// Update is the keypad and the fields; enter and h are asked of the root.
func (a amountModel) Update(msg tea.Msg) (amountModel, tea.Cmd) {
	a.inputs = append([]textinput.Model(nil), a.inputs...) // never share the fields with an older copy
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		if a.focus > 0 {
			var c tea.Cmd
			a.inputs[a.focus-1], c = a.inputs[a.focus-1].Update(msg)
			return a, c
		}
		return a, nil
	}
	k := a.keys
	switch {
	case key.Matches(km, k.NextField), km.Type == tea.KeyDown && a.focus > 0:
		return a.Focus((a.focus + 1) % (numAmountFields + 1))
	case key.Matches(km, k.PrevField), km.Type == tea.KeyUp && a.focus > 0:
		return a.Focus((a.focus + numAmountFields) % (numAmountFields + 1))
	case key.Matches(km, k.Continue):
		return a, ask(amountSubmitMsg{})
	}
	if a.focus > 0 {
		if km.Type == tea.KeyEsc {
			return a.Focus(0)
		}
		var c tea.Cmd
		a.inputs[a.focus-1], c = a.inputs[a.focus-1].Update(msg)
		a.errs = nil
		return a, c
	}
	switch {
	case key.Matches(km, k.History):
		return a, ask(amountHistoryMsg{})
	case key.Matches(km, k.Digit):
		a.message = ""
		if len(a.digits) >= maxDigits {
			a.message = a.t.F("At most %d digits.", maxDigits)
			return a, nil
		}
		if a.digits == "" && km.String() == "0" {
			return a, nil // no leading zeros
		}
		a.digits += km.String()
		a.errs = nil
	case key.Matches(km, k.DoubleZero):
		if a.digits != "" && len(a.digits)+2 <= maxDigits {
			a.digits += "00"
		}
		a.errs = nil
	case key.Matches(km, k.Backspace):
		if a.digits != "" {
			a.digits = a.digits[:len(a.digits)-1]
		}
		a.errs = nil
	case key.Matches(km, k.Clear):
		a.digits = ""
		a.errs = nil
		a.message = ""
	}
	return a, nil
}

// Focus moves the focus to field f (0: the keypad).
func (a amountModel) Focus(f int) (amountModel, tea.Cmd) {
	a.inputs = append([]textinput.Model(nil), a.inputs...)
	for i := range a.inputs {
		a.inputs[i].Blur()
	}
	a.focus = f
	if f > 0 {
		return a, a.inputs[f-1].Focus()
	}
	return a, nil
}

// amountFocus focuses field f of the amount screen.
func (m *Model) amountFocus(f int) tea.Cmd {
	var c tea.Cmd
	m.amount, c = m.amount.Focus(f)
	return c
}

// checkoutFromAmount builds the checkout and validates it with flows.
func (m *Model) checkoutFromAmount() (flows.Checkout, flows.FieldErrors) {
	a := &m.amount
	co := flows.Checkout{
		Amount:      a.value(),
		Currency:    a.currency,
		OrderNum:    a.input(fieldOrder),
		Email:       a.input(fieldEmail),
		Name:        a.input(fieldName),
		Description: a.input(fieldDescription),
		Capture:     m.capture,
		Flow:        m.flow,
	}
	var fe flows.FieldErrors
	if s := a.input(fieldTax); s != "" && strings.Trim(s, "0.,") != "" {
		tax, err := komoju.ParseAmount(s, a.currency)
		if err != nil {
			fe = append(fe, flows.FieldError{Field: flows.FieldTax, Message: err.Error()})
		}
		co.Tax = tax
	}
	probe := co
	if probe.OrderNum == "" {
		probe.OrderNum = "POS-PROBE" // flows fills the real one in
	}
	if err := probe.Validate(); err != nil {
		var more flows.FieldErrors
		if errors.As(err, &more) {
			fe = append(fe, more...)
		} else {
			fe = append(fe, flows.FieldError{Field: flows.FieldAmount, Message: err.Error()})
		}
	}
	return co.Normalized(), fe
}

func (m *Model) submitAmount() tea.Cmd {
	co, fe := m.checkoutFromAmount()
	m.amount.errs = fe
	if len(fe) > 0 {
		return nil
	}
	if limit, ask := flows.NeedsConfirm(co.Total(), m.opts.ConfirmAbove); ask {
		amt := komoju.FormatAmount(co.Total(), co.Currency)
		m.modal = m.confirmModal(m.t.F("Charge %s?", amt),
			m.t.F("%s is more than %s. Check the amount with the customer before going on.", amt, komoju.FormatAmount(limit, co.Currency)),
			func(m *Model) tea.Cmd { return m.startSale(co) })
		return nil
	}
	return m.startSale(co)
}

// startSale moves on from the amount screen with co: the method list of
// the open sale, or a new one.
func (m *Model) startSale(co flows.Checkout) tea.Cmd {
	m.status = ""
	m.outcome = nil
	m.phone = false
	m.details = detailsModel{}
	var abandon tea.Cmd
	if m.sale != nil {
		if m.flow == flows.FlowSession && sameSale(m.sale.Checkout, co) {
			// Back on the amount screen and on again without a change:
			// the same sale, its order number and its open session.
			m.checkout = m.sale.Checkout
			m.methodList = m.methodList.SetMethods(m.sale.Methods, true, true)
			m.screen = screenMethod
			return nil
		}
		// The sale changed: its session is cancelled before a new one
		// is made, so there is one open session per sale.
		abandon = m.abandon()
	}
	m.checkout = co
	return tea.Batch(abandon, m.loadMethods())
}

// sameSale reports whether the amount screen still describes the sale
// whose session is open (an empty order number means "the one it has").
func sameSale(s, co flows.Checkout) bool {
	return s.Amount == co.Amount && s.Tax == co.Tax && strings.EqualFold(s.Currency, co.Currency) &&
		s.Email == co.Email && s.Name == co.Name && s.Description == co.Description &&
		(co.OrderNum == "" || co.OrderNum == s.OrderNum)
}

// loadMethods lists the methods: Method 1 creates the session (its
// payment_methods are what can be paid); Method 2 uses flows' catalogue.
func (m *Model) loadMethods() tea.Cmd {
	if m.flow == flows.FlowSession {
		if m.sale != nil {
			m.methodList = m.methodList.SetMethods(m.sale.Methods, true, true)
			m.screen = screenMethod
			return nil
		}
		co := m.checkout
		co.Flow = flows.FlowSession
		co.Capture = m.capture
		id, ctx := m.begin(opSession, false, sessionTimeout)
		m.processing = m.processing.Start(step{label: m.t.S("Creating session"), state: stepActive})
		m.screen = screenProcessing
		return tea.Batch(startSessionCmd(ctx, m.eng, id, co), m.spin.Tick)
	}
	// Method 2: the catalogue at once, then the merchant's own list
	// (GET /payment_methods) when it arrives.
	m.methodList = m.methodList.SetMethods(flows.Catalogue(), false, true)
	m.screen = screenMethod
	m.methodsGen++
	gen, eng, ctx := m.methodsGen, m.eng, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, sessionTimeout)
		defer cancel()
		ms, err := eng.Methods(ctx)
		return methodsMsg{gen: gen, methods: ms, err: err}
	}
}

// sameNames names the merchant's methods (GET /payment_methods says
// "Credit Card", "Konbini") as the catalogue does, so Method 1 and
// Method 2 show one name for one method.
func sameNames(ms []flows.Method) []flows.Method {
	out := make([]flows.Method, len(ms))
	for i, pm := range ms {
		if c, ok := flows.LookupMethod(pm.Type); ok && c.NameEn != "" {
			pm.NameEn, pm.NameJa = c.NameEn, c.NameJa
		}
		out[i] = pm
	}
	return out
}

// methodsMsg carries the Method 2 method list.
type methodsMsg struct {
	gen     int
	methods []flows.Method
	err     error
}

func (m *Model) onMethods(msg methodsMsg) tea.Cmd {
	if msg.gen != m.methodsGen || m.flow != flows.FlowDirect || msg.err != nil || len(msg.methods) == 0 {
		return nil // stale, or keep the catalogue
	}
	m.methodList = m.methodList.SetMethods(sameNames(msg.methods), false, true)
	return nil
}

func (m *Model) onSessionStarted(msg sessionStartedMsg) tea.Cmd {
	if !m.finish(msg.attempt) {
		return nil // stale: the clerk went back or started over
	}
	if msg.err != nil {
		m.processing = m.processing.End(true, plainError(msg.err))
		m.screen = screenAmount
		m.amount.message = m.t.S("Could not create the session") + ": " + plainError(msg.err)
		if fe := (flows.FieldErrors{}); errors.As(msg.err, &fe) && fe.For(flows.FieldOrderNum) != "" {
			// A typed order number another sale has: keep the clerk on
			// the field to change it.
			m.amount.errs = fe
			return m.amountFocus(fieldOrder)
		}
		return nil
	}
	m.sale = msg.sale
	m.checkout = msg.sale.Checkout
	m.processing = m.processing.End(false, m.showID(msg.sale.SessionID()))
	m.methodList = m.methodList.SetMethods(msg.sale.Methods, true, false)
	m.screen = screenMethod
	return nil
}

// plainError is an error in plain words: KOMOJU's message when there is one.
func plainError(err error) string {
	var ke *komoju.Error
	if errors.As(err, &ke) {
		return flows.ErrorMessage(ke)
	}
	var fe flows.FieldErrors
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return err.Error()
}

// View draws the keypad's amount (big when there is room, or in
// presenter mode) and the fields.
func (a amountModel) View() string {
	m := a
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render(m.t.S("Amount")) + "  " + st.Muted.Render(m.t.S("Type the amount on the keypad")) + "\n\n")
	amt := a.formatted()
	if m.height >= 20 || m.demo {
		b.WriteString(indent(bigText(amt), 2) + "\n")
		b.WriteString("  " + st.Value.Render(amt) + "  " + st.Muted.Render(a.currency) + "\n")
	} else {
		b.WriteString("  " + st.Big.Render(amt) + "  " + st.Muted.Render(a.currency) + "\n")
	}
	if msg := a.errs.For(flows.FieldAmount); msg != "" {
		b.WriteString("  " + st.Err.Render(m.t.S("Amount")+" "+msg) + "\n")
	} else if a.message != "" {
		b.WriteString("  " + st.Warn.Render(a.message) + "\n")
	} else {
		b.WriteString("\n")
	}
	labels := []string{m.t.S("Order number"), m.t.S("Email"), m.t.S("Customer name"), m.t.S("Description"), m.t.S("Tax")}
	fields := []string{flows.FieldOrderNum, flows.FieldEmail, flows.FieldName, flows.FieldDescription, flows.FieldTax}
	for i, in := range a.inputs {
		cursor := "  "
		if a.focus == i+1 {
			cursor = st.Selected.Render("› ")
		}
		b.WriteString(cursor + st.Label.Render(padRight(labels[i], 14)) + in.View() + "\n")
		if msg := a.errs.For(fields[i]); msg != "" {
			b.WriteString("    " + st.Err.Render(labels[i]+" "+msg) + "\n")
		}
	}
	return b.String()
}

func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func padRight(s string, w int) string {
	if d := w - lipgloss.Width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s + " "
}
