package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ory/fosite"

	"userbridge/internal/rules/auth"
)

// token is POST /oauth/token: authorization_code, refresh_token and
// client_credentials. A client alone gets the scopes Basic id:secret
// carries (auth.AppOnlyScopes), those it asks among them, never modify.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess := newSession()
	ar, err := s.provider.NewAccessRequest(ctx, r, sess)
	if writeUnavailable(w, err) {
		return
	}
	if err != nil {
		s.provider.WriteAccessError(ctx, w, ar, grantError(r, ar, err))
		return
	}
	if ar.GetGrantTypes().ExactOne("client_credentials") {
		scopes := ar.GetRequestedScopes()
		if len(scopes) == 0 {
			scopes = auth.AppOnlyScopes
		}
		for _, sc := range scopes {
			if !slices.Contains(auth.AppOnlyScopes, sc) {
				s.provider.WriteAccessError(ctx, w, ar, fosite.ErrInvalidScope.WithHintf(
					"An application acting alone may hold only the scopes %s.", strings.Join(auth.AppOnlyScopes, ", ")))
				return
			}
			ar.GrantScope(sc)
		}
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if writeUnavailable(w, err) {
		return
	}
	if err != nil {
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
}

// grants are the grant types the token endpoint knows.
var grants = []string{"authorization_code", "refresh_token", "client_credentials"}

// grantError names RFC 6749's error where fosite answers a more general
// one, once the client is authenticated: unsupported_grant_type for a
// grant the server does not know (fosite: invalid_request), and
// unauthorized_client for one the client may not use (fosite: invalid_grant
// for a public client asking client_credentials).
// fosite gives up on a grant no handler knows before it says whether the
// client authenticated: such a request is unsupported_grant_type whoever
// sends it.
func grantError(r *http.Request, ar fosite.AccessRequester, err error) error {
	if gt := r.PostForm["grant_type"]; ar == nil && len(gt) == 1 && gt[0] != "" && !slices.Contains(grants, gt[0]) {
		return fosite.ErrUnsupportedGrantType.WithHintf("The grant type '%s' is not supported.", gt[0])
	}
	if ar == nil || ar.GetClient() == nil || errors.Is(err, fosite.ErrInvalidClient) {
		return err
	}
	gt := ar.GetGrantTypes()
	if len(gt) != 1 {
		return err
	}
	switch {
	case !slices.Contains(grants, gt[0]):
		return fosite.ErrUnsupportedGrantType.WithHintf("The grant type '%s' is not supported.", gt[0])
	case !ar.GetClient().GetGrantTypes().Has(gt[0]):
		return fosite.ErrUnauthorizedClient.WithHintf("The client may not use the grant type '%s'.", gt[0])
	}
	return err
}

// revoke is POST /oauth/revoke (RFC 7009): a client revokes one of its own
// tokens; a refresh token takes its whole grant with it.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := s.provider.NewRevocationRequest(ctx, r)
	if writeUnavailable(w, err) {
		return
	}
	s.provider.WriteRevocationResponse(ctx, w, err)
}

// introspect is POST /oauth/introspect (RFC 7662), for confidential
// clients authenticating with HTTP Basic. A client learns only about its
// own tokens: another client's token is inactive to it, as a token that
// does not exist.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _, ok := r.BasicAuth()
	if !ok {
		s.provider.WriteIntrospectionError(ctx, w, fosite.ErrRequestUnauthorized.WithHint(
			"Introspection needs the client's id and secret in HTTP Basic authentication."))
		return
	}
	// fosite authenticates an introspection by a bearer access token when
	// the request carries one (an access_token field), skipping the
	// client's secret; here only the client's own id and secret do.
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || r.Form.Has("access_token") {
		s.provider.WriteIntrospectionError(ctx, w, fosite.ErrRequestUnauthorized.WithHint(
			"Introspection needs the client's id and secret in HTTP Basic authentication, and nothing else."))
		return
	}
	ir, err := s.provider.NewIntrospectionRequest(ctx, r, newSession())
	if writeUnavailable(w, err) {
		return
	}
	if err != nil {
		s.provider.WriteIntrospectionError(ctx, w, err)
		return
	}
	if ar := ir.GetAccessRequester(); ar == nil || ar.GetClient().GetID() != id {
		s.provider.WriteIntrospectionError(ctx, w, fosite.ErrInactiveToken)
		return
	}
	s.provider.WriteIntrospectionResponse(ctx, w, ir)
}

// metadata is GET /.well-known/oauth-authorization-server (RFC 8414).
func (s *Server) metadata(w http.ResponseWriter, _ *http.Request) {
	base := s.cfg.PublicURL
	doc := map[string]any{
		"issuer":                                        base,
		"authorization_endpoint":                        base + "/oauth/authorize",
		"token_endpoint":                                base + "/oauth/token",
		"revocation_endpoint":                           base + "/oauth/revoke",
		"introspection_endpoint":                        base + "/oauth/introspect",
		"scopes_supported":                              auth.AllScopes,
		"response_types_supported":                      []string{"code"},
		"response_modes_supported":                      []string{"query"},
		"grant_types_supported":                         []string{"authorization_code", "refresh_token", "client_credentials"},
		"code_challenge_methods_supported":              []string{"S256"},
		"token_endpoint_auth_methods_supported":         []string{"client_secret_basic", "client_secret_post", "none"},
		"revocation_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post", "none"},
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic"},
		"ui_locales_supported":                          []string{"en", "fr"},
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(doc)
}
