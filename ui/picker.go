package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// pick is one entry of the test-data picker: it fills the form (and maybe
// sets a Komoju-Scenario) in one keystroke.
type pick struct {
	label    string
	key      string // the English label: typing it finds the entry in every language
	fill     func(d *flows.Details)
	scenario string
}

// picker is the SANDBOX/TEST test-data list.
type picker struct {
	items []pick
	ix    int
	query string // typed letters narrow the list
}

// visible lists the indexes of the items matching the query.
func (p *picker) visible() []int {
	var out []int
	q := strings.ToLower(p.query)
	for i, it := range p.items {
		if q == "" || strings.Contains(strings.ToLower(it.label), q) || strings.Contains(strings.ToLower(it.key), q) {
			out = append(out, i)
		}
	}
	return out
}

// newPicker lists, for cards, every KOMOJU test card (success, 3DS,
// each decline), and for every method a valid sample customer and the
// Komoju-Scenario errors.
func (dm detailsModel) newPicker() *picker {
	m := dm
	now := m.now()
	expiry := fmt.Sprintf("%02d/%02d", int(now.Month()), (now.Year()+3)%100)
	sample := func(d *flows.Details) {
		d.Email = "taro@example.com"
		d.Phone = "090-1234-5678"
		d.GivenName, d.FamilyName = "Taro", "Yamada"
		d.GivenNameKana, d.FamilyNameKana = "タロウ", "ヤマダ"
		if d.Store == "" {
			d.Store = komoju.StoreLawson
		}
	}
	p := &picker{}
	if m.method.Takes(flows.DetailCardNumber) {
		for _, tc := range flows.TestCards() {
			tc := tc
			cvc := "123"
			if tc.Brand == flows.BrandAmex {
				cvc = "1234"
			}
			p.items = append(p.items, pick{
				label: flows.MaskCardNumber(tc.Number) + "  " + m.t.S(tc.Label),
				key:   tc.Label,
				fill: func(d *flows.Details) {
					d.CardNumber = flows.FormatCardNumber(tc.Number)
					d.CardExpiry = expiry
					d.CardCVC = cvc
					d.CardName = "TARO YAMADA"
					d.Email = ""
				},
			})
		}
	} else {
		p.items = append(p.items, pick{label: m.t.S("Sample customer (valid details)"), key: "Sample customer (valid details)", fill: sample})
	}
	base := sample
	if m.method.Takes(flows.DetailCardNumber) {
		base = func(d *flows.Details) {
			d.CardNumber = "4111 1111 1111 1111"
			d.CardExpiry = expiry
			d.CardCVC = "123"
			d.CardName = "TARO YAMADA"
		}
	}
	for _, sc := range flows.Scenarios() {
		p.items = append(p.items, pick{label: "Komoju-Scenario: " + sc.Code + " (" + m.t.S(sc.Label) + ")", key: sc.Label, fill: base, scenario: sc.Code})
	}
	p.items = append(p.items, pick{label: m.t.S("No scenario (clear)"), key: "No scenario (clear)", fill: func(*flows.Details) {}, scenario: "-"})
	return p
}

// updatePicker moves in the picker, narrows it by what is typed, and
// fills the form with the chosen entry.
func (dm detailsModel) updatePicker(msg tea.Msg) (detailsModel, tea.Cmd) {
	p := dm.picker
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return dm, nil
	}
	// The picker is edited in place: a copy, so an earlier model value
	// keeps its own list position.
	cp := *p
	p = &cp
	dm.picker = p
	vis := p.visible()
	switch {
	case km.Type == tea.KeyEsc && p.query != "":
		p.query, p.ix = "", 0
	case key.Matches(km, dm.keys.Back), key.Matches(km, dm.keys.TestData):
		dm.picker = nil
	case km.Type == tea.KeyUp:
		if len(vis) > 0 {
			p.ix = (p.ix + len(vis) - 1) % len(vis)
		}
	case km.Type == tea.KeyDown:
		if len(vis) > 0 {
			p.ix = (p.ix + 1) % len(vis)
		}
	case km.Type == tea.KeyBackspace:
		if p.query != "" {
			p.query = p.query[:len(p.query)-1]
			p.ix = 0
		}
	case km.Type == tea.KeyRunes || km.Type == tea.KeySpace:
		if km.Type == tea.KeySpace {
			p.query += " "
		} else {
			p.query += string(km.Runes)
		}
		p.ix = 0
	case key.Matches(km, dm.keys.Continue):
		if len(vis) == 0 {
			return dm, nil
		}
		it := p.items[vis[min(p.ix, len(vis)-1)]]
		it.fill(dm.d)
		switch it.scenario {
		case "":
		case "-":
			dm.scenario = ""
		default:
			dm.scenario = it.scenario
		}
		dm.picker = nil
		dm.errs = nil
		dm.form = dm.buildForm(dm.method, dm.d)
		return dm, dm.form.Init()
	}
	return dm, nil
}

func (dm detailsModel) viewPicker() string {
	p := dm.picker
	m, st := dm, dm.st
	var b strings.Builder
	b.WriteString(st.Title.Render(m.t.S("Test data")) + "  " + st.Muted.Render(m.t.S("type to filter · ↑/↓ · enter fills the form · esc closes")) + "\n")
	b.WriteString(st.Label.Render(m.t.S("Filter")+": ") + p.query + "▏\n")
	vis := p.visible()
	rows := max(dm.bodyH-5, 3)
	start := 0
	if p.ix >= rows {
		start = p.ix - rows + 1
	}
	for i := start; i < len(vis) && i < start+rows; i++ {
		label := p.items[vis[i]].label
		if i == p.ix {
			b.WriteString(st.Selected.Render("› "+label) + "\n")
		} else {
			b.WriteString("  " + label + "\n")
		}
	}
	return b.String()
}
