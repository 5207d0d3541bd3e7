package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// methodModel is the method screen: the list of what the sale can be
// paid with (and, with Method 1, "Customer pays on their phone"), with its
// own keys and help. The root sets the list and asks it for the choice;
// flow, capture and the sale's amount are the root's and are passed to
// View.
type methodModel struct {
	common
	keys     methodKeys
	methods  []flows.Method
	ix       int
	phoneRow bool
}

// methodKeys are the method screen's keys.
type methodKeys struct {
	ToggleFlow, ToggleCapture, Choose, Up, Down, Back key.Binding
}

func newMethodModel(c common, k KeyMap) methodModel {
	return methodModel{common: c, keys: methodKeys{ToggleFlow: k.ToggleFlow, ToggleCapture: k.ToggleCapture, Choose: k.Continue, Up: k.Up, Down: k.Down, Back: k.Back}}
}

// ShortHelp is the footer's part: m and c first, as at 80 columns the
// arrows are what gets cut.
func (k methodKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.ToggleFlow, k.ToggleCapture, k.Choose, k.Up, k.Down, k.Back}
}

// What the method screen asks of the root.
type (
	methodBackMsg          struct{}
	methodToggleFlowMsg    struct{}
	methodToggleCaptureMsg struct{}
	methodChosenMsg        struct{ method flows.Method }
	methodPhoneMsg         struct{}
)

// SetMethods shows ms; phone adds the "Customer pays on their phone" row.
// keep keeps the cursor where it is (a refreshed list of the same sale).
func (mm methodModel) SetMethods(ms []flows.Method, phone, keep bool) methodModel {
	mm.methods, mm.phoneRow = ms, phone
	if !keep {
		mm.ix = 0
	}
	mm.ix = max(min(mm.ix, mm.choices()-1), 0)
	return mm
}

// choices is how many rows the list has.
func (mm methodModel) choices() int {
	n := len(mm.methods)
	if mm.phoneRow {
		n++
	}
	return n
}

// Update moves the cursor and asks the root for the rest.
func (mm methodModel) Update(msg tea.Msg) (methodModel, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return mm, nil
	}
	k := mm.keys
	n := mm.choices()
	switch {
	case key.Matches(km, k.Up):
		if n > 0 {
			mm.ix = (mm.ix + n - 1) % n
		}
	case key.Matches(km, k.Down):
		if n > 0 {
			mm.ix = (mm.ix + 1) % n
		}
	case key.Matches(km, k.Back):
		return mm, ask(methodBackMsg{})
	case key.Matches(km, k.ToggleFlow):
		return mm, ask(methodToggleFlowMsg{})
	case key.Matches(km, k.ToggleCapture):
		return mm, ask(methodToggleCaptureMsg{})
	case key.Matches(km, k.Choose):
		switch {
		case n == 0:
		case mm.ix >= len(mm.methods):
			return mm, ask(methodPhoneMsg{})
		default:
			return mm, ask(methodChosenMsg{method: mm.methods[mm.ix]})
		}
	}
	return mm, nil
}

// onMethodAsk does what the method screen asked.
func (m *Model) onMethodAsk(msg tea.Msg) tea.Cmd {
	if m.screen != screenMethod {
		return nil
	}
	switch msg := msg.(type) {
	case methodBackMsg:
		m.screen = screenAmount
	case methodToggleFlowMsg:
		var abandon tea.Cmd
		if m.flow == flows.FlowSession {
			m.flow = flows.FlowDirect
			// Method 2 does not use the session: cancel it, and show no
			// order number until the payment has one (unless the clerk
			// typed it), so the screen never names another sale's number.
			abandon = m.abandon()
			m.checkout.OrderNum = m.amount.input(fieldOrder)
		} else {
			m.flow = flows.FlowSession
		}
		m.checkout.Flow = m.flow
		m.methodList.ix = 0
		return tea.Batch(abandon, m.loadMethods())
	case methodToggleCaptureMsg:
		if m.capture == komoju.CaptureManual {
			m.capture = komoju.CaptureAuto
		} else {
			m.capture = komoju.CaptureManual
		}
		m.checkout.Capture = m.capture
	case methodChosenMsg:
		return m.chooseMethod(msg.method)
	case methodPhoneMsg:
		return m.startPhone()
	}
	return nil
}

