package accounts

import (
	"context"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// ReasonCannotSignIn is the reason of the invalid error refusing an
// application that could never sign anyone in.
const ReasonCannotSignIn = "cannot_sign_in"

// CheckSignIn refuses an application that could never sign anyone in: a
// public client without a redirect URI (it has no other grant than the
// code flow, which ends at one), or a client with redirect URIs (a
// code-flow client) without a scope its consent screen may ask for (every
// authorization request would be refused). A confidential client without
// redirect URIs is a server acting alone (client credentials, the legacy
// dialects' Basic authentication) and needs neither.
// Returns invalid naming the field at fault (redirectUris, scopes).
func CheckSignIn(in AppInput) error {
	if in.Public && len(in.RedirectURIs) == 0 {
		return apperr.Invalidf("redirectUris", ReasonCannotSignIn,
			"a public client signs people in only through the code flow, which needs a redirect URI to come back to")
	}
	if len(in.RedirectURIs) > 0 && len(in.Scopes) == 0 {
		return apperr.Invalidf("scopes", ReasonCannotSignIn,
			"an application signing people in needs at least one scope its consent screen may ask for (identity for who they are)")
	}
	return nil
}

// AppChange is a partial change of an application: nil fields keep what
// is registered, an empty list clears one. Whether it is public stays (a
// client changing kind is a new client), as does its secret (RotateSecret).
type AppChange struct {
	Name                   *string
	Verified               *bool
	Permissions            *[]string
	RedirectURIs           *[]string
	Scopes                 *[]string
	PostLogoutRedirectURIs *[]string
	AllowedOrigins         *[]string
}

// apply returns what the application becomes under ch.
func (ch AppChange) apply(app *ent.Application) AppInput {
	in := AppInput{Name: app.Name, Verified: app.Verified, Permissions: app.Permissions, Public: app.Public,
		RedirectURIs: app.RedirectUris, Scopes: app.Scopes,
		PostLogoutRedirectURIs: app.PostLogoutRedirectUris, AllowedOrigins: app.AllowedOrigins}
	set := func(dst *[]string, src *[]string) {
		if src != nil {
			*dst = *src
		}
	}
	if ch.Name != nil {
		in.Name = *ch.Name
	}
	if ch.Verified != nil {
		in.Verified = *ch.Verified
	}
	set(&in.Permissions, ch.Permissions)
	set(&in.RedirectURIs, ch.RedirectURIs)
	set(&in.Scopes, ch.Scopes)
	set(&in.PostLogoutRedirectURIs, ch.PostLogoutRedirectURIs)
	set(&in.AllowedOrigins, ch.AllowedOrigins)
	return in
}

// ChangeApplication applies a partial change to the application of
// clientID, read and written in one transaction (on PostgreSQL the row
// stays locked in between), with the rules of CheckAppInput; a change of
// its redirect URIs or scopes must leave it able to sign people in
// (CheckSignIn: an application registered before that rule keeps working
// until one of them changes). Tokens already issued keep their scopes
// until they expire or are revoked.
// Returns forbidden per policy.ManageApplications, not found (reason
// unknown_application), invalid naming the field at fault.
func (s *Service) ChangeApplication(ctx context.Context, v *auth.Viewer, clientID string, ch AppChange) (*ent.Application, error) {
	if err := policy.ManageApplications(v); err != nil {
		return nil, err
	}
	var out *ent.Application
	err := withTx(ctx, s.Client, func(tx *ent.Tx) error {
		q := tx.Application.Query().Where(application.ClientID(clientID))
		if s.Dialect == dialect.Postgres {
			q = q.ForUpdate()
		}
		app, err := q.Only(ctx)
		if err != nil {
			return unknown(err, "unknown_application", "no application with client id "+clientID)
		}
		in := ch.apply(app)
		if err := CheckAppInput(in); err != nil {
			return err
		}
		if ch.RedirectURIs != nil || ch.Scopes != nil {
			if err := CheckSignIn(in); err != nil {
				return err
			}
		}
		out, err = tx.Application.UpdateOne(app).SetName(in.Name).SetVerified(in.Verified).
			SetPermissions(dedupe(in.Permissions)).SetRedirectUris(dedupe(in.RedirectURIs)).SetScopes(dedupe(in.Scopes)).
			SetPostLogoutRedirectUris(dedupe(in.PostLogoutRedirectURIs)).
			SetAllowedOrigins(normalizeOrigins(in.AllowedOrigins)).Save(ctx)
		return apperr.Classify(err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
