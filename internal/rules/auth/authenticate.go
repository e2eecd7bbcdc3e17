package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/store/db"
)

// Reasons of the authentication errors, for the dialects that tell them apart.
const (
	ReasonMissing          = "missing_authorization"
	ReasonHeaderType       = "invalid_authorization_header_type"
	ReasonHeaderValue      = "invalid_authorization_header_value"
	ReasonInvalidToken     = "invalid_token"
	ReasonAccountSuspended = "account_suspended"
	ReasonAccountBanned    = "account_banned"
)

// lastUsedGranularity bounds how often a credential's last use is written:
// reads should not queue behind a write on every request.
const lastUsedGranularity = time.Minute

// Authenticator resolves Authorization headers against the store.
type Authenticator struct {
	Client *ent.Client
	Now    func() time.Time
	// SecretLimiter counts Basic attempts at an application whose secret
	// hash is still an imported one (bcrypt and the like): each costs that
	// slow hash, and the client id is public. Nil: not counted.
	SecretLimiter ratelimit.Limiter
}

// Authenticate returns the viewer an Authorization header names, or nil and
// no error when the header is empty (anonymous).
//
// Returns unauthenticated (with one of the Reason* codes) when the header is
// of an unknown type or malformed, or names an unknown, expired or revoked
// credential, or one whose user is banned or suspended; unavailable when
// the database cannot be reached to tell.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (*Viewer, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return nil, nil
	}
	scheme, value, ok := strings.Cut(header, " ")
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if !ok || !wellFormedToken(value) {
			return nil, unauthenticated(ReasonHeaderValue, "malformed bearer token")
		}
		return a.bearer(ctx, value)
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(value)
		id, secret, found := strings.Cut(string(raw), ":")
		if !ok || err != nil || !found || id == "" || secret == "" {
			return nil, unauthenticated(ReasonHeaderValue, "malformed basic credentials")
		}
		return a.basic(ctx, id, secret)
	}
	return nil, unauthenticated(ReasonHeaderType, "unsupported authorization type")
}

// lookupFailed classifies a lookup that failed for another reason than
// "no such credential": a database that cannot be reached is unavailable
// (503, the client keeps its token and retries), never unauthenticated;
// anything else is internal.
func lookupFailed(err error, msg string) error {
	if db.Unreachable(err) {
		return apperr.Unreachable(err)
	}
	return apperr.Wrap(err, msg)
}

func unauthenticated(reason, msg string) error {
	return apperr.New(apperr.Unauthenticated, reason, msg)
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Authenticator) bearer(ctx context.Context, token string) (*Viewer, error) {
	hash := HashSecret(token)
	c, err := a.Client.Credential.QueryByTokenHash(ctx, hash)
	switch {
	case ent.IsNotFound(err):
		return nil, unauthenticated(ReasonInvalidToken, "invalid token")
	case err != nil:
		return nil, lookupFailed(err, "looking up credential")
	}
	if !SecretMatches(token, c.TokenHash) {
		return nil, unauthenticated(ReasonInvalidToken, "invalid token")
	}
	now := a.now()
	// A refresh token is exchanged at /oauth/token, never presented.
	if c.Kind == credential.KindRefreshToken || c.RevokedAt != nil || (c.ExpiresAt != nil && !now.Before(*c.ExpiresAt)) {
		return nil, unauthenticated(ReasonInvalidToken, "invalid token")
	}
	if c.UserID != nil && c.Edges.User == nil {
		return nil, unauthenticated(ReasonInvalidToken, "invalid token")
	}
	if u := c.Edges.User; u != nil {
		if err := usable(u); err != nil {
			return nil, err
		}
	}
	a.touch(ctx, c, now)
	// A credential carries exactly the scopes stored on it: a narrowed API
	// key stays narrow. First-party credentials made without a list are
	// stored with every scope (package accounts), and count as consented.
	v := &Viewer{User: c.Edges.User, App: c.Edges.Application, Credential: c,
		Scopes: c.Scopes, Consented: c.Consented || c.Edges.Application == nil}
	return v, nil
}

