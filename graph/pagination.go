package graph

import (
	"context"
	"crypto/rand"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/graph/relay"
)

// Relay connections are paginated by the ent-generated code of
// ent/template/pagination.tmpl (entgql's template, changed to follow the
// spec), with what it shares in package relay. Here: the cursor key and
// page sizes it reads from the context, and the view of the request it
// reads the selections from.

// connectionSettings are the cursor codec and page sizes of o.
func connectionSettings(r *Resolver, o Options) *relay.Settings {
	return &relay.Settings{Codec: r.cursorCodec(), DefaultPage: o.PageSize, MaxPage: o.MaxPageSize, EdgeByEdge: o.EdgeByEdge}
}

// withConnections puts the connection settings in the request's context
// before gqlgen reads it: the complexity count parses connection arguments
// (cursors included) before any operation middleware runs.
func withConnections(h http.Handler, r *Resolver, o Options) http.Handler {
	s := connectionSettings(r, o)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req.WithContext(relay.With(req.Context(), s)))
	})
}

// aroundConnections puts them in each operation's context, for servers
// used without withConnections (tests of the transports), with the
// operation's cache of connection views.
func aroundConnections(r *Resolver, o Options) graphql.OperationMiddleware {
	s := connectionSettings(r, o)
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(relay.With(ctx, s), viewsKey{}, &views{}))
	}
}

// cursorCodec encrypts cursors with a key derived from the service's
// secret, so that every replica reads the cursors of the others. Without a
// file service (some tests), the key is random, per resolver.
func (r *Resolver) cursorCodec() *relay.Codec {
	r.cursorsOnce.Do(func() {
		var secret []byte
		if r.Files != nil {
			secret = r.Files.DeriveKey("graphql cursors")
		} else {
			secret = make([]byte, 32)
			_, _ = rand.Read(secret)
		}
		c, err := relay.NewCodec(secret)
		if err != nil {
			panic(err) // a non-empty secret always makes a codec
		}
		r.cursors = c
	})
	return r.cursors
}

// paginationView returns ctx with the connection field being resolved shown
// to the ent-generated pagination as that code expects to see it: it finds
// a connection's edges, node, pageInfo and totalCount by their alias, not
// their name (`n: totalCount` answered 0 and `list: edges` answered no
// edges at all). The view names them by their field name (several aliases
// of one of them are merged), at every depth, so nested connections such
// as a user's files are loaded right too.
//
// Only what the generated code reads is affected: gqlgen answers from the
// request's own selections, with the client's aliases.
func paginationView(ctx context.Context) context.Context {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ctx
	}
	view := *fc
	view.Field.Selections = cachedView(ctx, fc.Field.Selections)
	if key, ok := splitKey(ctx, fc.Field.Field); ok {
		f := *fc.Field.Field // the request's field: not to be changed
		f.Alias = key
		view.Field.Field = &f
	}
	ctx = graphql.WithFieldContext(ctx, &view)
	view.Parent = fc.Parent // the view stands in for fc, it is not its child
	return ctx
}

// views caches an operation's connection views by selection set: a
// nested connection (a user's files) is resolved once per parent, each
// time from the same selections, which gqlgen collects once per
// operation (BenchmarkUsersPage/files5). Lists are marshaled
// concurrently, hence the sync.Map.
type views struct {
	bySelections sync.Map // viewKey → ast.SelectionSet
	splits       sync.Map // *ast.Position of a field of the document → its key in the views (merge)
}

type viewsKey struct{}

// viewKey names one selection set: its backing array and length.
type viewKey struct {
	first *ast.Selection
	n     int
}

// cachedView is connectionView of sel, computed once per operation (every
// time outside one).
func cachedView(ctx context.Context, sel ast.SelectionSet) ast.SelectionSet {
	oc := graphql.GetOperationContext(ctx)
	vs, _ := ctx.Value(viewsKey{}).(*views)
	if vs == nil || len(sel) == 0 {
		return connectionView(oc, sel, nil)
	}
	k := viewKey{&sel[0], len(sel)}
	if v, ok := vs.bySelections.Load(k); ok {
		return v.(ast.SelectionSet)
	}
	v := connectionView(oc, sel, vs)
	vs.bySelections.Store(k, v)
	return v
}

