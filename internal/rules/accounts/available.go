package accounts

import (
	"context"

	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db"
)

// LoginAvailable tells a viewer who may create users whether login (compared
// by ident.Key) is free, before anything else is looked at: Maarch answers
// "Login already exists" ahead of its picture and mode checks. Create checks
// it again inside its transaction, so a race still ends in the same conflict.
// Returns forbidden per policy.CreateUser, or conflict with reason
// login_taken.
func (s *Service) LoginAvailable(ctx context.Context, v *auth.Viewer, login string) error {
	if err := policy.CreateUser(v); err != nil {
		return err
	}
	if err := checkLogin(login); err != nil {
		return err
	}
	return checkUnique(ctx, db.Client(ctx, s.Client), 0, nil, nil, &login)
}
