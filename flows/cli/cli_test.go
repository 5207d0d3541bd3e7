package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

func TestCommandsListsEveryCommand(t *testing.T) {
	want := []string{"pay", "capture", "cancel", "refund", "refund-request", "show", "history", "summary", "close", "reconcile", "sessions", "trigger", "scenario", "receipt"}
	if got := Commands(); !slices.Equal(got, want) {
		t.Errorf("Commands() = %v, want %v", got, want)
	}
}

func TestPayCardSuccessBothFlows(t *testing.T) {
	h := newHarness(t)
	for _, flow := range []string{"session", "direct"} {
		t.Run(flow, func(t *testing.T) {
			code, out, errOut := h.pay("1,000", append(cardArgs(testCard), "--flow", flow, "--name", "Taro Yamada")...)
			if code != ExitOK {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if !strings.HasPrefix(out, "Paid ¥1,000 by Visa •••• 1111.") {
				t.Errorf("first line should say paid with the masked card:\n%s", out)
			}
			if field(out, "status") != "captured" || field(out, "payment") == "" || !strings.HasPrefix(field(out, "order"), "POS-") {
				t.Errorf("missing status/payment/order:\n%s", out)
			}
			if flow == "session" && field(out, "session") == "" {
				t.Errorf("Method 1 should print the session:\n%s", out)
			}
			if field(out, "next") != "refund, refresh" {
				t.Errorf("next actions %q", field(out, "next"))
			}
			if rest := strings.TrimPrefix(errOut, argvCardWarning); rest != "" {
				t.Errorf("stderr on success: %q", rest)
			}
		})
	}
}

func TestPayAmountTypedLikeAClerk(t *testing.T) {
	h := newHarness(t)
	code, j, errOut := h.payJSON("10.50", append(cardArgs(testCard), "--currency", "USD", "--flow", "direct")...)
	if code != ExitOK || !j.OK || j.ExitCode != 0 {
		t.Fatalf("exit %d %+v %s", code, j, errOut)
	}
	if j.Amount != 1050 || j.Currency != "USD" || j.Outcome != "paid" || j.Payment == nil || j.Payment.Amount != 1050 {
		t.Errorf("amount %d %s outcome %s payment %+v", j.Amount, j.Currency, j.Outcome, j.Payment)
	}
	if j.Card != "Visa •••• 1111" || j.Payment.PaymentDetails.CreditCard.LastFourDigits != "1111" {
		t.Errorf("card %q", j.Card)
	}
	// Tax is explicit and defaults to 0, as the seed advises.
	if j.Payment.Tax != 0 || j.Total != 1050 {
		t.Errorf("tax %d total %d", j.Payment.Tax, j.Total)
	}
	code, j, _ = h.payJSON("1000", append(cardArgs(testCard), "--tax", "100", "--flow", "direct")...)
	if code != ExitOK || j.Payment.Tax != 100 || j.Total != 1100 {
		t.Errorf("with --tax 100: exit %d tax %d total %d", code, j.Payment.Tax, j.Total)
	}
}

func TestPayDecline(t *testing.T) {
	h := newHarness(t)
	for _, flow := range []string{"session", "direct"} {
		t.Run(flow, func(t *testing.T) {
			code, out, errOut := h.pay("2000", append(cardArgs("4123111111111000"), "--flow", flow)...)
			if code != ExitDeclined {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitDeclined, out, errOut)
			}
			const msg = "Declined: the card has insufficient funds."
			if !strings.Contains(out, msg) || !strings.Contains(errOut, msg) || !strings.Contains(errOut, "(exit 3: declined)") {
				t.Errorf("decline message missing:\nstdout:\n%s\nstderr:\n%s", out, errOut)
			}
			if field(out, "error code") != komoju.CodeInsufficientFunds {
				t.Errorf("error code %q", field(out, "error code"))
			}
			if strings.Contains(out, "4123111111111000") || strings.Contains(errOut, "4123111111111000") {
				t.Errorf("declined card number printed")
			}
			if flow == "session" && field(out, "retry") == "" {
				t.Errorf("Method 1 should say the same sale can be paid again:\n%s", out)
			}
		})
	}
	// --json carries the class and KOMOJU's code.
	code, j, _ := h.payJSON("2000", append(cardArgs("4123111111111059"), "--flow", "direct")...)
	if code != ExitDeclined || j.OK || j.ExitCode != ExitDeclined || j.Error == nil ||
		j.Error.Class != "declined" || j.Error.Code != komoju.CodeCardDeclined || j.Outcome != "error" {
		t.Errorf("json decline: exit %d %+v %+v", code, j, j.Error)
	}
	// A Komoju-Scenario declines a method without a card number.
	code, out, _ := h.pay("500", "--method", "konbini", "--store", "lawson", "--email", "a@example.com", "--scenario", komoju.CodeCardDeclined, "--flow", "direct")
	if code != ExitDeclined {
		t.Errorf("scenario decline: exit %d\n%s", code, out)
	}
}

