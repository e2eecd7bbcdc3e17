package accounts

import (
	"context"
	"slices"
	"time"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/policy"
)

// DefaultMaxAPIKeyTTL is the longest an API key made by CreateAPIKey lives
// unless Service.MaxAPIKeyTTL says otherwise: a year, so that a forgotten
// key does not stay valid forever.
const DefaultMaxAPIKeyTTL = 365 * 24 * time.Hour

// APIKeyInput is a request for an API key of the viewer's own.
type APIKeyInput struct {
	// Scopes of the key; empty: those of the credential minting it.
	Scopes []string
	// TTL is the lifetime asked for; nil: as long as allowed.
	TTL *time.Duration
	// CurrentPassword, when given, proves a fresh sign-in (as GitHub's sudo
	// mode): the key may then outlive the credential minting it.
	CurrentPassword *string
}

// CreateAPIKey issues a first-party API key for the viewer's own user, with
// the given scopes (by default the scopes of the credential minting it).
//
// A key never outlives the credential that mints it: it expires at the
// earliest of the lifetime asked for, the minting credential's expiry and
// the longest lifetime allowed (MaxAPIKeyTTL); a stolen one-hour token
// cannot mint itself a key that lasts. With the account's current password
// (checked under the account's login limit) the minting credential's
// expiry no longer applies, the maximum still does. The credential
// returned carries the expiry chosen.
//
// Returns forbidden per policy.MintAPIKey (an application's token cannot
// mint keys, nor any credential a scope it does not hold), invalid for an
// unknown scope, a lifetime that is not positive, or a current password
// that is wrong (or given for an account without one), rate limited past
// the account's login limit, and unauthenticated when the user was banned
// or suspended since the request authenticated (lockActive).
func (s *Service) CreateAPIKey(ctx context.Context, v *auth.Viewer, in APIKeyInput) (string, *ent.Credential, error) {
	if err := policy.OwnCredentials(v); err != nil {
		return "", nil, err
	}
	if in.TTL != nil && *in.TTL <= 0 {
		return "", nil, apperr.Invalidf("expiresInSeconds", ReasonInvalidLifetime, "the lifetime must be positive")
	}
	scopes := in.Scopes
	if len(scopes) == 0 {
		scopes = v.Scopes
	}
	if err := checkScopes(scopes); err != nil {
		return "", nil, err
	}
	if err := policy.MintAPIKey(v, scopes); err != nil {
		return "", nil, err
	}
	now := s.now()
	expires := now.Add(s.maxAPIKeyTTL())
	if in.TTL != nil && *in.TTL < s.maxAPIKeyTTL() {
		expires = now.Add(*in.TTL)
	}
	upgrade := ""
	if in.CurrentPassword != nil {
		var err error
		if upgrade, err = s.checkSudoPassword(ctx, v.User, *in.CurrentPassword); err != nil {
			return "", nil, err
		}
	} else if parent := v.Credential; parent != nil && parent.ExpiresAt != nil && parent.ExpiresAt.Before(expires) {
		expires = parent.ExpiresAt.UTC()
	}
	var token string
	var cred *ent.Credential
	err := withTx(ctx, s.Client, func(tx *ent.Tx) error {
		if err := s.lockActive(ctx, tx.Client(), v.User.ID); err != nil {
			return err
		}
		if err := upgradePassword(ctx, tx.Client(), v.User, upgrade); err != nil {
			return err
		}
		var err error
		token, cred, err = s.issueUntil(ctx, tx.Client(), v.User.ID, nil, credential.KindAPIKey, dedupe(scopes), true, &expires)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, cred, nil
}

// lockActive reads user id through c, a transaction's client, locking its
// row on PostgreSQL until the transaction ends, and refuses a user who is
// no longer active (unauthenticated, as authentication would have said).
// A credential minted after it in the same transaction cannot outlive a
// ban: a ban committed since the request authenticated is seen here, and
// one coming later waits for the row, then revokes the new credential with
// the others (Ban). On SQLite the one writer runs the two one at a time.
func (s *Service) lockActive(ctx context.Context, c *ent.Client, id int) error {
	q := c.User.Query().Where(user.ID(id))
	if s.Dialect == dialect.Postgres {
		q = q.ForUpdate()
	}
	u, err := q.Only(ctx)
	if err != nil {
		return apperr.Classify(err)
	}
	switch u.Status {
	case user.StatusBanned:
		return apperr.New(apperr.Unauthenticated, auth.ReasonAccountBanned, "account banned")
	case user.StatusSuspended:
		return apperr.New(apperr.Unauthenticated, auth.ReasonAccountSuspended, "account suspended")
	}
	return nil
}

// maxAPIKeyTTL is MaxAPIKeyTTL, or its default when unset.
func (s *Service) maxAPIKeyTTL() time.Duration {
	if s.MaxAPIKeyTTL > 0 {
		return s.MaxAPIKeyTTL
	}
	return DefaultMaxAPIKeyTTL
}

// dedupe returns scopes without repeats, in their first order.
func dedupe(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// IssueInput is the CLI's request for a token: for a user (by e-mail),
// optionally issued to an application with chosen scopes.
type IssueInput struct {
	UserEmail string
	AppID     string // application client id; empty: first-party
	Scopes    []string
	Consent   bool
	TTL       time.Duration
}

// Issue mints a token without a viewer (administration CLI). First-party
// tokens carry every scope and count as consented; tokens issued to an
// application carry only the scopes given.
// Returns not found for an unknown user (reason unknown_user) or
// application (unknown_application), invalid for an unknown scope or a
// negative lifetime.
func (s *Service) Issue(ctx context.Context, in IssueInput) (string, *ent.Credential, error) {
	key, ok := ident.LookupKey(in.UserEmail)
	if !ok {
		return "", nil, apperr.Invalidf("email", ReasonInvalidEmail, "email must be a valid e-mail address")
	}
	u, err := s.Client.User.Query().Where(user.EmailKey(key)).Only(ctx)
	if err != nil {
		return "", nil, unknown(err, "unknown_user", "no user with e-mail "+in.UserEmail)
	}
	if in.TTL < 0 {
		return "", nil, apperr.Invalidf("ttl", "invalid_lifetime", "the lifetime must be positive")
	}
	if err := checkScopes(in.Scopes); err != nil {
		return "", nil, err
	}
	if in.AppID == "" {
		scopes := in.Scopes
		if len(scopes) == 0 {
			scopes = auth.AllScopes
		}
		return s.issue(ctx, s.Client, u.ID, nil, credential.KindAPIKey, scopes, true, in.TTL)
	}
	app, err := s.Client.Application.Query().Where(application.ClientID(in.AppID)).Only(ctx)
	if err != nil {
		return "", nil, unknown(err, "unknown_application", "no application with client id "+in.AppID)
	}
	scopes := in.Scopes
	if len(scopes) == 0 {
		scopes = []string{auth.ScopeIdentity}
	}
	return s.issue(ctx, s.Client, u.ID, &app.ID, credential.KindAccessToken, scopes, in.Consent, in.TTL)
}

// issue stores a new credential living ttl (0: forever).
func (s *Service) issue(ctx context.Context, c *ent.Client, userID int, appID *int, kind credential.Kind,
	scopes []string, consented bool, ttl time.Duration) (string, *ent.Credential, error) {
	var expires *time.Time
	if ttl > 0 {
		expires = new(s.now().Add(ttl))
	}
	return s.issueUntil(ctx, c, userID, appID, kind, scopes, consented, expires)
}

// issueUntil stores a new credential expiring at expires (nil: never).
func (s *Service) issueUntil(ctx context.Context, c *ent.Client, userID int, appID *int, kind credential.Kind,
	scopes []string, consented bool, expires *time.Time) (string, *ent.Credential, error) {
	token, hash := auth.NewToken(kind)
	cred, err := c.Credential.Create().SetTokenHash(hash).SetKind(kind).SetUserID(userID).
		SetNillableApplicationID(appID).SetScopes(slices.Clone(scopes)).SetConsented(consented).
		SetNillableExpiresAt(expires).Save(ctx)
	if err != nil {
		return "", nil, apperr.Wrap(err, "storing credential")
	}
	return token, cred, nil
}

// Revoke ends a credential: one of the viewer's own user through a
// first-party credential, or another user's per policy.RevokeCredential (an
// administrator's need an administrator).
// Returns not found when the credential is invisible to the viewer,
// forbidden per policy.RevokeCredential.
func (s *Service) Revoke(ctx context.Context, v *auth.Viewer, id int) (*ent.Credential, error) {
	if err := policy.HasUser(v); err != nil {
		return nil, err
	}
	c, err := s.Client.Credential.Query().Where(credential.ID(id)).WithUser().Only(ctx)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	if err := policy.RevokeCredential(v, c, c.Edges.User); err != nil {
		return nil, err
	}
	if c.RevokedAt != nil {
		return c, nil
	}
	c, err = s.Client.Credential.UpdateOne(c).SetRevokedAt(s.now()).Save(ctx)
	return c, apperr.Classify(err)
}
