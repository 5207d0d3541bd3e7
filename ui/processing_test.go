package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
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
