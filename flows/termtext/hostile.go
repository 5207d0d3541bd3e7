package termtext

import (
	"fmt"
	"unicode/utf8"
)

// Case is one hostile string: what an attacker puts in a webhook field, an
// API text field or the clipboard. Tests across the program push every
// case through each surface that shows or sends text.
type Case struct {
	Name string
	In   string
	// Strip is what Strip(In) must give: the text around the attack, with
	// the whole sequence gone.
	Strip string
}

// HostileCases returns the table of hostile strings (a fresh copy).
func HostileCases() []Case {
	return []Case{
		{"OSC 52 clipboard write (BEL)", "a\x1b]52;c;aGFja2Vk\x07b", "ab"},
		{"OSC 52 clipboard write (ST)", "a\x1b]52;c;aGFja2Vk\x1b\\b", "ab"},
		{"OSC 0 icon and title", "a\x1b]0;pwned\x07b", "ab"},
		{"OSC 2 window title", "a\x1b]2;pwned\x07b", "ab"},
		{"OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07", "click"},
		{"OSC 1337 iTerm2 file", "a\x1b]1337;File=name=eA==;inline=1:aGk=\x07b", "ab"},
		{"OSC unterminated", "a\x1b]0;pwned", "a"},
		{"CSI 2J clear + H home", "\x1b[2J\x1b[Hpayment.captured VERIFIED", "payment.captured VERIFIED"},
		{"CSI 999;999H cursor move", "a\x1b[999;999Hb", "ab"},
		{"CSI SGR colour", "Taro\x1b[31mRED\x1b[0m", "TaroRED"},
		{"CSI SGR conceal", "a\x1b[8mhidden", "ahidden"},
		{"CSI alternate screen", "a\x1b[?1049hb", "ab"},
		{"CSI bracketed paste end", "a\x1b[201~b", "ab"},
		{"CSI mouse tracking", "a\x1b[?1000hb", "ab"},
		{"CSI title report (answer injection)", "a\x1b[21tb", "ab"},
		{"DCS XTGETTCAP", "a\x1bP+q544e\x1b\\b", "ab"},
		{"DCS tmux passthrough", "a\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\b", "ab"},
		{"APC kitty graphics", "a\x1b_Gf=100;aGk=\x1b\\b", "ab"},
		{"PM privacy message", "a\x1b^secret\x1b\\b", "ab"},
		{"SOS start of string", "a\x1bXsos\x1b\\b", "ab"},
		{"ESC c full reset", "a\x1bcb", "ab"},
		{"ESC 7/8 save and restore cursor", "a\x1b7b\x1b8c", "abc"},
		{"ESC ( charset", "a\x1b(0b", "ab"},
		{"CR overwrite", "payment.failed\rpayment.captured VERIFIED", "payment.failed payment.captured VERIFIED"},
		{"backspace overwrite", "rejected\b\b\b\b\b\b\b\bVERIFIED", "rejectedVERIFIED"},
		{"BEL", "ding\x07dong", "dingdong"},
		{"NUL", "a\x00b", "ab"},
		{"DEL", "a\x7fb", "ab"},
		{"vertical tab and form feed", "a\x0b\x0cb", "ab"},
		{"C1 CSI as UTF-8 (U+009B)", "a\u009b2Jb", "ab"},
		{"C1 CSI raw byte 0x9b", "a\x9b2Jb", "ab"},
		{"C1 OSC raw bytes", "a\x9d0;pwned\x9cb", "ab"},
		{"C1 DCS raw bytes", "a\x90q\x9cb", "ab"},
		{"C1 NEL", "a\u0085b", "ab"},
		{"U+202E right-to-left override", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"U+2066 isolate", "a\u2066b\u2069c", "abc"},
		{"U+200F right-to-left mark", "a\u200Fb", "ab"},
		{"U+2028 line separator", "a\u2028b", "a b"},
		{"overlong ESC (C0 9B)", "a\xc0\x9b[2Jb", "ab"},
		{"overlong slash (C0 AF)", "a\xc0\xafb", "ab"},
		{"invalid UTF-8", "a\xff\xfeb", "ab"},
		{"truncated UTF-8", "山\xe7\x94", "山"},
		{"trailing ESC", "abc\x1b", "abc"},
		{"paste from the issue", "Taro\x1b[31mRED\x1b[0m\x1b]0;pwned\x07Yamada", "TaroREDYamada"},
		{"Japanese around a clear", "山田\x1b[2J太郎", "山田太郎"},
		{"fake verified line", "\x1b[2K\r\x1b[32m✓ payment.captured VERIFIED\x1b[0m\n", "✓ payment.captured VERIFIED"},
	}
}

// Check returns an error naming the first thing in s a terminal would
// obey rather than print: an escape, a C0 control other than \n and \t,
// DEL, a C1 control (UTF-8 or raw byte), a bidi control, or invalid UTF-8.
// Tests use it on output and screens; nil means s is inert.
func Check(s string) error { return check(s, false) }

// CheckScreen is Check for a rendered frame: styling SGR sequences (not
// conceal or blink) are allowed, as Screen keeps them.
func CheckScreen(s string) error { return check(s, true) }

func check(s string, sgr bool) error {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Errorf("invalid UTF-8 byte %#x at %d", s[i], i)
		case r == esc && sgr:
			j := i + 1
			if j < len(s) && s[j] == '[' {
				j++
				for j < len(s) && s[j] >= 0x20 && s[j] <= 0x3f {
					j++
				}
				if j < len(s) && safeSGR([]byte(s[i:j+1])) {
					i = j + 1
					continue
				}
			}
			return fmt.Errorf("escape sequence %q at %d", clip(s[i:]), i)
		case r == esc:
			return fmt.Errorf("escape sequence %q at %d", clip(s[i:]), i)
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("control character %U at %d", r, i)
		case r >= 0x80 && r <= 0x9f:
			return fmt.Errorf("C1 control %U at %d", r, i)
		case isBidi(r) || isBidiMark(r):
			return fmt.Errorf("bidi control %U at %d", r, i)
		case r == 0x2028 || r == 0x2029:
			return fmt.Errorf("line separator %U at %d", r, i)
		}
		i += n
	}
	return nil
}

func clip(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
