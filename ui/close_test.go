package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/flowstest"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// closeDayEnv is a day with a card sale, a declined card and a konbini
// slip the customer paid at the store after the till printed it (the
// journal still says authorized).
func closeDayEnv(t *testing.T) *testEnv {
	t.Helper()
	env := newEnv(t, envOpt{journal: true})
	ctx := t.Context()
	card := func(n string) flows.Details {
		return flows.Details{CardNumber: n, CardExpiry: flowstest.CardExpiry, CardCVC: "123", CardName: "TARO YAMADA"}
	}
	if o, _, err := env.eng.Pay(ctx, flows.Checkout{Amount: 1000, Currency: "JPY", Flow: flows.FlowDirect}, komoju.TypeCreditCard, card("4111111111111111"), flows.PayOptions{}); err != nil || o.Kind != flows.OutcomePaid {
		t.Fatalf("card: %v %+v", err, o)
	}
	if o, _, _ := env.eng.Pay(ctx, flows.Checkout{Amount: 2000, Currency: "JPY", Flow: flows.FlowDirect}, komoju.TypeCreditCard, card("4123111111111000"), flows.PayOptions{}); o.Kind == flows.OutcomePaid {
		t.Fatalf("declined card paid")
	}
	o, _, err := env.eng.Pay(ctx, flows.Checkout{Amount: 2480, Currency: "JPY", Flow: flows.FlowDirect}, komoju.TypeKonbini,
		flows.Details{Store: komoju.StoreLawson, Email: "taro@example.com", Phone: "09012345678"}, flows.PayOptions{})
	if err != nil || o.Kind != flows.OutcomeAwaiting {
		t.Fatalf("konbini: %v %+v", err, o)
	}
	env.sandboxPost(t, "/sandbox/payments/"+o.PaymentID()+"/pay_at_store", "")
	return env
}

// z on the amount screen closes the day: the slip paid at the store is
// asked about first and counted; the declined card is not takings; s
// saves text, CSV and JSON (0600, never over an earlier save); esc goes
// back.
func TestCloseScreen(t *testing.T) {
	env := closeDayEnv(t)
	h := newHarness(t, env.options(), 80, 24)
	h.keys("z")
	if h.m.Screen() != "close" {
		t.Fatalf("z opened %s:\n%s", h.m.Screen(), h.view())
	}
	h.waitText("Net takings", "¥3,480")
	h.mustContain("END-OF-DAY CLOSE", "Asked KOMOJU about 1 open sale(s): 1 changed.", "Captured", "¥3,480 (2)", "Konbini")
	h.mustNotContain("¥5,480", "Still waiting")

	h.keys("s")
	h.waitText("Saved the close to")
	h.keys("s")
	h.waitText("-2.{txt,csv,json}")
	for _, name := range []string{"close-20261124.txt", "close-20261124.csv", "close-20261124.json", "close-20261124-2.txt"} {
		fi, err := os.Stat(filepath.Join(env.dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	txt, _ := os.ReadFile(filepath.Join(env.dir, "close-20261124.txt"))
	if !strings.Contains(string(txt), "Net takings") || !strings.Contains(string(txt), "¥3,480") {
		t.Errorf("saved text:\n%s", txt)
	}

	h.keys("a")
	h.waitText("whole store", "By till")
	h.keys("?")
	h.mustContain("save text, CSV and JSON", "this till / whole store")
	h.keys("?", "esc")
	if h.m.Screen() != "amount" {
		t.Fatalf("esc went to %s", h.m.Screen())
	}
	// The amount screen's full help names the key.
	h.keys("?")
	h.mustContain("z", "close the day")
}

// From history too, and in Japanese.
func TestCloseScreenFromHistoryInJapanese(t *testing.T) {
	env := closeDayEnv(t)
	o := env.options()
	o.Lang = "ja"
	h := newHarness(t, o, 100, 40)
	h.keys("h")
	if h.m.Screen() != "history" {
		t.Fatalf("h opened %s", h.m.Screen())
	}
	h.keys("z")
	h.waitText("締め処理", "純売上", "¥3,480")
	h.mustNotContain("Net takings", "Captured")
	h.keys("esc")
	if h.m.Screen() != "history" {
		t.Fatalf("esc went to %s", h.m.Screen())
	}
}

// The close covers the day History calls today: the shop's day in JST.
// At 02:00 JST on the 25th the machine's clock (UTC here) still says the
// 24th; the close summed the UTC day — last night's 22:00 JST sale
// included — under a date History did not show.
func TestCloseIsHistorysDay(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	ctx := t.Context()
	pay := func(amount int64) {
		t.Helper()
		o, _, err := env.eng.Pay(ctx, flows.Checkout{Amount: amount, Currency: "JPY", Flow: flows.FlowDirect}, komoju.TypeCreditCard,
			flows.Details{CardNumber: "4111111111111111", CardExpiry: flowstest.CardExpiry, CardCVC: "123"}, flows.PayOptions{})
		if err != nil || o.Kind != flows.OutcomePaid {
			t.Fatalf("pay %d: %v %+v", amount, err, o)
		}
	}
	clock := env.sb.Clock()
	clock.Advance(12 * time.Hour) // 2026-11-24 22:00 JST, 13:00 UTC
	pay(1000)
	clock.Advance(4 * time.Hour) // 2026-11-25 02:00 JST, 17:00 UTC
	pay(2000)
	h := newHarness(t, env.options(), 100, 30)
	h.keys("h")
	h.waitText("2026-11-25")
	h.mustContain("¥2,000")
	h.mustNotContain("¥1,000")
	h.keys("esc", "z")
	h.waitText("Net takings")
	h.mustContain("2026-11-25", "¥2,000 (1)")
	h.mustNotContain("2026-11-24", "¥3,000")
}
