package termtext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestHostileCases(t *testing.T) {
	for _, c := range HostileCases() {
		t.Run(c.Name, func(t *testing.T) {
			if err := Check(c.In); err == nil && !strings.Contains(c.Name, "VERIFIED") {
				// Every case must be hostile, or the table proves nothing.
				t.Fatalf("Check(%q) = nil: not a hostile case", c.In)
			}
			for name, f := range map[string]func(string) string{"Line": Line, "Text": Text, "Strip": Strip} {
				out := f(c.In)
				if err := Check(out); err != nil {
					t.Errorf("%s(%q) = %q: %v", name, c.In, out, err)
				}
				if name == "Line" && strings.ContainsAny(out, "\n\t") {
					t.Errorf("Line(%q) = %q keeps a line break or tab", c.In, out)
				}
			}
			if got := Strip(c.In); got != c.Strip {
				t.Errorf("Strip(%q) = %q, want %q", c.In, got, c.Strip)
			}
			if out := Screen(c.In); CheckScreen(out) != nil || strings.Contains(out, "\x1b]") {
				t.Errorf("Screen(%q) = %q: %v", c.In, out, CheckScreen(out))
			}
			// Whatever the sequence carried is gone, not shown as text.
			for _, payload := range []string{"aGFja2Vk", "pwned", "evil.example", "[31m", "[2J", "544e", "secret"} {
				if strings.Contains(c.In, payload) {
					for name, out := range map[string]string{"Line": Line(c.In), "Text": Text(c.In), "Strip": Strip(c.In), "Screen": Screen(c.In)} {
						if strings.Contains(out, payload) && !(name == "Screen" && payload == "[31m") { // Screen keeps colour
							t.Errorf("%s(%q) = %q still shows %q", name, c.In, out, payload)
						}
					}
				}
			}
		})
	}
}

func TestVisibleMarks(t *testing.T) {
	for _, tc := range []struct{ in, line, text string }{
		{"plain", "plain", "plain"},
		{"山田 太郎 ｶﾀｶﾅ 😀", "山田 太郎 ｶﾀｶﾅ 😀", "山田 太郎 ｶﾀｶﾅ 😀"},
		{"a\x1b[2Jb", "a␛b", "a␛b"},
		{"a\x1b]0;t\x07b", "a␛b", "a␛b"},
		{"a\rb", "a␍b", "a␍b"},
		{"a\r\nb", "a␍␤b", "a\nb"},
		{"a\nb\tc", "a␤b c", "a\nb\tc"},
		{"a\x00b\x07", "a␀b␇", "a␀b␇"},
		{"a\u202eb", "a\ufffdb", "a\ufffdb"},
		{"a\x9b2Jb", "a␛b", "a␛b"},
		{"a\xffb", "a\ufffdb", "a\ufffdb"},
		{"a\x1b]0;x\nb", "a␛", "a␛\nb"},
	} {
		if got := Line(tc.in); got != tc.line {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.line)
		}
		if got := Text(tc.in); got != tc.text {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.text)
		}
	}
}

