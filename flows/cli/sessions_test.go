package cli

import (
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/config"
	"github.com/komoju-tui/komoju-tui/flows/termtext"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// TestSessionsListAndCancel: the sessions sales left open (a declined
// attempt nobody retried, a sale whose till stopped before the customer
// paid) are listed and closed; one another running komoju-tui is working
// on is listed but never cancelled.
func TestSessionsListAndCancel(t *testing.T) {
	h := newHarness(t)
	code, declined, _ := h.payJSON("2000", cardArgs("4123111111111000")...)
	if code != ExitDeclined || declined.SessionID == "" {
		t.Fatalf("declined Method 1 sale: exit %d %+v", code, declined)
	}
	abandoned := h.abandonedSession()
	live := h.backend()
	defer live.Close()
	busy, err := live.Engine.StartSession(t.Context(), flows.Checkout{Amount: 800, Currency: "JPY"})
	if err != nil {
		t.Fatal(err)
	}

	code, out, errOut := h.run("sessions", "--json")
	listed := decode[[]openSessionJSON](t, out)
	orders := map[string]bool{}
	for _, s := range listed {
		orders[s.OrderNum] = true
	}
	if code != ExitOK || len(listed) != 3 || !orders[declined.OrderNum] || !orders[abandoned.OrderNum] || !orders[busy.OrderNum] {
		t.Fatalf("sessions list: exit %d %+v\n%s", code, listed, errOut)
	}
	// Listing only reads: every session is still open.
	for _, id := range []string{declined.SessionID, abandoned.SessionID(), busy.SessionID()} {
		if s, err := h.session(id); err != nil || s.Status != komoju.SessionPending {
			t.Errorf("session %s after list: %v %+v", id, err, s)
		}
	}

	code, out, errOut = h.run("sessions", "cancel", "--all", "--json")
	res := decode[[]sessionCancelJSON](t, out)
	if code != ExitNotCompleted || len(res) != 3 {
		t.Fatalf("cancel --all: exit %d %+v\n%s", code, res, errOut)
	}
	for _, r := range res {
		wantCancelled := r.OrderNum != busy.OrderNum
		if r.Cancelled != wantCancelled {
			t.Errorf("%s: cancelled %v: %s", r.OrderNum, r.Cancelled, r.Message)
		}
	}
	for id, want := range map[string]komoju.SessionStatus{declined.SessionID: komoju.SessionCancelled,
		abandoned.SessionID(): komoju.SessionCancelled, busy.SessionID(): komoju.SessionPending} {
		if s, err := h.session(id); err != nil || s.Status != want {
			t.Errorf("session %s: %v status %s, want %s", id, err, s.Status, want)
		}
	}
	// The abandoned sale is recorded as not charged.
	if s, err := live.Journal.SaleByOrder(t.Context(), abandoned.OrderNum); err != nil || s.Unfinished() {
		t.Errorf("abandoned sale after cancel: %v %+v", err, s)
	}
	code, out, _ = h.run("sessions")
	if code != ExitOK || !containsAll(out, busy.OrderNum, "sessions cancel --all") || strings.Contains(out, declined.OrderNum) {
		t.Errorf("list after cancel: exit %d\n%s", code, out)
	}
	if code, out, _ := h.run("sessions", "cancel", "POS-NOT-HERE"); code != ExitUsage || !containsAll(out, "no sale in this journal") {
		t.Errorf("unknown order: exit %d %s", code, errOut)
	}
	if code, _, errOut := h.run("sessions", "frob"); code != ExitUsage || !containsAll(errOut, "list or cancel") {
		t.Errorf("bad verb: exit %d %s", code, errOut)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// session reads a session from the sandbox as KOMOJU has it.
func (h *harness) session(id string) (*komoju.Session, error) {
	c := komoju.NewClient(h.sb.SecretKey(), komoju.WithBaseURL(h.sb.URL()))
	return c.Sessions.Get(h.t.Context(), id)
}

// TestSessionsAndReconcileInJapanese: the open-sessions table, its hint,
// "no open sessions", reconcile's "nothing to settle" and pay's last
// stderr line for a decline are in the clerk's language (they were
// English under --lang ja), and the table lines up by width on screen.
func TestSessionsAndReconcileInJapanese(t *testing.T) {
	h := newHarness(t)
	ja := map[string]string{"KOMOJU_TUI_LANG": "ja"}
	code, _, errOut := h.runEnv(ja, append([]string{"pay", "--amount", "2000"}, cardArgs("4123111111111000")...)...)
	if code != ExitDeclined || !strings.Contains(errOut, "komoju-tui pay: 支払われていません: カードの残高が不足しています。") {
		t.Errorf("declined pay in ja: exit %d\n%s", code, errOut)
	}
	if code, _, _ := h.pay("1500", append(cardArgs("4123111111111000"), "--order", "POS-2")...); code != ExitDeclined {
		t.Fatalf("second declined sale: exit %d", code)
	}
	code, out, _ := h.runEnv(ja, "sessions")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if code != ExitOK || len(lines) != 4 || !strings.HasPrefix(lines[0], "作成") || lines[3] != "まとめて閉じるには: komoju-tui sessions cancel --all" {
		t.Fatalf("sessions in ja: exit %d\n%s", code, out)
	}
	// The amount column starts at the same cell on every row.
	col := func(l, cell string) int { return termtext.Width(l[:strings.Index(l, cell)]) }
	if a, b, c := col(lines[0], "金額"), col(lines[1], "¥"), col(lines[2], "¥"); a != b || b != c {
		t.Errorf("amount column at cells %d, %d, %d:\n%s", a, b, c, out)
	}
	if code, out, _ := h.runEnv(ja, "reconcile"); code != ExitOK || !strings.Contains(out, "精算するものはありません") {
		t.Errorf("reconcile in ja: exit %d\n%s", code, out)
	}
	if code, _, _ := h.run("sessions", "cancel", "--all"); code != ExitOK {
		t.Fatalf("sessions cancel --all: exit %d", code)
	}
	if code, out, _ := h.runEnv(ja, "sessions"); code != ExitOK || out != "開いているセッションはありません。\n" {
		t.Errorf("no sessions in ja: exit %d %q", code, out)
	}
}

// TestRecoveryAndCancelInJapanese: what reconcile settles and what
// sessions cancel did are said in the clerk's language (they were English
// under --lang ja); --json keeps the English messages.
func TestRecoveryAndCancelInJapanese(t *testing.T) {
	h := newHarness(t)
	ja := map[string]string{"KOMOJU_TUI_LANG": "ja"}
	abandoned := h.abandonedSession()
	code, out, _ := h.runEnv(ja, "reconcile")
	if want := abandoned.OrderNum + ": お客様への請求はありません (支払いページは決済のないまま閉じられました)。"; code != ExitOK || !strings.Contains(out, want) {
		t.Errorf("reconcile in ja: exit %d, want %q\n%s", code, want, out)
	}
	if code, declined, _ := h.payJSON("2000", cardArgs("4123111111111000")...); code != ExitDeclined {
		t.Fatalf("declined sale: exit %d", code)
	} else {
		code, out, _ := h.runEnv(ja, "sessions", "cancel", declined.OrderNum)
		if want := declined.OrderNum + ": セッション " + declined.SessionID + " を取り消しました。"; code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("sessions cancel in ja: exit %d, want %q\n%s", code, want, out)
		}
		_, out, _ = h.runEnv(ja, "sessions", "cancel", declined.OrderNum, "--json")
		if res := decode[[]sessionCancelJSON](t, out); len(res) != 1 || !strings.HasPrefix(res[0].Message, declined.OrderNum+": ") || strings.ContainsAny(res[0].Message, "をはの") {
			t.Errorf("sessions cancel --json keeps English messages:\n%s", out)
		}
	}
}

// backend opens the harness's backend in-process, as a till would.
func (h *harness) backend() *Backend {
	h.t.Helper()
	cfg, err := config.Resolve(nil, func(k string) string { return h.env[k] })
	if err != nil {
		h.t.Fatal(err)
	}
	b, err := h.connect(h.t.Context(), cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// abandonedSession is a ¥700 Method 1 sale whose till stopped before the
// customer paid: its session is open, its owner gone.
func (h *harness) abandonedSession() *flows.Sale {
	h.t.Helper()
	gone := h.backend()
	sale, err := gone.Engine.StartSession(h.t.Context(), flows.Checkout{Amount: 700, Currency: "JPY"})
	gone.Close()
	if err != nil {
		h.t.Fatal(err)
	}
	return sale
}