// chooseMethod opens the details form, or pays at once for methods that
// take no input (wallets: the customer approves in their app).
func (m *Model) chooseMethod(meth flows.Method) tea.Cmd {
	m.method = meth
	m.phone = false
	if m.details.method.Type != meth.Type {
		m.details = newDetailsData(meth)
	}
	if m.scanning(meth) {
		return m.openScan()
	}
	if len(meth.Fields()) == 0 {
		return m.pay()
	}
	return m.openDetails()
}

// startPhone shows the session page as a QR code for the customer's phone
// and follows the session until it is paid.
func (m *Model) startPhone() tea.Cmd {
	if m.sale == nil || m.sale.Session == nil {
		return nil
	}
	m.phone = true
	o := flows.SessionOutcome(m.sale.Session)
	m.outcome = &o
	m.browser = ""
	m.lastUpdate = ""
	m.screen = screenResult
	return tea.Batch(m.startWatch(flows.Target{SessionID: m.sale.SessionID()}), m.spin.Tick)
}

// View draws the method screen for a sale of co in flow and capture.
func (mm methodModel) View(co flows.Checkout, flow flows.Flow, capture komoju.CaptureMode, bodyH int) string {
	st, t := mm.st, mm.t
	var b strings.Builder
	b.WriteString(st.Title.Render(t.S("Payment method")) + "  " +
		st.Value.Render(komoju.FormatAmount(co.Total(), co.Currency)))
	if co.OrderNum != "" {
		b.WriteString("  " + st.Muted.Render(t.S("Order")+" "+co.OrderNum))
	} else {
		// Method 2 numbers each attempt when it is sent.
		b.WriteString("  " + st.Muted.Render(t.S("Order")+" "+t.S("automatic (POS-TILL-YYYYMMDD-NNNN)")))
	}
	b.WriteString("\n")
	// The dot carries the state without colour (NO_COLOR, monochrome).
	toggle := func(on bool, s string) string {
		if on {
			return st.ToggleOn.Render("● " + s + " ")
		}
		return st.Toggle.Render("○ " + s + " ")
	}
	flowT := "[m] " + toggle(flow == flows.FlowSession, t.S("Method 1: session")) + toggle(flow == flows.FlowDirect, t.S("Method 2: direct"))
	capT := "[c] " + toggle(capture == komoju.CaptureAuto, t.S("capture auto")) + toggle(capture == komoju.CaptureManual, t.S("capture manual"))
	rows := bodyH - 5
	if lipgloss.Width(flowT+"   "+capT) <= mm.width {
		b.WriteString(flowT + "   " + capT + "\n\n")
	} else {
		b.WriteString(flowT + "\n" + capT + "\n\n")
		rows--
	}
	start := 0
	if mm.ix >= rows && rows > 0 {
		start = mm.ix - rows + 1
	}
	n := mm.choices()
	for i := start; i < n && i < start+max(rows, 1); i++ {
		cursor := "  "
		style := st.App
		if i == mm.ix {
			cursor = st.Selected.Render("› ")
			style = st.Selected
		}
		if i >= len(mm.methods) {
			b.WriteString(cursor + style.Render(t.S("Customer pays on their phone")) + "  " + st.Muted.Render(t.S("QR code of the payment page")) + "\n")
			continue
		}
		meth := mm.methods[i]
		var marks []string
		if meth.Offsite {
			marks = append(marks, "↗ "+t.S("offsite"))
		}
		if meth.Async {
			marks = append(marks, "⏳ "+t.S("async"))
		}
		if meth.CustomerFee > 0 {
			marks = append(marks, "+"+komoju.FormatAmount(meth.CustomerFee, co.Currency)+" "+t.S("fee"))
		}
		line := cursor + style.Render(padRight(meth.Name(t.lang), 30))
		if len(marks) > 0 {
			line += st.Muted.Render(strings.Join(marks, "  "))
		}
		b.WriteString(line + "\n")
	}
	if n == 0 {
		b.WriteString(st.Warn.Render(t.S("No payment method is available for this sale.")) + "\n")
	}
	return b.String()
}
