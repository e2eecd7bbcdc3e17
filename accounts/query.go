package accounts

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"userbridge/auth"
	"userbridge/ent"
	"userbridge/ent/predicate"
	"userbridge/policy"
)

// Viewer returns the viewer's own user, or nil for an application acting
// alone. Returns forbidden without scope identity.
func (s *Service) Viewer(ctx context.Context, v *auth.Viewer) (*ent.User, error) {
	if err := policy.Scope(v, auth.ScopeIdentity); err != nil {
		return nil, err
	}
	return v.User, nil
}

// List returns the query over every user, for viewers allowed to list them.
// Returns forbidden otherwise.
func (s *Service) List(ctx context.Context, v *auth.Viewer) (*ent.UserQuery, error) {
	if err := policy.ListUsers(v); err != nil {
		return nil, err
	}
	return s.Client.User.Query(), nil
}

// HasFlags matches users whose flags have every bit of mask set.
func HasFlags(mask int) predicate.User {
	return predicate.User(func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("(").Ident(s.C("flags")).WriteString(" & ").Arg(mask).WriteString(") = ").Arg(mask)
		}))
	})
}
