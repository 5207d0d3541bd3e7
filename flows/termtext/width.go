package termtext

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Width is how many terminal cells s takes: a Japanese character takes
// two, a combining mark none. Columns padded by bytes or runes
// (fmt's %-20s, text/tabwriter) come out ragged as soon as a cell holds
// Japanese. Text below U+0300 (ASCII, Latin-1, "¥") is one cell a rune
// and is counted without the grapheme parser.
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); n++ {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x300 {
			return ansi.StringWidth(s)
		}
		i += size
	}
	return n
}

// Pad returns s followed by spaces up to width cells (s as it is when it
// is already that wide).
func Pad(s string, width int) string {
	if n := width - Width(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// PadLeft returns s after spaces up to width cells: right-aligned.
func PadLeft(s string, width int) string {
	if n := width - Width(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// Columns lays rows out as columns two spaces apart, each padded to its
// widest cell's width on screen; the last cell of a row is not padded.
// Every line ends in a newline.
func Columns(rows [][]string) string {
	var width []int
	cells := make([][]int, len(rows))
	for i, r := range rows {
		cells[i] = make([]int, len(r))
		for c, cell := range r {
			if c == len(width) {
				width = append(width, 0)
			}
			cells[i][c] = Width(cell)
			width[c] = max(width[c], cells[i][c])
		}
	}
	var b strings.Builder
	for i, r := range rows {
		for c, cell := range r {
			b.WriteString(cell)
			if c < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[c]-cells[i][c]+2))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
