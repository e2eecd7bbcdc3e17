package graph

import "testing"

// TestAccessEvent: the events that can take access away wake every
// connection for a check; the cheap writes' user.changed and what only
// adds do not.
func TestAccessEvent(t *testing.T) {
	for kind, want := range map[string]bool{
		"user.changed": false, "user.created": false, "credential.minted": false, "application.created": false,
		"signin.failed": false, "signin.succeeded": false, "import.finished": false, "": false,
		"user.banned": true, "user.suspended": true, "user.deleted": true, "user.role_changed": true,
		"user.privileges_changed": true, "user.password_changed": true, "user.password_reset": true,
		"credential.revoked": true, "credential.reused": true, "application.changed": true,
		"application.deleted": true, "consent.withdrawn": true, "some.future_kind": true,
	} {
		if got := accessEvent(kind); got != want {
			t.Errorf("accessEvent(%q) = %v, want %v", kind, got, want)
		}
	}
}
