package cli

import (
	"database/sql"
	"errors"
	"go/ast"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/flows/words/wordstest"
)

// TestEveryUsageErrorHasJapanese parses the commands' sources for every
// usageError and fail with a literal format and fails for any the words
// table has no Japanese for: a refused command line, or a command that
// could not finish, was said in English to a clerk who chose Japanese.
func TestEveryUsageErrorHasJapanese(t *testing.T) {
	lits := wordstest.Literals(t, ".", func(call *ast.CallExpr) ast.Expr {
		if e := wordstest.Method(call, "usageError", 1); e != nil {
			return e
		}
		return wordstest.Method(call, "fail", 2)
	})
	checked := 0
	for _, l := range lits {
		if strings.Trim(l.Text, "%s: ") == "" {
			continue // the arguments say it (r.problem, fieldErrorsText, words)
		}
		checked++
		if _, ok := words.JA(l.Text); !ok {
			t.Errorf("%s: %q has no Japanese", l.Pos, l.Text)
		}
	}
	if checked < 45 {
		t.Fatalf("found only %d usage errors and failures: the scan no longer matches how the commands report them", checked)
	}
}

// TestUsageErrorsInJapanese: a command line a command refuses is said in
// the clerk's language, however it was chosen and however early the
// refusal comes (Go's flag package, --date, --method, a missing amount);
// English and --json are unchanged.
func TestUsageErrorsInJapanese(t *testing.T) {
	h := newHarness(t)
	const hint = "使い方は 'komoju-tui %s --help' で表示されます。"
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"history", "--lang", "ja", "--date", "24/11"}, `--date: "24/11" は日付ではありません。YYYY-MM-DD（例: `},
		{map[string]string{"KOMOJU_TUI_LANG": "ja"}, []string{"summary", "--till"}, "フラグに値がありません: -till"},
		{nil, []string{"history", "--nope", "--lang=ja"}, "そのようなフラグはありません: -nope"},
		{nil, []string{"history", "--lang", "ja", "--limit", "x"}, `フラグ -limit の値 "x" が正しくありません: parse error`},
		{nil, []string{"pay", "--lang", "ja", "--method", "konbini"}, "--amount: 必須です（例: --amount 1000）"},
		{nil, []string{"pay", "--lang", "ja", "--amount", "1000", "--method", "bitcoin"}, `--method: "bitcoin" は決済方法ではありません（`},
		{nil, []string{"pay", "--lang", "ja", "--amount", "1000", "--method", "paypay", "--flow", "3"}, `フロー "3": session（方式 1）か direct（方式 2）を指定してください`},
		{nil, []string{"capture", "--lang", "ja"}, "ID: 決済 ID が必要です（komoju-tui capture ID）"},
		{nil, []string{"summary", "--lang", "ja", "today"}, `summary は引数を取りません。フラグだけを指定してください（"today" が渡されました）`},
		{nil, []string{"history", "--lang", "ja", "--status", "paid"}, `--status: "paid" は決済ステータスではありません（`},
	} {
		code, _, errOut := h.runEnv(tc.env, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, strings.Replace(hint, "%s", tc.args[0], 1)) {
			t.Errorf("%v: exit %d, stderr %q; want %q and the hint in Japanese", tc.args, code, errOut, tc.want)
		}
	}
	// English, and the JSON even with --lang ja, byte for byte as before.
	code, _, errOut := h.run("history", "--date", "24/11")
	if want := `komoju-tui history: --date: "24/11" is not a date: use YYYY-MM-DD (for example `; code != ExitUsage || !strings.HasPrefix(errOut, want) {
		t.Errorf("English: exit %d, %q", code, errOut)
	}
	code, _, errOut = h.run("summary", "--till")
	if want := "komoju-tui summary: flag needs an argument: -till\nRun 'komoju-tui summary --help' for usage.\n"; code != ExitUsage || errOut != want {
		t.Errorf("English flag error: exit %d, %q", code, errOut)
	}
	code, out, _ := h.run("pay", "--lang", "ja", "--json", "--amount", "1000", "--method", "bitcoin")
	if code != ExitUsage || !strings.Contains(out, `"message": "--method: \"bitcoin\" is not a payment method (one of`) {
		t.Errorf("--json: exit %d, %s", code, out)
	}
}

