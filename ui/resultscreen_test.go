package ui

import (
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// The result screen's keys are its own: each key asks the root for one
// thing, only where the outcome on screen allows it, and esc (back on
// other screens, "no" in a question) does nothing here.
func TestResultChildKeys(t *testing.T) {
	c := testCommon()
	r := newResultModel(c, newKeyMap(c.t))
	paid := &komoju.Payment{ID: "pay_1", Status: komoju.PaymentCaptured, Currency: "JPY", Amount: 1000, Total: 1000}
	paidState := resultState{outcome: &flows.Outcome{Kind: flows.OutcomePaid, Payment: paid},
		acts: []flows.Action{flows.ActionRefund, flows.ActionRefresh}, bodyH: 30}
	authorized := &komoju.Payment{ID: "pay_2", Status: komoju.PaymentAuthorized, Currency: "JPY", Amount: 1000, Total: 1000}
	authState := resultState{outcome: &flows.Outcome{Kind: flows.OutcomeAuthorized, Payment: authorized},
		acts: []flows.Action{flows.ActionCapture, flows.ActionCancel}, bodyH: 30}
	phoneState := resultState{outcome: &flows.Outcome{Kind: flows.OutcomeRedirect, SessionID: "ses_1", RedirectURL: "https://example.com/s"},
		phone: true, phoneWaiting: true, link: "https://example.com/s", bodyH: 30}
	failedState := resultState{outcome: &flows.Outcome{Kind: flows.OutcomeError}, retry: true, bodyH: 30}
	cases := []struct {
		name  string
		s     resultState
		key   string
		want  tea.Msg
		match bool // want's type only (action keys carry the key)
	}{
		{"n starts a new sale", paidState, "n", resultNewSaleMsg{}, false},
		{"h opens history", paidState, "h", resultHistoryMsg{}, false},
		{"s saves a paid sale's receipt", paidState, "s", resultReceiptMsg{}, false},
		{"p prints only with a printer", paidState, "p", nil, false},
		{"d shows the payment", paidState, "d", resultDetailMsg{}, false},
		{"f refunds", paidState, "f", resultActionMsg{}, true},
		{"g checks again", paidState, "g", resultRefreshMsg{}, false},
		{"esc does nothing on a result", paidState, "esc", nil, false},
		{"t only after a failure", paidState, "t", nil, false},
		{"t tries a failure again", failedState, "t", resultRetryMsg{}, false},
		{"c captures an authorization", authState, "c", resultActionMsg{}, true},
		{"x cancels the payment", authState, "x", resultActionMsg{}, true},
		{"s: no receipt before payment", authState, "s", nil, false},
		{"x closes the phone's page", phoneState, "x", resultCancelPhoneMsg{}, false},
		{"u copies the phone's link", phoneState, "u", resultCopyLinkMsg{}, false},
		{"o opens the link", phoneState, "o", resultOpenLinkMsg{}, false},
		{"d: no payment yet on the phone", phoneState, "d", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r2, cmd := r.Update(keyMsg(tc.key), tc.s)
			got := askOf(t, cmd)
			if tc.match {
				if reflect.TypeOf(got) != reflect.TypeOf(tc.want) {
					t.Fatalf("%s asked %#v, want a %T", tc.key, got, tc.want)
				}
			} else if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("%s asked %#v, want %#v", tc.key, got, tc.want)
			}
			if !reflect.DeepEqual(r2.keys, r.keys) {
				t.Fatal("a key changed the result screen's key map")
			}
		})
	}
	// The footer offers exactly what the keys do.
	if got, want := bindingKeys(r.ShortHelp(phoneState)), "x o u n h"; got != want {
		t.Errorf("phone footer %q, want %q", got, want)
	}
	if got, want := bindingKeys(r.ShortHelp(authState)), "c C x d n h"; got != want {
		t.Errorf("authorized footer %q, want %q", got, want)
	}
	if got, want := bindingKeys(r.ShortHelp(failedState)), "t n h"; got != want {
		t.Errorf("failed footer %q, want %q", got, want)
	}
}

// The result view is a pure function of the screen and the state handed
// to it (a value receiver: it cannot change the model): drawing twice
// gives the same frame and leaves the outcome as it was.
func TestResultChildViewIsPure(t *testing.T) {
	c := testCommon()
	r := newResultModel(c, newKeyMap(c.t))
	s := resultState{outcome: &flows.Outcome{Kind: flows.OutcomeAwaiting, OrderNum: "ORDER-1", InstructionsURL: "https://example.com/i"},
		total: 2480, currency: "JPY", message: "Pay at the store.", method: "Lawson", qr: "▀▄\n▄▀", qrW: 2, qrH: 2, bodyH: 30}
	before := *s.outcome
	a, b := r.View(s), r.View(s)
	if a != b {
		t.Fatal("two draws of the same state differ")
	}
	if !reflect.DeepEqual(before, *s.outcome) {
		t.Fatal("View changed the outcome")
	}
	for _, want := range []string{"WAITING FOR PAYMENT", "¥2,480", "Pay at the store.", "Lawson", "ORDER-1", "https://example.com/i"} {
		if !strings.Contains(a, want) {
			t.Errorf("result view lacks %q:\n%s", want, a)
		}
	}
}

// Keys typed right after "n" on a result belong to the new sale: the ask
// is acted on at once, so digits that arrive before any command has run
// (a fast clerk, a paste of "n1200") are not dropped on the result screen.
func TestNewSaleKeysTypedAtOnceAreKept(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitFor("result", func(m Model) bool {
		return m.screen == screenResult && m.outcome != nil && m.outcome.Kind == flows.OutcomePaid
	})
	h.m.stopWatch()
	m := h.m
	for _, k := range []string{"n", "1", "2", "0", "0"} {
		nm, _ := m.Update(keyMsg(k)) // no command runs in between
		m = nm.(Model)
	}
	if m.screen != screenAmount || m.amount.digits != "1200" {
		t.Fatalf("after n1200 typed at once: screen %v, amount %q; want the amount screen with 1200", m.screen, m.amount.digits)
	}
}
