package ui

import "time"

// common is what every screen shares with the root: the terminal size,
// the styles, the language and the clock. The root owns it and hands each
// child a copy when the size changes or the child opens (soft-serve's
// pkg/ui/common, glow's commonModel); children never change it.
type common struct {
	width  int
	height int
	st     *Styles // shared, never changed after newStyles
	t      tr
	now    func() time.Time
	demo   bool
	dark   bool // the terminal's background is dark (QR codes are drawn for it)
}

// showID is how ids appear: whole, or masked in presenter mode.
func (c common) showID(id string) string {
	if !c.demo || len(id) <= 4 {
		return id
	}
	return "…" + id[len(id)-4:]
}
