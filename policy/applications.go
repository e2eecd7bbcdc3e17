package policy

import (
	"userbridge/apperr"
	"userbridge/auth"
)

// ManageApplications decides whether the viewer may list, read, register,
// rotate the secret of or delete applications: only the command line's
// operator (auth.Operator). No credential over HTTP manages applications,
// so to every other viewer they are not found.
func ManageApplications(v *auth.Viewer) error {
	if v.IsOperator() {
		return nil
	}
	if err := Authenticated(v); err != nil {
		return err
	}
	return apperr.ErrNotFound
}
