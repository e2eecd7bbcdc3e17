package policy

import "userbridge/internal/rules/auth"

// ReadApplications decides whether the viewer may list and read
// applications (OAuth clients): the command line's operator
// (auth.Operator), or an administrator through a first-party credential.
// An application's token never sees them.
func ReadApplications(v *auth.Viewer) error {
	if v.IsOperator() {
		return nil
	}
	if err := OwnCredentials(v); err != nil {
		return err
	}
	if !IsAdmin(v.User) {
		return forbidden(ReasonAdminRequired, "only administrators manage applications")
	}
	return nil
}

// ManageApplications decides whether the viewer may register, change,
// rotate the secret of or delete applications: ReadApplications, and, like
// every write, scope modify. A key narrowed to reading must not be able to
// add a redirect URI to an application users already consented to, which
// would send their codes elsewhere without a consent screen.
func ManageApplications(v *auth.Viewer) error {
	if err := ReadApplications(v); err != nil {
		return err
	}
	return Scope(v, auth.ScopeModify)
}

// OwnAuthorizations decides whether the viewer may list the applications
// its user authorized and revoke one: like its credentials, through a
// first-party credential only (OwnCredentials), so that an application
// cannot see or end the others.
func OwnAuthorizations(v *auth.Viewer) error { return OwnCredentials(v) }
