package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// methodChoices is how many rows the method list has: the methods, plus
// "Customer pays on their phone" with Method 1.
func (m Model) methodChoices() int {
	n := len(m.methods)
	if m.flow == flows.FlowSession && m.sale != nil {
		n++
	}
	return n
}

func (m *Model) updateMethod(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	k := m.keys
	n := m.methodChoices()
	switch {
	case key.Matches(km, k.Up):
		if n > 0 {
			m.methodIx = (m.methodIx + n - 1) % n
		}
	case key.Matches(km, k.Down):
		if n > 0 {
			m.methodIx = (m.methodIx + 1) % n
		}
	case key.Matches(km, k.Back):
		m.screen = screenAmount
	case key.Matches(km, k.ToggleFlow):
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
		m.methodIx = 0
		return tea.Batch(abandon, m.loadMethods())
	case key.Matches(km, k.ToggleCapture):
		if m.capture == komoju.CaptureManual {
			m.capture = komoju.CaptureAuto
		} else {
			m.capture = komoju.CaptureManual
		}
		m.checkout.Capture = m.capture
	case key.Matches(km, k.Continue):
		if n == 0 {
			return nil
		}
		if m.methodIx >= len(m.methods) {
			return m.startPhone()
		}
		return m.chooseMethod(m.methods[m.methodIx])
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

func (m Model) viewMethod() string {
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render(m.t.S("Payment method")) + "  " +
		st.Value.Render(komoju.FormatAmount(m.checkout.Total(), m.checkout.Currency)))
	if m.checkout.OrderNum != "" {
		b.WriteString("  " + st.Muted.Render(m.t.S("Order")+" "+m.checkout.OrderNum))
	} else {
		// Method 2 numbers each attempt when it is sent.
		b.WriteString("  " + st.Muted.Render(m.t.S("Order")+" "+m.t.S("automatic (POS-YYYYMMDD-NNNN)")))
	}
	b.WriteString("\n")
	// The dot carries the state without colour (NO_COLOR, monochrome).
	toggle := func(on bool, s string) string {
		if on {
			return st.ToggleOn.Render("● " + s + " ")
		}
		return st.Toggle.Render("○ " + s + " ")
	}
	flowT := "[m] " + toggle(m.flow == flows.FlowSession, m.t.S("Method 1: session")) + toggle(m.flow == flows.FlowDirect, m.t.S("Method 2: direct"))
	capT := "[c] " + toggle(m.capture == komoju.CaptureAuto, m.t.S("capture auto")) + toggle(m.capture == komoju.CaptureManual, m.t.S("capture manual"))
	rows := m.bodyHeight() - 5
	if lipgloss.Width(flowT+"   "+capT) <= m.width {
		b.WriteString(flowT + "   " + capT + "\n\n")
	} else {
		b.WriteString(flowT + "\n" + capT + "\n\n")
		rows--
	}
	start := 0
	if m.methodIx >= rows && rows > 0 {
		start = m.methodIx - rows + 1
	}
	n := m.methodChoices()
	for i := start; i < n && i < start+max(rows, 1); i++ {
		cursor := "  "
		style := st.App
		if i == m.methodIx {
			cursor = st.Selected.Render("› ")
			style = st.Selected
		}
		if i >= len(m.methods) {
			b.WriteString(cursor + style.Render(m.t.S("Customer pays on their phone")) + "  " + st.Muted.Render(m.t.S("QR code of the payment page")) + "\n")
			continue
		}
		meth := m.methods[i]
		var marks []string
		if meth.Offsite {
			marks = append(marks, "↗ "+m.t.S("offsite"))
		}
		if meth.Async {
			marks = append(marks, "⏳ "+m.t.S("async"))
		}
		if meth.CustomerFee > 0 {
			marks = append(marks, "+"+komoju.FormatAmount(meth.CustomerFee, m.checkout.Currency)+" "+m.t.S("fee"))
		}
		line := cursor + style.Render(padRight(meth.Name(m.t.lang), 30))
		if len(marks) > 0 {
			line += st.Muted.Render(strings.Join(marks, "  "))
		}
		b.WriteString(line + "\n")
	}
	if n == 0 {
		b.WriteString(st.Warn.Render(m.t.S("No payment method is available for this sale.")) + "\n")
	}
	return b.String()
}
