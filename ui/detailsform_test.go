package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// testCommon is what the root hands a child at 120x40 in English.
func testCommon() common {
	return common{width: 120, height: 40, st: newStyles(), t: newTr("en"), now: func() time.Time { return fixedNow }}
}

// askOf runs a child's command and returns the message it asks the root
// for (nil when the key asked nothing).
func askOf(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	return cmd()
}

func bindingKeys(bs []key.Binding) string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Help().Key)
	}
	return strings.Join(out, " ")
}

func cardDetails(t *testing.T, testData, threeDS bool) detailsModel {
	t.Helper()
	c := testCommon()
	meth, ok := flows.LookupMethod(komoju.TypeCreditCard)
	if !ok {
		t.Fatal("no card method in the catalogue")
	}
	dm := newDetailsData(meth).Open(detailsOpen{common: c, keys: newKeyMap(c.t), bodyH: 30, method: meth,
		testData: testData, threeDS: threeDS}, nil)
	dm.Init()
	return dm
}

// The details screen's keys: ctrl+s asks to pay, esc to go back, ctrl+o
// to switch 3-D Secure only on a Method 2 card form (elsewhere it is the
// form's), ctrl+t opens the picker only in SANDBOX/TEST; typing goes to
// the form.
func TestDetailsChildKeys(t *testing.T) {
	dm := cardDetails(t, true, true)
	for _, tc := range []struct {
		key  tea.KeyMsg
		want tea.Msg
	}{
		{keyMsg("ctrl+s"), detailsSubmitMsg{}},
		{keyMsg("esc"), detailsBackMsg{}},
		{tea.KeyMsg{Type: tea.KeyCtrlO}, details3DSMsg{}},
	} {
		_, cmd := dm.Update(tc.key)
		if got := askOf(t, cmd); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s asked %#v, want %#v", tc.key, got, tc.want)
		}
	}
	plain := cardDetails(t, false, false)
	if _, cmd := plain.Update(tea.KeyMsg{Type: tea.KeyCtrlO}); cmd != nil {
		if _, asked := cmd().(details3DSMsg); asked {
			t.Error("ctrl+o asked for 3-D Secure on a form without it")
		}
	}
	if p, _ := plain.Update(keyMsg("ctrl+t")); p.picker != nil {
		t.Error("ctrl+t opened the test-data picker in LIVE")
	}
	if got := bindingKeys(plain.FullHelp()); strings.Contains(got, "ctrl+t") || strings.Contains(got, "ctrl+o") {
		t.Errorf("LIVE Method 1 help %q offers keys that do nothing", got)
	}
	if got, want := bindingKeys(dm.FullHelp()), "ctrl+s ctrl+t enter esc ctrl+o"; got != want {
		t.Errorf("help %q, want %q", got, want)
	}

	// The picker fills the form in one keystroke and asks the root nothing.
	p, cmd := dm.Update(keyMsg("ctrl+t"))
	if p.picker == nil || askOf(t, cmd) != nil {
		t.Fatal("ctrl+t did not open the picker on its own")
	}
	p, _ = p.Update(keyMsg("Visa"))
	p, _ = p.Update(keyMsg("enter"))
	if p.picker != nil || flows.NormalizeCardNumber(p.d.CardNumber) == "" || p.d.CardCVC == "" {
		t.Fatalf("the picker did not fill the card: %+v", *p.d)
	}
	if v := p.View("¥1,000", false); !strings.Contains(v, "Visa") || !strings.Contains(v, "¥1,000") {
		t.Errorf("details view after the picker:\n%s", v)
	}
	p.wipeSecrets()
}
