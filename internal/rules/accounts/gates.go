package accounts

import (
	"context"

	"userbridge/ent"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// The checks below answer, before anything is decoded or looked up, whether
// a request could be allowed at all: the legacy dialects document refusals
// that come first (Maarch answers 403 before reading the body, Edu-Focus
// before looking the id up). The operations check again as they run.

// MayCreate is policy.CreateUser, for transports that refuse before
// reading the new user.
func (s *Service) MayCreate(v *auth.Viewer) error { return policy.CreateUser(v) }

// MayLookUp is policy.LookUpUsers: any user by id, before the lookup.
func (s *Service) MayLookUp(v *auth.Viewer) error { return policy.LookUpUsers(v) }

// MayBan is policy.BanUsers: banning anyone, before the lookup.
func (s *Service) MayBan(v *auth.Viewer) error { return policy.BanUsers(v) }

// MayChange is policy.ChangeUsers: changing any user, before the lookup.
func (s *Service) MayChange(v *auth.Viewer) error { return policy.ChangeUsers(v) }

// MayDelete is policy.DeleteUsers: deleting any user, before the lookup.
func (s *Service) MayDelete(v *auth.Viewer) error { return policy.DeleteUsers(v) }

// MayModifyViewer is policy.ModifySelf: changing one's own account, before
// the change is read.
func (s *Service) MayModifyViewer(v *auth.Viewer) error { return policy.ModifySelf(v) }

// Current returns the viewer's own user, for transports where every route
// acts for a user. Returns forbidden for an application acting alone or a
// credential without scope identity.
func (s *Service) Current(ctx context.Context, v *auth.Viewer) (*ent.User, error) {
	if err := policy.HasUser(v); err != nil {
		return nil, err
	}
	return s.Viewer(ctx, v)
}
