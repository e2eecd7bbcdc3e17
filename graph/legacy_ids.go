package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/ent"
	"userbridge/graph/model"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/rules/policy"
)

// preloadLegacyIDs loads, with a page of users, the ids they hold in the
// legacy dialects when the page's nodes show legacyIds and the viewer may
// read them: one statement for the page (ent's eager loading of the
// legacy_ids edge), which User.legacyIds then reads (legacyids.Of), where
// each node would otherwise cost one. ctx is paginationView's.
func preloadLegacyIDs(ctx context.Context, q *ent.UserQuery) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || policy.ReadLegacyIDs(fieldViewer(ctx)) != nil {
		return
	}
	node := childField(childField(&ast.Field{SelectionSet: fc.Field.Selections}, "edges"), "node")
	if childField(node, "legacyIds") != nil {
		q.WithLegacyIds()
	}
}

// legacyIDsOf is User.legacyIds: the ids u shows in each dialect, for an
// administrator (policy.ReadLegacyIDs).
func (r *Resolver) legacyIDsOf(ctx context.Context, u *ent.User) (*model.LegacyIds, error) {
	if err := policy.ReadLegacyIDs(fieldViewer(ctx)); err != nil {
		return nil, err
	}
	ids, err := legacyids.Of(ctx, r.Client, u)
	if err != nil {
		return nil, err
	}
	return &model.LegacyIds{Eduplatform: ids.Eduplatform, Edufocus: ids.Edufocus, Usersv1: ids.Usersv1, Maarch: ids.Maarch}, nil
}
