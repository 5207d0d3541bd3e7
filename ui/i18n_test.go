package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/webhooks"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// englishSentence finds two or more English words in a row: a sentence
// or label left untranslated. Names (KOMOJU, card brands, ids, keys) are
// removed first.
var englishSentence = regexp.MustCompile(`[A-Za-z][a-z]+(?:[ ,'’-]+[A-Za-z][a-z]+)*`)

// keptNames are the words a Japanese screen keeps in English: the product,
// brands, key names, environment variables and ids.
var keptNames = []string{
	"KOMOJU POS", "--no-browser", "KOMOJU", "SANDBOX", "Visa", "Mastercard", "JCB", "American Express", "Diners Club",
	"PayPay", "LINE Pay", "Merpay", "Rakuten Pay", "au PAY", "Alipay", "WeChat Pay", "Paidy",
	"ctrl+c", "ctrl+o", "ctrl+t", "Enter", "ctrl+s", "ctrl+x", "shift+tab", "esc/del", "enter", "tab", "esc",
	"sk_test_", "KOMOJU_WEBHOOK_SECRET", "Webhook", "sandbox", "Seven Eleven", "Lawson", "Family Mart", "Ministop", "Daily Yamazaki", "Seicomart",
}

// idLike is anything with a digit in it: payment and session ids, order
// numbers, amounts; e-mail addresses and links.
var idLike = regexp.MustCompile(`https?://\S+|[A-Za-z0-9_.@-]*[0-9][A-Za-z0-9_.@-]*|[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+`)

func untranslated(view string) []string {
	view = idLike.ReplaceAllString(view, " ")
	for _, n := range keptNames {
		view = strings.ReplaceAll(view, n, " ")
	}
	var found []string
	for _, line := range strings.Split(view, "\n") {
		found = append(found, englishSentence.FindAllString(line, -1)...)
	}
	return found
}

// Every screen in ja: no English sentence is left on it.
func TestJapaneseScreensHaveNoEnglish(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	o := env.options()
	o.Lang = "ja"
	h := newHarness(t, o, 120, 40)
	var screens []string
	shot := func(name string) {
		screens = append(screens, name+"\n"+h.view())
	}
	shot("amount")
	h.keys("?")
	shot("amount help")
	h.keys("?")
	h.amountTo("1000")
	shot("method")
	h.keys("?")
	shot("method help")
	h.keys("?")
	h.pickMethod("credit_card")
	shot("details")
	h.testData("Decline: insufficient funds")
	h.keys("ctrl+s")
	h.waitFor("decline", func(m Model) bool { return m.screen == screenResult })
	shot("declined")
	h.keys("t")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitFor("paid", func(m Model) bool { return m.screen == screenResult && m.outcome != nil && m.outcome.Kind == "paid" })
	shot("paid")
	h.keys("?")
	shot("paid help")
	h.keys("?")
	h.keys("d")
	h.waitFor("payment", func(m Model) bool { return m.screen == screenPayment })
	shot("payment")
	h.keys("h")
	h.waitFor("history", func(m Model) bool { return m.screen == screenHistory && m.history.loaded })
	shot("history")
	h.keys("?")
	shot("history help")

	// Method 2: the card form's 3-D Secure line, the 3-D Secure screen,
	// PayPay's scanned-code prompt.
	h = newHarness(t, o, 120, 40)
	method2Card(t, h, "2500")
	shot("method 2 card")
	h.testData("challenge (enter 123456)")
	h.keys("ctrl+s")
	h.waitFor("3-D Secure screen", func(m Model) bool { return m.screen == screen3DS })
	shot("3-D Secure")
	h.keys("esc")
	// Stopping answers when Complete3DS has finished the sale: wait for
	// it, or n reaches the 3-D Secure screen (where it does nothing) on a
	// loaded machine and the result comes after it.
	h.waitFor("result after stopping 3-D Secure", func(m Model) bool { return m.screen == screenResult })
	h.keys("n")
	h.amountTo("800")
	h.waitFor("method 2", func(m Model) bool { return m.flow == "direct" && len(m.methodList.methods) > 0 })
	h.pickMethod("PayPay")
	shot("PayPay scan")
	for _, s := range screens {
		name, s, _ := strings.Cut(s, "\n")
		if f := untranslated(s); len(f) > 0 {
			t.Errorf("%s: English left: %q\n%s", name, f, s)
		}
	}
}

