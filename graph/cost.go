package graph

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// limitsGuard applies Limits and the complexity bound. gqlgen's executor
// prepares an operation in this order: operation parameter mutators; then
// the query cache, or on a miss parsing and validation (and caching the
// validated document); then variables; then operation context mutators.
// So:
//
//   - MutateOperationParameters sees the raw query before validation. A
//     query in the cache was measured when it was first seen, and costs one
//     lookup; any other is parsed (linearly, with the executor's token
//     limit) and measured against Limits, so that validation only runs on
//     documents of bounded size. A query that does not parse gets the error
//     the executor would give.
//   - MutateOperationContext has the validated operation (field
//     definitions) and the variables: it computes the complexity, list
//     sizes included, and the nodes(ids:) bound.
//
// It replaces gqlgen's complexity extension, which walks fragments path by
// path and ignores page sizes.
type limitsGuard struct {
	limits     Limits
	complexity int // 0: off
	listSize   int
	pageSize   int // edges of a connection page without first or last
	tokenLimit int
	cache      graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = limitsGuard{}

// ExtensionName implements graphql.HandlerExtension.
func (limitsGuard) ExtensionName() string { return "OperationLimits" }

// Validate implements graphql.HandlerExtension.
func (limitsGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses a document over Limits before it is
// validated.
func (g limitsGuard) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	var doc *ast.QueryDocument
	if g.cache != nil {
		doc, _ = g.cache.Get(ctx, params.Query)
	}
	if doc == nil {
		if n, ok := countSelections(params.Query, g.tokenLimit); ok {
			if err := over(n, g.limits.Selections, "SELECTION_LIMIT_EXCEEDED", "selections"); err != nil {
				return err
			}
		}
		var err error
		doc, err = parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, g.tokenLimit)
		if err != nil {
			// What the executor would answer, without parsing again.
			var gerr *gqlerror.Error
			if errors.As(err, &gerr) {
				errcode.Set(gerr, errcode.ParseFailed)
				return gerr
			}
			return nil
		}
		if err := g.limits.check(doc); err != nil {
			return err
		}
		if err := documentValues(doc); err != nil { // input_limits.go
			return err
		}
	}
	return g.nodesVariables(doc, params)
}

// nodesVariables refuses a variable that gives nodes more ids than
// NodesIDs before the executor coerces each of them.
func (g limitsGuard) nodesVariables(doc *ast.QueryDocument, params *graphql.RawParams) *gqlerror.Error {
	if g.limits.NodesIDs <= 0 {
		return nil
	}
	long := false
	for _, v := range params.Variables {
		if l, ok := v.([]any); ok && len(l) > g.limits.NodesIDs {
			long = true
			break
		}
	}
	if !long {
		return nil // the common case: no list long enough to matter
	}
	op := doc.Operations.ForName(params.OperationName)
	if op == nil {
		return nil
	}
	seen := map[string]bool{}
	var find func(set ast.SelectionSet) *gqlerror.Error
	find = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if arg := sel.Arguments.ForName("ids"); sel.Name == "nodes" && arg != nil && arg.Value.Kind == ast.Variable {
					if l, ok := params.Variables[arg.Value.Raw].([]any); ok && len(l) > g.limits.NodesIDs {
						return nodesError(len(l), g.limits.NodesIDs)
					}
				}
				if err := find(sel.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := find(sel.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if f := doc.Fragments.ForName(sel.Name); f != nil && !seen[sel.Name] {
					seen[sel.Name] = true
					if err := find(f.SelectionSet); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return find(op.SelectionSet)
}

func nodesError(got, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("nodes takes at most %d ids, got %d", limit, got)
	err.Extensions = map[string]any{"code": "BAD_USER_INPUT", "field": "ids"}
	return err
}

// MutateOperationContext refuses an operation over the complexity bound or
// with too many ids for nodes, before anything executes.
func (g limitsGuard) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	c := coster{vars: oc.Variables, listSize: g.listSize, defaultPage: g.pageSize, nodesIDs: g.limits.NodesIDs, ceiling: math.MaxInt / 4}
	if g.complexity > 0 {
		c.ceiling = g.complexity + 1
	}
	total := c.set(oc.Operation.SelectionSet).total(c.ceiling)
	if c.err != nil {
		return c.err
	}
	recordCost(ctx, total) // what the operation spends of its budget (budget.go)
	if g.complexity > 0 && total > g.complexity {
		return limitError("COMPLEXITY_LIMIT_EXCEEDED",
			"operation has complexity %d, over the limit of %d", total, g.complexity)
	}
	return nil
}

// coster computes an operation's complexity: each field costs one plus
// what it selects, times the number of items a list brings back. A
// connection multiplies its edges and nodes by first or last; nodes(ids:)
// by the number of ids; any other list of objects, and a connection whose
// size the request does not set, by the page size it gets. Introspection lists are not
// multiplied (the validator bounds their nesting). Fragments and inline
// fragments add up whether or not they apply, and @skip/@include are not
// evaluated: the result is an upper bound. Each fragment is costed once
// and reused, and every sum stops at ceiling, the limit plus one.
type coster struct {
	vars        map[string]any
	listSize    int
	defaultPage int
	nodesIDs    int
	ceiling     int
	memo        map[string]cost
	err         *gqlerror.Error
}

// cost splits a selection set's cost into what a connection multiplies
// (its edges and nodes) and the rest.
type cost struct{ items, rest int }

func (c cost) total(ceiling int) int { return min(c.items+c.rest, ceiling) }

func (c *coster) add(a, b int) int { return min(a+b, c.ceiling) }

func (c *coster) mul(n, a int) int {
	if n <= 0 || a <= 0 {
		return 0
	}
	if a > c.ceiling/n {
		return c.ceiling
	}
	return min(n*a, c.ceiling)
}

func (c *coster) set(set ast.SelectionSet) cost {
	var s cost
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			f := c.field(sel)
			if sel.Name == "edges" || sel.Name == "nodes" {
				s.items = c.add(s.items, f)
			} else {
				s.rest = c.add(s.rest, f)
			}
		case *ast.InlineFragment:
			sub := c.set(sel.SelectionSet)
			s.items, s.rest = c.add(s.items, sub.items), c.add(s.rest, sub.rest)
		case *ast.FragmentSpread:
			sub, ok := c.memo[sel.Name]
			if !ok && sel.Definition != nil {
				if c.memo == nil {
					c.memo = map[string]cost{}
				}
				c.memo[sel.Name] = cost{} // validated: no cycles; this only guards
				sub = c.set(sel.Definition.SelectionSet)
				c.memo[sel.Name] = sub
			}
			s.items, s.rest = c.add(s.items, sub.items), c.add(s.rest, sub.rest)
		}
	}
	return s
}

