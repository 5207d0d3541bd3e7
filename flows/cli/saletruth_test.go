package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Issue 10, case 1: a typed order number an earlier paid sale used is
// refused; the second customer is never told "paid" with the first one's
// payment.
func TestTypedOrderNumberOfAPaidSaleIsRefused(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.pay("1000", append([]string{"--flow", "direct", "--order", "T1"}, cardArgs(testCard)...)...)
	if code != ExitOK || field(out, "status") != "captured" {
		t.Fatalf("first sale: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = h.pay("9999", append([]string{"--flow", "direct", "--order", "T1"}, cardArgs("5555555555554444")...)...)
	if code != ExitUsage || strings.Contains(out, "Paid") || !strings.Contains(out+errOut, "already used by another sale") {
		t.Fatalf("second sale with the same typed order number: exit %d\n%s\n%s", code, out, errOut)
	}
	l, err := h.client().Payments.List(t.Context(), &komoju.PaymentListParams{ExternalOrderNum: "T1"})
	if err != nil || len(l.Data) != 1 || l.Data[0].Amount != 1000 {
		t.Fatalf("payments for T1: %+v %v", l, err)
	}
}

// Issue 10, case 10: a declined Method 1 sale can be paid again from the
// command line, on the same session and order number.
func TestPayAgainOnTheSameSale(t *testing.T) {
	h := newHarness(t)
	code, out, _ := h.pay("2500", cardArgs("4123111111111059")...)
	if code != ExitDeclined || !strings.Contains(field(out, "retry"), "pay --sale") {
		t.Fatalf("decline: exit %d\n%s", code, out)
	}
	order, session := field(out, "order"), field(out, "session")
	code, out, errOut := h.run(append([]string{"pay", "--sale", order}, cardArgs(testCard)...)...)
	if code != ExitOK || field(out, "status") != "captured" || field(out, "order") != order || field(out, "session") != session {
		t.Fatalf("pay --sale %s: exit %d\n%s\n%s", order, code, out, errOut)
	}
	// Paying it a third time is refused: nothing is charged twice.
	code, out, errOut = h.run(append([]string{"pay", "--sale", order}, cardArgs(testCard)...)...)
	if code != ExitUsage || !strings.Contains(out+errOut, "already") {
		t.Fatalf("pay --sale of a paid sale: exit %d\n%s\n%s", code, out, errOut)
	}
	// A wrong amount is refused by name.
	code, _, errOut = h.run(append([]string{"pay", "--sale", order, "--amount", "10"}, cardArgs(testCard)...)...)
	if code != ExitUsage {
		t.Fatalf("pay --sale with another amount: exit %d\n%s", code, errOut)
	}
	j, err := journal.Open(h.env["KOMOJU_TUI_JOURNAL"])
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s, err := j.SaleByOrder(context.Background(), order)
	if err != nil || !s.Charged() || s.Attempts != 2 || s.Amount != 2500 {
		t.Fatalf("journal: %+v %v", s, err)
	}
}

// Issue 10, case 4: reports run while a till has a sale in flight read;
// they never write a verdict about it.
func TestReportsNeverSettleAnotherTillsSale(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	till, err := journal.Open(h.env["KOMOJU_TUI_JOURNAL"])
	if err != nil {
		t.Fatal(err)
	}
	defer till.Close()
	// The till sent a Method 2 charge and waits for KOMOJU's answer.
	id, err := till.BeginSale(ctx, journal.Intent{OrderNum: "POS-TILL1-0001", IdempotencyKey: komoju.NewIdempotencyKey(),
		Flow: journal.FlowDirect, Method: komoju.TypeCreditCard, Amount: 5000, Currency: "JPY", Capture: komoju.CaptureAuto})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"history"}, {"summary"}, {"show", "POS-TILL1-0001"}, {"history", "--json"}} {
		code, out, errOut := h.run(args...)
		if strings.Contains(out+errOut, "NOT charged") || strings.Contains(out+errOut, "not charged") {
			t.Errorf("%v said not charged about a sale in flight (exit %d):\n%s\n%s", args, code, out, errOut)
		}
	}
	// A money command at another till settles only orphans: not this one.
	if code, out, errOut := h.pay("100", cardArgs(testCard)...); code != ExitOK || strings.Contains(errOut, "POS-TILL1-0001") {
		t.Errorf("pay at another till: exit %d\n%s\n%s", code, out, errOut)
	}
	s, err := till.Sale(ctx, id)
	if err != nil || s.FinishedAt != nil || s.Outcome != "" {
		t.Fatalf("another process wrote a verdict on the till's sale: %+v %v", s, err)
	}
	// The till's charge goes through after all; the till records it.
	p, err := h.client().Payments.Create(ctx, &komoju.PaymentCreateParams{Amount: 5000, Currency: "JPY", ExternalOrderNum: "POS-TILL1-0001",
		PaymentDetails: flows.Details{CardNumber: testCard, CardExpiry: testExp, CardCVC: testCVC}.Params(komoju.TypeCreditCard)})
	if err != nil {
		t.Fatal(err)
	}
	if err := till.FinishSale(ctx, id, journal.ResultFromPayment(p, journal.OutcomePaid)); err != nil {
		t.Fatal(err)
	}
	code, out, _ := h.run("show", "POS-TILL1-0001")
	if code != ExitOK || field(out, "status") != "captured" {
		t.Errorf("show after the till finished: exit %d\n%s", code, out)
	}
}

