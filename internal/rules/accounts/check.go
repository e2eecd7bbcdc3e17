package accounts

import (
	"context"
	"unicode/utf8"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/rules/policy"
)

// admitUpdate runs the checks Update makes before writing: the viewer may
// apply in to user id (policy; what needs no target, before the lookup),
// and in is valid. It returns the user as it stands, read through c: inside
// a transaction on PostgreSQL the row stays locked until it ends, so that
// writes to one user (its avatar among them, files.Service.SetAvatarOf) run
// one at a time.
func (s *Service) admitUpdate(ctx context.Context, c *ent.Client, v *auth.Viewer, id int, in UpdateInput) (*ent.User, error) {
	if err := policy.ChangeUsers(v); err != nil {
		return nil, err
	}
	q := c.User.Query().Where(user.ID(id))
	if s.Dialect == dialect.Postgres && ent.TxFromContext(ctx) != nil {
		q = q.ForUpdate()
	}
	target, err := q.Only(ctx)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	if err := policy.UpdateUser(v, target, in.change(target)); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.Password != nil && policy.IsSelf(v, target) {
		if err := s.checkCurrentPassword(ctx, target, in.CurrentPassword); err != nil {
			return nil, err
		}
	}
	return target, nil
}

var errCurrentPassword = apperr.Invalidf("current_password", ReasonWrongCurrentPassword,
	"the current password is missing or wrong")

// checkCurrentPassword requires a user changing its own password to give
// its current one, so that a stolen token cannot lock the owner out. Each
// attempt counts against the account's login limit, so the check cannot be
// used to guess the password; a refused one is recorded as signin.failed
// (currentPasswordFailed). A user who has no password yet sets its first
// one without.
func (s *Service) checkCurrentPassword(ctx context.Context, u *ent.User, current *string) error {
	if u.PasswordHash == "" {
		return nil
	}
	if err := s.throttle(ctx, s.storedAccountKey(u)); err != nil {
		if apperr.As(err).Kind == apperr.RateLimited {
			s.currentPasswordFailed(ctx, u, SignInRateLimited, CheckCurrentPassword)
		}
		return err
	}
	if current == nil {
		return errCurrentPassword
	}
	// No stored password is longer than MaxPassword characters: a longer
	// guess is wrong without hashing it.
	// The new password replaces the hash in the same transaction: an
	// imported one needs no upgrade of its own here.
	if utf8.RuneCountInString(*current) > MaxPassword {
		s.currentPasswordFailed(ctx, u, SignInWrongPassword, CheckCurrentPassword)
		return errCurrentPassword
	}
	if ok, _ := passwords.Matches(u.PasswordHash, *current); !ok {
		s.currentPasswordFailed(ctx, u, SignInWrongPassword, CheckCurrentPassword)
		return errCurrentPassword
	}
	return nil
}

var errSudoPassword = apperr.Invalidf("currentPassword", ReasonWrongCurrentPassword,
	"the current password is wrong")

// checkSudoPassword checks the password that lets a new API key outlive the
// credential minting it, under the account's login limit like every
// attempt at the password, and records a refusal as signin.failed
// (currentPasswordFailed). An account without a password has nothing to
// prove a sign-in with: its answer is the wrong password's. It returns
// the hash to store in place of an imported one (matchPassword), for the
// caller's transaction.
func (s *Service) checkSudoPassword(ctx context.Context, u *ent.User, password string) (string, error) {
	if err := s.throttle(ctx, s.storedAccountKey(u)); err != nil {
		if apperr.As(err).Kind == apperr.RateLimited {
			s.currentPasswordFailed(ctx, u, SignInRateLimited, CheckAPIKeyPassword)
		}
		return "", err
	}
	if utf8.RuneCountInString(password) > MaxPassword {
		s.currentPasswordFailed(ctx, u, SignInWrongPassword, CheckAPIKeyPassword)
		return "", errSudoPassword
	}
	ok, upgrade, err := matchPassword(u, password) // "" never matches, after the same hashing work
	if err != nil {
		return "", err
	}
	if !ok {
		s.currentPasswordFailed(ctx, u, signInFailure(u, false), CheckAPIKeyPassword)
		return "", errSudoPassword
	}
	return upgrade, nil
}
