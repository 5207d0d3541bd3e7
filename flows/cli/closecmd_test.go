package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// closeDay is two tills' day on one journal: a card sale and a declined
// card at the front, a konbini slip at the back that the customer paid at
// the store after the till printed it.
func closeDay(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	if code, _, errOut := h.pay("1000", append(cardArgs(testCard), "--till", "front", "--flow", "direct")...); code != ExitOK {
		t.Fatalf("card: exit %d %s", code, errOut)
	}
	if code, _, _ := h.pay("2000", append(cardArgs("4123111111111000"), "--till", "front", "--flow", "direct")...); code != ExitDeclined {
		t.Fatalf("declined card: exit %d", code)
	}
	code, slip, errOut := h.payJSON("2480", "--method", "konbini", "--store", "lawson", "--email", "a@example.com", "--till", "back", "--flow", "direct")
	if code != ExitOK || slip.PaymentID == "" {
		t.Fatalf("konbini: exit %d %+v %s", code, slip, errOut)
	}
	h.customer(slip.PaymentID, "pay_at_store", nil)
	return h
}

func TestCloseText(t *testing.T) {
	h := closeDay(t)
	code, out, errOut := h.run("close", "--till", "front")
	if code != ExitOK {
		t.Fatalf("close --till front: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"END-OF-DAY CLOSE", "till front", "JPY — Sales 2", "¥1,000 (1)", "Net takings", "error"} {
		if !strings.Contains(out, want) {
			t.Errorf("front's close misses %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "¥3,000") || strings.Contains(out, "2480") {
		t.Errorf("front's close counts what it did not take:\n%s", out)
	}
	// The whole store: the back till's slip is asked about (stderr says
	// so) and is in the takings, per till and in the store's total.
	code, out, errOut = h.run("close", "--till", "all")
	if code != ExitOK || !strings.Contains(errOut, "authorized → captured") {
		t.Fatalf("store close: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"whole store", "By till", "back", "front", "Store total (net)      ¥3,480"} {
		if !strings.Contains(out, want) {
			t.Errorf("store close misses %q:\n%s", want, out)
		}
	}
	// --lang ja (or KOMOJU_TUI_LANG=ja): the report the console shows, in
	// Japanese; it was always English here.
	code, out, errOut = h.runEnv(map[string]string{"KOMOJU_TUI_LANG": "ja"}, "close", "--till", "front", "--no-refresh")
	ja, _ := words.Lookup("close_title", "ja")
	if code != ExitOK || !strings.Contains(out, ja) || strings.Contains(out, "END-OF-DAY CLOSE") || strings.Contains(out, "Net takings") {
		t.Errorf("close in Japanese: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestCloseJSONLines(t *testing.T) {
	h := closeDay(t)
	code, out, errOut := h.run("close", "--till", "all", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one refreshed line and the result, got:\n%s", out)
	}
	var ref closeLine
	if err := json.Unmarshal([]byte(lines[0]), &ref); err != nil || ref.Event != "refreshed" || ref.Command != "close" || ref.Before != "authorized" || ref.After != "captured" || ref.Till != "back" {
		t.Errorf("first line %v: %s", err, lines[0])
	}
	res := decode[closeResult](t, lines[1])
	if res.Event != "result" || !res.OK || res.ExitCode != 0 || res.Till != "all" || len(res.Summary.Currencies) != 1 {
		t.Fatalf("result line: %s", lines[1])
	}
	cs := res.Summary.Currencies[0]
	if cs.Sales != 3 || cs.Paid != 2 || cs.Net != 3480 || len(cs.ByTill) != 2 || len(res.Waiting) != 0 || len(res.Unknown) != 0 {
		t.Errorf("report %+v", res.CloseReport)
	}
	// --no-refresh on an already refreshed day: the result line alone.
	code, out, _ = h.run("close", "--no-refresh", "--json")
	if code != ExitOK || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("--no-refresh --json: exit %d\n%s", code, out)
	}
}

func TestCloseCSVAndJSONDocument(t *testing.T) {
	h := closeDay(t)
	code, out, _ := h.run("close", "--till", "all", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("csv: exit %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][0] != "section" || rows[1][0] != "total" || rows[1][8] != "3480" {
		t.Fatalf("csv %v:\n%s", err, out)
	}
	code, out, _ = h.run("close", "--format", "json", "--till", "back", "--no-refresh")
	var rep flows.CloseReport
	if err := json.Unmarshal([]byte(out), &rep); code != ExitOK || err != nil || rep.Till != "back" || rep.Summary.Currencies[0].Net != 2480 {
		t.Errorf("json document: exit %d %v\n%s", code, err, out)
	}
}

// A sale whose answer was lost stays unknown through the close: it is
// listed by order number and the command exits 5, as for any unknown.
func TestCloseUnknownExits5(t *testing.T) {
	h := newHarness(t)
	h.unfinishedSale("front", "POS-LOST-0001", komoju.CaptureAuto)
	code, out, errOut := h.run("close", "--till", "all")
	if code != ExitUnknown || !strings.Contains(out, "POS-LOST-0001") || !strings.Contains(errOut, "unknown outcome") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestSummaryAndHistoryPerTill(t *testing.T) {
	h := closeDay(t)
	code, out, _ := h.run("summary", "--till", "back", "--json")
	sum := decode[journal.Summary](t, out)
	if code != ExitOK || sum.Till != "back" || len(sum.Currencies) != 1 || sum.Currencies[0].Sales != 1 {
		t.Errorf("summary --till back: exit %d\n%s", code, out)
	}
	// The store's summary by method: two card sales, one paid, ¥1,000
	// taken — the declined ¥2,000 is no takings (issue 13's bug).
	code, out, _ = h.run("summary", "--till", "all")
	if code != ExitOK || !strings.Contains(out, "BY TILL") {
		t.Fatalf("summary --till all: exit %d\n%s", code, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "credit_card" {
			if strings.Join(f[1:4], " ") != "2 1 ¥1,000" {
				t.Errorf("by method card row %q; want 2 sales, 1 paid, ¥1,000 captured", l)
			}
		}
	}
	code, out, _ = h.run("history", "--till", "front", "--json")
	var sales []journal.Sale
	if err := json.Unmarshal([]byte(out), &sales); code != ExitOK || err != nil || len(sales) != 2 {
		t.Errorf("history --till front: exit %d %v\n%s", code, err, out)
	}
	code, out, _ = h.run("history", "--till", "ALL", "--json")
	if err := json.Unmarshal([]byte(out), &sales); code != ExitOK || err != nil || len(sales) != 3 {
		t.Errorf("history --till all: exit %d %v", code, err)
	}
}

func TestCloseUsageErrors(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"close", "--format", "xml"}, "--format:"},
		{[]string{"close", "--format", "csv", "--json"}, "--format:"},
		{[]string{"close", "--day", "someday"}, "--day:"},
		{[]string{"close", "extra"}, "no arguments"},
	} {
		code, _, errOut := h.run(c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q", c.args, code, errOut)
		}
	}
	if n := h.connects.Load(); n != 0 {
		t.Errorf("usage errors opened the backend %d times", n)
	}
}

// With --lang ja (KOMOJU_TUI_LANG=ja) the lines a clerk reads on stderr
// are Japanese too: the close's progress ("checked … → …"), its warning
// about sales with an unknown outcome, a usage error's hint and the note
// about a sandbox of the command's own. They were English under ja.
func TestCloseStderrInJapanese(t *testing.T) {
	ja := map[string]string{"KOMOJU_TUI_LANG": "ja"}
	h := closeDay(t)
	code, _, errOut := h.runEnv(ja, "close", "--till", "all")
	if code != ExitOK || !strings.Contains(errOut, "を確認: 仮売上 → 売上確定") || strings.Contains(errOut, "checked") {
		t.Errorf("store close in Japanese: exit %d, stderr:\n%s", code, errOut)
	}
	h.unfinishedSale("front", "POS-LOST-0002", komoju.CaptureAuto)
	code, _, errOut = h.runEnv(ja, "close", "--till", "all", "--no-refresh")
	if code != ExitUnknown || !strings.Contains(errOut, "結果が不明な取引が 1 件あります") || strings.Contains(errOut, "unknown outcome") {
		t.Errorf("unknown sale in Japanese: exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = h.runEnv(ja, "close", "--day", "someday")
	if code != ExitUsage || !strings.Contains(errOut, "使い方は 'komoju-tui close --help' で表示されます。") || strings.Contains(errOut, "for usage") {
		t.Errorf("usage error in Japanese: exit %d, stderr:\n%s", code, errOut)
	}
	if _, _, errOut := h.run("close", "--day", "someday"); !strings.Contains(errOut, "Run 'komoju-tui close --help' for usage.") {
		t.Errorf("usage error in English:\n%s", errOut)
	}
	if _, _, errOut := h.runEnv(ja, "show", "nosuch"); !strings.Contains(errOut, "注意: KOMOJUのキーが設定されておらず") || strings.Contains(errOut, "note: no KOMOJU key") {
		t.Errorf("the own-sandbox note in Japanese:\n%s", errOut)
	}
	if _, _, errOut := h.run("show", "nosuch"); !strings.Contains(errOut, "note: no KOMOJU key is set") {
		t.Errorf("the own-sandbox note in English:\n%s", errOut)
	}
}

// TestReportsCountTheShopsDay: history, summary and close count a day of the
// shop's clock (Japan time), the day the console's History and close show,
// whatever zone the machine is in. A sale at 00:30 JST on the 25th is
// 15:30 UTC on the 24th: on a machine set to UTC the commands used to list
// it under the 24th, with the 24th's late sale, while the console listed
// it under the 25th.
func TestReportsCountTheShopsDay(t *testing.T) {
	h := newHarness(t)
	sale := func(at time.Time, orderNum string, amount int64) {
		t.Helper()
		j, err := journal.OpenWith(h.env["KOMOJU_TUI_JOURNAL"], journal.Options{Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		ctx := context.Background()
		id, err := j.BeginSale(ctx, journal.Intent{OrderNum: orderNum, IdempotencyKey: "idem-" + orderNum, Flow: journal.FlowDirect,
			Method: komoju.TypeCreditCard, Amount: amount, Currency: "JPY", Capture: komoju.CaptureAuto})
		if err == nil {
			err = j.FinishSale(ctx, id, journal.Result{PaymentID: "pay-" + orderNum, Status: komoju.PaymentCaptured, Total: amount,
				Method: komoju.TypeCreditCard, Outcome: "paid"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	sale(time.Date(2026, 11, 24, 14, 30, 0, 0, time.UTC), "POS-20261124-0001", 1000) // 23:30 JST on the 24th
	sale(time.Date(2026, 11, 24, 15, 30, 0, 0, time.UTC), "POS-20261125-0001", 2000) // 00:30 JST on the 25th

	code, out, _ := h.run("history", "--date", "2026-11-25")
	if code != ExitOK || !strings.Contains(out, "POS-20261125-0001") || strings.Contains(out, "POS-20261124-0001") {
		t.Errorf("history --date 2026-11-25: exit %d, want only the 00:30 JST sale\n%s", code, out)
	}
	if !strings.Contains(out, "2026-11-25 00:30") {
		t.Errorf("history's time is not the shop's (2026-11-25 00:30 JST)\n%s", out)
	}
	code, out, _ = h.run("history", "--date", "2026-11-24")
	if code != ExitOK || !strings.Contains(out, "2026-11-24 23:30") || strings.Contains(out, "POS-20261125-0001") {
		t.Errorf("history --date 2026-11-24: exit %d, want only the 23:30 JST sale\n%s", code, out)
	}
	for day, want := range map[string]int64{"2026-11-24": 1000, "2026-11-25": 2000} {
		code, out, _ = h.run("summary", "--date", day, "--json")
		sum := decode[journal.Summary](t, out)
		if code != ExitOK || len(sum.Currencies) != 1 || sum.Currencies[0].Sales != 1 || sum.Currencies[0].Captured != want {
			t.Errorf("summary --date %s: exit %d, want one sale of ¥%d\n%s", day, code, want, out)
		}
		code, out, _ = h.run("close", "--day", day, "--till", "all", "--no-refresh")
		if code != ExitOK || !strings.Contains(out, komoju.FormatAmount(want, "JPY")+" (1)") {
			t.Errorf("close --day %s: exit %d, want one sale of ¥%d\n%s", day, code, want, out)
		}
	}
}
