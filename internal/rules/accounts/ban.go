package accounts

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Ban marks user id banned: every credential of theirs stops working on the
// next request, since authentication checks the status each time.
// Returns not found for an unknown user, forbidden per policy.Ban.
func (s *Service) Ban(ctx context.Context, v *auth.Viewer, id int) (*ent.User, error) {
	return s.setBanned(ctx, v, id, user.StatusBanned)
}

// Unban makes a banned user active again. Same errors as Ban.
func (s *Service) Unban(ctx context.Context, v *auth.Viewer, id int) (*ent.User, error) {
	return s.setBanned(ctx, v, id, user.StatusActive)
}

func (s *Service) setBanned(ctx context.Context, v *auth.Viewer, id int, status user.Status) (*ent.User, error) {
	if err := policy.HasUser(v); err != nil {
		return nil, err
	}
	target, err := s.Client.User.Get(ctx, id)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	if err := policy.Ban(v, target); err != nil {
		return nil, err
	}
	if target.Status == status || (status == user.StatusActive && target.Status != user.StatusBanned) {
		return target, nil
	}
	u, err := s.Client.User.UpdateOne(target).SetStatus(status).Save(ctx)
	return u, apperr.Classify(err)
}
