package oauth

import (
	"encoding/json"
	"net/http"

	"github.com/ory/fosite"

	"userbridge/internal/apperr"
)

// unavailableDescription is the error_description of an outage.
const unavailableDescription = "The database cannot be reached for now: nothing was judged or changed. Retry later."

// writeUnavailable answers a token, revocation or introspection request
// that failed because the database could not be reached, and reports
// whether it did: 503 temporarily_unavailable with Retry-After (RFC 6749
// names the code; RFC 7009 §2.2.1 gives revocation the 503). fosite would
// answer invalid_client (401) for a client it could not look up, which
// tells a client to discard its credentials, and 200 to a revocation that
// did not happen.
func writeUnavailable(w http.ResponseWriter, err error) bool {
	if !apperr.Is(err, apperr.Unavailable) {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Retry-After", apperr.RetryAfter)
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error": "temporarily_unavailable", "error_description": unavailableDescription})
	return true
}

// unavailableAuthorize answers an authorization request that met an
// outage, and reports whether it did: back to the application with
// error=temporarily_unavailable (RFC 6749 §4.1.2.1) when its redirect URI
// is known, on a 503 page otherwise.
func (s *Server) unavailableAuthorize(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) bool {
	if !apperr.Is(err, apperr.Unavailable) {
		return false
	}
	w.Header().Set("Retry-After", apperr.RetryAfter)
	if ar != nil && ar.IsRedirectURIValid() {
		s.provider.WriteAuthorizeError(r.Context(), w, ar, fosite.ErrTemporarilyUnavailable.WithWrap(err))
		return true
	}
	errorPage(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", unavailableDescription)
	return true
}
