package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits bound the shape of one operation. Zero disables a bound.
type Limits struct {
	Depth      int // nesting of fields; __schema and __type count like any field
	Aliases    int // explicitly aliased fields in the operation
	Directives int // directive uses in the operation
}

// DefaultLimits are the bounds used unless configured otherwise.
var DefaultLimits = Limits{Depth: 12, Aliases: 30, Directives: 50}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "ShapeLimits" }

// Validate implements graphql.HandlerExtension.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses an operation over a bound, before anything
// executes.
func (l Limits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	m := measure(oc.Operation.SelectionSet)
	for _, c := range []struct {
		got, max int
		code     string
		what     string
	}{
		{m.depth, l.Depth, "DEPTH_LIMIT_EXCEEDED", "depth"},
		{m.aliases, l.Aliases, "ALIAS_LIMIT_EXCEEDED", "aliases"},
		{m.directives + len(oc.Operation.Directives), l.Directives, "DIRECTIVE_LIMIT_EXCEEDED", "directives"},
	} {
		if c.max > 0 && c.got > c.max {
			err := gqlerror.Errorf("operation has %s %d, over the limit of %d", c.what, c.got, c.max)
			errcode.Set(err, c.code)
			return err
		}
	}
	return nil
}

type shape struct{ depth, aliases, directives int }

// measure walks a selection set, following fragments (each named fragment
// at most once per path, so cycles cannot loop).
func measure(set ast.SelectionSet) shape {
	var s shape
	var walk func(set ast.SelectionSet, depth int, seen map[string]bool)
	walk = func(set ast.SelectionSet, depth int, seen map[string]bool) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				s.depth = max(s.depth, depth+1)
				s.directives += len(sel.Directives)
				if sel.Alias != "" && sel.Alias != sel.Name {
					s.aliases++
				}
				walk(sel.SelectionSet, depth+1, seen)
			case *ast.InlineFragment:
				s.directives += len(sel.Directives)
				walk(sel.SelectionSet, depth, seen)
			case *ast.FragmentSpread:
				s.directives += len(sel.Directives)
				if sel.Definition == nil || seen[sel.Name] {
					continue
				}
				seen[sel.Name] = true
				walk(sel.Definition.SelectionSet, depth, seen)
				delete(seen, sel.Name)
			}
		}
	}
	walk(set, 0, map[string]bool{})
	return s
}

// String describes the limits for logs.
func (l Limits) String() string {
	return fmt.Sprintf("depth=%d aliases=%d directives=%d", l.Depth, l.Aliases, l.Directives)
}
