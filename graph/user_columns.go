package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// guardedColumns are the columns each hand-written User field of
// user.graphqls reads (see user.resolvers.go).
var guardedColumns = map[string][]string{
	"email":     {user.FieldEmail},
	"login":     {user.FieldLogin},
	"firstName": {user.FieldFirstName},
	"lastName":  {user.FieldLastName},
	"name":      {user.FieldDisplayName, user.FieldFirstName, user.FieldLastName},
	"legacyIds": {user.FieldPublicID}, // and the legacy_ids edge (preloadLegacyIDs)
}

// selectUserColumns lets a page of users read only the columns its nodes
// show. entgql narrows the SELECT to the selected fields only when it knows
// every one of them; the scope-guarded fields (email, login, names) are declared
// by hand, so a page that showed an e-mail read all twenty columns of each
// user, password hash and timestamps included (the costliest part of a
// page on SQLite, bench/README.md). This takes the guarded fields out of
// the view entgql reads (ctx, from paginationView) and selects their
// columns on q itself; entgql then adds the columns of the fields it knows.
//
// It changes nothing when the nodes show any other field entgql does not
// know: entgql then reads every column, and so must q.
func selectUserColumns(ctx context.Context, q *ent.UserQuery) context.Context {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ctx
	}
	node := childField(childField(&ast.Field{SelectionSet: fc.Field.Selections}, "edges"), "node")
	if node == nil {
		return ctx
	}
	var (
		kept    ast.SelectionSet
		columns []string
	)
	for _, s := range node.SelectionSet {
		f, ok := s.(*ast.Field)
		if !ok {
			return ctx // connectionView leaves only fields
		}
		if (f.Name == "files" || f.Name == "signatures") && !slices.Contains(columns, user.FieldRole) &&
			policy.OwnerRoleMatters(auth.FromContext(ctx)) {
			columns = append(columns, user.FieldRole) // policy.LooksAfter asks whether the owner is an administrator
		}
		switch {
		case f.Name == "__typename" || fromEntSchema(f.Definition):
			kept = append(kept, f)
		case guardedColumns[f.Name] != nil:
			for _, c := range guardedColumns[f.Name] {
				if !slices.Contains(columns, c) {
					columns = append(columns, c)
				}
			}
		default:
			return ctx
		}
	}
	if len(columns) == 0 {
		return ctx
	}
	node.SelectionSet = kept // node belongs to the view, not to the request
	q.Select(columns...)
	return ctx
}

// childField is the field named name in f's selection set, when f is one of
// paginationView's fields (one per name, no fragments).
func childField(f *ast.Field, name string) *ast.Field {
	if f == nil {
		return nil
	}
	for _, s := range f.SelectionSet {
		if c, ok := s.(*ast.Field); ok && c.Name == name {
			return c
		}
	}
	return nil
}

// fromEntSchema reports whether a field is one entgql generated (in
// ent.graphqls), which its field collection maps to columns and edges.
func fromEntSchema(d *ast.FieldDefinition) bool {
	return d != nil && d.Position != nil && d.Position.Src != nil && d.Position.Src.Name == "ent.graphqls"
}
