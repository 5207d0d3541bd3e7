package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// The tests run with the ASCII colour profile, so a frame holds no escape
// sequence of its own: any ESC, control or bidi character in View() came
// from data, and termtext.Check must find none.

// TestInspectorShowsHostileDeliveriesInert sends every hostile string to a
// real receiver in the fields an attacker controls (event id and type,
// payment id, status, currency, body), signed and unsigned, then opens the
// inspector's list and each delivery's details.
func TestInspectorShowsHostileDeliveriesInert(t *testing.T) {
	const secret = "whsec_test"
	r, err := webhooks.New(webhooks.Options{Secret: secret, Now: func() time.Time { return evNow }, RejectBurst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cases := termtext.HostileCases()
	for _, c := range cases {
		pay, _ := json.Marshal(map[string]any{"id": "pay_" + c.In, "resource": "payment", "status": "captured" + c.In,
			"amount": 100, "total": 100, "currency": "JPY" + c.In, "description": c.In})
		body, _ := json.Marshal(map[string]any{"id": "evt_" + c.In, "type": "payment.captured" + c.In, "resource": "event",
			"data": json.RawMessage(pay), "created_at": "2026-11-24T09:00:00Z"})
		for _, sig := range []string{komoju.SignWebhook(body, secret), "00"} {
			req := httptest.NewRequest(http.MethodPost, webhooks.Path, strings.NewReader(string(body)))
			req.Header.Set("X-Komoju-Signature", sig)
			r.ServeHTTP(httptest.NewRecorder(), req)
		}
		// Not JSON at all: the inspector shows the raw body.
		req := httptest.NewRequest(http.MethodPost, webhooks.Path, strings.NewReader("raw "+c.In))
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	m := NewEventsModel(WebhookSource{Receiver: r}, 100, 30).WithNow(func() time.Time { return evNow })
	m, _ = m.Update(m.Init()())
	if len(m.events) == 0 {
		t.Fatal("no events listed")
	}
	seen := 0
	for i := range m.events {
		m.cursor = i
		m.clampOffset()
		if err := termtext.Check(m.View()); err != nil {
			t.Fatalf("list with %q selected: %v", m.events[i].EventID, err)
		}
		m, _ = m.Update(keyMsg("enter"))
		v := m.View()
		if err := termtext.Check(v); err != nil {
			t.Fatalf("details of %q: %v\n%s", m.events[i].EventID, err, v)
		}
		for m.vp.ScrollPercent() < 1 { // every line of the body
			m, _ = m.Update(keyMsg("pgdown"))
			if err := termtext.Check(m.View()); err != nil {
				t.Fatalf("details of %q, scrolled: %v", m.events[i].EventID, err)
			}
		}
		m, _ = m.Update(keyMsg("esc"))
		seen++
	}
	// (JSON turns bad UTF-8 into U+FFFD, so a few signed events share an
	// id and are one event delivered twice.)
	if seen < 3*len(cases)-5 {
		t.Errorf("inspected %d deliveries, want about %d", seen, 3*len(cases))
	}
	// The header's health line carries the last type and error.
	if err := termtext.Check(r.Health().String()); err != nil {
		t.Errorf("health line: %v", err)
	}
}

// TestScreensShowHostileAPIDataInert puts a payment whose every text field
// carries a hostile string on the payment and result screens, and a
// KOMOJU error message in the status line.
func TestScreensShowHostileAPIDataInert(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	h := newHarness(t, env.options(), 120, 40)
	for _, c := range termtext.HostileCases() {
		desc, ord := "refund "+c.In, "ORD-"+c.In
		p := &komoju.Payment{ID: "pay_" + c.In, Status: komoju.PaymentCaptured, Amount: 1000, Total: 1000, Currency: "JPY",
			ExternalOrderNum: &ord, Description: &desc, AmountRefunded: 100,
			PaymentDetails: &komoju.PaymentDetails{Type: komoju.PaymentType("konbini" + c.In)},
			Refunds:        []komoju.Refund{{ID: "ref_" + c.In, Amount: 100, Description: &desc}},
			RefundRequests: []komoju.RefundRequest{{ID: "rr_" + c.In, BankName: "Bank " + c.In, Status: komoju.RefundRequestStatus("pending" + c.In)}},
		}
		h.m.payment, h.m.screen = p, screenPayment
		h.m.status = "KOMOJU said: " + c.In
		if err := termtext.Check(h.m.View()); err != nil {
			t.Errorf("%s: payment screen: %v", c.Name, err)
		}
		o := flows.OutcomeFromPayment(p)
		o.Message = "declined: " + c.In
		o.OrderNum = "ORD-" + c.In
		o.Receipt, o.ConfirmationCode, o.InstructionsURL = c.In, c.In, "https://x.example/"+c.In
		h.m.outcome, h.m.screen = &o, screenResult
		if err := termtext.Check(h.m.View()); err != nil {
			t.Errorf("%s: result screen: %v", c.Name, err)
		}
	}
}

// TestRootViewIsTheBackstop: whatever a screen forgets to sanitise, the
// frame that leaves View carries no sequence but styling.
func TestRootViewIsTheBackstop(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 100, 30)
	for _, c := range termtext.HostileCases() {
		h.m.opts.Notices = []words.Text{words.Raw(c.In)}
		h.m.lastUpdate = c.In
		if err := termtext.CheckScreen(h.m.View()); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

// TestPastedNameLosesWholeSequences: pasting the string into the
// card holder field sends "Taro REDYamada"-free text: the sequences go
// whole, not just their ESC bytes.
func TestPastedNameLosesWholeSequences(t *testing.T) {
	env := newEnv(t, envOpt{})
	h := newHarness(t, env.options(), 120, 40)
	h.amountTo("1000")
	h.pickMethod("Credit card")
	paste := func(s string) {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true})
		h.settle()
	}
	paste("4111 1111 1111 1111")
	h.keys("tab")
	paste("12/30")
	h.keys("tab")
	paste("123")
	h.keys("tab")
	paste("Taro\x1b[31mRED\x1b[0m\x1b]0;pwned\aYamada")
	if got := h.m.details.d.CardName; got != "TaroREDYamada" {
		t.Fatalf("card name after paste = %q, want %q", got, "TaroREDYamada")
	}
	// Every other hostile string, pasted, leaves only its clean text. (A
	// key message carries runes: bytes that are not UTF-8 arrive as U+FFFD,
	// as the terminal reader decodes them.)
	for _, c := range termtext.HostileCases() {
		h.keys("ctrl+u") // clear the field
		paste(c.In)
		if got, want := strings.TrimSpace(h.m.details.d.CardName), termtext.Strip(string([]rune(c.In))); got != want {
			t.Errorf("%s: pasted name = %q, want %q", c.Name, got, want)
		}
	}
}

// TestAccessibleInputIsStripped: accessible mode reads raw lines, so the
// details are stripped again before validation and the API call.
func TestAccessibleInputIsStripped(t *testing.T) {
	d := &flows.Details{CardName: "Taro\x1b[31mRED\x1b[0m\x1b]0;pwned\aYamada", Email: "a@b.example\x1b[2J", GivenName: "太郎\u202e"}
	inputDetails(d)
	if d.CardName != "TaroREDYamada" || d.Email != "a@b.example" || d.GivenName != "太郎" {
		t.Fatalf("stripped: %+v %q %q", d, d.CardName, d.GivenName)
	}
}
