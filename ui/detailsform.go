package ui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/komoju-tui/komoju-tui/flows"
)

// detailsModel is the details screen: the huh form of the customer's
// details for the chosen method and the test-data picker, with its own
// keys and help. d is shared with the huh fields (they write into it as
// the clerk types); it lives only in this model, and the card number and
// CVC are wiped as soon as a pay command has captured them. It asks the
// root to pay (detailsSubmitMsg), to go back to the method list, or to
// switch 3-D Secure for the attempt; validating and paying are the root's.
type detailsModel struct {
	common
	keys     detailsKeys
	bodyH    int
	method   flows.Method
	d        *flows.Details
	form     *huh.Form
	scenario string // Komoju-Scenario for the next attempt (test modes)
	picker   *picker
	errs     flows.FieldErrors
	// testData offers the picker (SANDBOX and TEST, where test cards and
	// scenarios exist); threeDS is a Method 2 card form, where ctrl+o
	// switches 3-D Secure; accessible runs the form line by line.
	testData, threeDS, accessible bool
	focus                         formFocus
}

// detailsKeys are the details screen's keys.
type detailsKeys struct {
	Submit, TestData, Continue, Back, Skip3DS key.Binding
}

// What the details screen asks of the root.
type (
	detailsSubmitMsg struct{}
	detailsBackMsg   struct{}
	details3DSMsg    struct{}
)

func newDetailsData(meth flows.Method) detailsModel {
	d := &flows.Details{}
	if len(meth.Stores) > 0 {
		d.Store = meth.Stores[0]
	}
	return detailsModel{method: meth, d: d}
}

// detailsOpen is what the root hands the screen when it opens.
type detailsOpen struct {
	common                        common
	keys                          KeyMap
	bodyH                         int
	method                        flows.Method
	testData, threeDS, accessible bool
}

// Open builds the form of o.method over the details typed so far, with
// errs (from flows' validation) shown above it.
func (dm detailsModel) Open(o detailsOpen, errs flows.FieldErrors) detailsModel {
	k := o.keys
	dm.common, dm.bodyH = o.common, o.bodyH
	dm.keys = detailsKeys{Submit: k.Submit, TestData: k.TestData, Continue: k.Continue, Back: k.Back, Skip3DS: toggle3DSKey()}
	dm.method = o.method
	dm.testData, dm.threeDS, dm.accessible = o.testData, o.threeDS, o.accessible
	if dm.d == nil {
		dm.d = newDetailsData(o.method).d
	}
	dm.errs = errs
	dm.picker = nil
	dm.focus = formFocus{}
	dm.form = dm.buildForm(dm.method, dm.d)
	return dm
}

// Init starts the form (cursor blink, first field's focus).
func (dm detailsModel) Init() tea.Cmd {
	if dm.form == nil {
		return nil
	}
	return dm.form.Init()
}

// SetCommon takes a new size.
func (dm detailsModel) SetCommon(c common, bodyH int) (detailsModel, tea.Cmd) {
	dm.common, dm.bodyH = c, bodyH
	if dm.form == nil {
		return dm, nil
	}
	_, cmd := dm.form.Update(tea.WindowSizeMsg{Width: min(c.width-4, 76), Height: bodyH - 4})
	return dm, cmd
}

// ShortHelp is the footer's part.
func (dm detailsModel) ShortHelp() []key.Binding {
	k := dm.keys
	b := []key.Binding{k.Submit}
	if dm.testData {
		b = append(b, k.TestData)
	}
	return append(b, k.Continue, k.Back)
}

// FullHelp is every key of the screen (?), ctrl+o included where it works.
func (dm detailsModel) FullHelp() []key.Binding {
	b := dm.ShortHelp()
	if dm.threeDS {
		b = append(b, dm.keys.Skip3DS)
	}
	return b
}

// wipeSecrets forgets the card number and CVC (after a pay attempt took
// them, or when the clerk starts over).
func (dm *detailsModel) wipeSecrets() {
	if dm.d != nil {
		dm.d.CardNumber = ""
		dm.d.CardCVC = ""
	}
}

// optional lets an empty optional field through and otherwise applies v.
func optional(v func(string) error) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return v(s)
	}
}

