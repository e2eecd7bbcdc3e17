package accounts

import (
	"context"
	"slices"
	"time"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/policy"
)

// CreateAPIKey issues a first-party API key for the viewer's own user, with
// the given scopes (by default the scopes of the credential minting it) and
// an optional lifetime (nil: it never expires).
// Returns forbidden per policy.MintAPIKey (an application's token cannot
// mint keys, nor any credential a scope it does not hold), and invalid for
// an unknown scope or a lifetime that is not positive.
func (s *Service) CreateAPIKey(ctx context.Context, v *auth.Viewer, scopes []string, ttl *time.Duration) (string, *ent.Credential, error) {
	if err := policy.OwnCredentials(v); err != nil {
		return "", nil, err
	}
	if ttl != nil && *ttl <= 0 {
		return "", nil, apperr.Invalidf("expiresInSeconds", ReasonInvalidLifetime, "the lifetime must be positive")
	}
	if len(scopes) == 0 {
		scopes = v.Scopes
	}
	if err := checkScopes(scopes); err != nil {
		return "", nil, err
	}
	if err := policy.MintAPIKey(v, scopes); err != nil {
		return "", nil, err
	}
	var lifetime time.Duration
	if ttl != nil {
		lifetime = *ttl
	}
	return s.issue(ctx, s.Client, v.User.ID, nil, credential.KindAPIKey, dedupe(scopes), true, lifetime)
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

func (s *Service) issue(ctx context.Context, c *ent.Client, userID int, appID *int, kind credential.Kind,
	scopes []string, consented bool, ttl time.Duration) (string, *ent.Credential, error) {
	token, hash := auth.NewToken(kind)
	m := c.Credential.Create().SetTokenHash(hash).SetKind(kind).SetUserID(userID).
		SetNillableApplicationID(appID).SetScopes(slices.Clone(scopes)).SetConsented(consented)
	if ttl > 0 {
		m.SetExpiresAt(s.now().Add(ttl))
	}
	cred, err := m.Save(ctx)
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
