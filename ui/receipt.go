package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// receiptText is the plain-text receipt of a paid outcome. It holds the
// card brand and last four digits only.
func (m Model) receiptText(o *flows.Outcome) string {
	p := o.Payment
	var b strings.Builder
	line := strings.Repeat("-", 36)
	// row pads the label by terminal cells: %-14s counts runes, which
	// misaligns Japanese labels (two cells each).
	row := func(label, value string) { b.WriteString(padRight(label, 14) + " " + value + "\n") }
	fmt.Fprintf(&b, "%s\n%s\n%s\n", "KOMOJU POS", m.t.S("RECEIPT"), line)
	row(m.t.S("Date"), m.opts.Now().Format("2006-01-02 15:04"))
	if o.OrderNum != "" {
		row(m.t.S("Order"), o.OrderNum)
	}
	if p != nil {
		cur := p.Currency
		row(m.t.S("Amount"), komoju.FormatAmount(p.Amount, cur))
		if p.Tax > 0 {
			row(m.t.S("Tax"), komoju.FormatAmount(p.Tax, cur))
		}
		if p.PaymentMethodFee > 0 {
			row(m.t.S("Fee"), komoju.FormatAmount(p.PaymentMethodFee, cur))
		}
		row(m.t.S("Total"), komoju.FormatAmount(authorizedTotal(p), cur))
		if p.AmountRefunded > 0 {
			row(m.t.S("Refunded"), komoju.FormatAmount(p.AmountRefunded, cur))
		}
		row(m.t.S("Method"), m.methodText(p))
		if n := m.threeDSNote(o); n != "" {
			row("3-D Secure", n)
		}
		row(m.t.S("Payment id"), p.ID)
		row(m.t.S("Status"), string(p.Status))
	}
	fmt.Fprintf(&b, "%s\n%s\n", line, m.t.S("Thank you!"))
	return b.String()
}

// receiptName is a file name for the receipt of o.
func receiptName(o *flows.Outcome) string {
	id := o.OrderNum
	if id == "" {
		id = o.PaymentID()
	}
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id)
	return "receipt-" + clean + ".txt"
}

func (m *Model) saveReceipt() tea.Cmd {
	o := m.outcome
	text := m.receiptText(o)
	dir := m.opts.ReceiptDir
	name := receiptName(o)
	return func() tea.Msg {
		path, err := saveNew(dir, name, []byte(text))
		if err != nil {
			return savedMsg{text: "Could not save the receipt", err: err}
		}
		abs, _ := filepath.Abs(path)
		return savedMsg{text: "Receipt saved to " + abs}
	}
}

func (m *Model) printReceipt() tea.Cmd {
	text := m.receiptText(m.outcome)
	lp := m.lpPath
	ctx := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, lp)
		cmd.Stdin = strings.NewReader(text)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return savedMsg{text: "Printing failed", err: fmt.Errorf("%v %s", err, strings.TrimSpace(out.String()))}
		}
		return savedMsg{text: "Sent to the printer: " + strings.TrimSpace(out.String())}
	}
}

// sandboxPayCmd presses the sandbox customer's button for a payment: "paid
// at the store" for cash methods, the 3-D Secure code 123456 for cards,
// "approve" for wallets. Only offered in sandbox mode, where SandboxURL is
// set; the real customer presses the same buttons on the hosted pages.
func sandboxPayCmd(base, paymentID string, t komoju.PaymentType) tea.Cmd {
	action, form := "approve", ""
	switch {
	case t.IsAsync():
		action = "pay_at_store"
	case t == komoju.TypeCreditCard:
		action, form = "3ds", url.Values{"code": {"123456"}}.Encode()
	}
	target := strings.TrimRight(base, "/") + "/sandbox/payments/" + paymentID + "/" + action
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sandboxPost(ctx, target, form); err != nil {
			return savedMsg{text: "Sandbox", err: err}
		}
		return savedMsg{text: "Sandbox: the customer finished (" + action + ")"}
	}
}

// sandboxPost posts a form to a sandbox page endpoint.
func sandboxPost(ctx context.Context, target, form string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP %d from %s", resp.StatusCode, target)
	}
	return nil
}