// buildForm makes the huh form of meth, bound to d, reusing flows'
// validators so the form and the engine agree on what is valid.
func (dm detailsModel) buildForm(meth flows.Method, d *flows.Details) *huh.Form {
	m := dm
	var fields []huh.Field
	for _, f := range meth.Fields() {
		req := meth.Needs(f)
		title := m.t.S(f.Label())
		if !req {
			title += " " + m.t.S("(optional)")
		}
		v := func(fn func(string) error) func(string) error {
			if req {
				return fn
			}
			return optional(fn)
		}
		in := func(f flows.DetailField, placeholder string) *huh.Input {
			fn, dst := flows.FieldInput(f, d, m.now)
			return huh.NewInput().Key(string(f)).Title(title).Value(dst).Placeholder(placeholder).Validate(m.t.check(v(fn)))
		}
		switch f {
		case flows.DetailCardNumber:
			num := in(f, m.t.S("digits on the card")).CharLimit(23)
			if m.demo {
				num = num.EchoMode(huh.EchoModePassword) // presenter mode: never on a shared screen
			}
			fields = append(fields, num)
		case flows.DetailCardExpiry:
			fields = append(fields, in(f, "MM/YY").CharLimit(7))
		case flows.DetailCardCVC:
			// huh narrows an input to its CharLimit, which left a
			// placeholder of one cell ("3…"): the hint goes in the title.
			title += " " + m.t.S("(3-4 digits)")
			fields = append(fields, in(f, "").EchoMode(huh.EchoModePassword).CharLimit(4))
		case flows.DetailCardName:
			fields = append(fields, in(f, m.t.S("as printed on the card")))
		case flows.DetailStore:
			var opts []huh.Option[string]
			for _, s := range meth.Stores {
				opts = append(opts, huh.NewOption(flows.StoreName(s, m.t.lang), s))
			}
			fields = append(fields, huh.NewSelect[string]().Key(string(f)).Title(title).Options(opts...).Value(&d.Store))
		case flows.DetailEmail:
			fields = append(fields, in(f, m.t.S("e.g. name@example.com")))
		case flows.DetailPhone:
			fields = append(fields, in(f, m.t.S("e.g. 090-1234-5678")))
		case flows.DetailGivenName:
			fields = append(fields, in(f, m.t.S("e.g. Taro")))
		case flows.DetailFamilyName:
			fields = append(fields, in(f, m.t.S("e.g. Yamada")))
		case flows.DetailGivenNameKana:
			fields = append(fields, in(f, m.t.S("e.g. タロウ")))
		case flows.DetailFamilyNameKana:
			fields = append(fields, in(f, m.t.S("e.g. ヤマダ")))
		}
	}
	return huh.NewForm(huh.NewGroup(fields...)).
		WithShowHelp(false).
		WithWidth(min(max(m.width-4, 30), 76)).
		WithHeight(max(m.bodyH-4, 6))
}

// Update runs the form and the picker; what goes beyond them (pay, back,
// 3-D Secure) is asked of the root.
func (dm detailsModel) Update(msg tea.Msg) (detailsModel, tea.Cmd) {
	if dm.picker != nil {
		return dm.updatePicker(msg)
	}
	if km, ok := msg.(tea.KeyMsg); ok {
		k := dm.keys
		switch {
		case dm.threeDS && key.Matches(km, k.Skip3DS):
			return dm, ask(details3DSMsg{})
		case key.Matches(km, k.Back):
			dm.form = nil
			return dm, ask(detailsBackMsg{})
		case key.Matches(km, k.TestData) && dm.testData:
			dm.picker = dm.newPicker()
			return dm, nil
		case key.Matches(km, k.Submit):
			return dm, ask(detailsSubmitMsg{})
		}
	}
	if dm.form == nil {
		return dm, nil
	}
	var cmd tea.Cmd
	dm.form, cmd = dm.focus.update(dm.form, msg)
	switch dm.form.State {
	case huh.StateCompleted:
		return dm, ask(detailsSubmitMsg{})
	case huh.StateAborted:
		dm.form = nil
		return dm, ask(detailsBackMsg{})
	}
	return dm, cmd
}

// moveOnFromRefused moves the form on from a text field that refused its
// value on enter or tab. huh keeps the focus on such a field, so what the
// clerk (or a fast typist, or tmux) types next for the following field was
// appended to the refused text ("Yamadaヤマダ"). The refusal stays on the
// field and under the form, and the form cannot be completed until it is
// fixed (shift+tab goes back). The last field keeps the focus: there is no
// next field to type into.
func moveOnFromRefused(form *huh.Form, msg tea.Msg, before huh.Field) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok || (km.Type != tea.KeyEnter && km.Type != tea.KeyTab) || form == nil || form.State != huh.StateNormal {
		return nil
	}
	f := form.GetFocusedField()
	if _, input := f.(*huh.Input); !input || f != before || f.Error() == nil {
		return nil
	}
	cmd := form.NextField()
	if form.GetFocusedField() == f {
		return tea.Batch(cmd, f.Focus()) // the last field: stay
	}
	return cmd
}

