package accounts

import (
	"context"

	"userbridge/apperr"
	"userbridge/auth"
	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/policy"
)

// Applications returns every registered application, oldest first.
// Returns not found per policy.ManageApplications.
func (s *Service) Applications(ctx context.Context, v *auth.Viewer) ([]*ent.Application, error) {
	if err := policy.ManageApplications(v); err != nil {
		return nil, err
	}
	apps, err := s.Client.Application.Query().Order(ent.Asc(application.FieldID)).All(ctx)
	return apps, apperr.Classify(err)
}

// Application returns the application of clientID.
// Returns not found (reason unknown_application) when there is none or per
// policy.ManageApplications.
func (s *Service) Application(ctx context.Context, v *auth.Viewer, clientID string) (*ent.Application, error) {
	if err := policy.ManageApplications(v); err != nil {
		return nil, err
	}
	app, err := s.Client.Application.Query().Where(application.ClientID(clientID)).Only(ctx)
	if err != nil {
		return nil, unknown(err, "unknown_application", "no application with client id "+clientID)
	}
	return app, nil
}

// RotateSecret gives the application of clientID a new secret, returned
// once and stored hashed; the old one stops working at once. Tokens already
// issued to the application stay valid: revoke them (or delete the
// application) when they leaked too.
// Returns not found as Application.
func (s *Service) RotateSecret(ctx context.Context, v *auth.Viewer, clientID string) (*ent.Application, string, error) {
	app, err := s.Application(ctx, v, clientID)
	if err != nil {
		return nil, "", err
	}
	secret, hash := auth.NewAppSecret()
	app, err = s.Client.Application.UpdateOne(app).SetSecretHash(hash).Save(ctx)
	if err != nil {
		return nil, "", apperr.Classify(err)
	}
	return app, secret, nil
}

// DeleteApp removes the application of clientID and every credential
// issued to it, in one transaction: its users' tokens stop working.
// Returns not found as Application.
func (s *Service) DeleteApp(ctx context.Context, v *auth.Viewer, clientID string) error {
	app, err := s.Application(ctx, v, clientID)
	if err != nil {
		return err
	}
	return withTx(ctx, s.Client, func(tx *ent.Tx) error {
		if _, err := tx.Credential.Delete().Where(credential.ApplicationID(app.ID)).Exec(ctx); err != nil {
			return apperr.Wrap(err, "deleting the application's credentials")
		}
		if err := tx.Application.DeleteOneID(app.ID).Exec(ctx); err != nil {
			return apperr.Classify(err)
		}
		return nil
	})
}