// The screens a shift also reaches in ja — the forms of cash methods, a
// refused card, the partial-refund question with a typo, the close and the
// webhook inspector — have no English left either ("e.g. Yamada", a
// check's reason, the inspector's headings were).
func TestJapaneseFormsHaveNoEnglish(t *testing.T) {
	env := newEnv(t, envOpt{journal: true})
	o := env.options()
	o.Lang = "ja"
	o.Events = &rootEventsSource{evs: []webhooks.Event{{Seq: 1, EventID: "ev1", Type: "payment.captured", PaymentID: "pay1", Amount: 1000, Currency: "JPY",
		PaymentStatus: komoju.PaymentCaptured, Verified: true, Deliveries: 1, CreatedAt: fixedNow, ReceivedAt: fixedNow, LastAt: fixedNow}}}
	h := newHarness(t, o, 120, 40)
	var screens []string
	shot := func(name string) { screens = append(screens, name+"\n"+h.view()) }
	h.amountTo("1000")
	h.pickMethod("konbini")
	shot("konbini form")
	h.keys("esc")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	h.pickMethod("bank_transfer")
	shot("bank transfer form")
	h.keys("Yamada", "enter", "Taro", "enter", "Yamada", "enter")
	shot("bank transfer, kana refused")
	h.keys("esc")
	h.waitFor("method screen", func(m Model) bool { return m.screen == screenMethod })
	h.pickMethod("credit_card")
	h.keys("ctrl+t")
	shot("test data")
	h.keys("esc")
	h.keys("4111111111111112", "enter", "1230", "enter", "12", "enter", "enter", "enter", "ctrl+s")
	h.waitText("カード番号が正しくありません")
	shot("card refused")
	h.testData("Visa: success")
	h.keys("ctrl+s")
	h.waitFor("paid", func(m Model) bool { return m.screen == screenResult && m.outcome != nil && m.outcome.Kind == "paid" })
	h.keys("F")
	h.keys("abc", "enter")
	shot("partial refund, typo")
	h.keys("esc", "n")
	h.waitFor("amount screen", func(m Model) bool { return m.screen == screenAmount })
	h.keys("z")
	h.waitText("純売上")
	shot("close")
	h.keys("esc", "w")
	h.waitText("payment.captured")
	shot("webhook events")
	h.keys("enter")
	shot("webhook event")
	// What the clerk typed, KOMOJU's event names and the Komoju-Scenario
	// header with its codes are data, not words.
	data := strings.NewReplacer("Yamada", " ", "Taro", " ", "abc", " ", "payment.captured", " ")
	scenario := regexp.MustCompile(`Komoju-Scenario: [a-z_]+`)
	for _, s := range screens {
		name, s, _ := strings.Cut(s, "\n")
		if f := untranslated(scenario.ReplaceAllString(data.Replace(s), " ")); len(f) > 0 || strings.Contains(s, "e.g.") {
			t.Errorf("%s: English left: %q\n%s", name, f, s)
		}
	}
}

// Every test card and Komoju-Scenario the picker offers has its Japanese
// label (they were English on the Japanese console).
func TestTestDataLabelsInJapanese(t *testing.T) {
	ja := newTr("ja")
	for _, tc := range flows.TestCards() {
		if ja.S(tc.Label) == tc.Label {
			t.Errorf("test card %q has no Japanese label", tc.Label)
		}
	}
	for _, sc := range flows.Scenarios() {
		if ja.S(sc.Label) == sc.Label {
			t.Errorf("scenario %q has no Japanese label", sc.Label)
		}
	}
}
