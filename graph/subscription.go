package graph

import (
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// authorizeAuditSubscription is the auditEvents query's rule.
func authorizeAuditSubscription(v *auth.Viewer) error {
	if err := policy.Authenticated(v); err != nil {
		return err
	}
	return nil
}
