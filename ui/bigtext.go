package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// bigGlyph returns the three rows of r in the keypad display's block font.
// Characters without a glyph (currency symbols) sit on the middle row.
func bigGlyph(r rune) [3]string {
	switch r {
	case '0':
		return [3]string{"█▀█", "█ █", "▀▀▀"}
	case '1':
		return [3]string{"▀█ ", " █ ", "▀▀▀"}
	case '2':
		return [3]string{"▀▀█", "█▀▀", "▀▀▀"}
	case '3':
		return [3]string{"▀▀█", " ▀█", "▀▀▀"}
	case '4':
		return [3]string{"█ █", "▀▀█", "  ▀"}
	case '5':
		return [3]string{"█▀▀", "▀▀█", "▀▀▀"}
	case '6':
		return [3]string{"█▀▀", "█▀█", "▀▀▀"}
	case '7':
		return [3]string{"▀▀█", "  █", "  ▀"}
	case '8':
		return [3]string{"█▀█", "█▀█", "▀▀▀"}
	case '9':
		return [3]string{"█▀█", "▀▀█", "▀▀▀"}
	case ',':
		return [3]string{" ", " ", "▄"}
	case '.':
		return [3]string{" ", " ", "▄"}
	case ' ':
		return [3]string{" ", " ", " "}
	}
	s := string(r)
	pad := strings.Repeat(" ", lipgloss.Width(s))
	return [3]string{pad, s, pad}
}

// bigText renders s three rows tall, for the amount display and presenter
// mode.
func bigText(s string) string {
	var rows [3]strings.Builder
	for i, r := range s {
		g := bigGlyph(r)
		for j := range rows {
			if i > 0 {
				rows[j].WriteByte(' ')
			}
			rows[j].WriteString(g[j])
		}
	}
	return rows[0].String() + "\n" + rows[1].String() + "\n" + rows[2].String()
}
