// Package termtext makes text from outside the program (webhook bodies,
// KOMOJU API fields, journal rows, pasted input) safe to put on a terminal.
//
// A terminal obeys control characters and escape sequences wherever they
// appear in its input: OSC 52 writes the clipboard, OSC 0/2 the window
// title, CSI 2J clears the screen, \r lets a line overwrite itself, DCS
// strings reach the terminal's own parser, the C1 byte 0x9b is CSI on
// 8-bit terminals, and bidi overrides (U+202E) reorder what is shown. None
// of that may reach the screen from data. Everything here parses escape
// sequences the way a VT500-family terminal does (ECMA-48: ESC, CSI, OSC,
// DCS, SOS, PM, APC and their 8-bit C1 forms, terminated by BEL, ST, CAN or
// SUB), so a sequence goes as a whole and never leaves its parameters
// behind ("[31m" after a dropped ESC). Printable Unicode, Japanese
// included, passes unchanged.
//
// Four modes, one parser:
//
//	Line(s)   one-line field: every control made visible (␛ for a
//	          sequence, ␍ ␇ ␀ … for C0, � for C1, bidi and bad UTF-8)
//	Text(s)   the same, but newlines and tabs are kept (bodies, messages)
//	Strip(s)  input: sequences and controls removed wholly, \t \r \n
//	          become spaces (what a pasted name sends to KOMOJU)
//	Screen(s) a rendered frame: SGR styling and newlines kept, everything
//	          else dropped without a trace (width-neutral, so layout that
//	          counted the frame stays right)
//
// NewWriter applies Text to a stream (a command's stdout), and EscapeJSON
// turns the characters JSON leaves raw (C1, bidi, DEL) into \u escapes.
package termtext

import (
	"io"
	"strings"
	"unicode/utf8"
)

// mode picks what happens to what is not plain text.
type mode int

const (
	modeLine mode = iota
	modeText
	modeStrip
	modeScreen
)

// Line returns s safe for one line of a terminal: escape sequences become
// a single ␛, C0 controls their control pictures (␍, ␇, ␀, ␤ for \n),
// tabs a space, C1 controls, bidi overrides/isolates and invalid UTF-8 �.
func Line(s string) string { return clean(s, modeLine) }

// Text is Line for multi-line text: \n and \t are kept and \r\n becomes \n.
func Text(s string) string { return clean(s, modeText) }

// Strip removes escape sequences and control characters wholly, for input
// that will be sent on (a pasted card holder name): "Taro\x1b[31mRED" is
// "TaroRED", never "Taro[31mRED". Tabs and line breaks become spaces,
// invalid UTF-8 (and U+FFFD, what it became upstream) is dropped, and the
// result is trimmed.
func Strip(s string) string { return strings.TrimSpace(clean(s, modeStrip)) }

// Input is Strip without the trim, for text arriving piece by piece (a
// paste into a field that already holds text, a typed space).
func Input(s string) string { return clean(s, modeStrip) }

// Screen filters a rendered frame (a bubbletea View): newlines, tabs and
// SGR styling (colours, bold, reverse) pass; every other control and
// sequence is dropped silently, so whatever data slipped through
// unsanitised can neither move the cursor, clear the screen, set the
// title or clipboard, nor hide text (SGR conceal and blink are dropped).
func Screen(s string) string { return clean(s, modeScreen) }

// Safe reports whether s passes Line unchanged.
func Safe(s string) bool { return Line(s) == s }

func clean(s string, m mode) string {
	// Fast path: nothing to do for plain printable text (most fields).
	if plain(s, m) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	p := parser{mode: m, out: &b}
	p.feed([]byte(s))
	p.finish()
	return b.String()
}

// plain reports text with no byte the parser would change: printable
// ASCII (plus \n and \t where kept) and well-formed characters above
// U+009F that ground writes as they are (not bidi controls or marks, line
// separators or U+FFFD). Japanese text, and the "•" and "¥" of history
// rows, stay off the parser's rune-by-rune path (issue 13: it was a
// third of history's time at 100k rows).
func plain(s string, m mode) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if (c == '\n' || c == '\t') && (m == modeText || m == modeScreen) {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r <= 0x9f || isBidi(r) || isBidiMark(r) || r == 0x2028 || r == 0x2029 {
			return false // bad or cut UTF-8 too: DecodeRune gives RuneError
		}
		i += n
	}
	return true
}

