package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// 3-D Secure for Method 2 card sales (flows' PayCard3DS): the card goes to
// a secure token instead of straight into a payment; when the issuer wants
// the customer to confirm, the 3-D Secure screen shows the authentication
// link and its QR code (as Method 1 shows its payment page) and follows the
// token until the customer is done, then the payment's result is shown as
// any other. The clerk can switch 3-D Secure off for one attempt on the
// card form (ctrl+o); the result and the receipt then say it was skipped.

// secure3DSTimeout bounds how long the till waits for the customer's
// authentication (the token stays valid; nothing is charged meanwhile).
const secure3DSTimeout = 15 * time.Minute

// secureState is the console's 3-D Secure state.
type secureState struct {
	skip    bool                     // the clerk switched 3-D Secure off for the next attempt
	pending *flows.Card3DS           // the sale waiting for the customer's authentication
	waiting flows.Outcome            // what the 3-D Secure screen shows
	results map[string]flows.ThreeDS // 3-D Secure result per order number, for the result and receipt
}

// card3DSMsg answers PayCard3DS or Complete3DS.
type card3DSMsg struct {
	attempt int
	res     flows.Card3DSResult
	err     error
}

// toggle3DSKey switches 3-D Secure off (or on again) on the card form.
func toggle3DSKey() key.Binding {
	return key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "3-D Secure on/off"))
}

// uses3DS reports whether the sale's card goes through 3-D Secure: Method
// 2 card payments (Method 1 sessions run their own 3-D Secure).
func (m Model) uses3DS() bool {
	return m.flow == flows.FlowDirect && m.method.Type == komoju.TypeCreditCard
}

// pay3DS sends a Method 2 card payment through flows' PayCard3DS. d holds
// the card secrets for this one call only (the form's copy is wiped).
func (m *Model) pay3DS(co flows.Checkout, d flows.Details, opts flows.PayOptions) tea.Cmd {
	skip := m.sec.skip
	m.sec.skip = false // a skip is for one attempt
	label := m.t.S("Checking the card (3-D Secure)")
	if skip {
		label = m.t.S("Creating payment (3-D Secure skipped)")
	}
	id, ctx := m.begin(opPay, true, payTimeout)
	m.processing = m.processing.Start(step{label: label, state: stepActive})
	m.outcome = nil
	m.browser = ""
	m.status = ""
	m.screen = screenProcessing
	eng := m.eng
	return tea.Batch(func() tea.Msg {
		r, err := eng.PayCard3DS(ctx, co, d, opts, skip)
		return card3DSMsg{attempt: id, res: r, err: err}
	}, m.spin.Tick)
}

// on3DS shows the authentication link and follows it, or hands a final
// result to the result screen.
func (m *Model) on3DS(msg card3DSMsg) tea.Cmd {
	r := msg.res
	if m.busy == nil || m.busy.id != msg.attempt {
		if r.Pending != nil {
			// Nobody shows this link any more: end the sale (not charged).
			eng, p, ctx := m.eng, *r.Pending, m.ctx
			return func() tea.Msg { _, _ = eng.Abandon3DS(ctx, p); return nil }
		}
		return nil
	}
	if r.Pending == nil {
		m.sec.pending = nil
		if r.ThreeDS != flows.ThreeDSNone && r.Outcome.OrderNum != "" {
			if m.sec.results == nil {
				m.sec.results = map[string]flows.ThreeDS{}
			}
			m.sec.results[r.Outcome.OrderNum] = r.ThreeDS
		}
		return m.onPayResult(payResultMsg{attempt: msg.attempt, outcome: r.Outcome, err: msg.err})
	}
	m.finish(msg.attempt)
	p := *r.Pending
	m.sec.pending = &p
	m.sec.waiting = r.Outcome
	m.screen = screen3DS
	var cmds []tea.Cmd
	switch {
	case m.opts.NoBrowser:
		m.browser = m.t.S("--no-browser: the page was not opened. Show the QR code or the link.")
	case m.noBrowser:
		m.browser = m.t.S("No browser here: the page was not opened. Show the QR code or the link.")
	default:
		m.browser = m.t.S("Opening the page in the browser…")
		cmds = append(cmds, openURLCmd(m.opts.OpenURL, p.AuthenticationURL))
	}
	id, ctx := m.begin(opPay, true, secure3DSTimeout)
	eng := m.eng
	cmds = append(cmds, func() tea.Msg {
		res, err := eng.Complete3DS(ctx, p)
		return card3DSMsg{attempt: id, res: res, err: err}
	}, m.spin.Tick)
	return tea.Batch(cmds...)
}

// secureModel is the 3-D Secure screen: what the customer must do, the
// authentication link and its QR code, and that the till follows it, with
// its own keys and help. The token and the call that waits for it are the
// root's: the screen is handed what it shows (secureView) and asks the
// root for the rest.
type secureModel struct {
	common
	keys    secureKeys
	sandbox bool // the embedded sandbox: P authenticates as the customer
}

// secureKeys are the 3-D Secure screen's keys.
type secureKeys struct{ OpenLink, CopyLink, Stop, SandboxAuth key.Binding }