// formFocus keeps a huh form's focus in step with the keys typed into it.
// It counts the moves made at once (moveAhead) whose own message from huh
// is still on its way; each is dropped when it comes.
type formFocus struct{ next, prev int }

// update gives msg to form and returns the form and what to run next.
func (ff *formFocus) update(form *huh.Form, msg tea.Msg) (*huh.Form, tea.Cmd) {
	// msg is compared with huh's own move messages: a message of another
	// type is never equal (and is not compared field by field).
	switch {
	case ff.next > 0 && msg == huh.NextField():
		ff.next--
		return form, nil
	case ff.prev > 0 && msg == huh.PrevField():
		ff.prev--
		return form, nil
	}
	before := form.GetFocusedField()
	fm, cmd := form.Update(msg)
	if f, ok := fm.(*huh.Form); ok {
		form = f
	}
	return form, tea.Batch(cmd, moveOnFromRefused(form, msg, before), ff.moveAhead(form, msg, before))
}

// moveAhead makes at once the move to the next (tab, enter) or previous
// (shift+tab) field that a text field has just asked huh for with a
// command. Keys typed before that command's message came back (a fast
// typist, tmux, a script driving the console) went to the field being
// left: "4111111111111111 ⇥ 1230" made a 20-digit card number and left the
// expiry empty. The last field's enter (submit) is left to huh.
func (ff *formFocus) moveAhead(form *huh.Form, msg tea.Msg, before huh.Field) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok || form == nil || form.State != huh.StateNormal {
		return nil
	}
	f := form.GetFocusedField()
	if _, input := f.(*huh.Input); !input || f != before || f.Error() != nil {
		return nil // moved already, or refused (moveOnFromRefused)
	}
	for _, b := range f.KeyBinds() {
		if !b.Enabled() || !key.Matches(km, b) {
			continue
		}
		switch keys := b.Keys(); {
		case slices.Contains(keys, "shift+tab"):
			ff.prev++
			return form.PrevField()
		case slices.Contains(keys, "tab"):
			ff.next++
			return form.NextField()
		}
	}
	return nil
}

// View draws the method and amount, the card being typed, whether 3-D
// Secure runs (skip: the clerk switched it off for this attempt), the
// errors, and the form or the picker.
func (dm detailsModel) View(amount string, skip bool) string {
	st := dm.st
	var b strings.Builder
	b.WriteString(st.Title.Render(dm.method.Name(dm.t.lang)) + "  " + st.Value.Render(amount) + "\n")
	if dm.d != nil && dm.method.Takes(flows.DetailCardNumber) {
		num := dm.d.CardNumber
		shown := flows.FormatCardNumber(num)
		if dm.demo {
			shown = flows.MaskCardNumber(num)
		}
		brand := ""
		if flows.NormalizeCardNumber(num) != "" {
			brand = flows.BrandName(flows.CardBrand(num))
		}
		b.WriteString(st.Label.Render(dm.t.S("Card")+": ") + st.Value.Render(shown) + "  " + st.Selected.Render(brand) + "\n")
	}
	b.WriteString(dm.view3DSChoice(skip))
	if dm.scenario != "" {
		b.WriteString(st.Warn.Render(dm.t.F("Komoju-Scenario: %s (this attempt will fail on purpose)", dm.scenario)) + "\n")
	}
	for _, e := range dm.errs {
		b.WriteString(st.Err.Render(dm.t.S(flows.DetailField(e.Field).Label())+" "+e.In(dm.t.lang)) + "\n")
	}
	if dm.picker != nil {
		b.WriteString(dm.viewPicker())
		return b.String()
	}
	if dm.form != nil {
		b.WriteString(dm.form.View())
	} else if dm.accessible {
		b.WriteString(st.Muted.Render(dm.t.S("The form runs in accessible mode.")))
	}
	return b.String()
}

// view3DSChoice is the card form's line saying whether 3-D Secure runs.
func (dm detailsModel) view3DSChoice(skip bool) string {
	if !dm.threeDS {
		return ""
	}
	if skip {
		return dm.st.Warn.Render(dm.t.S("3-D Secure: SKIPPED for this payment (no liability shift)")) +
			"  " + dm.st.Muted.Render("ctrl+o "+dm.t.S("turn on")) + "\n"
	}
	return dm.st.Label.Render(dm.t.S("3-D Secure: on (the customer may confirm on their phone)")) +
		"  " + dm.st.Muted.Render("ctrl+o "+dm.t.S("skip 3-D Secure")) + "\n"
}
