package policy

import "userbridge/auth"

// ManageApplications decides whether the viewer may list, register, change,
// rotate the secret of or delete applications (OAuth clients): the command
// line's operator (auth.Operator), or an administrator through a first-party
// credential. An application's token never manages applications: it could
// widen its own scopes or redirect URIs.
func ManageApplications(v *auth.Viewer) error {
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

// OwnAuthorizations decides whether the viewer may list the applications
// its user authorized and revoke one: like its credentials, through a
// first-party credential only (OwnCredentials), so that an application
// cannot see or end the others.
func OwnAuthorizations(v *auth.Viewer) error { return OwnCredentials(v) }