func (c *coster) field(f *ast.Field) int {
	sub := c.set(f.SelectionSet)
	d := f.Definition
	if d == nil || len(f.SelectionSet) == 0 || strings.HasPrefix(d.Type.Name(), "__") {
		return c.add(1, sub.total(c.ceiling))
	}
	parent := ""
	if f.ObjectDefinition != nil {
		parent = f.ObjectDefinition.Name
	}
	switch {
	case strings.HasSuffix(d.Type.Name(), "Connection") && d.Type.Elem == nil:
		n := c.pageSize(f)
		return c.add(1, c.add(c.mul(n, sub.items), sub.rest))
	case f.Name == "nodes" && f.Arguments.ForName("ids") != nil:
		return c.add(1, c.mul(c.ids(f), sub.total(c.ceiling)))
	case d.Type.Elem != nil && !strings.HasSuffix(parent, "Connection"):
		// A connection's own edges and nodes are multiplied by it.
		return c.add(1, c.mul(c.listSize, sub.total(c.ceiling)))
	}
	return c.add(1, sub.total(c.ceiling))
}

// pageSize is the larger of first and last, or the page size a
// connection gets when neither is set. A negative one counts as zero: pagination refuses it.
func (c *coster) pageSize(f *ast.Field) int {
	n, set := 0, false
	for _, name := range []string{"first", "last"} {
		if v, ok := c.intArgument(f, name); ok {
			n, set = max(n, v), true
		}
	}
	if !set {
		return c.defaultPage
	}
	return n
}

func (c *coster) intArgument(f *ast.Field, name string) (int, bool) {
	arg := f.Arguments.ForName(name)
	if arg == nil || arg.Value == nil {
		return 0, false
	}
	v, err := arg.Value.Value(c.vars)
	if err != nil {
		return 0, false
	}
	switch v := v.(type) {
	case int:
		return max(v, 0), true
	case int64:
		return int(max(min(v, math.MaxInt32), 0)), true
	case int32:
		return int(max(v, 0)), true
	case float64:
		return int(max(min(v, math.MaxInt32), 0)), true
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return c.listSize, true
		}
		return int(max(min(n, math.MaxInt32), 0)), true
	}
	return 0, false
}

// ids is the number of ids of a nodes field; over NodesIDs it records the
// refusal.
func (c *coster) ids(f *ast.Field) int {
	v, err := f.Arguments.ForName("ids").Value.Value(c.vars)
	if err != nil {
		return 0
	}
	list, _ := v.([]any)
	n := len(list)
	if c.nodesIDs > 0 && n > c.nodesIDs && c.err == nil {
		c.err = nodesError(n, c.nodesIDs)
	}
	return n
}
