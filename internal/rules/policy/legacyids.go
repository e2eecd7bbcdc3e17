package policy

import "userbridge/internal/rules/auth"

// ReadLegacyIDs decides whether the viewer may see a user's ids in the
// legacy dialects (GraphQL User.legacyIds): an administrator reading users,
// through its own credential or an application holding users:read
// (ReadsUsers). They are a migration's bookkeeping, which a manager has no
// need of; the user itself sees its ids in each dialect's own answers.
func ReadLegacyIDs(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if !IsAdmin(v.User) {
		return forbidden(ReasonAdminRequired, "only administrators may read legacy ids")
	}
	if !ReadsUsers(v) {
		return forbidden(ReasonMissingPermission, "reading legacy ids needs users:read")
	}
	return nil
}
