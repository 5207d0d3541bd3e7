package ui

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"

	"github.com/komoju-tui/komoju-tui/ui/internal/termguard"
)

func init() {
	// bubbletea's init has run by now (this package imports it); give the
	// rest of the program its real TERM back. See package termguard.
	termguard.Restore()
}

// colorProfile decides the colour profile from the environment alone, never
// by querying the terminal: NO_COLOR or TERM=dumb or a non-terminal output
// means no colour; COLORTERM=truecolor/24bit means 24-bit; a *256color TERM
// means 256 colours; any other TERM means the 16 ANSI colours.
func colorProfile(getenv func(string) string, out io.Writer) termenv.Profile {
	f, ok := out.(*os.File)
	return profileFor(getenv, ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())))
}

// profileFor is colorProfile once it is known whether out is a terminal.
func profileFor(getenv func(string) string, terminal bool) termenv.Profile {
	if getenv("NO_COLOR") != "" || !terminal {
		return termenv.Ascii
	}
	term := strings.ToLower(getenv("TERM"))
	switch {
	case term == "" || term == "dumb":
		return termenv.Ascii
	case getenv("COLORTERM") == "truecolor" || getenv("COLORTERM") == "24bit":
		return termenv.TrueColor
	case strings.Contains(term, "256color") || strings.Contains(term, "direct"):
		return termenv.ANSI256
	}
	return termenv.ANSI
}

// darkBackground reads COLORFGBG ("fg;bg", as rxvt, Konsole and others set
// it) when present and otherwise assumes a dark background, the common
// default, rather than asking the terminal (which may never answer).
func darkBackground(getenv func(string) string) bool {
	v := getenv("COLORFGBG")
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		if bg, err := strconv.Atoi(v[i+1:]); err == nil {
			return !(bg == 7 || bg >= 9)
		}
	}
	return true
}

// configureRenderer sets lipgloss's default renderer (used by our styles and
// by bubbles' and huh's) to the profile and background chosen from the
// environment, so nothing queries the terminal.
func configureRenderer(out io.Writer, getenv func(string) string) (termenv.Profile, bool) {
	p := colorProfile(getenv, out)
	dark := darkBackground(getenv)
	r := lipgloss.NewRenderer(out, termenv.WithProfile(p))
	r.SetColorProfile(p)
	r.SetHasDarkBackground(dark)
	lipgloss.SetDefaultRenderer(r)
	return p, dark
}