func TestScreenKeepsStyling(t *testing.T) {
	frame := "\x1b[1;38;2;88;166;255mTitle\x1b[0m\n\x1b[7m> row\x1b[0m\t\x1b[38;5;8mgrey\x1b[m"
	if got := Screen(frame); got != frame {
		t.Fatalf("Screen changed a styled frame:\n got %q\nwant %q", got, frame)
	}
	for in, want := range map[string]string{
		"a\x1b[8mb":          "ab", // conceal
		"a\x1b[5mb":          "ab", // blink
		"a\x1b[1;8mb":        "ab",
		"a\x1b[2Jb":          "ab",
		"a\x1b]52;c;eA==\ab": "ab",
		"a\rb":               "ab",
		"a\x1b]0;x\nb":       "a\nb", // an unterminated OSC cannot eat the frame
	} {
		if got := Screen(in); got != want {
			t.Errorf("Screen(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterSplitsAnywhere(t *testing.T) {
	for _, c := range HostileCases() {
		in := "前" + c.In + "後\n"
		want := Text(in)
		for cut := 0; cut <= len(in); cut++ {
			var out bytes.Buffer
			w := NewWriter(&out)
			if n, err := w.Write([]byte(in[:cut])); err != nil || n != cut {
				t.Fatalf("Write = %d, %v", n, err)
			}
			w.Write([]byte(in[cut:]))
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Fatalf("%s cut at %d: got %q, want %q", c.Name, cut, out.String(), want)
			}
		}
	}
}

func TestEscapeJSON(t *testing.T) {
	for _, c := range HostileCases() {
		b, err := json.Marshal(map[string]string{"v": c.In})
		if err != nil {
			t.Fatal(err)
		}
		out := EscapeJSON(b)
		if err := Check(string(out)); err != nil {
			t.Errorf("%s: %s: %v", c.Name, out, err)
		}
		var back, orig map[string]string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s: escaped JSON does not parse: %v", c.Name, err)
		}
		_ = json.Unmarshal(b, &orig)
		if back["v"] != orig["v"] {
			t.Errorf("%s: escaping changed the data: %q → %q", c.Name, orig["v"], back["v"])
		}
	}
}

func FuzzSanitise(f *testing.F) {
	for _, c := range HostileCases() {
		f.Add(c.In, 3)
	}
	f.Add("山田太郎 Taro Yamada", 0)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		line, text, strip, screen := Line(s), Text(s), Strip(s), Screen(s)
		for name, out := range map[string]string{"Line": line, "Text": text, "Strip": strip} {
			if err := Check(out); err != nil {
				t.Fatalf("%s(%q) = %q: %v", name, s, out, err)
			}
		}
		if err := CheckScreen(screen); err != nil {
			t.Fatalf("Screen(%q) = %q: %v", s, screen, err)
		}
		if strings.ContainsAny(line, "\n\t") {
			t.Fatalf("Line(%q) = %q has a line break", s, line)
		}
		if Line(line) != line || Text(text) != text || Strip(strip) != strip || Screen(screen) != screen {
			t.Fatalf("not idempotent on %q", s)
		}
		if Check(s) == nil {
			// Inert text passes unchanged (Japanese, emoji, punctuation).
			if text != s || screen != s {
				t.Fatalf("inert %q changed: Text %q, Screen %q", s, text, screen)
			}
		}
		// The fast path passes only what the parser passes unchanged.
		for _, m := range []mode{modeLine, modeText, modeStrip, modeScreen} {
			if plain(s, m) && parsed(s, m) != s {
				t.Fatalf("mode %d: plain(%q) but the parser gives %q", m, s, parsed(s, m))
			}
		}
		// Streaming gives the same text wherever the writes are cut.
		if len(s) > 0 {
			cut = ((cut % len(s)) + len(s)) % len(s)
		} else {
			cut = 0
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		w.Write([]byte(s[:cut]))
		w.Write([]byte(s[cut:]))
		w.Flush()
		if out.String() != text {
			t.Fatalf("Writer(%q cut %d) = %q, Text = %q", s, cut, out.String(), text)
		}
	})
}

// parsed is clean without its fast path.
func parsed(s string, m mode) string {
	var b strings.Builder
	p := parser{mode: m, out: &b}
	p.feed([]byte(s))
	p.finish()
	return b.String()
}

// The fast path takes printable Unicode (a history row's "•" and "¥",
// Japanese) and nothing the parser would change.
func TestPlainIsWhatTheParserKeeps(t *testing.T) {
	for _, s := range []string{"credit_card visa •••• 1111", "¥1,000", "山田太郎 Taro", "emoji 🎉", "a\u00a0b"} {
		for _, m := range []mode{modeLine, modeText, modeStrip, modeScreen} {
			if !plain(s, m) || parsed(s, m) != s {
				t.Errorf("mode %d: %q not plain, or changed: %q", m, s, parsed(s, m))
			}
		}
	}
	for _, s := range []string{"\u0085", "\u009b", "a\u202eb", "\u200f", "\u2028", "\ufffd", "\xe3\x81", "\xc0\x9b", "\xff", "\x1b[2J"} {
		for _, m := range []mode{modeLine, modeText, modeStrip, modeScreen} {
			if plain(s, m) {
				t.Errorf("mode %d: %q taken as plain", m, s)
			}
		}
	}
	for _, c := range HostileCases() {
		for _, m := range []mode{modeLine, modeText, modeStrip, modeScreen} {
			if plain(c.In, m) && parsed(c.In, m) != c.In {
				t.Errorf("%s, mode %d: plain but the parser changes it", c.Name, m)
			}
		}
	}
}
