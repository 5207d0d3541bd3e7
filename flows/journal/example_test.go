package journal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/komoju-tui/komoju-tui/flows/journal"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// Example shows the order of writes around a Method 2 card sale: the
// intent before Payment: Create, the result after, and what a restart
// would find.
func Example() {
	dir, _ := os.MkdirTemp("", "journal-example")
	defer os.RemoveAll(dir)
	j, err := journal.Open(filepath.Join(dir, "journal-sandbox.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Close()
	ctx := context.Background()

	id, err := j.BeginSale(ctx, journal.Intent{
		OrderNum: "POS-20261124-0001", IdempotencyKey: komoju.NewIdempotencyKey(), Flow: journal.FlowDirect,
		Method: komoju.TypeCreditCard, Amount: 1000, Currency: "JPY",
		CardBrand: "visa", CardLast4: "1111", // never the number or the CVC
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	un, _ := j.Unfinished(ctx)
	fmt.Println("unfinished before the answer:", len(un))

	// ... Payments.Create answered:
	order := "POS-20261124-0001"
	p := &komoju.Payment{ID: "pay_1", Status: komoju.PaymentCaptured, Amount: 1000, Total: 1000, Currency: "JPY", ExternalOrderNum: &order}
	if err := j.FinishSale(ctx, id, journal.ResultFromPayment(p, journal.OutcomePaid)); err != nil {
		fmt.Println(err)
		return
	}
	un, _ = j.Unfinished(ctx)
	fmt.Println("unfinished after:", len(un))

	s, _ := j.SaleByOrder(ctx, order)
	fmt.Println(s.Status, s.Charged(), komoju.FormatAmount(s.Net(), s.Currency))

	sum, _ := j.Summary(ctx, time.Now(), time.Local)
	fmt.Println(sum.Currencies[0].Currency, sum.Currencies[0].Sales, sum.Currencies[0].Net)
	// Output:
	// unfinished before the answer: 1
	// unfinished after: 0
	// captured true ¥1,000
	// JPY 1 1000
}
