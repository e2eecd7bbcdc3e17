package graph

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// countSelections refuses documents before they are parsed, so it must
// never count more than the parsed document holds.
func TestCountSelections(t *testing.T) {
	introspection, err := os.ReadFile("testdata/introspection-graphql-js-16.graphql")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, query string
		want        int // written selections
	}{
		{"fields", `{ viewer { id email } }`, 3},
		{"aliases count once", `{ a: viewer { b: id } }`, 2},
		{"arguments and object values are not selections", `{ users(first: 2, where: { emailContains: "x", not: { id: "y" } }) { totalCount } }`, 2},
		{"directives are not selections", `{ viewer { id @include(if: true) @skip(if: false) } }`, 2},
		{"spreads and inline fragments count once, with no names", `query Q($a: Int = 1) { ...F ... on Query { viewer { id } } ... @include(if: true) { __typename } } fragment F on Query { viewer { id } }`, 8},
		{"comments and strings are not selections", "{ viewer { # id email\n id } user(id: \"{ a b }\") { id } }", 4},
		{"the standard introspection query", string(introspection), -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := countSelections(c.query, 0)
			if !ok {
				t.Fatal("not counted")
			}
			doc, err := parser.ParseQuery(&ast.Source{Input: c.query})
			if err != nil {
				t.Fatal(err)
			}
			written := 0
			var walk func(ast.SelectionSet)
			walk = func(set ast.SelectionSet) {
				for _, sel := range set {
					written++
					switch sel := sel.(type) {
					case *ast.Field:
						walk(sel.SelectionSet)
					case *ast.InlineFragment:
						walk(sel.SelectionSet)
					}
				}
			}
			for _, op := range doc.Operations {
				walk(op.SelectionSet)
			}
			for _, f := range doc.Fragments {
				walk(f.SelectionSet)
			}
			if got != written || c.want >= 0 && got != c.want {
				t.Fatalf("counted %d, the document holds %d (want %d)", got, written, c.want)
			}
		})
	}
	t.Run("past the token limit, the parser decides", func(t *testing.T) {
		if _, ok := countSelections("{"+strings.Repeat(" id", 100)+"}", 50); ok {
			t.Fatal("counted")
		}
	})
}
