package graph

import (
	"context"

	"userbridge/auth"
	"userbridge/policy"
)

// guarded returns value when the viewer's scopes let it see field, else null
// with the FORBIDDEN error that says which scope is missing.
func guarded(ctx context.Context, field, value string) (*string, error) {
	if err := policy.ReadField(auth.FromContext(ctx), field); err != nil {
		return nil, err
	}
	return &value, nil
}
