package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/komoju-tui/komoju-tui/komoju"
)

// Golden views of History at 120x40 and 80x24 in English and Japanese,
// this till's and the whole store's (with the till column), driven through
// a real bubbletea program on a journal of two tills. Regenerate with:
// go test ./ui -run TestGoldenHistory -update
func TestGoldenHistory(t *testing.T) {
	sales := []histSale{
		{order: "POS-T1-20261124-0001", status: komoju.PaymentCaptured, amount: 1000, brand: "visa"},
		{order: "POS-T1-20261124-0002", status: komoju.PaymentAuthorized, amount: 2480, method: komoju.TypeKonbini, store: komoju.StoreFamilyMart},
		{order: "POS-T2-20261124-0001", status: komoju.PaymentRefunded, amount: 3000, brand: "master", till: "T2"},
		{order: "POS-T1-20261124-0003", status: komoju.PaymentCaptured, amount: 5400, method: komoju.TypeKonbini, store: komoju.StoreSevenEleven},
		{order: "POS-T1-20261124-0004", status: komoju.PaymentFailed, amount: 800, brand: "jcb"},
	}
	for _, lang := range []string{"en", "ja"} {
		for _, scope := range []string{"till", "store"} {
			for _, sz := range goldenSizes {
				t.Run(fmt.Sprintf("%s_%s_%dx%d", lang, scope, sz[0], sz[1]), func(t *testing.T) {
					env := newEnv(t, envOpt{})
					o := env.options()
					o.Journal = historyJournal(t, sales)
					o.NoBrowser, o.SandboxURL, o.Lang = true, "", lang
					tm := teatest.NewTestModel(t, New(o), teatest.WithInitialTermSize(sz[0], sz[1]))
					t.Cleanup(func() { _ = tm.Quit() })
					n := "4"
					typeKeys(tm, "h")
					if scope == "store" {
						typeKeys(tm, "a")
						n = "5"
					}
					want := map[string]string{"en": "1 of " + n, "ja": n + "件中 1件目"}[lang]
					// The day's totals load after the rows: wait for them too
					// (a fixed sleep failed on a loaded machine).
					totals := map[string]string{"en": "by status", "ja": "状態別"}[lang]
					waitOut(t, tm, want, totals)
					if err := tm.Quit(); err != nil {
						t.Fatal(err)
					}
					fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
					fm.quitting = false
					out := []byte(fm.View())
					if ansi.Strip(string(out)) != string(out) {
						t.Fatal("golden view has escape sequences with the ASCII profile")
					}
					golden.RequireEqual(t, out)
				})
			}
		}
	}
}
