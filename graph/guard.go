package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"userbridge/auth"
	"userbridge/policy"
)

// guarded returns value when the viewer's scopes let it see field, else null
// with the FORBIDDEN error that says which scope is missing.
func guarded(ctx context.Context, field, value string) (*string, error) {
	if underLogin(ctx) {
		return &value, nil
	}
	if err := policy.ReadField(auth.FromContext(ctx), field); err != nil {
		return nil, err
	}
	return &value, nil
}

// underLogin reports whether the field is read inside a login payload: the
// caller has just proved the account's password and receives a token with
// every scope, so it may see the account it logged into.
func underLogin(ctx context.Context) bool {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Object == "LoginPayload" {
			return true
		}
	}
	return false
}