// Escape-sequence introducers (8-bit forms; the 7-bit form is ESC + c-0x40).
const (
	esc   = 0x1b
	bel   = 0x07
	can   = 0x18
	sub   = 0x1a
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9b
	c1ST  = 0x9c
	c1OSC = 0x9d
	c1PM  = 0x9e
	c1APC = 0x9f
)

type state int

const (
	stGround    state = iota
	stEsc             // after ESC
	stEscInter        // ESC + intermediates (0x20-0x2f), waiting for a final byte
	stCSI             // CSI parameters and intermediates, until a final byte
	stString          // OSC/DCS/SOS/PM/APC payload, until BEL or ST
	stStringEsc       // ESC inside a string: ST if a backslash follows
)

// maxSeq bounds what is buffered of one CSI sequence (Screen keeps SGR,
// so it must see the whole sequence before deciding).
const maxSeq = 64

// parser is the streaming state machine behind every mode.
type parser struct {
	mode    mode
	out     *strings.Builder
	st      state
	seq     []byte // the CSI sequence so far (Screen mode, for SGR)
	pending []byte // an incomplete UTF-8 sequence at the end of a write
	cr      bool   // Text mode: a \r waiting to see whether \n follows
}

// feed parses b, which may end in the middle of a character or sequence.
func (p *parser) feed(b []byte) {
	if len(p.pending) > 0 {
		b = append(append([]byte(nil), p.pending...), b...)
		p.pending = p.pending[:0]
	}
	for len(b) > 0 {
		c := b[0]
		switch {
		case c < utf8.RuneSelf:
			p.rune(rune(c), b[:1], false)
			b = b[1:]
			continue
		case c == 0xc0 || c == 0xc1:
			// An overlong two-byte form. A lenient decoder reads C0 9B as
			// ESC, so a control encoded this way is taken for that control
			// (and its sequence goes whole); anything else is invalid.
			if len(b) < 2 {
				p.pending = append(p.pending[:0], b...)
				return
			}
			if b[1] >= 0x80 && b[1] <= 0xbf {
				if r := rune(c&0x1f)<<6 | rune(b[1]&0x3f); r < 0x20 || r == 0x7f {
					p.rune(r, b[:2], false)
				} else {
					p.rune(utf8.RuneError, b[:1], true)
				}
				b = b[2:]
				continue
			}
		case !utf8.FullRune(b):
			p.pending = append(p.pending[:0], b...)
			return
		}
		r, n := utf8.DecodeRune(b)
		p.rune(r, b[:n], r == utf8.RuneError && n == 1)
		b = b[n:]
	}
}

// finish ends the input: an incomplete character is invalid, an
// unterminated sequence is dropped (it was never shown anyway).
func (p *parser) finish() {
	if len(p.pending) > 0 {
		p.pending = p.pending[:0]
		p.invalid()
	}
	if p.cr {
		p.cr = false
		p.control('\r')
	}
	if p.st != stGround {
		p.endSeq(false)
	}
}

