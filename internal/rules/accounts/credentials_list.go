package accounts

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Credentials returns the credentials of owner, newest first, with their
// application: never a token, which is stored only hashed.
// Returns not found per policy.ListCredentials.
func (s *Service) Credentials(ctx context.Context, v *auth.Viewer, owner *ent.User) ([]*ent.Credential, error) {
	if err := policy.ListCredentials(v, owner); err != nil {
		return nil, err
	}
	cs, err := s.Client.Credential.Query().Where(credential.UserID(owner.ID)).
		WithApplication().Order(ent.Desc(credential.FieldID)).All(ctx)
	return cs, apperr.Classify(err)
}
