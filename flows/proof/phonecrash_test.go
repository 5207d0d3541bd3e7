package proof

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
	"github.com/komoju-tui/komoju-tui/komoju/sandbox"
)

// phoneChildEnv names the journal the phone-sale child till writes; it is
// set only in the child (see TestPhoneSaleChild).
const phoneChildEnv = "KOMOJU_TUI_PROOF_PHONE_CHILD"

// reconcileJSON is one entry of `reconcile --json`.
type reconcileJSON struct {
	OrderNum  string `json:"order_num"`
	PaymentID string `json:"payment_id"`
	SessionID string `json:"session_id"`
	Op        string `json:"op"`
	Outcome   string `json:"outcome"`
	Charged   bool   `json:"charged"`
	Resolved  bool   `json:"resolved"`
	Message   string `json:"message"`
}

// TestCrashDuringPhoneSale holds issue 10 case 5 ("crash during a
// customer-pays-on-their-phone sale"). A till (a child process running the
// flows engine, as the console does) starts a Method 1 sale — the session's
// QR code is on screen — and is SIGKILLed. Before the fix the next start
// said "NOT charged" and closed the sale while the session stayed payable;
// the customer paid, and the journal kept "error", net ¥0.
//
// Now `komoju-tui reconcile` cancels the session at KOMOJU before it calls the sale not charged (the
// proxy checks the journal at the moment the cancel arrives); a customer
// trying to pay the session afterwards is refused and KOMOJU holds no
// payment. Variant: the customer paid before reconcile ran; reconcile
// records the sale as paid with that payment, and history shows it
// captured.
func TestCrashDuringPhoneSale(t *testing.T) {
	for _, paidFirst := range []bool{false, true} {
		name := "abandoned"
		if paidFirst {
			name = "paid-before-reconcile"
		}
		t.Run(name, func(t *testing.T) {
			sb := startSandbox(t, sandbox.Options{})
			dir := t.TempDir()
			jpath := filepath.Join(dir, "journal.db")
			var mu sync.Mutex
			var cancels []string // what the journal said when each session cancel arrived
			px := newFaultProxy(t, sb.BaseURL(), func(r *http.Request) proxyAction {
				if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/sessions/") && strings.HasSuffix(r.URL.Path, "/cancel") {
					id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/sessions/"), "/cancel")
					state := "no sale"
					if j, err := journal.OpenWith(jpath, journal.Options{SkipQuickCheck: true}); err == nil {
						if s, err := j.SaleBySession(context.Background(), id); err == nil {
							state = fmt.Sprintf("unfinished=%v outcome=%q", s.Unfinished(), s.Outcome)
						}
						_ = j.Close()
					}
					mu.Lock()
					cancels = append(cancels, state)
					mu.Unlock()
				}
				return pass
			})
			env := append(apiEnv(sb.SecretKey(), px.API()), machineEnv(dir)...)
			binary(t)

			session, order := startPhoneSale(t, jpath, px.API(), sb.SecretKey())

			customer := komoju.NewClient(sb.PublishableKey(), komoju.WithBaseURL(sb.URL()), komoju.WithPublishableKey(sb.PublishableKey()))
			card := flows.Details{CardNumber: "4111111111111111", CardExpiry: cardExpiry, CardCVC: "123"}.Params(komoju.TypeCreditCard)
			var paid *komoju.Payment
			if paidFirst {
				res, err := customer.Sessions.Pay(testCtx(t, 30*time.Second), session, &komoju.SessionPayParams{PaymentDetails: card}, komoju.WithPublishable())
				if err != nil || res.Payment == nil || res.Payment.Status != komoju.PaymentCaptured {
					t.Fatalf("the customer paying the session on their phone: %+v %v", res, err)
				}
				paid = res.Payment
			}

			rec := run(t, env, "reconcile", "--json", "--journal", jpath)
			var recs []reconcileJSON
			if err := json.Unmarshal([]byte(rec.stdout), &recs); err != nil || rec.code != 0 {
				t.Fatalf("reconcile: exit %d %v\n%s%s", rec.code, err, rec.stdout, rec.stderr)
			}
			var mine *reconcileJSON
			for i := range recs {
				if recs[i].OrderNum == order {
					mine = &recs[i]
				}
			}
			if mine == nil || !mine.Resolved {
				t.Fatalf("reconcile did not settle %s:\n%s", order, rec.stdout)
			}
			s, err := openJournal(t, jpath).SaleByOrder(context.Background(), order)
			if err != nil {
				t.Fatal(err)
			}
			sess, err := fastClient(sb).Sessions.Get(testCtx(t, 30*time.Second), session)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			seen := append([]string(nil), cancels...)
			mu.Unlock()

			if paidFirst {
				if !mine.Charged || mine.PaymentID != paid.ID {
					t.Errorf("reconcile says charged %v with %q; the customer paid %s: %s", mine.Charged, mine.PaymentID, paid.ID, mine.Message)
				}
				if !s.Charged() || s.Unfinished() || s.PaymentID != paid.ID || s.Net() != paid.Total {
					t.Errorf("journal: %s charged %v unfinished %v payment %q net %d; the customer paid %s ¥%d", order, s.Charged(), s.Unfinished(), s.PaymentID, s.Net(), paid.ID, paid.Total)
				}
				hist := run(t, env, "history", "--json", "--journal", jpath)
				var rows []historyJSON
				if err := json.Unmarshal([]byte(hist.stdout), &rows); err != nil || len(rows) != 1 || rows[0].Status != komoju.PaymentCaptured {
					t.Errorf("history after reconcile: %v\n%s", err, hist.stdout)
				}
				t.Logf("customer paid %s before reconcile → reconcile: %s", paid.ID, mine.Message)
				return
			}

			// Abandoned: cancelled at KOMOJU first, then not charged.
			if len(seen) != 1 || !strings.HasPrefix(seen[0], "unfinished=true") {
				t.Errorf("session cancels seen by KOMOJU, with the journal's state at that moment: %q; want one, made while the sale was still open", seen)
			}
			if sess.Status != komoju.SessionCancelled || sess.Payment != nil {
				t.Errorf("session %s at KOMOJU after reconcile: status %s payment %v; want cancelled with no payment", session, sess.Status, sess.Payment)
			}
			if mine.Charged || !notChargedText.MatchString(mine.Message) {
				t.Errorf("reconcile: charged %v %q; want not charged", mine.Charged, mine.Message)
			}
			if s.Unfinished() || s.Charged() || s.ErrorCode == "" {
				t.Errorf("journal: %s unfinished %v charged %v error code %q; want settled not charged with proof", order, s.Unfinished(), s.Charged(), s.ErrorCode)
			}
			// The customer, still holding the QR code, tries to pay.
			res, err := customer.Sessions.Pay(testCtx(t, 30*time.Second), session, &komoju.SessionPayParams{PaymentDetails: card}, komoju.WithPublishable())
			if err == nil {
				t.Errorf("the customer paid the abandoned session after reconcile called it not charged: %+v", res)
			}
			if ps := allPayments(t, fastClient(sb), order); len(ps) != 0 {
				t.Errorf("KOMOJU holds %d payments for %s, which the journal says was not charged", len(ps), order)
			}
			t.Logf("session cancels seen (journal state then): %q; reconcile: %s; the customer's late pay: %v", seen, mine.Message, err)
		})
	}
}