// rune handles one decoded character; raw is its bytes, bad marks a byte
// that is not UTF-8. A stray byte 0x80-0x9f is taken for the C1 control
// it is on an 8-bit terminal, so "\x9b2J" goes as a whole.
func (p *parser) rune(r rune, raw []byte, bad bool) {
	if bad {
		if c := raw[0]; c >= 0x80 && c <= 0x9f {
			r = rune(c)
		} else {
			if p.st != stGround {
				p.abortSeq()
			}
			p.invalid()
			return
		}
	}
	switch p.st {
	case stGround:
		p.ground(r, raw)
	case stEsc:
		switch {
		case r == '[':
			p.st = stCSI
			p.seq = append(p.seq[:0], esc, '[')
		case r == ']' || r == 'P' || r == 'X' || r == '^' || r == '_':
			p.st = stString
		case r >= 0x20 && r <= 0x2f:
			p.st = stEscInter
		case r >= 0x30 && r <= 0x7e:
			p.endSeq(true) // a two-character sequence (ESC 7, ESC c, ...)
		default:
			p.abortSeq()
			p.ground(r, raw)
		}
	case stEscInter:
		switch {
		case r >= 0x20 && r <= 0x2f:
		case r >= 0x30 && r <= 0x7e:
			p.endSeq(true)
		default:
			p.abortSeq()
			p.ground(r, raw)
		}
	case stCSI:
		switch {
		case r >= 0x20 && r <= 0x3f: // parameters and intermediates
			if len(p.seq) < maxSeq {
				p.seq = append(p.seq, byte(r))
			} else {
				p.seq = p.seq[:0] // too long to be styling: drop it
			}
		case r >= 0x40 && r <= 0x7e:
			p.seq = append(p.seq, byte(r))
			p.endSeq(true)
		default:
			p.abortSeq()
			p.ground(r, raw)
		}
	case stString:
		switch {
		case r == bel || r == c1ST:
			p.endSeq(true)
		case r == esc:
			p.st = stStringEsc
		case r == can || r == sub:
			p.endSeq(true)
		case r == '\n' && (p.mode == modeText || p.mode == modeScreen):
			// A line ends a string in text and frames: one unterminated
			// OSC must not swallow the rest of the output.
			p.abortSeq()
			p.ground(r, raw)
		}
	case stStringEsc:
		if r == '\\' {
			p.endSeq(true)
			return
		}
		// ESC + anything else ends the string and starts a new sequence.
		p.endSeq(true)
		p.st = stEsc
		p.rune(r, raw, false)
	}
}

// ground handles a character outside any sequence.
func (p *parser) ground(r rune, raw []byte) {
	if p.cr {
		p.cr = false
		if r == '\n' {
			p.out.WriteByte('\n')
			return
		}
		p.control('\r')
	}
	switch {
	case r == esc:
		p.st = stEsc
		p.seq = p.seq[:0]
	case r == c1CSI:
		p.st = stCSI
		p.seq = p.seq[:0]        // never kept: Screen keeps 7-bit SGR only
		p.seq = append(p.seq, 0) // marks "not 7-bit", see endSeq
	case r == c1OSC || r == c1DCS || r == c1SOS || r == c1PM || r == c1APC:
		p.st = stString
	case r == '\r' && p.mode == modeText:
		p.cr = true
	case r < 0x20 || r == 0x7f:
		p.control(r)
	case r >= 0x80 && r <= 0x9f:
		p.other(r)
	case isBidi(r):
		p.other(r)
	case isBidiMark(r):
		// LRM, RLM, ALM: direction hints for neutral characters. Dropped
		// in every mode: they can still reorder what a line shows.
	case r == utf8.RuneError && p.mode == modeStrip:
		// Input: a replacement character is what bad bytes became
		// upstream (a terminal reader, a JSON decoder); not worth sending.
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		switch p.mode {
		case modeText:
			p.out.WriteByte('\n')
		case modeLine:
			p.out.WriteString("␤")
		case modeStrip:
			p.out.WriteByte(' ')
		}
	default:
		p.out.Write(raw)
	}
}

// control handles a C0 control or DEL outside a sequence.
func (p *parser) control(r rune) {
	switch p.mode {
	case modeLine:
		switch r {
		case '\t':
			p.out.WriteByte(' ')
		case '\n':
			p.out.WriteString("␤")
		case 0x7f:
			p.out.WriteString("␡")
		default:
			p.out.WriteRune(0x2400 + r)
		}
	case modeText:
		switch r {
		case '\t', '\n':
			p.out.WriteByte(byte(r))
		case 0x7f:
			p.out.WriteString("␡")
		default:
			p.out.WriteRune(0x2400 + r)
		}
	case modeStrip:
		if r == '\t' || r == '\n' || r == '\r' {
			p.out.WriteByte(' ')
		}
	case modeScreen:
		if r == '\t' || r == '\n' {
			p.out.WriteByte(byte(r))
		}
	}
}

// other handles a C1 control or bidi override outside a sequence.
func (p *parser) other(rune) {
	if p.mode == modeLine || p.mode == modeText {
		p.out.WriteRune(utf8.RuneError)
	}
}

