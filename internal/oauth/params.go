package oauth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/ory/fosite"
)

// singleValued are the parameters the endpoints read. RFC 6749 section 3.1:
// "request and response parameters MUST NOT be included more than once";
// fosite reads the first of several and ignores the rest, so a request
// could show one value to a proxy or a log and act on another. Parameters
// the server does not read are ignored, repeated or not, as RFC 6749 asks.
var singleValued = []string{
	// authorization request (RFC 6749 section 4.1.1, RFC 7636) and the
	// screens' own fields
	"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
	"code_challenge_method", "prompt", "response_mode", "csrf", "decision",
	// token request (sections 2.3.1, 4.1.3, 4.4.2, 6)
	"grant_type", "code", "code_verifier", "refresh_token", "client_secret",
	"client_assertion", "client_assertion_type",
	// revocation (RFC 7009) and introspection (RFC 7662)
	"token", "token_type_hint", "access_token",
	// OpenID Connect: authorization request (Core section 3.1.2.1), logout
	"nonce", "max_age", "login_hint", "id_token_hint", "ub_login", "post_logout_redirect_uri", "confirm",
}

// repeated returns the first parameter of form the server reads that is
// there more than once, counting the query and the body together.
func repeated(form url.Values) string {
	for _, name := range singleValued {
		if len(form[name]) > 1 {
			return name
		}
	}
	return ""
}

func errRepeated(name string) *fosite.RFC6749Error {
	return fosite.ErrInvalidRequest.WithHintf("The parameter '%s' is included more than once.", name)
}

// readClientForm reads the form of a request a client authenticates
// (token, revocation, introspection) and refuses, as invalid_request, a
// parameter given twice, a client_id in the body that is not the client of
// HTTP Basic authentication (fosite would silently take Basic's), and a
// client_secret in the body beside Basic (RFC 6749 section 2.3: one
// authentication method per request).
func readClientForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseMultipartForm(maxFormBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) { //nolint:gosec // G120: the body is bounded by MaxBytesReader just above
		return fosite.ErrInvalidRequest.WithHint("The body could not be read as a form.")
	}
	if name := repeated(r.Form); name != "" {
		return errRepeated(name)
	}
	id, _, ok := r.BasicAuth()
	if !ok {
		return nil
	}
	// Basic's id is form-encoded (RFC 6749 section 2.3.1), as fosite reads it.
	if basic, err := url.QueryUnescape(id); err == nil && r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != basic {
		return fosite.ErrInvalidRequest.WithHint("The client_id in the body is not the client of HTTP Basic authentication.")
	}
	if r.PostForm.Has("client_secret") {
		return fosite.ErrInvalidRequest.WithHint("The client authenticated with HTTP Basic and with client_secret in the body: use one method.")
	}
	return nil
}
