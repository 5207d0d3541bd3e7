package ui

import (
	"time"

	"testing"

	"github.com/komoju-tui/komoju-tui/flows"
)

// The method screen as a child model, driven by synthetic keys: the cursor
// wraps over the methods and the phone row, and each choice is asked of
// the root as a message.
func TestMethodModelKeys(t *testing.T) {
	c := common{width: 80, height: 24, st: newStyles(), t: newTr("en"), now: func() time.Time { return fixedNow }}
	mm := newMethodModel(c, newKeyMap(c.t)).SetMethods(flows.Catalogue()[:2], true, false)
	if mm.choices() != 3 {
		t.Fatalf("choices %d, want 2 methods and the phone row", mm.choices())
	}
	asked := func(k string) any {
		t.Helper()
		next, c := mm.Update(keyMsg(k))
		mm = next
		if c == nil {
			return nil
		}
		return c()
	}
	if got := asked("up"); got != nil || mm.ix != 2 {
		t.Fatalf("up from the top: ix %d, asked %v", mm.ix, got)
	}
	if _, ok := asked("enter").(methodPhoneMsg); !ok {
		t.Fatal("enter on the phone row did not ask for the phone")
	}
	asked("down")
	if m, ok := asked("enter").(methodChosenMsg); !ok || m.method.Type != flows.Catalogue()[0].Type {
		t.Fatalf("enter on the first method asked %v", m)
	}
	if _, ok := asked("m").(methodToggleFlowMsg); !ok {
		t.Fatal("m did not ask to toggle the flow")
	}
	if _, ok := asked("c").(methodToggleCaptureMsg); !ok {
		t.Fatal("c did not ask to toggle capture")
	}
	if _, ok := asked("esc").(methodBackMsg); !ok {
		t.Fatal("esc did not ask to go back")
	}
	// A shorter list (Method 2, no phone row) keeps the cursor on a row.
	mm.ix = 2
	mm = mm.SetMethods(flows.Catalogue()[:1], false, true)
	if mm.ix != 0 {
		t.Fatalf("cursor %d past a one-row list", mm.ix)
	}
}
