package accounts

import (
	"context"
	"slices"
	"strings"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/auditevent"
	"userbridge/ent/authorizationcode"
	"userbridge/ent/consent"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
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
		held := dedupe(scopes)
		switch {
		case ent.IsNotFound(err):
			err = tx.Consent.Create().SetUserID(userID).SetApplicationID(appID).SetScopes(held).Exec(ctx)
		case err == nil:
			held = dedupe(append(slices.Clone(c.Scopes), scopes...))
			err = c.Update().SetScopes(held).Exec(ctx)
		}
		if err != nil {
			return err
		}
		return consentEvent(ctx, tx, auditlog.ConsentGiven, userID, appID, scopes, held)
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
		return consentEvent(ctx, tx, auditlog.ConsentWithdrawn, uid, app.ID, nil, nil)
	})
}

// consentEvent records, in tx, that user userID gave (approved: the scopes
// approved, held: all it now holds) or withdrew its consent to application
// appID. The user acts, whether signed in on the screens (no credential)
// or through a token; the target is the consent, named by the
// application's client id.
func consentEvent(ctx context.Context, tx *ent.Tx, kind auditlog.Kind, userID, appID int, approved, held []string) error {
	pub, err := tx.User.Query().Where(user.ID(userID)).Select(user.FieldPublicID).String(ctx)
	if err != nil {
		return apperr.Wrap(err, "reading the consent's user")
	}
	cid, err := tx.Application.Query().Where(application.ID(appID)).Select(application.FieldClientID).String(ctx)
	if err != nil {
		return apperr.Wrap(err, "reading the consent's application")
	}
	actor := auditlog.ActorOf(ctx)
	if actor.User != pub {
		actor = auditlog.Actor{Kind: auditevent.ActorKindUser, User: pub}
	}
	e := auditlog.Event{Kind: kind, Actor: &actor, Target: auditlog.Target{Type: auditlog.TargetConsent, ID: cid},
		Details: map[string]string{"user": pub, "application": cid}}
	if approved != nil {
		e.Details["scopes"] = strings.Join(dedupe(approved), " ")
		e.Details["held"] = strings.Join(held, " ")
	}
	return auditlog.Record(ctx, tx, e)
}
