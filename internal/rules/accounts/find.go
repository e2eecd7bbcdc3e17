package accounts

import (
	"context"
	"strings"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/randid"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/ident"
)

// FindUser returns the user named by ref, an e-mail address or a public
// id, if the viewer may see it (policy.ReadUser, as Get).
// Returns not found (reason unknown_user) when there is no such user or it
// is invisible to the viewer, invalid when ref is neither.
func (s *Service) FindUser(ctx context.Context, v *auth.Viewer, ref string) (*ent.User, error) {
	var where = user.PublicID(ref)
	switch {
	case strings.Contains(ref, "@"):
		key, ok := ident.LookupKey(ref)
		if !ok {
			return nil, apperr.Invalidf("user", "invalid_email", "%q is not a valid e-mail address", ref)
		}
		where = user.EmailKey(key)
	case !randid.ValidPublicID(ref):
		return nil, apperr.Invalidf("user", "invalid_user", "%q is neither an e-mail address nor a public id", ref)
	}
	u, err := s.Client.User.Query().Where(where).Only(ctx)
	if err != nil {
		return nil, unknown(err, "unknown_user", "no user "+ref)
	}
	if _, err := s.Get(ctx, v, u.ID); err != nil {
		return nil, unknown(err, "unknown_user", "no user "+ref)
	}
	return u, nil
}

// unknown turns a not-found err into one with reason and msg, so that a
// caller naming several things (a user and an application) can tell which
// one is missing; other errors are classified as usual.
func unknown(err error, reason, msg string) error {
	err = apperr.Classify(err)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.NotFound, reason, msg)
	}
	return err
}
