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
	var out []Literal
	walk(tb, dir, func(fset *token.FileSet, n ast.Node) {
		if call, ok := n.(*ast.CallExpr); ok {
			if l, ok := literal(tb, fset, arg(call)); ok {
				out = append(out, l)
			}
		}
	})
	return out
}

// walk calls visit with every node of the non-test Go files of dir.
func walk(tb testing.TB, dir string, visit func(*token.FileSet, ast.Node)) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		tb.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			tb.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if n != nil {
				visit(fset, n)
			}
			return true
		})
	}
}

// literal is e as a Literal when it is a string literal.
func literal(tb testing.TB, fset *token.FileSet, e ast.Expr) (Literal, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return Literal{}, false
	}
	text, err := strconv.Unquote(lit.Value)
	if err != nil {
		tb.Fatal(err)
	}
	return Literal{Pos: fset.Position(lit.Pos()).String(), Text: text}, true
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

// Keyed returns the string literal given to every composite-literal field
// named key in the non-test Go files of dir (Problem: "…"), in file order.
func Keyed(tb testing.TB, dir, key string) []Literal {
	tb.Helper()
	var out []Literal
	walk(tb, dir, func(fset *token.FileSet, n ast.Node) {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return
		}
		if id, ok := kv.Key.(*ast.Ident); !ok || id.Name != key {
			return
		}
		if l, ok := literal(tb, fset, kv.Value); ok {
			out = append(out, l)
		}
	})
	return out
}

// Func is the argument at of a call of a function or method named name
// (nil for any other call), for Literals.
func Func(call *ast.CallExpr, name string, at int) ast.Expr {
	var got string
	switch f := call.Fun.(type) {
	case *ast.Ident:
		got = f.Name
	case *ast.SelectorExpr:
		got = f.Sel.Name
	}
	if got != name || len(call.Args) <= at {
		return nil
	}
	return call.Args[at]
}