// splitKey is the key under which merge put f in the operation's
// views, when it is not f's response key: the generated code loaded f's
// edge under it, with f's own arguments.
func splitKey(ctx context.Context, f *ast.Field) (string, bool) {
	vs, _ := ctx.Value(viewsKey{}).(*views)
	if vs == nil || f == nil || f.Position == nil {
		return "", false
	}
	key, ok := vs.splits.Load(f.Position)
	if !ok {
		return "", false
	}
	return key.(string), true
}

// connectionFields are the field names the generated code looks up by alias.
var connectionFields = map[string]bool{"edges": true, "node": true, "pageInfo": true, "totalCount": true}

func connectionView(oc *graphql.OperationContext, sel ast.SelectionSet, vs *views) ast.SelectionSet {
	var (
		out    ast.SelectionSet
		byName = map[string]*ast.Field{}
	)
	for _, cf := range graphql.CollectFields(oc, sel, nil) {
		f := *cf.Field
		f.SelectionSet = connectionView(oc, cf.Selections, vs)
		if connectionFields[f.Name] {
			if seen := byName[f.Name]; seen != nil {
				seen.SelectionSet = vs.merge(seen.SelectionSet, f.SelectionSet)
				continue
			}
			f.Alias = f.Name
			byName[f.Name] = &f
		}
		out = append(out, &f)
	}
	return out
}

// merge merges b, the view of one alias of edges or node, into a, the
// view of another (`x: edges` and `y: edges`). Fields under one response
// key merge when they are the same field with the same arguments. When
// they are not (x's files with a where, y's without), the generated code
// would load one for both, under that key: y would answer x's filtered
// page, an oracle on a filter x was refused. So both stay in the view
// (their columns are still read) under keys no response has, and so does
// any later field under that key; each edge is then loaded with its own
// arguments under its own key, which paginationView shows its resolver
// (vs.splits; without vs, outside an operation, the resolver loads it).
func (vs *views) merge(a, b ast.SelectionSet) ast.SelectionSet {
	for _, s := range b {
		g := s.(*ast.Field)
		i := slices.IndexFunc(a, func(s ast.Selection) bool { return s.(*ast.Field).Alias == g.Alias })
		split := slices.ContainsFunc(a, func(s ast.Selection) bool {
			return strings.HasPrefix(s.(*ast.Field).Alias, g.Alias+splitMark)
		})
		switch {
		case !split && i < 0:
			a = append(a, g)
		case !split && sameArguments(a[i].(*ast.Field), g):
			f := *a[i].(*ast.Field)
			f.SelectionSet = vs.merge(f.SelectionSet, g.SelectionSet)
			a[i] = &f
		default:
			if i >= 0 {
				a[i] = vs.splitOff(a[i].(*ast.Field), i)
			}
			a = append(a, vs.splitOff(g, len(a)))
		}
	}
	return a
}

// splitMark joins a response key and a position in a view: no response key
// holds it.
const splitMark = "\x00"

func (vs *views) splitOff(f *ast.Field, n int) *ast.Field {
	c := *f
	c.Alias = f.Alias + splitMark + strconv.Itoa(n)
	if vs != nil && f.Position != nil {
		vs.splits.Store(f.Position, c.Alias)
	}
	return &c
}

// sameArguments reports whether two fields of one response key are one
// field with the same arguments, as written (two that read one $w agree;
// the same arguments in another order do not, which costs only the eager
// load).
func sameArguments(f, g *ast.Field) bool {
	if f.Name != g.Name || len(f.Arguments) != len(g.Arguments) {
		return false
	}
	for i, a := range f.Arguments {
		if a.Name != g.Arguments[i].Name || a.Value.String() != g.Arguments[i].Value.String() {
			return false
		}
	}
	return true
}
