package graph

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

// Limits bound the shape of a document. Zero disables a bound. They are
// measured on the parsed document before it is validated (limitsGuard), so
// that validation, whose overlapping-fields check compares every pair of
// fields with one response name, only ever sees documents of bounded size.
type Limits struct {
	Depth int // nesting of fields
	// IntrospectionDepth bounds the nesting of fields under __schema and
	// __type instead of Depth when it is larger: the standard introspection
	// query nests __Type.ofType nine times, and ofType is one object, not a
	// list, so a deep chain costs what its text costs (the validator's own
	// MaxIntrospectionDepth rule bounds the nesting of introspection lists).
	IntrospectionDepth int
	Aliases            int // explicitly aliased fields
	Directives         int // directive uses
	// Selections counts fields, fragment spreads and inline fragments, a
	// fragment's own each time it is spread: the size of the document as
	// validation and execution walk it.
	Selections int
	// Repeats bounds the fields merged into one response key (the same
	// field selected again, directly, through fragments or under fields
	// that merge): validation compares each pair of them.
	Repeats int
	// NodesIDs bounds the ids of one nodes(ids:) call.
	NodesIDs int
}

// DefaultLimits are the bounds used unless configured otherwise.
var DefaultLimits = Limits{Depth: 12, IntrospectionDepth: 20, Aliases: 30, Directives: 50,
	Selections: 2000, Repeats: 20, NodesIDs: 100}

// String describes the limits for logs.
func (l Limits) String() string {
	return fmt.Sprintf("depth=%d introspection-depth=%d aliases=%d directives=%d selections=%d repeats=%d nodes-ids=%d",
		l.Depth, l.IntrospectionDepth, l.Aliases, l.Directives, l.Selections, l.Repeats, l.NodesIDs)
}

// check measures every operation of doc, and every fragment no operation
// spreads (validation walks them all, whichever operation runs), and
// returns the first bound exceeded.
func (l Limits) check(doc *ast.QueryDocument) *gqlerror.Error {
	m := measurer{fragments: map[string]*ast.FragmentDefinition{}, memo: map[fragmentKey]*shape{}}
	for _, f := range doc.Fragments {
		m.fragments[f.Name] = f
	}
	selections := 0
	measureOne := func(set ast.SelectionSet, directives int) *gqlerror.Error {
		s := m.set(set, false)
		s.directives = saturate(s.directives + directives)
		selections = saturate(selections + s.selections)
		if err := l.exceeded(s); err != nil {
			return err
		}
		return over(selections, l.Selections, "SELECTION_LIMIT_EXCEEDED", "selections")
	}
	for _, op := range doc.Operations {
		if err := measureOne(op.SelectionSet, len(op.Directives)); err != nil {
			return err
		}
	}
	var unreached ast.FragmentDefinitionList
	for _, f := range doc.Fragments {
		if m.memo[fragmentKey{f.Name, false}] == nil && m.memo[fragmentKey{f.Name, true}] == nil {
			unreached = append(unreached, f)
		}
	}
	for _, f := range unreached {
		if err := measureOne(f.SelectionSet, len(f.Directives)); err != nil {
			return err
		}
	}
	if l.Repeats <= 0 || l.Selections <= 0 {
		return nil // without a bound on its expanded size, no expansion
	}
	// The document is now known to be small once expanded, so it is
	// expanded for real, merging fields as execution would. A fragment an
	// operation spreads is merged there; the others on their own.
	r := repeats{fragments: m.fragments, visiting: map[string]bool{}, limit: l.Repeats}
	for _, op := range doc.Operations {
		if err := r.merged([]ast.SelectionSet{op.SelectionSet}); err != nil {
			return err
		}
	}
	for _, f := range unreached {
		if err := r.merged([]ast.SelectionSet{f.SelectionSet}); err != nil {
			return err
		}
	}
	return nil
}

func (l Limits) exceeded(s shape) *gqlerror.Error {
	introDepth := max(l.Depth, l.IntrospectionDepth)
	if l.Depth <= 0 {
		introDepth = 0
	}
	for _, c := range []struct {
		got, max   int
		code, what string
	}{
		{s.depth, l.Depth, "DEPTH_LIMIT_EXCEEDED", "depth"},
		{s.introDepth, introDepth, "DEPTH_LIMIT_EXCEEDED", "introspection depth"},
		{s.aliases, l.Aliases, "ALIAS_LIMIT_EXCEEDED", "aliases"},
		{s.directives, l.Directives, "DIRECTIVE_LIMIT_EXCEEDED", "directives"},
	} {
		if err := over(c.got, c.max, c.code, c.what); err != nil {
			return err
		}
	}
	return nil
}

func over(got, limit int, code, what string) *gqlerror.Error {
	if limit <= 0 || got <= limit {
		return nil
	}
	return limitError(code, "operation has %s %d, over the limit of %d", what, got, limit)
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": code}
	return err
}

// shape is what measurer counts of a selection set, depths relative to it.
type shape struct {
	depth                           int // deepest field outside introspection
	introDepth                      int // deepest field under __schema or __type
	aliases, directives, selections int
}

type fragmentKey struct {
	name  string
	intro bool // spread under __schema or __type
}

// measurer measures each fragment once (per introspection context) and
// reuses the result wherever it is spread, so a document of fragments that
// spread the next one twice costs its length, not two to the power of its
// nesting. The document is not validated yet: a fragment spread within
// itself counts as one selection (validation refuses the cycle), and so
// does a spread of an unknown fragment.
type measurer struct {
	fragments map[string]*ast.FragmentDefinition
	memo      map[fragmentKey]*shape // nil value: being measured
}

// saturation keeps sums from overflowing: counts multiply through fragments.
const saturation = 1 << 40

