package accounts

import (
	"context"
	"slices"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/authorizationcode"
	"userbridge/ent/consent"
	"userbridge/ent/credential"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// ConsentCovers reports whether the user already approved every one of
// scopes for the application on the consent screen.
func (s *Service) ConsentCovers(ctx context.Context, userID, appID int, scopes []string) (bool, error) {
	c, err := s.Client.Consent.Query().Where(consent.UserID(userID), consent.ApplicationID(appID)).Only(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, apperr.Wrap(err, "reading consent")
	}
	for _, sc := range scopes {
		if !slices.Contains(c.Scopes, sc) {
			return false, nil
		}
	}
	return true, nil
}

// RememberConsent records that the user approved scopes for the
// application, adding them to what it approved before. Two approvals of
// one user racing may keep only one's scopes: the next request asks again.
func (s *Service) RememberConsent(ctx context.Context, userID, appID int, scopes []string) error {
	return withTx(ctx, s.Client, func(tx *ent.Tx) error {
		c, err := tx.Consent.Query().Where(consent.UserID(userID), consent.ApplicationID(appID)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return tx.Consent.Create().SetUserID(userID).SetApplicationID(appID).
				SetScopes(dedupe(scopes)).Exec(ctx)
		case err != nil:
			return err
		}
		return c.Update().SetScopes(dedupe(append(slices.Clone(c.Scopes), scopes...))).Exec(ctx)
	})
}

// AuthorizedApplications lists the applications the viewer's user
// approved on the consent screen, with the scopes approved, most recent
// first. Returns forbidden per policy.OwnAuthorizations.
func (s *Service) AuthorizedApplications(ctx context.Context, v *auth.Viewer) ([]*ent.Consent, error) {
	if err := policy.OwnAuthorizations(v); err != nil {
		return nil, err
	}
	cs, err := s.Client.Consent.Query().Where(consent.UserID(v.User.ID)).WithApplication().
		Order(ent.Desc(consent.FieldUpdatedAt), ent.Desc(consent.FieldID)).All(ctx)
	return cs, apperr.Classify(err)
}

// RevokeApplication ends the viewer's authorization of an application: the
// remembered consent, every token issued to it for the user and its codes
// not yet exchanged, in one transaction. The next sign-in asks again.
// Returns forbidden per policy.OwnAuthorizations, not found when the user
// never authorized that application (or it does not exist).
func (s *Service) RevokeApplication(ctx context.Context, v *auth.Viewer, clientID string) error {
	if err := policy.OwnAuthorizations(v); err != nil {
		return err
	}
	uid := v.User.ID
	return withTx(ctx, s.Client, func(tx *ent.Tx) error {
		app, err := tx.Application.Query().Where(application.ClientID(clientID)).Only(ctx)
		if err != nil {
			return apperr.Classify(err)
		}
		n, err := tx.Consent.Delete().Where(consent.UserID(uid), consent.ApplicationID(app.ID)).Exec(ctx)
		if err != nil {
			return apperr.Wrap(err, "deleting consent")
		}
		if n == 0 {
			return apperr.ErrNotFound
		}
		if _, err := tx.Credential.Update().Where(credential.UserID(uid), credential.ApplicationID(app.ID),
			credential.RevokedAtIsNil()).SetRevokedAt(s.now()).Save(ctx); err != nil {
			return apperr.Wrap(err, "revoking tokens")
		}
		if _, err := tx.AuthorizationCode.Delete().Where(authorizationcode.UserID(uid),
			authorizationcode.ApplicationID(app.ID)).Exec(ctx); err != nil {
			return apperr.Wrap(err, "deleting codes")
		}
		return nil
	})
}