// TestReportsRefuseAMissingJournal: a report, or a command on a sale the
// journal has (show, capture, cancel, refund, receipt), given a journal
// path with no file behind it (a typo in --journal, KOMOJU_TUI_JOURNAL or
// the config file) says so (exit 2), creates nothing and asks KOMOJU
// nothing. A report used to create an empty journal there and report "No
// sales." or "Nothing to settle" (exit 0): a close of a busy day could read
// as a day without sales. A capture captured at KOMOJU and journaled it in
// the new file: the till's own journal still showed the sale authorized.
func TestReportsRefuseAMissingJournal(t *testing.T) {
	h := newHarness(t)
	code, paid, errOut := h.payJSON("1000", append([]string{"--capture", "manual"}, cardArgs(testCard)...)...)
	if code != ExitOK || paid.Outcome != "authorized" {
		t.Fatalf("pay: exit %d %+v %s", code, paid, errOut)
	}
	payment := paid.PaymentID
	missing := filepath.Join(h.dir, "shop", "journl.db")
	env := map[string]string{"KOMOJU_TUI_JOURNAL": missing}
	for _, args := range [][]string{
		{"history"}, {"summary"}, {"close"}, {"close", "--no-refresh"}, {"reconcile"}, {"sessions"},
		{"summary", "--journal", missing, "--lang", "ja"},
		{"show", payment}, {"capture", payment}, {"cancel", payment}, {"refund", payment}, {"receipt", payment},
	} {
		code, out, errOut := h.runEnv(env, args...)
		want := "there is no journal at " + missing + ": check --journal"
		if len(args) > 2 {
			want = missing + " にジャーナルがありません"
		}
		if code != ExitUsage || !strings.Contains(errOut, want) || strings.Contains(out, "No sales") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 naming the path", args, code, out, errOut)
		}
		if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v left %s behind (%v)", args, filepath.Dir(missing), err)
		}
	}
	// Nothing reached KOMOJU: the payment still waits for its capture, and
	// the till's own journal captures it.
	if code, out, errOut := h.run("capture", payment); code != ExitOK || !strings.Contains(out, "captured") {
		t.Errorf("capture on the till's journal: exit %d %q %q", code, out, errOut)
	}
	// pay starts a journal there; the reports then read it.
	if code, _, errOut := h.runEnv(env, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...); code != ExitOK {
		t.Fatalf("pay on a new journal: exit %d %s", code, errOut)
	}
	if code, out, errOut := h.runEnv(env, "history"); code != ExitOK || !strings.Contains(out, "¥1,000") {
		t.Errorf("history after the first sale: exit %d %q %q", code, out, errOut)
	}
}