// TestShowLeavesCrashedPhoneSaleOpen is the report's side of issue 10
// case 5 (and case 4: reports only read): after the phone-sale till is
// killed, `show ORDER` must not tell the clerk "the customer was not
// charged" while the session is still open and payable — only a closed
// session with no payment is proof. The customer then pays on their phone,
// and show reports the payment.
func TestShowLeavesCrashedPhoneSaleOpen(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	dir := t.TempDir()
	jpath := filepath.Join(dir, "journal.db")
	env := append(apiEnv(sb.SecretKey(), sb.URL()), machineEnv(dir)...)
	binary(t)
	session, order := startPhoneSale(t, jpath, sb.URL(), sb.SecretKey())

	sh := run(t, env, "show", order, "--json", "--journal", jpath)
	before, _ := parsePay(sh.stdout)
	if notChargedText.MatchString(before.Message) {
		t.Errorf("show %s (exit %d, outcome %q) told the clerk %q while the session is still open and payable", order, sh.code, before.Outcome, before.Message)
	}
	customer := komoju.NewClient(sb.PublishableKey(), komoju.WithBaseURL(sb.URL()), komoju.WithPublishableKey(sb.PublishableKey()))
	card := flows.Details{CardNumber: "4111111111111111", CardExpiry: cardExpiry, CardCVC: "123"}.Params(komoju.TypeCreditCard)
	res, err := customer.Sessions.Pay(testCtx(t, 30*time.Second), session, &komoju.SessionPayParams{PaymentDetails: card}, komoju.WithPublishable())
	if err != nil || res.Payment == nil {
		t.Fatalf("the customer paying the session: %+v %v", res, err)
	}
	sh = run(t, env, "show", order, "--json", "--journal", jpath)
	after, _ := parsePay(sh.stdout)
	if after.Outcome != "paid" || after.PaymentID != res.Payment.ID {
		t.Errorf("show %s after the customer paid: exit %d outcome %q payment %q; want paid with %s", order, sh.code, after.Outcome, after.PaymentID, res.Payment.ID)
	}
	t.Logf("show before the customer paid: %s: %s; after: %s: %s", before.Outcome, before.Message, after.Outcome, after.Message)
}

// startPhoneSale runs TestPhoneSaleChild as a till, waits until its
// session is created and SIGKILLs it; it returns the session id and order
// number.
func startPhoneSale(t *testing.T, jpath, api, key string) (session, order string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPhoneSaleChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), phoneChildEnv+"="+jpath, "KOMOJU_API_URL="+api, "KOMOJU_SECRET_KEY="+key)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "session" {
				line <- sc.Text()
			}
		}
		close(line)
	}()
	select {
	case l, ok := <-line:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("the till child ended without a session:\n%s", stderr.String())
		}
		f := strings.Fields(l)
		session, order = f[1], f[2]
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the till child made no session within 60 s:\n%s", stderr.String())
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the till child ended by itself before the kill")
	}
	return session, order
}

// TestPhoneSaleChild is the till TestCrashDuringPhoneSale kills: it opens
// the journal, starts a Method 1 sale (the console would now show the
// session's QR code) and waits for the kill. It does nothing unless
// started by startPhoneSale.
func TestPhoneSaleChild(t *testing.T) {
	path := os.Getenv(phoneChildEnv)
	if path == "" {
		return
	}
	j, err := journal.OpenWith(path, journal.Options{Till: "PHON"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c := komoju.NewClient(os.Getenv("KOMOJU_SECRET_KEY"), komoju.WithBaseURL(os.Getenv("KOMOJU_API_URL")))
	e := flows.NewEngine(flows.Deps{Client: c, Journal: j, OrderPrefix: "POS-PHON"})
	sale, err := e.StartSession(context.Background(), flows.Checkout{Amount: 4800, ReturnURL: "http://127.0.0.1:9/return"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("session %s %s\n", sale.SessionID(), sale.OrderNum)
	for {
		time.Sleep(time.Minute) // the QR code is on screen; the kill comes here
	}
}
