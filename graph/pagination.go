package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// paginationView returns ctx with the connection field being resolved shown
// to entgql's generated pagination as that code expects to see it. Two
// things in entgql (contrib v0.7.0) make it necessary:
//
//   - It finds a connection's edges, node, pageInfo and totalCount by their
//     alias, not their name: `n: totalCount` answered 0 and `list: edges`
//     answered no edges at all. The view names them by their field name
//     (several aliases of one of them are merged), at every depth, so
//     nested connections such as a user's files are loaded right too.
//   - It counts every row of the connection (SELECT COUNT) whenever pageInfo
//     is selected, although with edges selected it derives hasNextPage and
//     hasPreviousPage from the one extra row it fetches, and uses the count
//     only for totalCount (ent/contrib#625, open). Where a connection has
//     edges but no totalCount, the view leaves pageInfo out.
//
// Only what entgql reads is affected: gqlgen answers from the request's own
// selections, with the client's aliases.
func paginationView(ctx context.Context) context.Context {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ctx
	}
	view := *fc
	view.Field.Selections = connectionView(graphql.GetOperationContext(ctx), fc.Field.Selections, isConnection(fc.Field.Field))
	ctx = graphql.WithFieldContext(ctx, &view)
	view.Parent = fc.Parent // the view stands in for fc, it is not its child
	return ctx
}

// connectionFields are the field names entgql looks up by alias.
var connectionFields = map[string]bool{"edges": true, "node": true, "pageInfo": true, "totalCount": true}

func connectionView(oc *graphql.OperationContext, sel ast.SelectionSet, connection bool) ast.SelectionSet {
	var (
		out    ast.SelectionSet
		byName = map[string]*ast.Field{}
	)
	for _, cf := range graphql.CollectFields(oc, sel, nil) {
		f := *cf.Field
		f.SelectionSet = connectionView(oc, cf.Selections, isConnection(cf.Field))
		if connectionFields[f.Name] {
			if seen := byName[f.Name]; seen != nil {
				seen.SelectionSet = append(seen.SelectionSet, f.SelectionSet...)
				continue
			}
			f.Alias = f.Name
			byName[f.Name] = &f
		}
		out = append(out, &f)
	}
	if connection && byName["edges"] != nil && byName["totalCount"] == nil && byName["pageInfo"] != nil {
		for i, s := range out {
			if s == byName["pageInfo"] {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
	}
	return out
}

// isConnection tells a Relay connection field by its type's name, the
// convention entgql generates.
func isConnection(f *ast.Field) bool {
	return f != nil && f.Definition != nil && strings.HasSuffix(f.Definition.Type.Name(), "Connection")
}