// usable refuses users who may not act at all.
func usable(u *ent.User) error {
	switch u.Status {
	case user.StatusSuspended:
		return unauthenticated(ReasonAccountSuspended, "account suspended")
	case user.StatusBanned:
		return unauthenticated(ReasonAccountBanned, "account banned")
	}
	return nil
}

func (a *Authenticator) basic(ctx context.Context, clientID, secret string) (*Viewer, error) {
	app, err := a.Client.Application.Query().Where(application.ClientID(clientID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		SecretMatches(secret, "") // same work as a wrong secret
		return nil, unauthenticated(ReasonInvalidToken, "invalid application credentials")
	case err != nil:
		return nil, lookupFailed(err, "looking up application")
	}
	if err := a.throttleImported(ctx, app); err != nil {
		return nil, err
	}
	ok, restore := MatchSecret(app.SecretHash, secret)
	if !ok {
		return nil, unauthenticated(ReasonInvalidToken, "invalid application credentials")
	}
	// A failure to restore leaves the imported hash, checked again at the
	// next authentication: it must not fail this one.
	if restore != "" && RestoreSecret(ctx, a.Client, app.SecretHash, restore) == nil {
		app.SecretHash = restore
	}
	return &Viewer{App: app, Scopes: AppOnlyScopes}, nil
}

// throttleImported refuses a Basic attempt that ThrottleImportedSecret
// limits like a wrong secret, so every REST and GraphQL transport answers
// in the shape it already has for one (no 429 spelling per dialect).
func (a *Authenticator) throttleImported(ctx context.Context, app *ent.Application) error {
	err := a.ThrottleImportedSecret(ctx, app.SecretHash)
	if _, ok := errors.AsType[*SecretGuessesLimited](err); ok {
		return unauthenticated(ReasonInvalidToken, "invalid application credentials")
	}
	return err
}

// SecretGuessesLimited refuses an attempt at an imported application
// secret past SecretLimiter's bucket, before the slow hash is computed.
type SecretGuessesLimited struct {
	RetryAfter time.Duration // until the bucket admits one more attempt
}

func (e *SecretGuessesLimited) Error() string {
	return "too many attempts at this application's secret"
}

// ThrottleImportedSecret counts an attempt at an application whose secret
// hash (secretHash, as stored) is an imported one, before that hash is
// computed, whatever its outcome (like a login attempt); past the limit it
// returns *SecretGuessesLimited, and the caller refuses the attempt
// without computing the hash, even with the right secret. Every path that
// checks an application's secret calls it: Basic here, and the OAuth
// token, revocation and introspection endpoints' client authentication
// (package oauth), so they spend one bucket.
//
// One bucket per imported hash (which names one application: it is
// salted) and client address (reqinfo.LimitKey), so guesses from
// elsewhere cannot lock the application itself out before its first
// success restores a native hash, after which nothing is counted here
// (SHA-256 costs no more than a token lookup). The key carries the
// hash's SHA-256, never the hash: whoever lists Redis's keys learns
// nothing to attack offline.
func (a *Authenticator) ThrottleImportedSecret(ctx context.Context, secretHash string) error {
	if a == nil || a.SecretLimiter == nil || !strings.HasPrefix(secretHash, "$") {
		return nil
	}
	key := "appsecret:" + HashSecret(secretHash)[:32] + ":" + reqinfo.LimitKey(reqinfo.ClientAddr(ctx))
	res, err := a.SecretLimiter.Allow(ctx, key)
	if err != nil {
		return apperr.Wrap(err, "rate limiter")
	}
	if !res.Allowed {
		return &SecretGuessesLimited{RetryAfter: res.RetryAfter}
	}
	return nil
}

// touch records the credential's last use, at most once a minute. A failure
// here must not fail the request.
func (a *Authenticator) touch(ctx context.Context, c *ent.Credential, now time.Time) {
	if c.LastUsedAt != nil && now.Sub(*c.LastUsedAt) < lastUsedGranularity {
		return
	}
	_ = a.Client.Credential.UpdateOneID(c.ID).SetLastUsedAt(now.UTC()).Exec(ctx)
}