func TestPay3DSRedirectAndWait(t *testing.T) {
	h := newHarness(t)
	// Without --wait: the URL is printed and the sale is fine for now.
	code, out, errOut := h.pay("3000", cardArgs("4100000000005000")...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	open := field(out, "open")
	if !strings.Contains(open, "/sandbox/3ds/") || !strings.Contains(out, "3D Secure") || field(out, "result") != "redirect" {
		t.Fatalf("3DS redirect not printed:\n%s", out)
	}

	// With --wait the command follows the payment while the customer
	// completes the challenge.
	done := make(chan string, 1)
	codes := make(chan int, 1)
	go func() {
		code, out, _ := h.pay("3100", append(cardArgs("4100000000005000"), "--wait", "20s", "--json")...)
		codes <- code
		done <- out
	}()
	id := h.waitForPending(t, 3100)
	h.customer(id, "3ds", url.Values{"code": {"123456"}})
	if code := <-codes; code != ExitOK {
		t.Fatalf("--wait after 3DS: exit %d", code)
	}
	events, j := decodeStream(t, <-done)
	if len(events) == 0 || events[0].Event != "created" || events[0].PaymentID != id || !strings.Contains(events[0].RedirectURL, "/sandbox/3ds/") {
		t.Errorf("the stream does not start with the URL to open: %+v", events)
	}
	if j.Event != "result" || j.Outcome != "paid" || j.PaymentID != id || !j.Waited || j.WaitTimedOut || j.Status != "captured" {
		t.Errorf("after waiting: %+v", j)
	}

	// --wait that runs out while the customer still has to act exits 7.
	code, out, errOut = h.pay("3200", append(cardArgs("4100000000005000"), "--wait", "150ms")...)
	if code != ExitNotCompleted || !strings.Contains(errOut, "gave up waiting") || field(out, "open") == "" {
		t.Errorf("wait timeout: exit %d\n%s\n%s", code, out, errOut)
	}

	// A failed challenge is a decline.
	go func() {
		code, _, _ := h.pay("3300", append(cardArgs("4100000000300005"), "--wait", "20s")...)
		codes <- code
	}()
	h.customer(h.waitForPending(t, 3300), "3ds", url.Values{"code": {"111111"}})
	if code := <-codes; code != ExitDeclined {
		t.Errorf("failed 3DS challenge: exit %d, want %d", code, ExitDeclined)
	}
}

// waitForPending returns the id of the pending payment for amount once
// the sandbox has it.
func (h *harness) waitForPending(t *testing.T, amount int64) string {
	t.Helper()
	return h.waitForStatus(t, amount, komoju.PaymentPending)
}

// waitForStatus returns the id of a payment of amount in status st once
// the sandbox has it.
func (h *harness) waitForStatus(t *testing.T, amount int64, st komoju.PaymentStatus) string {
	t.Helper()
	c := komoju.NewClient(h.sb.SecretKey(), komoju.WithBaseURL(h.sb.URL()))
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		l, err := c.Payments.List(t.Context(), &komoju.PaymentListParams{PerPage: 100})
		if err == nil {
			for _, p := range l.Data {
				if p.Amount == amount && p.Status == st {
					return p.ID
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s payment of %d appeared", st, amount)
	return ""
}

func TestPayKonbini(t *testing.T) {
	h := newHarness(t)
	for _, store := range []string{komoju.StoreSevenEleven, komoju.StoreLawson} {
		t.Run(store, func(t *testing.T) {
			code, out, errOut := h.pay("1200", "--method", "konbini", "--store", store, "--email", "hanako@example.com", "--phone", "0312345678")
			if code != ExitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			if field(out, "result") != "awaiting" || field(out, "status") != "authorized" ||
				!strings.Contains(field(out, "instructions"), "/sandbox/instructions/") || field(out, "pay by") == "" {
				t.Errorf("konbini output:\n%s", out)
			}
			receipt := field(out, "receipt")
			if store == komoju.StoreSevenEleven && (receipt != "" || field(out, "confirmation") != "") {
				t.Errorf("7-Eleven must not show a receipt:\n%s", out)
			}
			if store == komoju.StoreLawson && receipt == "" {
				t.Errorf("Lawson should show its receipt number:\n%s", out)
			}
			if !strings.Contains(out, "Waiting for the customer to pay ¥1,200 at "+map[string]string{
				komoju.StoreSevenEleven: "7-Eleven", komoju.StoreLawson: "Lawson"}[store]) {
				t.Errorf("message:\n%s", out)
			}
		})
	}
	code, j, _ := h.payJSON("1200", "--method", "konbini", "--store", "7-Eleven", "--email", "hanako@example.com", "--flow", "direct")
	if code != ExitOK || j.Outcome != "awaiting" || j.Store != komoju.StoreSevenEleven || j.Receipt != "" || j.ConfirmationCode != "" || j.InstructionsURL == "" {
		t.Errorf("7-Eleven JSON: exit %d %+v", code, j)
	}

	// --wait follows the slip until the customer pays at the store.
	done := make(chan string, 1)
	go func() {
		_, out, _ := h.pay("1300", "--method", "konbini", "--store", "ministop", "--email", "hanako@example.com", "--wait", "20s", "--json")
		done <- out
	}()
	h.customer(h.waitForStatus(t, 1300, komoju.PaymentAuthorized), "pay_at_store", nil)
	if _, j := decodeStream(t, <-done); j.ExitCode != ExitOK || j.Outcome != "paid" || !j.Waited || !slices.Contains(j.Actions, "refund_request") {
		t.Errorf("konbini --wait: %+v", j)
	}
}

func TestPayBankTransferWithNames(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.pay("8000", "--method", "bank_transfer", "--family-name", "山田", "--given-name", "太郎",
		"--family-name-kana", "ヤマダ", "--given-name-kana", "タロウ", "--email", "taro@example.com", "--phone", "09012345678")
	if code != ExitOK || field(out, "result") != "awaiting" || !strings.Contains(out, "at the bank") || field(out, "instructions") == "" {
		t.Errorf("bank transfer: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = h.pay("8000", "--method", "pay_easy", "--family-name", "山田", "--given-name", "太郎",
		"--family-name-kana", "yamada", "--given-name-kana", "タロウ", "--email", "taro@example.com", "--phone", "09012345678")
	if code != ExitUsage || !strings.Contains(errOut, "--family-name-kana:") {
		t.Errorf("romaji in a kana field: exit %d %s", code, errOut)
	}
}

func TestManualCaptureRefundShow(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.pay("1000", append(cardArgs(testCard), "--capture", "manual")...)
	if code != ExitOK || field(out, "result") != "authorized" || field(out, "next") != "capture, cancel, refresh" {
		t.Fatalf("manual capture: exit %d\n%s\n%s", code, out, errOut)
	}
	id := field(out, "payment")

	// Partial capture, typed as a clerk would, after the ID.
	code, out, errOut = h.run("capture", id, "--amount", "600")
	if code != ExitOK || !strings.HasPrefix(out, "Paid ¥600 by Visa •••• 1111.") || field(out, "status") != "captured" {
		t.Fatalf("capture: exit %d\n%s\n%s", code, out, errOut)
	}
	// Capturing again is refused by KOMOJU: an API error, not a usage error.
	code, out, errOut = h.run("capture", id)
	if code != ExitAPI || !strings.HasPrefix(out, "capture failed: ") || !strings.Contains(out+errOut, "cannot be captured") {
		t.Errorf("second capture: exit %d\n%s\n%s", code, out, errOut)
	}

	// Partial refund with a reason, flags before the ID.
	code, out, errOut = h.run("refund", "--amount", "100", "--description", "one item returned", id)
	if code != ExitOK || field(out, "refunded") != "¥100 (¥500 still refundable)" || field(out, "result") != "paid" {
		t.Fatalf("partial refund: exit %d\n%s\n%s", code, out, errOut)
	}

	// show: refunds, journal history, actions.
	code, out, errOut = h.run("show", id)
	if code != ExitOK || field(out, "status") != "captured" || !strings.Contains(field(out, "refund"), "¥100") ||
		!strings.Contains(out, "one item returned") || !strings.Contains(field(out, "journal"), "session flow") ||
		field(out, "next") != "refund, refresh" {
		t.Errorf("show: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, " authorized via result") || !strings.Contains(out, " captured via action") {
		t.Errorf("show should list the journal's status history:\n%s", out)
	}
	// show --json: the payment and the journal's sale.
	code, out, _ = h.run("show", id, "--json")
	j := decode[outcomeJSON](t, out)
	if code != ExitOK || j.Payment == nil || j.Payment.AmountRefunded != 100 || j.Journal == nil || j.Journal.PaymentID != id || j.Card != "Visa •••• 1111" {
		t.Errorf("show --json: exit %d %+v", code, j)
	}
	// show by order number or session id from the journal.
	for _, ref := range []string{j.OrderNum, j.SessionID} {
		code, out2, _ := h.run("show", ref)
		if code != ExitOK || field(out2, "payment") != id {
			t.Errorf("show %s: exit %d\n%s", ref, code, out2)
		}
	}
	// A till that stopped after creating a session, before any payment:
	// show by the order number asks KOMOJU where the open sale stands.
	cfg, err := config.Resolve(nil, func(k string) string { return h.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.connect(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sale, err := b.Engine.StartSession(t.Context(), flows.Checkout{Amount: 450, Currency: "JPY"})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out2, _ := h.run("show", sale.OrderNum)
	// The session is still open (the customer could pay it on their
	// phone): show says it waits, never "not charged" (issue 10 case 5).
	if code != ExitOK || strings.Contains(out2, "not charged") || !strings.Contains(out2, "Waiting for the customer") || field(out2, "session") != sale.SessionID() {
		t.Errorf("show unpaid session: exit %d\n%s", code, out2)
	}
	// A declined sale: show by its order number says nothing was charged.
	_, out2, _ = h.pay("400", cardArgs("4123111111111059")...)
	code, out2, _ = h.run("show", field(out2, "order"))
	if code != ExitOK || !strings.Contains(out2, "not charged") || field(out2, "order") == "" {
		t.Errorf("show declined sale: exit %d\n%s", code, out2)
	}

	// Full refund of the rest, then cancel of an authorization.
	code, out, _ = h.run("refund", id)
	if code != ExitOK || field(out, "result") != "refunded" {
		t.Errorf("full refund: exit %d\n%s", code, out)
	}
	_, out, _ = h.pay("700", append(cardArgs(testCard), "--capture", "manual")...)
	code, out, _ = h.run("cancel", field(out, "payment"), "--json")
	if j := decode[outcomeJSON](t, out); code != ExitOK || j.Outcome != "cancelled" || !j.OK {
		t.Errorf("cancel: exit %d %+v", code, j)
	}
	// Unknown payment: an API error.
	code, out, errOut = h.run("show", "nosuchpayment0000")
	if code != ExitAPI || !strings.Contains(out+errOut, "no such payment") {
		t.Errorf("show unknown: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestRefundRequestOnKonbini(t *testing.T) {
	h := newHarness(t)
	code, j, _ := h.payJSON("4000", "--method", "konbini", "--store", "family-mart", "--email", "a@example.com")
	if code != ExitOK || j.Outcome != "awaiting" {
		t.Fatalf("konbini: exit %d %+v", code, j)
	}
	// Not paid yet: nothing to refund.
	bank := []string{"--customer-name", "ﾔﾏﾀﾞ ﾀﾛｳ", "--bank-name", "Mizuho", "--bank-code", "0001", "--branch-number", "123", "--account-number", "1234567"}
	h.customer(j.PaymentID, "pay_at_store", nil)
	// A direct refund cannot return cash.
	code, out, errOut := h.run("refund", j.PaymentID)
	if code != ExitAPI || !strings.Contains(out+errOut, "cannot be refunded") ||
		!strings.Contains(errOut, "komoju-tui refund-request "+j.PaymentID+" --customer-name") {
		t.Errorf("refund on konbini: exit %d\n%s\n%s", code, out, errOut)
	}
	// Bad bank fields are caught before anything is sent, naming the flag.
	bad := append(slices.Clone(bank), "--account-number", "12")
	code, _, errOut = h.run(append([]string{"refund-request", j.PaymentID}, bad...)...)
	if code != ExitUsage || !strings.Contains(errOut, "--account-number: must be 7 digits") {
		t.Errorf("bad account number: exit %d %s", code, errOut)
	}
	code, out, errOut = h.run(append([]string{"refund-request", j.PaymentID, "--amount", "1500"}, bank...)...)
	if code != ExitOK || !strings.Contains(field(out, "refund request"), "(pending) to Mizuho") {
		t.Errorf("refund-request: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestWalletRedirectDeclinedWhileWaiting(t *testing.T) {
	h := newHarness(t)
	code, out, _ := h.pay("990", "--method", "paypay", "--flow", "direct")
	if code != ExitOK || field(out, "result") != "redirect" || !strings.Contains(field(out, "open"), "/sandbox/wallet/") {
		t.Fatalf("paypay: exit %d\n%s", code, out)
	}
	codes := make(chan int, 1)
	go func() {
		code, _, _ := h.pay("991", "--method", "paypay", "--wait", "20s")
		codes <- code
	}()
	h.customer(h.waitForPending(t, 991), "decline", nil)
	if code := <-codes; code != ExitNotCompleted {
		t.Errorf("declined in the wallet while waiting: exit %d, want %d", code, ExitNotCompleted)
	}
}

func TestHistoryAndSummary(t *testing.T) {
	h := newHarness(t)
	if code, out, _ := h.run("history"); code != ExitOK || strings.TrimSpace(out) != "No sales." {
		t.Errorf("empty history: exit %d %q", code, out)
	}
	h.pay("1000", cardArgs(testCard)...)
	h.pay("2000", append(cardArgs("4123111111111000"), "--flow", "direct")...)
	h.pay("1500", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
	_, out, _ := h.pay("3000", append(cardArgs(testCard), "--flow", "direct")...)
	h.run("refund", field(out, "payment"), "--amount", "500")

	code, out, errOut := h.run("history")
	if code != ExitOK || !strings.Contains(out, "credit_card visa •••• 1111") || !strings.Contains(out, "captured") ||
		!strings.Contains(out, "konbini") || !strings.Contains(out, "¥500") {
		t.Errorf("history: exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, _ = h.run("history", "--csv", "--date", time.Now().In(journal.JST).Format("2006-01-02"))
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != ExitOK || err != nil || len(rows) != 5 || !slices.Equal(rows[0], journal.CSVHeader()) {
		t.Fatalf("history --csv: exit %d err %v rows %d\n%s", code, err, len(rows), out)
	}
	col := func(name string) int { return slices.Index(journal.CSVHeader(), name) }
	var statuses []string
	for _, r := range rows[1:] {
		statuses = append(statuses, r[col("status")]+"/"+r[col("total")]+"/"+r[col("amount_refunded")])
	}
	slices.Sort(statuses)
	if want := []string{"/2000/0", "authorized/1500/0", "captured/1000/0", "captured/3000/500"}; !slices.Equal(statuses, want) {
		t.Errorf("csv status/total/refunded = %v, want %v", statuses, want)
	}
	// Times are Japan time, as the console's export writes them, not the
	// machine's zone (UTC on a server).
	for _, r := range rows[1:] {
		for _, c := range []string{"created_at", "finished_at", "captured_at"} {
			if v := r[col(c)]; v != "" && !strings.HasSuffix(v, "+09:00") {
				t.Errorf("csv %s = %q, want Japan time (+09:00)", c, v)
			}
		}
	}

	code, out, _ = h.run("history", "--json", "--status", "captured")
	sales := decode[[]journal.Sale](t, out)
	if code != ExitOK || len(sales) != 2 || sales[0].Status != komoju.PaymentCaptured || sales[0].CardLast4 != "1111" {
		t.Errorf("history --json --status captured: exit %d %+v", code, sales)
	}
	code, out, _ = h.run("history", "--json", "--date", "2001-01-01")
	if sales := decode[[]journal.Sale](t, out); code != ExitOK || len(sales) != 0 {
		t.Errorf("another day: %d sales", len(sales))
	}

	code, out, errOut = h.run("summary")
	if code != ExitOK || !strings.Contains(out, "JPY: 4 sale(s)") || field(out, "captured") != "¥4,000" ||
		field(out, "refunded") != "¥500" || field(out, "net") != "¥3,500" || !strings.HasPrefix(field(out, "authorized"), "¥1,500") {
		t.Errorf("summary: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = h.run("summary", "--json", "--date", "today")
	sum := decode[journal.Summary](t, out)
	if code != ExitOK || len(sum.Currencies) != 1 || sum.Currencies[0].Net != 3500 || sum.Currencies[0].Sales != 4 {
		t.Errorf("summary --json: exit %d %+v", code, sum)
	}
}

func TestBadInputNamesTheFlag(t *testing.T) {
	h := newHarness(t)
	pay := func(extra ...string) []string {
		return append([]string{"pay", "--amount", "1000"}, append(cardArgs(testCard), extra...)...)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", pay("--colour", "red"), "-colour"},
		{"missing amount", []string{"pay", "--method", "credit_card"}, "--amount: is required"},
		{"amount not a number", []string{"pay", "--amount", "ten", "--method", "paypay"}, "--amount:"},
		{"yen decimals", []string{"pay", "--amount", "10.5", "--method", "paypay"}, "--amount:"},
		{"negative amount", []string{"pay", "--amount", "-5", "--method", "paypay"}, "-5"},
		{"unknown method", []string{"pay", "--amount", "100", "--method", "cash"}, "--method: \"cash\" is not a payment method"},
		{"missing method", []string{"pay", "--amount", "100"}, "--method: is required"},
		{"bad card", []string{"pay", "--amount", "1000", "--method", "credit_card", "--card", "4111111111111112", "--exp", testExp, "--cvc", testCVC}, "--card: is not a valid card number"},
		{"expired", []string{"pay", "--amount", "1000", "--method", "credit_card", "--card", testCard, "--exp", "01/20", "--cvc", testCVC}, "--exp: the card expired"},
		{"missing cvc", []string{"pay", "--amount", "1000", "--method", "credit_card", "--card", testCard, "--exp", testExp}, "--cvc: is required"},
		{"card with konbini", []string{"pay", "--amount", "1000", "--method", "konbini", "--store", "lawson", "--email", "a@example.com", "--card", testCard}, "--card: is not used by --method konbini"},
		{"bad store", []string{"pay", "--amount", "1000", "--method", "konbini", "--store", "tesco", "--email", "a@example.com"}, "--store:"},
		{"konbini without email", []string{"pay", "--amount", "1000", "--method", "konbini", "--store", "lawson"}, "--email: is required"},
		{"bad flow", pay("--flow", "sideways"), "flow \"sideways\""},
		{"bad capture", pay("--capture", "later"), "capture \"later\""},
		{"bad currency", pay("--currency", "XXX"), "currency \"XXX\""},
		{"bad wait", pay("--wait", "soon"), "-wait"},
		{"stray argument", pay("extra"), "takes no arguments"},
		{"stray card number", pay("5555555555554444"), "•••• 4444"},
		{"capture without id", []string{"capture"}, "ID: the payment id is required"},
		{"capture bad amount", []string{"capture", "pay_x", "--amount", "abc"}, "ID"}, // the ID is looked up first; see below
		{"two ids", []string{"cancel", "a", "b"}, "takes one payment id"},
		{"bad date", []string{"history", "--date", "24/11/2026"}, "--date: \"24/11/2026\" is not a date"},
		{"bad status", []string{"history", "--status", "done"}, "--status: \"done\" is not a payment status"},
		{"csv and json", []string{"history", "--csv", "--json"}, "--csv: cannot be combined with --json"},
		{"summary bad date", []string{"summary", "--date", "tomorrowish"}, "--date:"},
		{"refund-request missing bank", []string{"refund-request", "pay_x"}, "--customer-name:"},
		{"unknown command", []string{"charge"}, "unknown command \"charge\""},
	}
	for _, tc := range cases {
		if tc.name == "capture bad amount" {
			continue // needs the payment's currency: covered in TestCaptureAmountUsesPaymentCurrency
		}
		t.Run(tc.name, func(t *testing.T) {
			before := h.connects.Load()
			code, out, errOut := h.run(tc.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitUsage, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, errOut)
			}
			if h.connects.Load() != before {
				t.Errorf("bad input started the backend")
			}
		})
	}
	// --json reports usage errors as JSON too.
	code, out, _ := h.run("pay", "--json", "--amount", "0", "--method", "paypay")
	j := decode[errorJSON](t, out)
	if code != ExitUsage || j.OK || j.ExitCode != ExitUsage || j.Error.Flag != "--amount" || j.Error.Class != "input" {
		t.Errorf("json usage error: exit %d %+v %+v", code, j, j.Error)
	}
}

func TestCaptureAmountUsesPaymentCurrency(t *testing.T) {
	h := newHarness(t)
	_, j, _ := h.payJSON("20.00", append(cardArgs(testCard), "--currency", "USD", "--capture", "manual")...)
	if j.Outcome != "authorized" {
		t.Fatalf("authorize: %+v", j)
	}
	code, _, errOut := h.run("capture", j.PaymentID, "--amount", "1.234")
	if code != ExitUsage || !strings.Contains(errOut, "--amount:") || !strings.Contains(errOut, "USD") {
		t.Errorf("too many decimals: exit %d %s", code, errOut)
	}
	code, out, _ := h.run("capture", j.PaymentID, "--amount", "12.50", "--json")
	if c := decode[outcomeJSON](t, out); code != ExitOK || c.Total != 1250 || c.Status != "captured" {
		t.Errorf("partial USD capture: exit %d %+v", code, c)
	}
}

func TestReusedOrderNumberNeverChargesTwice(t *testing.T) {
	h := newHarness(t)
	code, out, _ := h.pay("100", append(cardArgs(testCard), "--order", "SHOP-1")...)
	if code != ExitOK {
		t.Fatalf("first sale exit %d", code)
	}
	first := field(out, "payment")
	code, out, errOut := h.pay("100", append(cardArgs(testCard), "--order", "SHOP-1", "--flow", "direct")...)
	switch code {
	case ExitOK: // the engine found the earlier payment and reports it
		if field(out, "payment") != first || !strings.Contains(out, "nothing new was charged") {
			t.Errorf("reused order reported as a new charge:\n%s", out)
		}
	case ExitUsage: // or refuses the order number, naming the flag
		if !strings.Contains(errOut, "--order") {
			t.Errorf("refusal does not name --order: %s", errOut)
		}
	default:
		t.Errorf("reused order: exit %d\n%s\n%s", code, out, errOut)
	}
	c := komoju.NewClient(h.sb.SecretKey(), komoju.WithBaseURL(h.sb.URL()))
	l, err := c.Payments.List(t.Context(), &komoju.PaymentListParams{ExternalOrderNum: "SHOP-1"})
	if err != nil || len(l.Data) != 1 {
		t.Errorf("payments for SHOP-1: %v %d", err, len(l.Data))
	}
}

func TestLiveKeyWithoutLiveIsRefused(t *testing.T) {
	h := newHarness(t)
	live := map[string]string{"KOMOJU_SECRET_KEY": "sk_live_abcdefghijklmnop1234"}
	code, out, errOut := h.runEnv(live, append([]string{"pay", "--amount", "100"}, cardArgs(testCard)...)...)
	if code != ExitUsage || !strings.Contains(errOut, "live key") || !strings.Contains(errOut, "--live") {
		t.Errorf("live key: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "abcdefghijklmnop") {
		t.Errorf("the key was printed: %s", errOut)
	}
	if code, _, _ := h.runEnv(live, "history"); code != ExitUsage {
		t.Errorf("history with a live key: exit %d", code)
	}
	if n := h.connects.Load(); n != 0 {
		t.Errorf("connected %d times with a refused live key", n)
	}
}

func TestAuthAndNetworkErrors(t *testing.T) {
	h := newHarness(t)
	wrongKey := map[string]string{"KOMOJU_SECRET_KEY": "sk_test_wrongwrongwrong0000", "KOMOJU_API_URL": h.sb.URL()}
	code, out, errOut := h.runEnv(wrongKey, append([]string{"pay", "--amount", "100"}, cardArgs(testCard)...)...)
	if code != ExitAuth || !strings.Contains(errOut, "(exit 4: auth)") {
		t.Errorf("wrong key: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, _ = h.runEnv(wrongKey, "show", "pay_x")
	if code != ExitAuth {
		t.Errorf("show with a wrong key: exit %d", code)
	}
	nowhere := map[string]string{"KOMOJU_SECRET_KEY": "sk_test_x0000000000000000", "KOMOJU_API_URL": "http://127.0.0.1:1/api/v1"}
	code, out, errOut = h.runEnv(nowhere, append([]string{"pay", "--amount", "100", "--flow", "direct"}, cardArgs(testCard)...)...)
	// A refused connection never reached KOMOJU: nothing was charged, and
	// the exit code says so (issue 10, case 10).
	if code != ExitUnreachable || !strings.Contains(errOut, "(exit 8: unreachable)") || !strings.Contains(out+errOut, "Nothing was charged") {
		t.Errorf("unreachable: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = h.runEnv(nowhere, append([]string{"pay", "--amount", "100", "--flow", "session"}, cardArgs(testCard)...)...)
	if code != ExitUnreachable || strings.Contains(out+errOut, "do not know") || !strings.Contains(out+errOut, "nothing was charged") {
		t.Errorf("unreachable, Method 1: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t)
	for _, name := range Commands() {
		code, out, _ := h.run(name, "--help")
		if code != ExitOK || !strings.Contains(out, "Usage: komoju-tui "+name) || !strings.Contains(out, "Exit codes:") ||
			!strings.Contains(out, "-secret-key") || !strings.Contains(out, "7  not completed") {
			t.Errorf("%s --help: exit %d\n%s", name, code, out)
		}
	}
	if h.connects.Load() != 0 {
		t.Errorf("--help started the backend")
	}
}

func TestRedactMasksCardNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"got 4111111111111111 here":    "got •••• 1111 here",
		"grouped 4111 1111 1111 1111.": "grouped •••• 1111.",
		"order POS-20261124-0007":      "order POS-20261124-0007",
		"amount 1000":                  "amount 1000",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLostAnswerThenShowByOrder(t *testing.T) {
	h := newHarness(t)
	// KOMOJU takes the payment but every answer is lost.
	h.sb.SetFaults(sandbox.Faults{DropRate: 1})
	code, out, errOut := h.pay("2500", append(cardArgs(testCard), "--flow", "direct", "--order", "LOST-1")...)
	h.sb.SetFaults(sandbox.Faults{})
	if code != ExitUnknown || field(out, "result") != "unknown" || !strings.Contains(out, "Do not charge again") ||
		field(out, "order") != "LOST-1" || field(out, "check") != "komoju-tui show LOST-1" || !strings.Contains(errOut, "(exit 5: network)") {
		t.Fatalf("lost answer: exit %d\n%s\n%s", code, out, errOut)
	}
	// The order number answers "was this customer charged?", and the
	// journal learns it.
	code, out, errOut = h.run("show", "LOST-1")
	if code != ExitOK || field(out, "result") != "paid" || field(out, "status") != "captured" || field(out, "order") != "LOST-1" {
		t.Fatalf("show LOST-1: exit %d\n%s\n%s", code, out, errOut)
	}
	_, out, _ = h.run("history", "--json")
	sales := decode[[]journal.Sale](t, out)
	if len(sales) != 1 || sales[0].Status != komoju.PaymentCaptured || sales[0].PaymentID == "" {
		t.Errorf("journal after show: %+v", sales)
	}
	c := komoju.NewClient(h.sb.SecretKey(), komoju.WithBaseURL(h.sb.URL()))
	if l, err := c.Payments.List(t.Context(), &komoju.PaymentListParams{ExternalOrderNum: "LOST-1"}); err != nil || len(l.Data) != 1 {
		t.Errorf("charged %d times", len(l.Data))
	}
}

func TestUnusableJournalIsALocalFailure(t *testing.T) {
	h := newHarness(t)
	bad := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(bad, []byte("this is not a database, just text that is long enough to be a header....................................................................."), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.runEnv(map[string]string{"KOMOJU_TUI_JOURNAL": bad}, "history")
	if code != ExitFailure || !strings.Contains(errOut, bad) || out != "" {
		t.Errorf("corrupt journal: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = h.runEnv(map[string]string{"KOMOJU_TUI_JOURNAL": bad}, "summary", "--json")
	if j := decode[errorJSON](t, out); code != ExitFailure || j.ExitCode != ExitFailure || j.Error.Class != "local" {
		t.Errorf("corrupt journal --json: exit %d %+v", code, j)
	}
}

func TestFlagForKomojuParams(t *testing.T) {
	for param, want := range map[string]string{
		"payment_details[number]":             "--card",
		"payment_details[verification_value]": "--cvc",
		"payment_details[month]":              "--exp",
		"payment_details[store]":              "--store",
		"external_order_num":                  "--order",
		"card_number":                         "--card",
		"account_number":                      "--account-number",
		"amount":                              "--amount",
		"line_items":                          "",
	} {
		if got := flagFor(param); got != want {
			t.Errorf("flagFor(%q) = %q, want %q", param, got, want)
		}
	}
}

func TestBackendNoticesGoToStderr(t *testing.T) {
	h := newHarness(t)
	connect := func(ctx context.Context, cfg config.Config) (*Backend, error) {
		b, err := h.connect(ctx, cfg)
		if b != nil {
			b.Notices = []words.Text{words.Raw("recovered order POS-20261124-0003: paid ¥1,000")}
		}
		return b, err
	}
	var stdout, stderr bytes.Buffer
	// close (with its refresh) opens the whole backend; history, summary
	// and close --no-refresh read only the journal
	// (TestReportsReadOnlyTheJournal).
	code := Run(t.Context(), "close", []string{"--json"}, &stdout, &stderr, func(k string) string { return h.env[k] }, connect)
	if code != ExitOK || !strings.Contains(stderr.String(), "note: recovered order POS-20261124-0003") || strings.Contains(stdout.String(), "recovered") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
}

// TestReportsReadOnlyTheJournal: history, summary and close --no-refresh
// open the journal and nothing else. No sandbox is started or looked for and KOMOJU is not asked,
// so they answer with KOMOJU out of reach, in the time their query takes.
func TestReportsReadOnlyTheJournal(t *testing.T) {
	h := newHarness(t)
	h.pay("1000", cardArgs(testCard)...)
	h.pay("2500", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
	before := h.connects.Load()
	// A test key and a KOMOJU nothing listens at: the same journal file.
	away := map[string]string{"KOMOJU_SECRET_KEY": "sk_test_" + strings.Repeat("0", 40), "KOMOJU_API_URL": "http://127.0.0.1:1/api/v1"}
	for _, env := range []map[string]string{nil, away} {
		code, out, errOut := h.runEnv(env, "history")
		if code != ExitOK || !strings.Contains(out, "credit_card visa •••• 1111") || !strings.Contains(out, "konbini") {
			t.Errorf("history (%v): exit %d\n%s\n%s", env, code, out, errOut)
		}
		code, out, errOut = h.runEnv(env, "history", "--json")
		if sales := decode[[]journal.Sale](t, out); code != ExitOK || len(sales) != 2 {
			t.Errorf("history --json (%v): exit %d, %d sales\n%s", env, code, len(sales), errOut)
		}
		code, out, errOut = h.runEnv(env, "summary")
		if code != ExitOK || !strings.Contains(out, "JPY: 2 sale(s)") || field(out, "captured") != "¥1,000" {
			t.Errorf("summary (%v): exit %d\n%s\n%s", env, code, out, errOut)
		}
		// The konbini sale waits for the customer: listed, not in the takings.
		code, out, errOut = h.runEnv(env, "close", "--no-refresh")
		if code != ExitOK || !strings.Contains(out, "Still waiting (not in the takings) (1)") || !strings.Contains(out, "Konbini") || !strings.Contains(out, "¥1,000") || strings.Contains(errOut, "checked") {
			t.Errorf("close --no-refresh (%v): exit %d\n%s\n%s", env, code, out, errOut)
		}
	}
	if n := h.connects.Load() - before; n != 0 {
		t.Errorf("history, summary and close --no-refresh opened the backend %d times; they read only the journal", n)
	}
}

// FuzzRun feeds arbitrary arguments to every command: nothing may panic,
// and a typed card number is never echoed. The connector refuses, so only
// argument handling runs.
func FuzzRun(f *testing.F) {
	f.Add("pay", "--amount\x001000\x00--method\x00card\x00--card\x00"+testCard)
	f.Add("capture", "--\x00-id\x00--amount\x00")
	f.Add("history", "--date\x00\x00--status\x00\xff")
	f.Add("refund-request", "x\x00--customer-name\x00ﾔﾏﾀﾞ\x00--account-number\x001234567")
	f.Add("summary", "--date=yesterday\x00--json")
	f.Fuzz(func(t *testing.T, name, joined string) {
		args := strings.Split(joined, "\x00")
		refuse := func(context.Context, config.Config) (*Backend, error) {
			return nil, errors.New("no backend while fuzzing")
		}
		getenv := func(k string) string {
			if k == "XDG_CONFIG_HOME" {
				return "/nonexistent-komoju-tui-fuzz"
			}
			return ""
		}
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), name, args, &stdout, &stderr, getenv, refuse)
		if code < 0 || code > ExitNotCompleted {
			t.Fatalf("exit %d out of range", code)
		}
		if slices.Contains(args, testCard) && strings.Contains(stdout.String()+stderr.String(), testCard) {
			t.Fatalf("card number echoed:\n%s\n%s", &stdout, &stderr)
		}
	})
}

func TestJournalThatCannotWriteStopsTheCharge(t *testing.T) {
	h := newHarness(t)
	closed := func(ctx context.Context, cfg config.Config) (*Backend, error) {
		b, err := h.connect(ctx, cfg)
		if err == nil {
			err = b.Journal.Close() // the journal fails every write from now on
		}
		return b, err
	}
	var stdout, stderr bytes.Buffer
	args := append([]string{"--amount", "100", "--flow", "direct"}, cardArgs(testCard)...)
	code := Run(t.Context(), "pay", args, &stdout, &stderr, func(k string) string { return h.env[k] }, closed)
	if code != ExitFailure || !strings.Contains(stdout.String()+stderr.String(), "Nothing was sent to KOMOJU") {
		t.Errorf("exit %d\n%s\n%s", code, &stdout, &stderr)
	}
	c := komoju.NewClient(h.sb.SecretKey(), komoju.WithBaseURL(h.sb.URL()))
	if l, err := c.Payments.List(t.Context(), &komoju.PaymentListParams{}); err != nil || len(l.Data) != 0 {
		t.Errorf("a payment was made without a journal entry: %v %+v", err, l)
	}
}

func TestSecretScanCanFail(t *testing.T) {
	// The scan every harness runs must be able to fail: the card number
	// or a CVC printed as a value is caught, the same digits inside an id
	// or a timestamp are not.
	for _, bad := range []string{`{"cvc": "` + testCVC + `"}`, "cvc " + testCVC + "\n", "card " + testCard, "4111 1111 1111 1111"} {
		if len(leaks([]string{bad})) == 0 {
			t.Errorf("not caught: %q", bad)
		}
	}
	fine := "payment 2vkso3c7qkxtifiw787lpe" + testCVC + ", at 09:07:29." + testCVC + "Z, card •••• 1111"
	if l := leaks([]string{fine}); len(l) != 0 {
		t.Errorf("false alarm: %v", l)
	}
}

// TestResultsInJapanese: with --lang ja (or KOMOJU_TUI_LANG=ja) the money
// commands' results are Japanese — the sentence, the labels, outcome and
// status names, a decline's reason — and the values line up under each
// other although the labels are two cells a character. Ids, links and
// amounts stay as they are; what can be done next is named in Japanese with
// its command word beside it; --json is unchanged.
func TestResultsInJapanese(t *testing.T) {
	h := newHarness(t)
	ja := map[string]string{"KOMOJU_TUI_LANG": "ja"}
	code, out, errOut := h.runEnv(ja, append([]string{"pay", "--amount", "2480", "--description", "x"}, "--method", "konbini", "--store", "lawson", "--email", "a@example.com")...)
	if code != ExitOK {
		t.Fatalf("konbini: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"お支払いをお待ちしています", "結果:", "支払い待ち", "状態:", "仮売上", "注文番号:", "支払い方法:", "コンビニ決済、ローソン", "支払期限:", "次の操作:      決済取消 (cancel)、更新 (refresh)"} {
		if !strings.Contains(out, want) {
			t.Errorf("konbini in Japanese lacks %q:\n%s", want, out)
		}
	}
	for _, english := range []string{"Waiting for the customer", "result:", "order:", "pay by:", "Lawson"} {
		if strings.Contains(out, english) {
			t.Errorf("konbini in Japanese says %q:\n%s", english, out)
		}
	}
	// Every value starts in the same column.
	col := -1
	for _, l := range strings.Split(out, "\n")[1:] {
		label, value, ok := strings.Cut(l, ":")
		if !ok || value == "" {
			continue
		}
		c := ansi.StringWidth(label+":") + len(value) - len(strings.TrimLeft(value, " "))
		if col == -1 {
			col = c
		} else if c != col {
			t.Errorf("value of %q starts at cell %d, the first at %d:\n%s", strings.TrimSpace(label), c, col, out)
		}
	}
	code, out, _ = h.runEnv(ja, append([]string{"pay", "--amount", "1000"}, cardArgs("4123111111111000")...)...)
	if code != ExitDeclined || !strings.Contains(out, "支払われていません") || strings.Contains(out, "insufficient funds") || !strings.Contains(out, "エラーコード:") {
		t.Errorf("a decline in Japanese: exit %d\n%s", code, out)
	}
	_, out, _ = h.runEnv(ja, append([]string{"pay", "--amount", "3000", "--flow", "direct"}, cardArgs(testCard)...)...)
	id := field(out, "決済")
	h.run("refund", id, "--amount", "500")
	code, out, _ = h.runEnv(ja, "show", id)
	if code != ExitOK || !strings.Contains(out, "返金:") || !strings.Contains(out, "あと ¥2,500 返金できます") || !strings.Contains(out, "ジャーナル:") {
		t.Errorf("show in Japanese: exit %d\n%s", code, out)
	}
	// The journal's flow and where each status came from, in words too.
	if !strings.Contains(out, "直接決済 フロー") || !strings.Contains(out, "(応答)") || !strings.Contains(out, "(操作)") ||
		strings.Contains(out, "direct") || strings.Contains(out, "(result)") || strings.Contains(out, "(action)") {
		t.Errorf("show's journal lines in Japanese:\n%s", out)
	}
	// English stays the default, and JSON is the same in both.
	if _, out, _ := h.run("show", id); !strings.Contains(out, "still refundable") || !strings.Contains(out, "journal:") {
		t.Errorf("show in English:\n%s", out)
	}
	_, jaJSON, _ := h.runEnv(ja, "show", id, "--json")
	if j := decode[outcomeJSON](t, jaJSON); j.Message != "Paid ¥3,000 by Visa •••• 1111. ¥500 has been refunded; ¥2,500 can still be refunded." || j.Outcome != "paid" || j.Status != "captured" {
		t.Errorf("--json with --lang ja is not the English JSON: %+v", j)
	}
}

// TestSummaryInJapanese: summary --lang ja is Japanese, and its tables'
// columns line up on screen (text/tabwriter counted runes: a Japanese
// header pushed every row out of line). English is unchanged (the other
// tests read it).
func TestSummaryInJapanese(t *testing.T) {
	h := newHarness(t)
	h.pay("1000", cardArgs(testCard)...)
	h.pay("2480", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
	h.pay("500", cardArgs("4123111111111000")...)
	code, out, errOut := h.runEnv(map[string]string{"KOMOJU_TUI_LANG": "ja"}, "summary")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"の集計 (日本時間)", "JPY: 売上 3 件、支払い済み 1 件", "売上確定:", "支払い方法別", "クレジットカード", "コンビニ決済", "状態別", "仮売上", "エラー"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary in Japanese lacks %q:\n%s", want, out)
		}
	}
	for _, english := range []string{"Summary for", "BY METHOD", "SALES", "credit_card", "captured:"} {
		if strings.Contains(out, english) {
			t.Errorf("summary in Japanese says %q:\n%s", english, out)
		}
	}
	// The count column starts in one place on screen, header and rows.
	col := -1
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) != 6 || strings.HasSuffix(f[0], ":") {
			continue
		}
		name := strings.Index(l, f[0]) + len(f[0])
		rest := l[name:]
		c := ansi.StringWidth(l[:name]) + len(rest) - len(strings.TrimLeft(rest, " "))
		if col == -1 {
			col = c
		} else if c != col {
			t.Errorf("%q: second column at cell %d, the header's at %d:\n%s", f[0], c, col, out)
		}
	}
	if col == -1 {
		t.Errorf("no table in:\n%s", out)
	}
}

// TestHistoryInJapanese: history --lang ja has the header, the methods
// and the statuses in Japanese (they were English) and its columns line
// up on screen: the status column starts at one cell in every line,
// though a Japanese method takes two cells a character. An empty day
// says so in Japanese. English stays the default (the other tests read it).
func TestHistoryInJapanese(t *testing.T) {
	h := newHarness(t)
	h.pay("1000", cardArgs(testCard)...)
	h.pay("2480", "--method", "konbini", "--store", "lawson", "--email", "a@example.com")
	h.pay("500", cardArgs("4123111111111000")...)
	ja := map[string]string{"KOMOJU_TUI_LANG": "ja"}
	code, out, errOut := h.runEnv(ja, "history")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"日時", "注文番号", "支払い方法", "状態", "合計", "決済ID", "クレジットカード visa •••• 1111", "コンビニ決済", "売上確定", "エラー"} {
		if !strings.Contains(out, want) {
			t.Errorf("history in Japanese lacks %q:\n%s", want, out)
		}
	}
	for _, english := range []string{"TIME", "ORDER", "STATUS", "credit_card", "konbini", "captured"} {
		if strings.Contains(out, english) {
			t.Errorf("history in Japanese says %q:\n%s", english, out)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 rows:\n%s", out)
	}
	at := map[int]bool{}
	for _, l := range lines {
		i := -1
		for _, status := range []string{"状態", "売上確定", "エラー", "仮売上", "支払い待ち"} {
			if j := strings.Index(l, "  "+status+" "); j >= 0 {
				i = j + 2
				break
			}
		}
		if i < 0 {
			t.Fatalf("no status in %q:\n%s", l, out)
		}
		at[ansi.StringWidth(l[:i])] = true
	}
	if len(at) != 1 {
		t.Errorf("the status column starts at cells %v:\n%s", at, out)
	}
	if _, out, _ := h.runEnv(ja, "history", "--date", "2020-01-01"); out != "売上はありません。\n" {
		t.Errorf("an empty day in Japanese: %q", out)
	}
	if _, out, _ := h.run("history"); !strings.HasPrefix(out, "TIME") || !strings.Contains(out, "credit_card visa •••• 1111") {
		t.Errorf("history in English:\n%s", out)
	}
}

// capture, cancel, refund and refund-request take the order number (or
// session id) a clerk has on the receipt, in History and in the close, as
// show does; it stands for the payment the journal recorded for that
// sale. They took only a payment id, and an order number came back as
// "No payment found". A sale with no payment says so, and how to look.
func TestOpsTakeAnOrderNumber(t *testing.T) {
	h := newHarness(t)
	_, first, _ := h.payJSON("1000", append(cardArgs(testCard), "--capture", "manual")...)
	_, second, _ := h.payJSON("2000", append(cardArgs(testCard), "--capture", "manual")...)
	if first.OrderNum == "" || second.OrderNum == "" || first.Status != "authorized" {
		t.Fatalf("manual captures: %+v %+v", first, second)
	}
	if code, out, errOut := h.run("capture", first.OrderNum); code != ExitOK || field(out, "status") != "captured" || field(out, "payment") != first.PaymentID {
		t.Fatalf("capture by order number: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := h.run("refund", first.OrderNum, "--amount", "300"); code != ExitOK || !strings.Contains(out, "¥300 has been refunded") {
		t.Fatalf("refund by order number: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := h.run("cancel", second.SessionID); code != ExitOK || field(out, "status") != "cancelled" || field(out, "payment") != second.PaymentID {
		t.Fatalf("cancel by session id: exit %d\n%s\n%s", code, out, errOut)
	}
	// A payment id still works, and one KOMOJU does not know is not found.
	if code, out, _ := h.run("refund", first.PaymentID, "--amount", "100"); code != ExitOK || !strings.Contains(out, "¥400 has been refunded") {
		t.Fatalf("refund by payment id: exit %d\n%s", code, out)
	}
	if code, _, errOut := h.run("capture", "POS-NOSUCH-0001"); code != ExitAPI || !strings.Contains(errOut, "no such payment") && !strings.Contains(errOut, "No payment found") {
		t.Fatalf("unknown order number: exit %d\n%s", code, errOut)
	}

	h.unfinishedSale("", "POS-LOST-0009", komoju.CaptureManual)
	for _, op := range [][]string{{"capture", "POS-LOST-0009"}, {"refund", "POS-LOST-0009"},
		{"refund-request", "POS-LOST-0009", "--customer-name", "ヤマダ タロウ", "--bank-name", "みずほ", "--branch-number", "001", "--account-number", "1234567"}} {
		code, _, errOut := h.run(op...)
		if code != ExitAPI || !strings.Contains(errOut, "Sale POS-LOST-0009 has no payment at KOMOJU to act on") || !strings.Contains(errOut, "komoju-tui show POS-LOST-0009") {
			t.Errorf("%s of a sale without a payment: exit %d\n%s", op[0], code, errOut)
		}
	}
	code, out, _ := h.run("capture", "POS-LOST-0009", "--json")
	if j := decode[outcomeJSON](t, out); code != ExitAPI || j.OK || j.OrderNum != "POS-LOST-0009" {
		t.Errorf("--json of a sale without a payment: exit %d %+v", code, j)
	}
	if _, _, errOut := h.runEnv(map[string]string{"KOMOJU_TUI_LANG": "ja"}, "capture", "POS-LOST-0009"); !strings.Contains(errOut, "取引 POS-LOST-0009 にはKOMOJU上の操作できる決済がありません") {
		t.Errorf("in Japanese:\n%s", errOut)
	}
	// --json stays English under ja.
	_, out, _ = h.runEnv(map[string]string{"KOMOJU_TUI_LANG": "ja"}, "capture", "POS-LOST-0009", "--json")
	if !strings.Contains(out, "Sale POS-LOST-0009 has no payment at KOMOJU to act on") {
		t.Errorf("--json under ja:\n%s", out)
	}
}

// A refused input is named in the clerk's language on stderr (flows'
// checks were English under --lang ja); --json stays English.
func TestInputErrorsInJapanese(t *testing.T) {
	h := newHarness(t)
	ja := map[string]string{"KOMOJU_TUI_LANG": "ja"}
	code, _, errOut := h.runEnv(ja, append([]string{"pay", "--amount", "1000"}, cardArgs("4111111111111112")...)...)
	if code != ExitUsage || !strings.Contains(errOut, "--card: カード番号が正しくありません") || strings.Contains(errOut, "check digit") {
		t.Errorf("bad card in Japanese: exit %d\n%s", code, errOut)
	}
	code, _, errOut = h.runEnv(ja, "refund-request", "pay_x", "--customer-name", "Yamada", "--bank-name", "みずほ", "--branch-number", "1", "--account-number", "1234567")
	if code != ExitUsage || !strings.Contains(errOut, "カタカナまたはひらがなで入力してください") || !strings.Contains(errOut, "3桁で入力してください") {
		t.Errorf("bad bank fields in Japanese: exit %d\n%s", code, errOut)
	}
	code, out, _ := h.runEnv(ja, append([]string{"pay", "--amount", "1000", "--json"}, cardArgs("4111111111111112")...)...)
	if code != ExitUsage || !strings.Contains(out, `"message": "--card: is not a valid card number (check digit mismatch: look for a typo)"`) {
		t.Errorf("--json with --lang ja is not English: exit %d\n%s", code, out)
	}
	if _, _, errOut := h.run(append([]string{"pay", "--amount", "1000"}, cardArgs("4111111111111112")...)...); !strings.Contains(errOut, "--card: is not a valid card number") {
		t.Errorf("bad card in English:\n%s", errOut)
	}
	if code, _, errOut := h.runEnv(ja, append([]string{"pay", "--amount", "abc"}, cardArgs(testCard)...)...); code != ExitUsage || !strings.Contains(errOut, `--amount: 金額 "abc" は数値ではありません`) {
		t.Errorf("bad amount in Japanese: exit %d\n%s", code, errOut)
	}
	if _, _, errOut := h.run(append([]string{"pay", "--amount", "abc"}, cardArgs(testCard)...)...); !strings.Contains(errOut, `--amount: "abc" is not a number`) {
		t.Errorf("bad amount in English:\n%s", errOut)
	}
}

// TestPayAboveTheThresholdIsCheckedFirst: a total above --confirm-above
// (default ¥1,000,000, as the console) is refused where nobody can be asked
// — a script, --json — before anything starts, saying how to charge it
// anyway; --confirm-above off or a larger amount charges it. pay used to
// charge ¥99,999,999,999 from a slipped key without a second look.
func TestPayAboveTheThresholdIsCheckedFirst(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.pay("99999999999", cardArgs(testCard)...)
	if code != ExitUsage || !strings.Contains(errOut, "--amount: the total ¥99,999,999,999 is more than ¥1,000,000") ||
		!strings.Contains(errOut, "--confirm-above off") {
		t.Errorf("pay ¥99,999,999,999 in a script: exit %d\n%s", code, errOut)
	}
	code, out, _ := h.pay("1000000", append(cardArgs(testCard), "--tax", "1", "--json")...)
	if code != ExitUsage || !strings.Contains(out, `"flag": "--amount"`) {
		t.Errorf("pay ¥1,000,000 + ¥1 tax --json: exit %d\n%s", code, out)
	}
	if n := h.connects.Load(); n != 0 {
		t.Errorf("a refused total opened the backend %d times; nothing may start", n)
	}
	if code, _, errOut := h.runEnv(map[string]string{"KOMOJU_TUI_LANG": "ja"}, append([]string{"pay", "--amount", "2000000"}, cardArgs(testCard)...)...); code != ExitUsage ||
		!strings.Contains(errOut, "合計 ¥2,000,000 は ¥1,000,000 を超えています") {
		t.Errorf("pay --lang ja above the threshold: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := h.pay("1000", append(cardArgs(testCard), "--confirm-above", "lots")...); code != ExitUsage || !strings.Contains(errOut, "--confirm-above:") {
		t.Errorf("--confirm-above lots: exit %d\n%s", code, errOut)
	}

	if code, out, errOut := h.pay("1000000", cardArgs(testCard)...); code != ExitOK {
		t.Errorf("pay ¥1,000,000 (at the threshold, not above): exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := h.pay("2000000", append(cardArgs(testCard), "--confirm-above", "3000000")...); code != ExitOK {
		t.Errorf("pay ¥2,000,000 --confirm-above 3000000: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := h.pay("99999999", append(cardArgs(testCard), "--confirm-above", "off")...); code != ExitOK {
		t.Errorf("pay ¥99,999,999 --confirm-above off: exit %d\n%s\n%s", code, out, errOut)
	}
}
