package ui

import (
	"errors"
	"strings"

	"rsc.io/qr"
)

// qrQuiet is the quiet zone in modules around the code. The standard asks
// for 4; 2 keeps a version-4 code inside an 80x24 terminal and phone
// cameras and zbar read it reliably because the terminal's own margin adds
// to it.
const qrQuiet = 2

// errQRTooBig says the code does not fit the space it was given.
const errQRTooBig = uiError("QR code does not fit")

// renderQR draws text as a QR code with half-block characters: each
// character cell holds two module rows (upper and lower half). Light
// modules are drawn with ink (█ ▀ ▄) and dark modules as spaces, which is
// how the code must look on a dark terminal background; on a light
// background (darkBG false) the ink marks the dark modules instead. The
// quiet zone is drawn as light modules so the code is scannable whatever
// surrounds it. The lowest error-correction level that fits maxW x maxH
// cells is chosen (L keeps the code smallest; higher levels are used when
// there is room, as they survive glare and moiré better).
func renderQR(text string, maxW, maxH int, darkBG bool) (string, error) {
	if text == "" {
		return "", errors.New("nothing to encode")
	}
	var best *qr.Code
	for _, lvl := range []qr.Level{qr.L, qr.M, qr.Q} {
		c, err := qr.Encode(text, lvl)
		if err != nil {
			return "", err
		}
		w, h := qrCells(c.Size)
		if w > maxW || h > maxH {
			break
		}
		best = c
		if lvl == qr.M {
			break // M is plenty for a screen; Q only costs size
		}
	}
	if best == nil {
		return "", errQRTooBig
	}
	n := best.Size + 2*qrQuiet
	light := func(x, y int) bool {
		x -= qrQuiet
		y -= qrQuiet
		if x < 0 || y < 0 || x >= best.Size || y >= best.Size {
			return true
		}
		return !best.Black(x, y)
	}
	ink := func(x, y int) bool {
		if y >= n {
			return false // below the code: blank
		}
		return light(x, y) == darkBG
	}
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := 0; x < n; x++ {
			top, bot := ink(x, y), ink(x, y+1)
			switch {
			case top && bot:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bot:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
	}
	return b.String(), nil
}

// qrCells is the width and height in character cells of a code of size
// modules with its quiet zone.
func qrCells(size int) (w, h int) {
	n := size + 2*qrQuiet
	return n, (n + 1) / 2
}
