package policy

import (
	"slices"

	"userbridge/internal/rules/auth"
)

// ReadAuditEvents decides whether the viewer may read the audit trail:
// the command line's operator, or an administrator through a first-party
// credential carrying every scope. The trail tells who did what to
// everyone, more than any one scope covers, so a key narrowed to some
// scopes is refused as an application's token is.
func ReadAuditEvents(v *auth.Viewer) error {
	if err := ReadApplications(v); err != nil {
		if v != nil && !v.IsOperator() && v.User != nil && !IsAdmin(v.User) {
			return forbidden(ReasonAdminRequired, "only administrators read the audit trail")
		}
		return err
	}
	if v.IsOperator() {
		return nil
	}
	for _, s := range auth.AllScopes {
		if !slices.Contains(v.Scopes, s) {
			return forbidden(ReasonMissingScope, "the audit trail needs a credential with every scope; this one lacks "+s)
		}
	}
	return nil
}
