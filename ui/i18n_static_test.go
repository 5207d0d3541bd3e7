package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryLookedUpStringHasJapanese reads the console's sources for the
// English texts it looks up (t.S("…"), t.F("…", …)) and fails for any the
// Japanese table cannot find. A rendered screen shows only the texts a test
// reaches; this finds the rest — "Status changed to %s" stayed English on
// the Japanese console because its entry was only reachable by id.
func TestEveryLookedUpStringHasJapanese(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	ja := newTr("ja")
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "S" && sel.Sel.Name != "F") {
				return true
			}
			recv, ok := sel.X.(*ast.SelectorExpr)
			if id, isID := sel.X.(*ast.Ident); !(ok && recv.Sel.Name == "t") && !(isID && id.Name == "t") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			en, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			if _, found := ja.table[en]; !found {
				t.Errorf("%s: %q has no Japanese", fset.Position(lit.Pos()), en)
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("found only %d looked-up texts: the scan no longer matches how the console looks them up", checked)
	}
}
