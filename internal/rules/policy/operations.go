package policy

import "userbridge/internal/rules/auth"

// ReadMetrics decides whether the viewer may read /metrics on the service's
// main address: a first-party credential of an administrator, whatever its
// scopes. The figures name GraphQL operations and routes and tell how busy
// the service is, which is an operator's business, not a user's or an
// application's; with METRICS_ADDR the endpoint moves to an address of its
// own, meant for a private network, and this check does not apply there.
func ReadMetrics(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if !v.FirstParty() {
		return forbidden(ReasonFirstParty, "metrics are read with an administrator's own credential")
	}
	if !IsAdmin(v.User) {
		return forbidden(ReasonAdminRequired, "only administrators may read metrics")
	}
	return nil
}
