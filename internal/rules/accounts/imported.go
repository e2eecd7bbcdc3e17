package accounts

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/rules/ident"
)

// The importer writes users without a viewer (the operator is trusted) but
// under the same rules as every other writer: these expose them.

// ValidateImport checks an imported person's fields as Create does (a
// password is never given: imports carry hashes). A banned status is
// allowed: the source may have banned the person.
func ValidateImport(in CreateInput) error {
	in.Password = nil
	if in.Status != nil && *in.Status == user.StatusBanned {
		in.Status = nil
	}
	return in.validate()
}

// CheckUnique is checkUnique for the importer: the first of e-mail,
// username and login (nil: not checked) held by a user other than self.
func CheckUnique(ctx context.Context, c *ent.Client, self int, email, username, login *string) error {
	return checkUnique(ctx, c, self, email, username, login)
}

// FreeUsername derives the username Create would give a person without
// one, from their login (or e-mail).
func (s *Service) FreeUsername(ctx context.Context, c *ent.Client, email string, login *string) (string, error) {
	key := ident.Key(email)
	if login != nil {
		key = ident.Key(*login)
	}
	return s.username(ctx, c, CreateInput{Email: email, Login: login}, key)
}

// CheckScopes refuses a scope that does not exist.
func CheckScopes(scopes []string) error { return checkScopes(scopes) }

// ClassifyWrite turns a unique-index violation into the conflict the
// checks would have given.
func ClassifyWrite(err error) error { return classifyWrite(err) }
