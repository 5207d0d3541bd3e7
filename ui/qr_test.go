package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows"
)

// extractQR finds the QR block in a rendered screen: the first line that
// ends in a long run of full blocks (the top quiet zone) gives its width,
// and the following lines' last width cells are its rows.
func extractQR(t *testing.T, screen string) []string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		r := []rune(strings.TrimRight(l, " "))
		n := 0
		for n < len(r) && r[len(r)-1-n] == '█' {
			n++
		}
		if n < 21 {
			continue
		}
		var block []string
		for _, row := range lines[i:] {
			rr := []rune(strings.TrimRight(row, " "))
			if len(rr) < n {
				break
			}
			seg := string(rr[len(rr)-n:])
			if strings.Trim(seg, "█▀▄ ") != "" || !strings.ContainsAny(seg, "█▀▄") {
				break
			}
			block = append(block, seg)
		}
		return block
	}
	t.Fatalf("no QR code on screen:\n%s", screen)
	return nil
}

// qrPNG turns half-block rows into an image as a dark terminal shows
// them: ink is light, blank is the dark background, with a dark border
// (the terminal around the code) and scale pixels per module.
func qrPNG(t *testing.T, rows []string, path string) {
	t.Helper()
	const scale, border = 6, 4
	w := len([]rune(rows[0]))
	h := len(rows) * 2
	img := image.NewGray(image.Rect(0, 0, (w+2*border)*scale, (h+2*border)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0 // dark terminal background
	}
	set := func(x, y int) {
		for dy := 0; dy < scale; dy++ {
			for dx := 0; dx < scale; dx++ {
				img.SetGray((x+border)*scale+dx, (y+border)*scale+dy, color.Gray{Y: 255})
			}
		}
	}
	for y, row := range rows {
		for x, c := range []rune(row) {
			switch c {
			case '█':
				set(x, 2*y)
				set(x, 2*y+1)
			case '▀':
				set(x, 2*y)
			case '▄':
				set(x, 2*y+1)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func zbarDecode(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Fatalf("zbarimg is not installed: run scripts/test.sh (it installs zbar-tools) or apt-get install zbar-tools")
	}
	out, err := exec.Command(bin, "--raw", "-q", path).Output()
	if err != nil {
		t.Fatalf("zbarimg could not decode %s: %v %s", path, err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

// TestResultQRDecodes renders the result screens whose QR codes a
// customer scans (konbini instructions, the PayPay page) at 80x24 and
// 120x40 and decodes the code with zbarimg back to the exact URL.
func TestResultQRDecodes(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, method := range []string{"Konbini (convenience store)", "PayPay"} {
			env := newEnv(t, envOpt{})
			o := env.options()
			o.NoBrowser = true
			h := newHarness(t, o, size[0], size[1])
			h.amountTo("1000")
			h.pickMethod(method)
			if method != "PayPay" {
				h.testData("Sample customer")
				h.keys("ctrl+s")
			}
			h.waitFor("result", func(m Model) bool { return m.screen == screenResult })
			want, _ := qrTarget(h.m.outcome)
			if want == "" {
				t.Fatalf("%s: no QR target in outcome %s", method, h.m.outcome.Kind)
			}
			screen := h.view()
			if got := len(strings.Split(screen, "\n")); got != size[1] {
				t.Fatalf("%dx%d: view has %d lines", size[0], size[1], got)
			}
			for _, l := range strings.Split(screen, "\n") {
				if w := len([]rune(l)); w > size[0] {
					t.Fatalf("%dx%d: line wider than the terminal (%d): %q", size[0], size[1], w, l)
				}
			}
			rows := extractQR(t, screen)
			path := filepath.Join(t.TempDir(), "qr.png")
			qrPNG(t, rows, path)
			if got := zbarDecode(t, path); got != want {
				t.Fatalf("%dx%d %s: QR decodes to %q, want %q", size[0], size[1], method, got, want)
			}
		}
	}
}

// TestPhoneQRDecodes checks the session page QR of "customer pays on their
// phone".
func TestPhoneQRDecodes(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 80, 24)
	h.amountTo("1000")
	h.pickMethod("phone")
	h.waitFor("result", func(m Model) bool { return m.screen == screenResult && m.outcome.Kind == flows.OutcomeRedirect })
	path := filepath.Join(t.TempDir(), "qr.png")
	qrPNG(t, extractQR(t, h.view()), path)
	if got, want := zbarDecode(t, path), h.m.sale.Session.SessionURL; got != want {
		t.Fatalf("phone QR decodes to %q, want %q", got, want)
	}
}

func TestRenderQRTooBig(t *testing.T) {
	if _, err := renderQR(strings.Repeat("x", 60), 20, 10, true); err == nil {
		t.Fatal("a code larger than the space was rendered")
	}
	if _, err := renderQR("", 80, 40, true); err == nil {
		t.Fatal("empty text rendered")
	}
}
