package routing

import (
	"net/http"

	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Viewer is who asks: the credential the request's Authorization header
// names, resolved once per request (auth.Resolve). Returns
// unauthenticated, in apperr's vocabulary for the dialect to spell, when
// the header is missing or names no valid credential.
func Viewer(r *http.Request) (*auth.Viewer, error) {
	v, err := auth.Resolve(r.Context())
	if err != nil {
		return nil, err
	}
	return v, policy.Authenticated(v)
}
