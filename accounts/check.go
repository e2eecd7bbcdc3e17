package accounts

import (
	"context"

	"userbridge/apperr"
	"userbridge/auth"
	"userbridge/ent"
	"userbridge/policy"
)

// CheckUpdate runs every check of Update (policy, validation, uniqueness)
// without writing anything. A transport that must combine an account change
// with another one kept in its own transaction (Edu-Focus PATCH, where the
// avatar is adopted by package files) checks both before applying either, so
// that a refused request changes nothing.
//
// Returns the errors Update would return. Update still checks again when it
// runs: a concurrent writer may take a username in between.
func (s *Service) CheckUpdate(ctx context.Context, v *auth.Viewer, id int, in UpdateInput) error {
	target, err := s.admitUpdate(ctx, v, id, in)
	if err != nil {
		return err
	}
	return checkUnique(ctx, s.Client, id, changedStr(in.Email, target.Email),
		changedStr(in.Username, target.Username), changedStr(in.Login, target.Login))
}

// admitUpdate runs the checks Update makes before writing: the viewer may
// apply in to user id (policy), and in is valid. It returns the user as it
// stands.
func (s *Service) admitUpdate(ctx context.Context, v *auth.Viewer, id int, in UpdateInput) (*ent.User, error) {
	if err := policy.Authenticated(v); err != nil {
		return nil, err
	}
	target, err := s.Client.User.Get(ctx, id)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	if err := policy.UpdateUser(v, target, in.privileged()); err != nil {
		return nil, err
	}
	if in.Role != nil || in.Flags != nil || in.Privileges != nil {
		if err := policy.GrantAdmin(v); err != nil {
			return nil, err
		}
	}
	return target, in.validate()
}
