package accounts

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"userbridge/ent"
	"userbridge/ent/predicate"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Viewer returns the viewer's own user, or nil for an application acting
// alone. shows names the guarded fields (policy.ReadField: "email",
// "login", "first_name"...) an answer of fixed shape will show.
// Returns forbidden without scope identity, or without the scope one of
// shows needs (policy.ReadFields).
func (s *Service) Viewer(ctx context.Context, v *auth.Viewer, shows ...string) (*ent.User, error) {
	if err := policy.Scope(v, auth.ScopeIdentity); err != nil {
		return nil, err
	}
	if err := policy.ReadFields(v, shows...); err != nil {
		return nil, err
	}
	return v.User, nil
}

// List returns the query over every user, for viewers allowed to list them
// and to read every field of shows (as for Viewer).
// Returns forbidden otherwise.
func (s *Service) List(ctx context.Context, v *auth.Viewer, shows ...string) (*ent.UserQuery, error) {
	if err := policy.ListUsers(v); err != nil {
		return nil, err
	}
	if err := policy.ReadFields(v, shows...); err != nil {
		return nil, err
	}
	return s.Client.User.Query(), nil
}

// HasFlags matches users whose flags have every bit of mask set.
func HasFlags(mask int) predicate.User {
	return predicate.User(func(s *sql.Selector) {
		// Named when applied, not when the statement is written: a planned
		// page (ent/plan.go) wraps this selector where it has no table.
		flags := s.C("flags")
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("(").Ident(flags).WriteString(" & ").Arg(mask).WriteString(") = ").Arg(mask)
		}))
	})
}
