package receipt

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"
)

// ESC/POS commands (Epson's ESC/POS command reference; the same bytes on
// Star, Bixolon, Citizen and most receipt printers in ESC/POS mode).
var (
	escInit      = []byte{0x1b, '@'}       // ESC @: initialise
	escJapan     = []byte{0x1b, 'R', 8}    // ESC R 8: international set Japan (0x5C prints ¥)
	fsShiftJIS   = []byte{0x1c, 'C', 1}    // FS C 1: kanji code system Shift_JIS
	fsKanjiOn    = []byte{0x1c, '&'}       // FS &: kanji mode on
	fsKanjiOff   = []byte{0x1c, '.'}       // FS .: kanji mode off
	escKatakana  = []byte{0x1b, 't', 1}    // ESC t 1: code table katakana (Shift_JIS one-byte kana 0xA1-0xDF)
	escBoldOn    = []byte{0x1b, 'E', 1}    // ESC E 1: emphasis on
	escBoldOff   = []byte{0x1b, 'E', 0}    // ESC E 0
	gsSizeBig    = []byte{0x1d, '!', 0x11} // GS ! 0x11: double width and height
	gsSizeTall   = []byte{0x1d, '!', 0x01} // GS ! 0x01: double height (columns stay)
	gsSizeNormal = []byte{0x1d, '!', 0x00}
	gsReverseOn  = []byte{0x1d, 'B', 1} // GS B 1: white on black
	gsReverseOff = []byte{0x1d, 'B', 0}
	escCenter    = []byte{0x1b, 'a', 1} // ESC a 1: centre
	escLeft      = []byte{0x1b, 'a', 0}
	escFeed4     = []byte{0x1b, 'd', 4}     // ESC d 4: print and feed 4 lines
	gsPartialCut = []byte{0x1d, 'V', 66, 0} // GS V 66 0: feed to the cutter and cut (partial)
)

// ESCPOS is the receipt as ESC/POS bytes for a receipt printer: it
// initialises the printer (ESC @), prints the SANDBOX/TEST mark double
// size, emphasised and reversed, the total emphasised and double height,
// and feeds and cuts (GS V) at the end.
//
// Japanese goes as Shift_JIS in the printer's kanji mode (FS C 1 then
// FS &), which Japanese-model printers (TM-T88 JP, TM-m30 JP, …) have,
// with the katakana code table (ESC t 1) for Shift_JIS's one-byte kana;
// an English receipt of plain ASCII never enters kanji mode, so it prints
// on any ESC/POS printer. The international character set is Japan
// (ESC R 8) so that the yen sign, which Shift_JIS puts at 0x5C, prints as
// ¥. A character Shift_JIS lacks prints as "?".
func (r Receipt) ESCPOS() []byte {
	rows := r.rows()
	enc := japanese.ShiftJIS.NewEncoder()
	kanji := false
	for _, rw := range rows {
		if needsKanji(enc, rw.left) || needsKanji(enc, rw.right) {
			kanji = true
			break
		}
	}
	var b bytes.Buffer
	b.Write(escInit)
	b.Write(escJapan)
	if kanji {
		b.Write(escKatakana)
		b.Write(fsShiftJIS)
		b.Write(fsKanjiOn)
	}
	line := func(s string) {
		b.Write(sjis(enc, s))
		b.WriteByte('\n')
	}
	for _, rw := range rows {
		switch rw.kind {
		case rowMark:
			b.Write(escCenter)
			b.Write(gsSizeBig)
			b.Write(escBoldOn)
			b.Write(gsReverseOn)
			line(" " + rw.left + " ")
			b.Write(gsReverseOff)
			b.Write(escBoldOff)
			b.Write(gsSizeNormal)
			b.Write(escLeft)
		case rowMarkNote, rowTitle:
			b.Write(escCenter)
			b.Write(escBoldOn)
			for _, l := range wrap(rw.left, Width) {
				line(l)
			}
			b.Write(escBoldOff)
			b.Write(escLeft)
		case rowCenter:
			b.Write(escCenter)
			for _, l := range wrap(rw.left, Width) {
				line(l)
			}
			b.Write(escLeft)
		case rowTotal:
			b.Write(escBoldOn)
			b.Write(gsSizeTall)
			for _, l := range pair(rw.left, rw.right, Width) {
				line(l)
			}
			b.Write(gsSizeNormal)
			b.Write(escBoldOff)
		default:
			for _, l := range textRow(rw) {
				line(l)
			}
		}
	}
	if kanji {
		b.Write(fsKanjiOff)
	}
	b.Write(escFeed4)
	b.Write(gsPartialCut)
	return b.Bytes()
}

// needsKanji reports a character that takes kanji mode: one Shift_JIS
// has as two bytes (Japanese, full-width forms, ×).
func needsKanji(enc *encoding.Encoder, s string) bool {
	for _, c := range s {
		if c < utf8.RuneSelf || c == '¥' {
			continue
		}
		if bs, err := enc.Bytes([]byte(string(c))); err == nil && len(bs) == 2 {
			return true
		}
	}
	return false
}

// sjis encodes s as Shift_JIS rune by rune. The yen sign is 0x5C (the
// printer's Japan character set prints it as ¥); an accented Latin
// letter loses its accent (é → e); anything else the printer cannot
// print becomes "?" instead of losing the line.
func sjis(enc *encoding.Encoder, s string) []byte {
	out := make([]byte, 0, len(s))
	for _, c := range s {
		switch {
		case c < utf8.RuneSelf:
			out = append(out, byte(c))
			continue
		case c == '¥':
			out = append(out, 0x5c)
			continue
		}
		if bs, err := enc.Bytes([]byte(string(c))); err == nil && len(bs) > 0 {
			out = append(out, bs...)
			continue
		}
		if base := norm.NFD.String(string(c)); base != "" && base[0] < utf8.RuneSelf {
			out = append(out, base[0])
			continue
		}
		out = append(out, '?')
	}
	return out
}