// TestJournalProblemsInJapanese: a journal that will not open is named
// in the clerk's language, after "could not start" (both were English).
func TestJournalProblemsInJapanese(t *testing.T) {
	h := newHarness(t)
	bad := filepath.Join(h.dir, "notes.db")
	if err := os.WriteFile(bad, []byte("this is not a journal, just some notes of the day"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := h.run("summary", "--lang", "ja", "--journal", bad)
	if want := "komoju-tui summary: 開始できませんでした: ジャーナル " + bad + ": SQLite データベースではありません"; code != ExitFailure || !strings.HasPrefix(errOut, want) {
		t.Errorf("ja: exit %d, %q; want %q", code, errOut, want)
	}
	code, _, errOut = h.run("summary", "--journal", bad)
	if want := "komoju-tui summary: could not start: journal " + bad + ": is not an SQLite database"; code != ExitFailure || !strings.HasPrefix(errOut, want) {
		t.Errorf("en: exit %d, %q; want %q", code, errOut, want)
	}
}

// TestEveryJournalProblemHasJapanese: whatever stops a journal opening is
// said in Japanese under --lang ja (flows.ProblemIn looks each up by its
// English, or its format when it has values). A directory given as the
// journal, a file of another program, a journal from a newer komoju-tui
// and the steps a driver error stopped were said in English.
func TestEveryJournalProblemHasJapanese(t *testing.T) {
	dir := filepath.Join("..", "journal")
	lits := wordstest.Keyed(t, dir, "Problem")
	lits = append(lits, wordstest.Literals(t, dir, func(call *ast.CallExpr) ast.Expr {
		if e := wordstest.Func(call, "openProblem", 2); e != nil {
			return e
		}
		if e := wordstest.Func(call, "openErr", 1); e != nil {
			return e
		}
		return wordstest.Func(call, "pgOpenErr", 1)
	})...)
	for _, l := range lits {
		if _, ok := words.JA(l.Text); !ok {
			t.Errorf("%s: %q has no Japanese", l.Pos, l.Text)
		}
	}
	if len(lits) < 40 {
		t.Fatalf("found only %d journal problems: the scan no longer matches how the journal reports them", len(lits))
	}
}

// TestJournalProblemsWithValuesInJapanese runs the refusals whose words
// carry a value: the value is kept, the words are Japanese.
func TestJournalProblemsWithValuesInJapanese(t *testing.T) {
	h := newHarness(t)
	other := filepath.Join(h.dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE notes (line TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	newer := filepath.Join(h.dir, "newer.db")
	if code, _, errOut := h.run(append([]string{"pay", "--journal", newer, "--amount", "1000"}, cardArgs(testCard)...)...); code != ExitOK {
		t.Fatalf("pay: exit %d %s", code, errOut)
	}
	if db, err = sql.Open("sqlite", newer); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, tc := range []struct{ journal, ja, en string }{
		{h.dir, "ディレクトリです。ジャーナルのファイルではありません（" + filepath.Join(h.dir, "journal.db") + " のようなファイルのパスを指定してください）",
			"is a directory, not a journal file (give a file path such as " + filepath.Join(h.dir, "journal.db") + ")"},
		{other, "別のプログラムの SQLite データベースです（そのテーブルが 1 個あります）", "is an SQLite database of another program (1 of its tables found)"},
		{newer, "スキーマのバージョンが 999 ですが、この komoju-tui が知っているのは", "has schema version 999 but this komoju-tui knows only up to"},
	} {
		code, _, errOut := h.run("summary", "--lang", "ja", "--journal", tc.journal)
		if code != ExitFailure || !strings.Contains(errOut, "ジャーナル "+tc.journal+": "+tc.ja) || strings.Contains(errOut, "%!") {
			t.Errorf("ja: exit %d, %q; want %q", code, errOut, tc.ja)
		}
		code, _, errOut = h.run("summary", "--journal", tc.journal)
		if code != ExitFailure || !strings.Contains(errOut, "journal "+tc.journal+": "+tc.en) {
			t.Errorf("en: exit %d, %q; want %q", code, errOut, tc.en)
		}
	}
}

// TestReportsRefuseAnUnknownTill: history, summary and close of a till the
// journal has never seen (a typo) say so with the tills it knows (exit 2).
// They showed an empty day, exit 0: a Z-report of no sales for a till that
// sold all day under another name.
func TestReportsRefuseAnUnknownTill(t *testing.T) {
	h := newHarness(t)
	env := map[string]string{"KOMOJU_TUI_TILL": "R2YA"}
	if code, _, errOut := h.runEnv(env, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...); code != ExitOK {
		t.Fatalf("pay: exit %d %s", code, errOut)
	}
	for _, args := range [][]string{
		{"history", "--till", "R2AY"}, {"summary", "--till", "R2AY"}, {"close", "--till", "R2AY"}, {"close", "--no-refresh", "--till", "R2AY"},
	} {
		code, out, errOut := h.runEnv(env, args...)
		if code != ExitUsage || !strings.Contains(errOut, `--till: there is no till "R2AY" in this journal (its tills: R2YA`) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if code, _, errOut := h.runEnv(env, "summary", "--till", "R2AY", "--lang", "ja"); code != ExitUsage || !strings.Contains(errOut, `このジャーナルにレジ "R2AY" はありません（あるレジ: R2YA`) {
		t.Errorf("ja: exit %d, %q", code, errOut)
	}
	// The till itself, and every till, still report.
	for _, args := range [][]string{{"history", "--till", "R2YA"}, {"summary", "--till", "all"}, {"close", "--no-refresh", "--till", "R2YA"}} {
		if code, out, errOut := h.runEnv(env, args...); code != ExitOK || !strings.Contains(out, "1,000") {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errOut)
		}
	}
}
