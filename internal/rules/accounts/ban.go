package accounts

import (
	"context"
	"time"

	"userbridge/ent"
	"userbridge/ent/authorizationcode"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Ban marks user id banned and, in the same transaction, revokes every
// credential of theirs and drops their pending authorization codes: a ban
// ends them for good, so that an unban gives the user back their account,
// not the tokens someone may have taken from it (they sign in again).
// Authentication also checks the status on every request, and Login and
// CreateAPIKey store their credential after reading the user in the same
// transaction (lockActive), so none they mint across the ban outlives it.
// Returns forbidden per policy.BanUsers before any lookup (so a viewer who
// may ban nobody learns nothing about which ids exist), not found for an
// unknown user, forbidden per policy.Ban, forbidden (ReasonLastAdministrator)
// for the last active administrator (lastadmin.go).
func (s *Service) Ban(ctx context.Context, v *auth.Viewer, id int) (*ent.User, error) {
	return s.setBanned(ctx, v, id, user.StatusBanned)
}

// Unban makes a banned user active again; the credentials the ban revoked
// stay revoked. Same errors as Ban.
func (s *Service) Unban(ctx context.Context, v *auth.Viewer, id int) (*ent.User, error) {
	return s.setBanned(ctx, v, id, user.StatusActive)
}

func (s *Service) setBanned(ctx context.Context, v *auth.Viewer, id int, status user.Status) (*ent.User, error) {
	if err := policy.BanUsers(v); err != nil {
		return nil, err
	}
	var u *ent.User
	err := withTx(ctx, s.Client, func(tx *ent.Tx) error {
		if status == user.StatusBanned {
			if err := s.lockAdmins(ctx, tx); err != nil {
				return err
			}
		}
		target, err := tx.User.Get(ctx, id)
		if err != nil {
			return apperr.Classify(err)
		}
		if err := policy.Ban(v, target); err != nil {
			return err
		}
		u = target
		if target.Status == status || (status == user.StatusActive && target.Status != user.StatusBanned) {
			return nil
		}
		if u, err = tx.User.UpdateOne(target).SetStatus(status).Save(ctx); err != nil {
			return apperr.Classify(err)
		}
		if err := s.keepAnAdmin(ctx, tx, v, target, u); err != nil {
			return err
		}
		if status == user.StatusBanned {
			return s.revokeAll(ctx, tx, id)
		}
		return nil
	})
	return u, err
}

// revokeAll revokes, inside tx, every live credential of user id (first-party
// tokens, API keys, applications' access and refresh tokens) and deletes
// its authorization codes not yet exchanged.
func (s *Service) revokeAll(ctx context.Context, tx *ent.Tx, id int) error {
	return RevokeAll(ctx, tx.Client(), id, s.now())
}

// RevokeAll is what a ban does to user id's credentials, through c (a
// transaction's client), for a writer that sets the status itself: an
// import that brings a person in banned. It also marks the time, which
// ends the sign-in screens' sessions (signed cookies, not rows) for good.
func RevokeAll(ctx context.Context, c *ent.Client, id int, at time.Time) error {
	if err := c.User.UpdateOneID(id).SetSessionsRevokedAt(at).Exec(ctx); err != nil {
		return apperr.Wrap(err, "ending the sign-in screens' sessions")
	}
	if _, err := c.Credential.Update().Where(credential.UserID(id), credential.RevokedAtIsNil()).
		SetRevokedAt(at).Save(ctx); err != nil {
		return apperr.Wrap(err, "revoking credentials")
	}
	if _, err := c.AuthorizationCode.Delete().Where(authorizationcode.UserID(id)).Exec(ctx); err != nil {
		return apperr.Wrap(err, "deleting authorization codes")
	}
	return nil
}
