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
	"github.com/komoju-tui/komoju-tui/flows/receipt"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// slipWord is a receipt word (flows/words "slip_…") in the model's
// language.
func (m Model) slipWord(id string, args ...any) string {
	s, ok := words.Lookup(id, m.t.lang)
	if !ok {
		s = id
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// receipt is the receipt of an outcome (flows/receipt): shop and till from
// the options, the sale's line items or description, the payment as
// KOMOJU returned it, and the SANDBOX/TEST mark outside LIVE.
func (m Model) receipt(o *flows.Outcome) receipt.Receipt {
	r := receipt.Receipt{
		Shop:     m.opts.Shop,
		Mode:     m.opts.Mode,
		Till:     m.opts.Till,
		Lang:     m.t.lang,
		OrderNum: o.OrderNum,
		Payment:  o.Payment,
		ThreeDS:  m.threeDSNote(o),
		Now:      m.opts.Now(),
	}
	if r.Shop.Name == "" {
		r.Shop.Name = "KOMOJU POS"
	}
	if o == m.outcome { // the sale just taken: its own items

		for _, li := range m.checkout.LineItems {
			r.Lines = append(r.Lines, receipt.Line{Description: li.Description, Quantity: li.Quantity, Unit: li.Amount})
		}
	}
	return r
}

// receiptText is the plain-text receipt of an outcome. It holds the card
// brand and last four digits only.
func (m Model) receiptText(o *flows.Outcome) string { return m.receipt(o).Text() }

// receiptName is a file name for the receipt of o.
func receiptName(o *flows.Outcome) string {
	return receipt.Receipt{OrderNum: o.OrderNum, Payment: o.Payment}.FileName()
}

// hasReceipt reports a payment a receipt can be given for (receipt.For).
func hasReceipt(p *komoju.Payment) bool { return receipt.For(p) }

// paymentOutcome is the payment on the details screen as an outcome, for
// its receipt (a reprint from History, refunds included).
func (m Model) paymentOutcome() *flows.Outcome {
	return &flows.Outcome{Kind: flows.OutcomePaid, Payment: m.payment, OrderNum: m.payment.OrderNum()}
}

// saveReceipt saves the receipt of the sale on the result screen.
func (m *Model) saveReceipt() tea.Cmd { return m.saveReceiptOf(m.outcome) }

// printReceipt prints the receipt of the sale on the result screen.
func (m *Model) printReceipt() tea.Cmd { return m.printReceiptOf(m.outcome) }

// saveReceiptOf saves the receipt under the data directory (ReceiptDir),
// 0600 and never over another file.
func (m *Model) saveReceiptOf(o *flows.Outcome) tea.Cmd {
	r := m.receipt(o)
	dir := m.opts.ReceiptDir
	saved, failed := m.slipWord("slip_saved"), m.slipWord("slip_save_failed")
	return func() tea.Msg {
		path, err := receipt.SaveNew(dir, r.FileName(), []byte(r.Text()))
		if err != nil {
			return savedMsg{text: failed, err: err}
		}
		abs, _ := filepath.Abs(path)
		return savedMsg{text: fmt.Sprintf(saved, abs)}
	}
}

// canPrint reports a way to print: the configured printer, or lp.
func (m *Model) canPrint() bool { return m.opts.Printer.Configured() || m.lpPath != "" }

// printReceiptOf prints the receipt on the configured printer (ESC/POS
// or text, to a device or host:9100, within its timeout); without one, it
// hands the text to lp.
func (m *Model) printReceiptOf(o *flows.Outcome) tea.Cmd {
	r := m.receipt(o)
	ctx := m.ctx
	if p := m.opts.Printer; p.Configured() {
		name := p.Target.String()
		m.status, m.statusOK = m.slipWord("slip_printing", name), true
		printed, failed := m.slipWord("slip_printed", name), m.slipWord("slip_print_failed")
		return func() tea.Msg {
			if err := p.Print(ctx, r); err != nil {
				return savedMsg{text: failed, err: err}
			}
			return savedMsg{text: printed}
		}
	}
	text := r.Text()
	lp := m.lpPath
	failed, sent := m.slipWord("slip_print_failed"), m.slipWord("slip_sent_lp")
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, lp)
		cmd.Stdin = strings.NewReader(text)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return savedMsg{text: failed, err: fmt.Errorf("lp: %v %s", err, strings.TrimSpace(out.String()))}
		}
		return savedMsg{text: fmt.Sprintf(sent, strings.TrimSpace(out.String()))}
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