func saturate(n int) int { return min(n, saturation) }

func (m *measurer) set(set ast.SelectionSet, intro bool) shape {
	var s shape
	add := func(c shape) {
		s.aliases = saturate(s.aliases + c.aliases)
		s.directives = saturate(s.directives + c.directives)
		s.selections = saturate(s.selections + c.selections)
	}
	for _, sel := range set {
		s.selections = saturate(s.selections + 1)
		switch sel := sel.(type) {
		case *ast.Field:
			in := intro || sel.Name == "__schema" || sel.Name == "__type"
			c := m.set(sel.SelectionSet, in)
			add(c)
			s.directives = saturate(s.directives + len(sel.Directives))
			if sel.Alias != "" && sel.Alias != sel.Name {
				s.aliases = saturate(s.aliases + 1)
			}
			if in {
				s.introDepth = max(s.introDepth, 1+c.introDepth)
			} else {
				s.depth = max(s.depth, 1+c.depth)
				if c.introDepth > 0 {
					s.introDepth = max(s.introDepth, 1+c.introDepth)
				}
			}
		case *ast.InlineFragment:
			c := m.set(sel.SelectionSet, intro)
			add(c)
			s.directives = saturate(s.directives + len(sel.Directives))
			s.depth = max(s.depth, c.depth)
			s.introDepth = max(s.introDepth, c.introDepth)
		case *ast.FragmentSpread:
			s.directives = saturate(s.directives + len(sel.Directives))
			c := m.fragment(sel.Name, intro)
			add(c)
			s.depth = max(s.depth, c.depth)
			s.introDepth = max(s.introDepth, c.introDepth)
		}
	}
	return s
}

func (m *measurer) fragment(name string, intro bool) shape {
	key := fragmentKey{name, intro}
	if s, ok := m.memo[key]; ok {
		if s == nil {
			return shape{} // a cycle
		}
		return *s
	}
	f := m.fragments[name]
	if f == nil {
		return shape{}
	}
	m.memo[key] = nil
	s := m.set(f.SelectionSet, intro)
	s.directives = saturate(s.directives + len(f.Directives))
	m.memo[key] = &s
	return s
}

// repeats expands a document whose expanded size is already bounded and
// merges its fields by response key, level by level, as execution does.
type repeats struct {
	fragments map[string]*ast.FragmentDefinition
	visiting  map[string]bool
	limit     int
}

// merged groups the fields of sets (the selection sets of fields merged
// into one response key) by response key, and does the same for each
// group's sub-selections.
func (r *repeats) merged(sets []ast.SelectionSet) *gqlerror.Error {
	var (
		order  []string
		groups = map[string][]ast.SelectionSet{}
		counts = map[string]int{}
	)
	var collect func(set ast.SelectionSet)
	collect = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				key := sel.Alias
				if key == "" {
					key = sel.Name
				}
				if _, ok := counts[key]; !ok {
					order = append(order, key)
				}
				counts[key]++
				if len(sel.SelectionSet) > 0 {
					groups[key] = append(groups[key], sel.SelectionSet)
				}
			case *ast.InlineFragment:
				collect(sel.SelectionSet)
			case *ast.FragmentSpread:
				f := r.fragments[sel.Name]
				if f == nil || r.visiting[sel.Name] {
					continue
				}
				r.visiting[sel.Name] = true
				collect(f.SelectionSet)
				delete(r.visiting, sel.Name)
			}
		}
	}
	for _, set := range sets {
		collect(set)
	}
	for _, key := range order {
		if counts[key] > r.limit {
			return limitError("SELECTION_LIMIT_EXCEEDED",
				"%q is selected %d times in one selection set, over the limit of %d", key, counts[key], r.limit)
		}
	}
	for _, key := range order {
		if sub := groups[key]; len(sub) > 0 {
			if err := r.merged(sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// countSelections counts the selections written in query from its tokens
// alone, without building a syntax tree: fields, fragment spreads and
// inline fragments, each once however often it is spread. It is at most
// what check counts, and costs a fraction of a parse, so a document that
// is only a long flat list of fields is refused before it is parsed. ok is
// false when the query does not lex or has more than tokenLimit tokens (the
// parser then reports it).
func countSelections(query string, tokenLimit int) (n int, ok bool) {
	l := lexer.New(&ast.Source{Input: query})
	// Open brackets: 's' a selection set, 'v' an object value, '(' and '['.
	var open []byte
	var prev, prev2 lexer.Type
	var prevValue string
	tokens := 0
	for {
		tok, err := l.ReadToken()
		if err != nil {
			return n, false
		}
		switch tok.Kind {
		case lexer.EOF:
			return n, true
		case lexer.Comment:
			continue
		}
		if tokens++; tokenLimit > 0 && tokens > tokenLimit {
			return n, false
		}
		inSet := len(open) > 0 && open[len(open)-1] == 's'
		switch tok.Kind {
		case lexer.BraceL:
			if len(open) == 0 || inSet {
				open = append(open, 's')
			} else {
				open = append(open, 'v')
			}
		case lexer.ParenL, lexer.BracketL:
			open = append(open, byte(tok.Kind))
		case lexer.BraceR, lexer.ParenR, lexer.BracketR:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case lexer.Spread:
			if inSet {
				n++
			}
		case lexer.Name:
			// Not a field: an alias's field name, a directive's name, a
			// spread's fragment name or its "on", an inline fragment's type.
			if inSet && prev != lexer.Colon && prev != lexer.At && prev != lexer.Spread &&
				!(prev == lexer.Name && prevValue == "on" && prev2 == lexer.Spread) {
				n++
			}
		}
		prev2, prev, prevValue = prev, tok.Kind, tok.Value
	}
}
