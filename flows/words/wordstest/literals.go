// Package wordstest finds, in a package's sources, the texts it says
// through the words table, so a test can ask the table for each: a screen
// or a command's output shows only the texts a test reaches.
package wordstest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Literal is a string literal found in a call, and where.
type Literal struct {
	Pos  string // file:line:column
	Text string // unquoted
}

// Literals returns the string literal of every call in the non-test Go
// files of dir for which arg returns it (the argument that carries the
// text), in file order. Calls whose argument is not a literal are left
// out: their text comes from elsewhere.
func Literals(tb testing.TB, dir string, arg func(call *ast.CallExpr) ast.Expr) []Literal {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		tb.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []Literal
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			tb.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			lit, ok := arg(call).(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			text, err := strconv.Unquote(lit.Value)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, Literal{Pos: fset.Position(lit.Pos()).String(), Text: text})
			return true
		})
	}
	return out
}

// Method is the argument at of a call of a method named name (nil for
// any other call), for Literals.
func Method(call *ast.CallExpr, name string, at int) ast.Expr {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name || len(call.Args) <= at {
		return nil
	}
	return call.Args[at]
}
