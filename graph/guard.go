package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// guarded returns value when the viewer's scopes let it see field, else null
// with the FORBIDDEN error that says which scope is missing. value points
// into the entity (&obj.Email): a copy would be one allocation per field of
// every user of a page.
func guarded(ctx context.Context, field string, value *string) (*string, error) {
	if err := policy.ReadField(fieldViewer(ctx), field); err != nil {
		return nil, err
	}
	return value, nil
}

// fieldViewer is who reads a field of a user: the caller, or inside a login
// payload the credential the login issues (loginViewer).
func fieldViewer(ctx context.Context) *auth.Viewer {
	if underLogin(ctx) {
		return loginViewer
	}
	return auth.FromContext(ctx)
}

// loginViewer is who reads the user of a login payload: the credential the
// login issues, a first-party token with every scope (accounts.Login), and
// not the caller, who is usually anonymous. The payload shows what the
// token it carries may read, no more (TestLoginShowsWhatItsTokenShows).
var loginViewer = &auth.Viewer{Scopes: auth.AllScopes, Consented: true}

// underLogin reports whether the field is read inside a login payload.
func underLogin(ctx context.Context) bool {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Object == "LoginPayload" {
			return true
		}
	}
	return false
}
