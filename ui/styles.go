package ui

import "github.com/charmbracelet/lipgloss"

// Styles are the lipgloss styles of every screen. They are built per Model
// from lipgloss's default renderer, which Run configures from the
// environment (see configureRenderer); with the Ascii profile (NO_COLOR, no
// terminal, tests) colours disappear and bold/reverse carry the meaning.
type Styles struct {
	App        lipgloss.Style
	Header     lipgloss.Style
	Title      lipgloss.Style
	BadgeSand  lipgloss.Style
	BadgeTest  lipgloss.Style
	BadgeLive  lipgloss.Style
	Notice     lipgloss.Style
	Muted      lipgloss.Style
	Label      lipgloss.Style
	Value      lipgloss.Style
	Big        lipgloss.Style
	Ok         lipgloss.Style
	Warn       lipgloss.Style
	Err        lipgloss.Style
	Selected   lipgloss.Style
	Toggle     lipgloss.Style
	ToggleOn   lipgloss.Style
	Box        lipgloss.Style
	Modal      lipgloss.Style
	Help       lipgloss.Style
	StepDone   lipgloss.Style
	StepActive lipgloss.Style
}

// newStyles makes the console's styles once: every screen shares them
// through common (a pointer, so the root model and its children do not
// each carry a copy of about 12 KB, copied again with every message).
func newStyles() *Styles {
	red := lipgloss.Color("#E5484D")
	green := lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}
	amber := lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"}
	accent := lipgloss.AdaptiveColor{Light: "#0969DA", Dark: "#58A6FF"}
	muted := lipgloss.AdaptiveColor{Light: "#6E7781", Dark: "#8B949E"}
	return &Styles{
		App:        lipgloss.NewStyle(),
		Header:     lipgloss.NewStyle().Bold(true),
		Title:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		BadgeSand:  lipgloss.NewStyle().Bold(true).Reverse(true).Padding(0, 1),
		BadgeTest:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("0")).Background(amber).Padding(0, 1),
		BadgeLive:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(red).Padding(0, 1),
		Notice:     lipgloss.NewStyle().Foreground(amber),
		Muted:      lipgloss.NewStyle().Foreground(muted),
		Label:      lipgloss.NewStyle().Foreground(muted),
		Value:      lipgloss.NewStyle().Bold(true),
		Big:        lipgloss.NewStyle().Bold(true),
		Ok:         lipgloss.NewStyle().Bold(true).Foreground(green),
		Warn:       lipgloss.NewStyle().Bold(true).Foreground(amber),
		Err:        lipgloss.NewStyle().Bold(true).Foreground(red),
		Selected:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Toggle:     lipgloss.NewStyle().Foreground(muted),
		ToggleOn:   lipgloss.NewStyle().Bold(true).Reverse(true),
		Box:        lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Modal:      lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).Padding(0, 2),
		Help:       lipgloss.NewStyle().Foreground(muted),
		StepDone:   lipgloss.NewStyle().Foreground(green),
		StepActive: lipgloss.NewStyle().Bold(true),
	}
}
