package ui

import (
	"go/ast"
	"testing"

	"github.com/komoju-tui/komoju-tui/flows/words/wordstest"
)

// TestEveryLookedUpStringHasJapanese reads the console's sources for the
// English texts it looks up (t.S("…"), t.F("…", …)) and fails for any the
// Japanese table cannot find. A rendered screen shows only the texts a test
// reaches; this finds the rest — "Status changed to %s" stayed English on
// the Japanese console because its entry was only reachable by id.
func TestEveryLookedUpStringHasJapanese(t *testing.T) {
	ja := newTr("ja")
	lits := wordstest.Literals(t, ".", func(call *ast.CallExpr) ast.Expr {
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "S" && sel.Sel.Name != "F") || len(call.Args) == 0 {
			return nil
		}
		// t.S(…) and x.t.S(…): the model's translator.
		recv, ok := sel.X.(*ast.SelectorExpr)
		if id, isID := sel.X.(*ast.Ident); !(ok && recv.Sel.Name == "t") && !(isID && id.Name == "t") {
			return nil
		}
		return call.Args[0]
	})
	for _, l := range lits {
		if _, found := ja.table[l.Text]; !found {
			t.Errorf("%s: %q has no Japanese", l.Pos, l.Text)
		}
	}
	if len(lits) < 100 {
		t.Fatalf("found only %d looked-up texts: the scan no longer matches how the console looks them up", len(lits))
	}
}
