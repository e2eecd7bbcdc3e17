package oauth

import (
	"context"
	"strings"
	"time"

	"github.com/ory/fosite"

	"userbridge/ent/credential"
	"userbridge/internal/randid"
	"userbridge/internal/rules/auth"
)

// codePrefix marks authorization codes, like uba_ and ubr_ mark tokens.
const codePrefix = "ubc_"

// strategy makes fosite issue the service's own credentials: opaque uba_
// access tokens and ubr_ refresh tokens (auth.NewToken) whose signature,
// the key fosite stores them under, is the SHA-256 every dialect's
// authentication looks up (auth.HashSecret). Expiry lives in the session.
type strategy struct{ now func() time.Time }

func (s strategy) validate(r fosite.Requester, tt fosite.TokenType, prefix, token string) error {
	if !strings.HasPrefix(token, prefix) {
		return fosite.ErrInvalidTokenFormat
	}
	exp := r.GetSession().GetExpiresAt(tt)
	if !exp.IsZero() && !s.now().Before(exp) {
		return fosite.ErrTokenExpired.WithHintf("%s expired at %s.", tt, exp.UTC().Format(time.RFC3339))
	}
	return nil
}

func (strategy) AccessTokenSignature(_ context.Context, token string) string {
	return auth.HashSecret(token)
}

func (strategy) GenerateAccessToken(context.Context, fosite.Requester) (string, string, error) {
	t, h := auth.NewToken(credential.KindAccessToken)
	return t, h, nil
}

func (s strategy) ValidateAccessToken(_ context.Context, r fosite.Requester, token string) error {
	return s.validate(r, fosite.AccessToken, "uba_", token)
}

func (strategy) RefreshTokenSignature(_ context.Context, token string) string {
	return auth.HashSecret(token)
}

func (strategy) GenerateRefreshToken(context.Context, fosite.Requester) (string, string, error) {
	t, h := auth.NewToken(credential.KindRefreshToken)
	return t, h, nil
}

func (s strategy) ValidateRefreshToken(_ context.Context, r fosite.Requester, token string) error {
	return s.validate(r, fosite.RefreshToken, "ubr_", token)
}

func (strategy) AuthorizeCodeSignature(_ context.Context, code string) string {
	return auth.HashSecret(code)
}

func (strategy) GenerateAuthorizeCode(context.Context, fosite.Requester) (string, string, error) {
	c := codePrefix + randid.String(auth.TokenBodyLen)
	return c, auth.HashSecret(c), nil
}

// ValidateAuthorizeCode: an expired code is invalid_grant (RFC 6749
// section 5.2), where fosite would answer invalid_request.
func (s strategy) ValidateAuthorizeCode(_ context.Context, r fosite.Requester, code string) error {
	if err := s.validate(r, fosite.AuthorizeCode, codePrefix, code); err != nil {
		return fosite.ErrInvalidGrant.WithHint("The authorization code expired.").WithWrap(err)
	}
	return nil
}

// secretHasher compares client secrets the way Basic id:secret does
// (auth.MatchSecret): SHA-256, in constant time; an imported secret hash
// with its own algorithm, once, then restored as a SHA-256 through the
// store (in fosite's transaction when there is one). Attempts at an
// imported hash spend the bucket Basic spends (auth.ThrottleImportedSecret)
// before the slow hash is computed; fosite calls Compare for the token,
// revocation and introspection endpoints alike, so all three count.
type secretHasher struct {
	store *store
	auth  *auth.Authenticator // nil: attempts not counted
}

func (h secretHasher) Compare(ctx context.Context, hash, data []byte) error {
	if len(hash) == 0 {
		return fosite.ErrInvalidClient
	}
	// The endpoints answer 429 for the note (writeLimited); fosite
	// answers 401 for the error.
	if err := h.auth.ThrottleImportedSecret(ctx, string(hash)); err != nil {
		noteLimited(ctx, err)
		return err
	}
	ok, restore := auth.MatchSecret(string(hash), string(data))
	if !ok {
		return fosite.ErrInvalidClient
	}
	// A failure to restore leaves the imported hash, checked again at
	// the next authentication: it must not fail this one.
	if restore != "" && h.store != nil {
		_ = auth.RestoreSecret(ctx, h.store.db(ctx), string(hash), restore)
	}
	return nil
}

func (secretHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	return []byte(auth.HashSecret(string(data))), nil
}
