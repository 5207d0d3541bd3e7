package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// The processing screen on its own: steps with their marks, esc asks the
// root to stop waiting, other keys do nothing, and End marks the active
// step.
func TestProcessingModel(t *testing.T) {
	c := common{width: 80, height: 24, st: newStyles(), t: newTr("en")}
	pm := newProcessingModel(c, newKeyMap(c.t)).Start(
		step{label: "Creating session", state: stepDone, note: "sess1"},
		step{label: "Paying (Credit card)", state: stepActive})
	v := ansi.Strip(pm.View("¥1,000", "*"))
	for _, want := range []string{"Processing  ¥1,000", "✓ Creating session  sess1", "* Paying (Credit card) …", "esc cancels this step"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if _, cmd := pm.Update(keyMsg("x")); cmd != nil {
		t.Error("x did something on the processing screen")
	}
	_, cmd := pm.Update(keyMsg("esc"))
	if cmd == nil {
		t.Fatal("esc asked nothing")
	}
	if _, ok := cmd().(processingCancelMsg); !ok {
		t.Fatalf("esc asked %T", cmd())
	}
	done := pm.End(true, "cancelled")
	if v := ansi.Strip(done.View("¥1,000", "*")); !strings.Contains(v, "✗ Paying (Credit card)  cancelled") {
		t.Errorf("after End:\n%s", v)
	}
	if pm.steps[1].state != stepActive {
		t.Error("End changed the model it was called on")
	}
	ja := newProcessingModel(common{st: newStyles(), t: newTr("ja")}, newKeyMap(newTr("ja")))
	if v := ja.View("¥1,000", "*"); strings.Contains(v, "Processing") || strings.Contains(v, "esc cancels") {
		t.Errorf("ja view has English:\n%s", v)
	}
}

// The payment screen on its own: keys become asks for the root, the help
// lists what the payment allows, and the view names no action it does not.
func TestPaymentModelKeysAndHelp(t *testing.T) {
	tr := newTr("en")
	c := common{width: 120, height: 40, st: newStyles(), t: tr, now: func() time.Time { return fixedNow }}
	pm := newPaymentModel(c, newKeyMap(tr))
	p := &komoju.Payment{ID: "pay_1", Status: komoju.PaymentCaptured, Currency: "JPY", Amount: 1000, Total: 1000}
	for k, want := range map[string]any{"esc": paymentBackMsg{}, "h": paymentHistoryMsg{}, "n": paymentNewSaleMsg{}, "u": paymentCopyLinkMsg{}, "s": paymentReceiptMsg{}, "p": paymentReceiptMsg{print: true}} {
		_, cmd := pm.Update(keyMsg(k), p)
		if cmd == nil || cmd() != want {
			t.Errorf("%s asked %v, want %T", k, cmd, want)
		}
	}
	_, cmd := pm.Update(keyMsg("f"), p)
	if cmd == nil {
		t.Fatal("f asked nothing")
	}
	if a, ok := cmd().(paymentActionMsg); !ok || a.key.String() != "f" {
		t.Fatalf("f asked %v", cmd())
	}
	if _, cmd := pm.Update(keyMsg("f"), nil); cmd != nil {
		t.Error("a key without a payment asked something")
	}
	var help []string
	for _, b := range pm.ShortHelp(flows.AllowedActions(p), false, false, false) {
		help = append(help, b.Help().Key)
	}
	if got := strings.Join(help, " "); got != "f F esc n g h" {
		t.Errorf("help keys %q", got)
	}
	help = nil
	for _, b := range pm.ShortHelp(flows.AllowedActions(p), false, true, true) {
		help = append(help, b.Help().Key)
	}
	if got := strings.Join(help, " "); got != "f F s p esc n g h" {
		t.Errorf("help keys with a receipt and a printer %q", got)
	}
	v := ansi.Strip(pm.View(p, nil, qrCache{}, 30))
	if !strings.Contains(v, "Actions: Refund · Refresh") || strings.Contains(v, "Capture") {
		t.Errorf("view:\n%s", v)
	}
}

// The 3-D Secure screen on its own: keys become asks, P only with the
// embedded sandbox, and the view shows the link on one line.
func TestSecureModelKeysAndView(t *testing.T) {
	tr := newTr("en")
	c := common{width: 80, height: 24, st: newStyles(), t: tr}
	for _, sandbox := range []bool{false, true} {
		sm := newSecureModel(c, newKeyMap(tr), sandbox)
		for k, want := range map[string]any{"o": secureOpenMsg{}, "u": secureCopyMsg{}, "esc": secureStopMsg{}} {
			_, cmd := sm.Update(keyMsg(k))
			if cmd == nil || cmd() != want {
				t.Errorf("%s asked %v, want %T", k, cmd, want)
			}
		}
		_, cmd := sm.Update(keyMsg("P"))
		if (cmd != nil) != sandbox {
			t.Errorf("sandbox=%v: P asked %v", sandbox, cmd)
		}
		if n := len(sm.ShortHelp()); (n == 4) != sandbox {
			t.Errorf("sandbox=%v: %d help keys", sandbox, n)
		}
	}
	sm := newSecureModel(c, newKeyMap(tr), false)
	u := "https://example.com/authenticate/" + strings.Repeat("t", 90)
	v := ansi.Strip(sm.View(secureView{token: &flows.Card3DS{AuthenticationURL: u, TokenID: "tok", OrderNum: "POS-1"}, amount: "¥2,500", message: "Waiting.", bodyH: 20}))
	for _, want := range []string{"3-D SECURE", "¥2,500", "Order      POS-1", "https://example.com/"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "tttt") && !strings.Contains(l, "https://") {
			t.Errorf("the link wrapped:\n%s", v)
		}
	}
}

// The amount screen on its own: the keypad types, 00 and backspace edit,
// tab moves into the fields where keys are text, and enter and h are
// asked of the root.
func TestAmountModelKeypad(t *testing.T) {
	tr := newTr("en")
	c := common{width: 80, height: 24, st: newStyles(), t: tr}
	a := newAmountModel(c, newKeyMap(tr), "JPY")
	press := func(a amountModel, keys ...string) (amountModel, tea.Cmd) {
		var cmd tea.Cmd
		for _, k := range keys {
			a, cmd = a.Update(keyMsg(k))
		}
		return a, cmd
	}
	a, _ = press(a, "0", "1", "2", ".", "backspace")
	if a.digits != "120" {
		t.Fatalf("digits %q, want 120 (no leading zero, 00, backspace)", a.digits)
	}
	if _, cmd := press(a, "enter"); cmd == nil || cmd() != (amountSubmitMsg{}) {
		t.Error("enter did not ask to go on")
	}
	if _, cmd := press(a, "h"); cmd == nil || cmd() != (amountHistoryMsg{}) {
		t.Error("h did not ask for History")
	}
	b, _ := press(a, "tab", "h", "1")
	if b.focus != fieldOrder || b.input(fieldOrder) != "h1" || b.digits != "120" {
		t.Fatalf("in the order field: focus %d, text %q, digits %q", b.focus, b.input(fieldOrder), b.digits)
	}
	if a.input(fieldOrder) != "" {
		t.Error("typing in a later copy changed the earlier one")
	}
	if v := ansi.Strip(a.View()); !strings.Contains(v, "¥120") || !strings.Contains(v, "Order number") {
		t.Errorf("view:\n%s", v)
	}
}
