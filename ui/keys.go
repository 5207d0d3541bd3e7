package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds every binding of the app. Screens pick the ones they use for
// their help line; the root checks the global ones first.
type KeyMap struct {
	// global
	Quit     key.Binding
	ForceQ   key.Binding
	Help     key.Binding
	History  key.Binding
	Events   key.Binding
	Back     key.Binding
	NewSale  key.Binding
	Continue key.Binding
	Dismiss  key.Binding

	// amount keypad
	Digit      key.Binding
	DoubleZero key.Binding
	Backspace  key.Binding
	Clear      key.Binding
	NextField  key.Binding
	PrevField  key.Binding

	// method
	Up            key.Binding
	Down          key.Binding
	ToggleFlow    key.Binding
	ToggleCapture key.Binding

	// details
	TestData key.Binding
	Submit   key.Binding

	// processing
	CancelStep key.Binding

	// result and payment
	Capture        key.Binding
	CapturePartial key.Binding
	CancelPay      key.Binding
	Refund         key.Binding
	RefundPartial  key.Binding
	RefundRequest  key.Binding
	Refresh        key.Binding
	Detail         key.Binding
	Retry          key.Binding
	SaveReceipt    key.Binding
	Print          key.Binding
	OpenLink       key.Binding
	CopyLink       key.Binding
	SandboxPaid    key.Binding

	// history
	Filter key.Binding
	// Close opens the end-of-day close (amount and history screens).
	Close  key.Binding
	Export key.Binding

	// modal
	Yes key.Binding
	No  key.Binding
}

func newKeyMap(t tr) KeyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, t.S(desc)))
	}
	return KeyMap{
		Quit:     b([]string{"q"}, "q", "quit"),
		ForceQ:   b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:     b([]string{"?"}, "?", "help"),
		History:  b([]string{"h", "f2"}, "h", "history"),
		Events:   b([]string{"w", "f3"}, "w", "webhook events"),
		Back:     b([]string{"esc"}, "esc", "back"),
		NewSale:  b([]string{"n"}, "n", "new sale"),
		Continue: b([]string{"enter"}, "enter", "continue"),
		Dismiss:  b([]string{"ctrl+x"}, "ctrl+x", "dismiss notices"),

		Digit:      b([]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, "0-9", "amount"),
		DoubleZero: b([]string{".", "="}, ".", "00"),
		Backspace:  b([]string{"backspace"}, "⌫", "delete digit"),
		Clear:      b([]string{"esc", "delete"}, "esc/del", "clear"),
		NextField:  b([]string{"tab"}, "tab", "next field"),
		PrevField:  b([]string{"shift+tab"}, "shift+tab", "previous field"),

		Up:            b([]string{"up", "k"}, "↑/k", "up"),
		Down:          b([]string{"down", "j"}, "↓/j", "down"),
		ToggleFlow:    b([]string{"m"}, "m", "toggle method 1/2"),
		ToggleCapture: b([]string{"c"}, "c", "toggle capture"),

		TestData: b([]string{"ctrl+t"}, "ctrl+t", "test data"),
		Submit:   b([]string{"ctrl+s"}, "ctrl+s", "pay now"),

		CancelStep: b([]string{"esc"}, "esc", "cancel"),

		Capture:        b([]string{"c"}, "c", "capture"),
		CapturePartial: b([]string{"C"}, "C", "partial capture"),
		CancelPay:      b([]string{"x"}, "x", "cancel payment"),
		Refund:         b([]string{"f"}, "f", "refund"),
		RefundPartial:  b([]string{"F"}, "F", "partial refund"),
		RefundRequest:  b([]string{"b"}, "b", "bank refund request"),
		Refresh:        b([]string{"g", "ctrl+r"}, "g", "refresh"),
		Detail:         b([]string{"d"}, "d", "details"),
		Retry:          b([]string{"t"}, "t", "try again"),
		SaveReceipt:    b([]string{"s"}, "s", "save receipt"),
		Print:          b([]string{"p"}, "p", "print"),
		OpenLink:       b([]string{"o"}, "o", "open link"),
		CopyLink:       b([]string{"u"}, "u", "copy link"),
		SandboxPaid:    b([]string{"P"}, "P", "sandbox: customer pays"),

		Filter: b([]string{"/", "tab"}, "tab", "filter"),
		Export: b([]string{"e"}, "e", "export CSV"),
		Close:  b([]string{"z"}, "z", "close the day"),

		Yes: b([]string{"y", "Y"}, "y", "yes"),
		No:  b([]string{"n", "N", "esc"}, "n/esc", "no"),
	}
}
