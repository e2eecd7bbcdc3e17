package accounts

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/rules/policy"
)

// GetByLegacyID is GetByPublicID for the id a dialect's path names: the
// user holding id in dialect d (legacyids.UserFor), imported or derived.
// The scope checks come first, as in GetByPublicID, and the viewer's own
// user is not read again when id is its public id in a string dialect (a
// public id stays its user's for good, legacyids.Holder). Returns not
// found for an unknown, malformed, reserved or invisible id.
func (s *Service) GetByLegacyID(ctx context.Context, v *auth.Viewer, d legacyid.Dialect, id string, shows ...string) (*ent.User, error) {
	if err := policy.Scope(v, auth.ScopeIdentity); err != nil {
		return nil, err
	}
	if err := policy.ReadFields(v, shows...); err != nil {
		return nil, err
	}
	u := v.User
	own := u != nil && (d == legacyid.DialectEdufocus || d == legacyid.DialectUsersv1) && legacyids.Derived(u, d) == id
	if !own {
		var err error
		if u, err = legacyids.UserFor(ctx, s.Client, d, id); err != nil {
			return nil, apperr.Classify(err)
		}
	}
	if err := policy.ReadUser(v, u); err != nil {
		return nil, err
	}
	return u, nil
}
