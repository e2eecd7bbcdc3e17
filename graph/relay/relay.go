// Package relay holds what the Relay connections of the GraphQL API share:
// opaque cursors, page sizes, and the cursor predicates of the spec's
// ApplyCursorsToEdges (https://relay.dev/graphql/connections.htm). The
// ent-generated pagination (ent/template/*.tmpl) calls it; it imports
// neither ent nor graph, so both may import it.
package relay

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Page sizes when the configuration leaves them at zero.
const (
	DefaultPageSize = 50
	DefaultMaxPage  = 100
)

// Settings are what a request's connections need: the cursor key and the
// page sizes. The GraphQL server puts them in each operation's context.
type Settings struct {
	Codec       *Codec
	DefaultPage int // page size when neither first nor last is given
	MaxPage     int // largest first or last accepted
	// EdgeByEdge turns the planned loading off: every eager-loaded edge
	// of a page is read by a statement of its own, as ent loads edges
	// (the reference the planned loader is compared with).
	EdgeByEdge bool
}

type settingsKey struct{}

// With returns ctx carrying s.
func With(ctx context.Context, s *Settings) context.Context {
	return context.WithValue(ctx, settingsKey{}, s)
}

// Planned reports whether the eager loads of a query run in ctx are
// planned into the statement of the page that owns them: in a GraphQL
// operation (its settings are in ctx) unless EdgeByEdge is set. Outside
// GraphQL, ent loads edges as it always does.
func Planned(ctx context.Context) bool {
	s, ok := ctx.Value(settingsKey{}).(*Settings)
	return ok && s != nil && !s.EdgeByEdge
}

func settings(ctx context.Context) *Settings {
	if s, ok := ctx.Value(settingsKey{}).(*Settings); ok && s != nil {
		return s
	}
	return &Settings{}
}

func (s *Settings) pages() (def, maxPage int) {
	def, maxPage = s.DefaultPage, s.MaxPage
	if maxPage <= 0 {
		maxPage = DefaultMaxPage
	}
	if def <= 0 || def > maxPage {
		def = min(DefaultPageSize, maxPage)
	}
	return def, maxPage
}

// PageSize checks first and last against the maximum page size and gives
// first the default page size when neither is set, so that every page is
// bounded. Both may be set: the spec applies first, then last.
func PageSize(ctx context.Context, first, last *int) (*int, *int, error) {
	def, maxPage := settings(ctx).pages()
	for _, a := range []struct {
		name string
		v    *int
	}{{"first", first}, {"last", last}} {
		switch {
		case a.v == nil:
		case *a.v < 0:
			return nil, nil, BadInput(a.name, "invalid_page_size", fmt.Sprintf("%s must not be negative", a.name))
		case *a.v > maxPage:
			return nil, nil, BadInput(a.name, "invalid_page_size", fmt.Sprintf("%s must be at most %d", a.name, maxPage))
		}
	}
	if first == nil && last == nil {
		first = defaultFirst(def)
	}
	return first, last, nil
}

// defaults holds the default page sizes handed out as first: callers read
// them and never write through the pointer, so a page costs no allocation.
var defaults = func() (d [DefaultMaxPage + 1]int) {
	for i := range d {
		d[i] = i
	}
	return d
}()

func defaultFirst(def int) *int {
	if def < len(defaults) {
		return &defaults[def]
	}
	return &def
}

// Limit is the number of rows a page reads: one more than the edges it may
// return, so that hasNextPage (first) or hasPreviousPage (last) is known
// from the same statement. With both set it reads max(first, last)+1 rows
// in forward order: HasPreviousPage counts the edges after the cursors, not
// those left by first.
func Limit(first, last *int) int {
	n := 0
	if first != nil {
		n = *first
	}
	if last != nil && *last > n {
		n = *last
	}
	return n + 1
}

// Backward reports whether a page is read from its end: last without
// first. The rows then come in reverse order.
func Backward(first, last *int) bool { return first == nil && last != nil }

// Window is the spec's EdgesToReturn over the rows a page read (see
// Limit): it returns the indexes [from, to) of the edges to return, in
// the rows' order, with hasNextPage and hasPreviousPage as the spec
// defines them. Without first, hasNextPage is false, and without last,
// hasPreviousPage is false: the spec lets a server answer true only when
// it can tell cheaply, and telling would cost a statement.
func Window(n int, first, last *int) (from, to int, hasNext, hasPrev bool) {
	if Backward(first, last) {
		// The rows were read from the end of the list backwards: the
		// first `last` of them are the page, in reverse order.
		hasPrev = n > *last
		return 0, min(n, *last), false, hasPrev
	}
	to = n
	if first != nil {
		hasNext = n > *first
		to = min(n, *first)
	}
	if last != nil {
		hasPrev = n > *last
		from = max(0, to-*last)
	}
	return from, to, hasNext, hasPrev
}

// BadInput is a client mistake in a connection's arguments, with the code
// and shape the API gives every BAD_USER_INPUT error. It is a gqlerror (not
// an apperr.Error, which imports ent) so that ent's generated code can
// return it; the error presenter keeps the code of such errors.
func BadInput(field, reason, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{
		"code": "BAD_USER_INPUT", "reason": reason, "field": field,
	}}
}

// Predicate is the condition of ApplyCursorsToEdges for one cursor: with
// after, the rows ordered after the cursor's; with before, those ordered
// before it. The order is (column, id), both in the same direction, as the
// pagination orders rows; column == idColumn orders by id alone.
func Predicate(c *Cursor, after bool, idColumn, column string, desc bool) func(*sql.Selector) {
	greater := after != desc
	if column == idColumn || c.Value == nil {
		if greater {
			return sql.FieldGT(idColumn, c.ID)
		}
		return sql.FieldLT(idColumn, c.ID)
	}
	return func(s *sql.Selector) {
		// The columns are named now, against the selector as it is when
		// the predicate is applied (as ent's Field predicates do): the
		// planned statement (ent/plan.go) later wraps this selector in a
		// set of its own, where it has no table to name them by.
		cols := []string{s.C(column), s.C(idColumn)}
		s.Where(sql.P(func(b *sql.Builder) {
			if greater {
				b.Join(sql.CompositeGT(cols, c.Value, c.ID))
			} else {
				b.Join(sql.CompositeLT(cols, c.Value, c.ID))
			}
		}))
	}
}

// CheckOrder refuses a cursor made for another connection or order: its
// position means nothing in this one.
func CheckOrder(c *Cursor, arg string, order Order) error {
	if c != nil && c.Order != order {
		return BadInput(arg, "invalid_cursor", arg+" is a cursor of another connection or order")
	}
	return nil
}