func newSecureModel(c common, k KeyMap, sandbox bool) secureModel {
	return secureModel{common: c, sandbox: sandbox, keys: secureKeys{OpenLink: k.OpenLink, CopyLink: k.CopyLink,
		Stop:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", c.t.S("stop waiting"))),
		SandboxAuth: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", c.t.S("sandbox: customer authenticates")))}}
}

// ShortHelp is the footer's part.
func (sm secureModel) ShortHelp() []key.Binding {
	b := []key.Binding{sm.keys.OpenLink, sm.keys.CopyLink, sm.keys.Stop}
	if sm.sandbox {
		b = append(b, sm.keys.SandboxAuth)
	}
	return b
}

// What the 3-D Secure screen asks of the root.
type (
	secureOpenMsg    struct{}
	secureCopyMsg    struct{}
	secureStopMsg    struct{}
	secureSandboxMsg struct{}
)

// Update turns keys into asks: o opens the link, u copies it, esc stops
// waiting (nothing is charged; the result says so), P in the sandbox
// authenticates as the customer would.
func (sm secureModel) Update(msg tea.Msg) (secureModel, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return sm, nil
	}
	k := sm.keys
	switch {
	case key.Matches(km, k.OpenLink):
		return sm, ask(secureOpenMsg{})
	case key.Matches(km, k.CopyLink):
		return sm, ask(secureCopyMsg{})
	case key.Matches(km, k.Stop):
		return sm, ask(secureStopMsg{})
	case key.Matches(km, k.SandboxAuth) && sm.sandbox:
		return sm, ask(secureSandboxMsg{})
	}
	return sm, nil
}

// onSecureAsk does what the 3-D Secure screen asked.
func (m *Model) onSecureAsk(msg tea.Msg) tea.Cmd {
	p := m.sec.pending
	if m.screen != screen3DS || p == nil {
		return nil
	}
	switch msg.(type) {
	case secureOpenMsg:
		m.browser = m.t.S("Opening the page in the browser…")
		return openURLCmd(m.opts.OpenURL, p.AuthenticationURL)
	case secureCopyMsg:
		return m.copyLink()
	case secureStopMsg:
		if m.busy != nil && m.busy.cancel != nil {
			// Complete3DS sees its context end, finishes the sale as not
			// charged and answers; the result screen shows that.
			m.busy.cancel()
		}
	case secureSandboxMsg:
		if m.opts.SandboxURL == "" {
			return nil
		}
		target := strings.TrimRight(m.opts.SandboxURL, "/") + "/sandbox/secure_tokens/" + url.PathEscape(p.TokenID) + "/authenticate"
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := postNoRedirect(ctx, target, url.Values{"code": {"123456"}}.Encode()); err != nil {
				return savedMsg{text: "Sandbox", err: err}
			}
			return savedMsg{text: "Sandbox: the customer authenticated (123456)"}
		}
	}
	return nil
}

// secureView is what the 3-D Secure screen shows, handed over by the root.
type secureView struct {
	token     *flows.Card3DS
	amount    string // the sale's total, formatted
	message   string // the waiting outcome's sentence
	card      string // brand and last four
	browser   string // what opening the page did
	spin      string // the spinner's frame, when following
	following bool
	qr        qrCache
	bodyH     int
}

// View draws v.
func (sm secureModel) View(v secureView) string {
	p := v.token
	if p == nil {
		return ""
	}
	m, st := sm, sm.st
	var left strings.Builder
	left.WriteString(st.Warn.Render(m.t.S("3-D SECURE: CUSTOMER CONFIRMS WITH THEIR CARD ISSUER")) + "\n")
	left.WriteString(st.Value.Render(v.amount) + "\n")
	code := v.qr.get(p.AuthenticationURL, m.qrBox(v.bodyH))
	leftW := m.width - 2
	if code.w > 0 {
		leftW = m.width - code.w - 2
	}
	wrapW := max(leftW-2, 20)
	left.WriteString(wrap(v.message, wrapW) + "\n")
	row := func(label, value string) {
		if value != "" {
			left.WriteString(st.Label.Render(padRight(m.t.S(label), 11)) + termtext.Line(value) + "\n")
		}
	}
	row("Card", v.card)
	row("Order", p.OrderNum)
	// The link goes under everything on a full-width line: a wrapped
	// URL can be neither clicked nor copied.
	links := []string{m.t.S("Link"), m.showURL(p.AuthenticationURL, p.TokenID)}
	if v.browser != "" {
		left.WriteString(st.Muted.Render(wrap(v.browser, wrapW)) + "\n")
	}
	if v.following {
		left.WriteString(v.spin + " " + st.Muted.Render(m.t.S("following the status live")) + "\n")
	}
	if sm.sandbox {
		left.WriteString(st.Muted.Render(wrap(m.t.S("Sandbox: on the page 123456 authenticates and 111111 fails; P authenticates here."), wrapW)) + "\n")
	}
	if code.val == "" {
		left.WriteString(st.Muted.Render(m.t.S("(widen the window to show the QR code)")))
		return m.withLinks(left.String(), "", 0, v.bodyH, links)
	}
	right := code.val + "\n" + centerText(m.t.S("Scan to pay"), code.w)
	if lipgloss.Height(right) > v.bodyH {
		right = code.val
	}
	return m.withLinks(left.String(), right, leftW, v.bodyH, links)
}

// threeDSNote is the "3-D Secure" line of a result or receipt, or "".
func (m Model) threeDSNote(o *flows.Outcome) string {
	if o == nil || o.OrderNum == "" {
		return ""
	}
	switch m.sec.results[o.OrderNum] {
	case flows.ThreeDSAuthenticated:
		return m.t.S("authenticated")
	case flows.ThreeDSNotApplicable:
		return m.t.S("not applicable to this card")
	case flows.ThreeDSSkipped:
		return m.t.S("skipped by the clerk (no liability shift)")
	case flows.ThreeDSFailed:
		return m.t.S("not completed")
	}
	return ""
}

// postNoRedirect posts a form to a sandbox page endpoint as the customer's
// browser would, without following the answer's redirect to the return
// URL (that page is for the customer's browser, not the till).
func postNoRedirect(ctx context.Context, target, form string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP %d from %s", resp.StatusCode, target)
	}
	return nil
}
