package flows

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// TestPayScannedCode: a scanned PayPay code is charged at once (no
// redirect), and refusals say what to do in the clerk's words; the code
// itself is never written to the journal.
func TestPayScannedCode(t *testing.T) {
	env := newEnv(t)
	ctx := env.ctx()
	o, err := env.e.PayScannedCode(ctx, Checkout{Amount: 1500, Currency: "JPY"}, sandbox.ScannedCodeSuccess, PayOptions{})
	mustKind(t, o, err, OutcomePaid)
	if o.RedirectURL != "" || o.Payment.Type() != komoju.TypePayPay || o.OrderNum == "" {
		t.Errorf("paid: %+v", o)
	}
	if s := env.journalSale(o.OrderNum); s.FinishedAt == nil || s.PaymentID != o.PaymentID() || s.Method != komoju.TypePayPay {
		t.Errorf("journal: %+v", s)
	}

	for _, tc := range []struct {
		code, want string
		failed     bool // a failed payment is recorded at KOMOJU
	}{
		{sandbox.ScannedCodeInsufficientBalance, MsgScanLowBalance, true},
		{sandbox.ScannedCodeExpired, MsgScanExpired, false},
	} {
		before := len(env.payments(""))
		o, err := env.e.PayScannedCode(ctx, Checkout{Amount: 1500, Currency: "JPY"}, tc.code, PayOptions{})
		mustKind(t, o, err, OutcomeError)
		if o.Message != tc.want {
			t.Errorf("code %s: message %q, want %q", tc.code, o.Message, tc.want)
		}
		var charged int
		for _, p := range env.payments("") {
			if p.Status == komoju.PaymentCaptured {
				charged++
			}
		}
		if charged != 1 {
			t.Errorf("code %s: %d captured payments, want the first only", tc.code, charged)
		}
		if got := len(env.payments("")) - before; (got == 1) != tc.failed {
			t.Errorf("code %s: %d new payments", tc.code, got)
		}
		if s := env.journalSale(o.OrderNum); s.FinishedAt == nil {
			t.Errorf("code %s: sale left unfinished", tc.code)
		}
	}

	// The journal's files (database and write-ahead log) hold no code.
	files, _ := filepath.Glob(env.j.Path() + "*")
	if len(files) == 0 {
		t.Fatal("no journal file found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(sandbox.ScannedCodeInsufficientBalance)) {
			t.Errorf("%s holds a scanned code", filepath.Base(f))
		}
	}
}

func TestScannedCodeInput(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"000000000000000001", "000000000000000001", ""},
		{" 0000 0000-0000 000001\r\n", "000000000000000001", ""},
		{"", "", "empty"},
		{"12$4", "", "letters and digits"},
		{strings.Repeat("1", 65), "", "too long"},
	} {
		got, err := ScannedCode(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ScannedCode(%q) = %q, %v; want %q, error naming %q", tc.in, got, err, tc.want, tc.err)
		}
	}
	env := newEnv(t)
	o, err := env.e.PayScannedCode(env.ctx(), Checkout{Amount: 100, Currency: "JPY", OrderNum: "SCAN-BAD"}, "abc$", PayOptions{})
	mustKind(t, o, err, OutcomeError)
	if o.Field != FieldScannedCode || len(env.payments("")) != 0 {
		t.Errorf("bad code: %+v", o)
	}
	if _, err := env.j.SaleByOrder(env.ctx(), "SCAN-BAD"); err == nil {
		t.Error("a refused code was journaled")
	}
}