// client talks to the harness's sandbox directly (as another integration
// on the same account would).
func (h *harness) client() *komoju.Client {
	return komoju.NewClient(h.sb.SecretKey(), komoju.WithBaseURL(h.sb.URL()))
}

// TestAJournalKeepsOneMode: a journal that holds test-mode sales (here
// through --journal / KOMOJU_TUI_JOURNAL, which every mode honours) is
// refused to a till or command in sandbox mode, before anything is asked
// or written: that KOMOJU never saw those sales, so its "no such session"
// would let recovery write "not charged" for a customer who may have paid.
// Reports still read it, and test mode opens it as before.
func TestAJournalKeepsOneMode(t *testing.T) {
	h := newHarness(t)
	testMode := map[string]string{"KOMOJU_SECRET_KEY": h.sb.SecretKey(), "KOMOJU_API_URL": h.sb.URL()}
	if code, out, errOut := h.runEnv(testMode, append([]string{"pay", "--amount", "1000"}, cardArgs(testCard)...)...); code != ExitOK {
		t.Fatalf("pay in test mode: exit %d\n%s\n%s", code, out, errOut)
	}
	h.unfinishedSale("front", "POS-OPEN-1", komoju.CaptureAuto)

	for _, args := range [][]string{{"reconcile"}, {"show", "POS-OPEN-1"}, append([]string{"pay", "--amount", "500"}, cardArgs(testCard)...)} {
		code, _, errOut := h.run(args...)
		if code != ExitFailure || !strings.Contains(errOut, "keeps the sales of test mode and komoju-tui is in sandbox mode") {
			t.Errorf("%s in sandbox mode on the test-mode journal: exit %d\n%s", args[0], code, errOut)
		}
	}
	j, err := journal.OpenWith(h.env["KOMOJU_TUI_JOURNAL"], journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := j.SaleByOrder(context.Background(), "POS-OPEN-1")
	n, _ := j.CountSales(context.Background(), journal.PageFilter{})
	j.Close()
	if err != nil || !s.Unfinished() || s.ErrorCode != "" || n != 2 {
		t.Errorf("the refused commands changed the journal: %+v %v, %d sales", s, err, n)
	}
	if code, out, _ := h.run("history"); code != ExitOK || !strings.Contains(out, "POS-OPEN-1") {
		t.Errorf("history (a report) on the test-mode journal: exit %d\n%s", code, out)
	}
	if code, _, errOut := h.runEnv(testMode, "show", "POS-OPEN-1"); strings.Contains(errOut, "mode") {
		t.Errorf("show in test mode: exit %d\n%s", code, errOut)
	}
}