func (p *parser) invalid() {
	if p.mode != modeStrip {
		p.out.WriteRune(utf8.RuneError)
	}
}

// endSeq ends the current sequence. complete is false when it was cut
// short (end of input).
func (p *parser) endSeq(complete bool) {
	wasCSI := p.st == stCSI
	p.st = stGround
	if p.mode == modeScreen {
		if complete && wasCSI && safeSGR(p.seq) {
			p.out.Write(p.seq)
		}
		p.seq = p.seq[:0]
		return
	}
	p.seq = p.seq[:0]
	if p.mode == modeLine || p.mode == modeText {
		p.out.WriteString("␛")
	}
}

// abortSeq ends a sequence interrupted by a character that cannot be part
// of it; the character is then handled on its own.
func (p *parser) abortSeq() { p.endSeq(false) }

// safeSGR reports a 7-bit "ESC [ params m" whose attributes only style
// text: no conceal (8) or blink (5, 6), which could hide what follows.
// Extended colours (38;5;N, 38;2;R;G;B and the colon forms) are skipped
// over so their numbers are not read as attributes.
func safeSGR(seq []byte) bool {
	if len(seq) < 3 || seq[0] != esc || seq[1] != '[' || seq[len(seq)-1] != 'm' {
		return false
	}
	fields := strings.Split(string(seq[2:len(seq)-1]), ";")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		for k := 0; k < len(f); k++ {
			if c := f[k]; (c < '0' || c > '9') && c != ':' {
				return false
			}
		}
		head, _, colon := strings.Cut(f, ":")
		switch strings.TrimLeft(head, "0") {
		case "5", "6", "8":
			return false
		case "38", "48", "58":
			if colon || i+1 >= len(fields) {
				continue
			}
			switch strings.TrimLeft(fields[i+1], "0") {
			case "5":
				i += 2
			case "2":
				i += 4
			}
		}
	}
	return true
}

// isBidi reports the bidi embedding, override and isolate controls
// (U+202A-U+202E, U+2066-U+2069), the characters of "Trojan Source".
func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func isBidiMark(r rune) bool { return r == 0x200e || r == 0x200f || r == 0x061c }

// Writer applies Text to everything written through it, across writes: a
// character or sequence split between two writes is handled as one.
// Call Flush at the end to emit a trailing incomplete character as �.
type Writer struct {
	w io.Writer
	p parser
	b strings.Builder
}

// NewWriter returns a Writer over w.
func NewWriter(w io.Writer) *Writer {
	tw := &Writer{w: w}
	tw.p = parser{mode: modeText, out: &tw.b}
	return tw
}

// Write sanitises p and writes the result; it reports len(p) on success.
func (tw *Writer) Write(b []byte) (int, error) {
	tw.b.Reset()
	if len(tw.p.pending) == 0 && !tw.p.cr && tw.p.st == stGround && plain(string(b), modeText) {
		if _, err := tw.w.Write(b); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	tw.p.feed(b)
	if tw.b.Len() > 0 {
		if _, err := io.WriteString(tw.w, tw.b.String()); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// Flush ends the stream: an incomplete trailing character is written as
// �, a lone trailing \r as ␍, and an unterminated sequence is dropped.
func (tw *Writer) Flush() error {
	tw.b.Reset()
	tw.p.finish()
	if tw.b.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(tw.w, tw.b.String())
	return err
}

// EscapeJSON returns JSON text b with the characters encoding/json leaves
// raw but a terminal would obey (C1 controls U+0080-U+009F, bidi
// overrides/isolates/marks, DEL) written as \uXXXX escapes. encoding/json
// only emits them inside strings, where the escape means the same
// character, so the data is unchanged for a JSON reader.
func EscapeJSON(b []byte) []byte {
	if !needsJSONEscape(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		c := b[i]
		if c == 0x7f {
			out = append(out, `\u007f`...)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			out = append(out, `\ufffd`...)
		} else if (r >= 0x80 && r <= 0x9f) || isBidi(r) || isBidiMark(r) {
			const hex = "0123456789abcdef"
			out = append(out, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func needsJSONEscape(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c == 0x7f {
			return true
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r <= 0x9f) || isBidi(r) || isBidiMark(r) {
			return true
		}
		i += n
	}
	return false
}
