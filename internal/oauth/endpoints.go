package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ory/fosite"

	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/auth"
)

// token is POST /oauth/token: authorization_code, refresh_token and
// client_credentials. Each request is logged (logToken).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	// One event per exchange, recorded here (audit.go), not the hooks' one per row.
	ctx, ev := withTokenEvent(auditlog.Quiet(r.Context()))
	ctx, limited := withLimitNote(ctx)
	var ar fosite.AccessRequester
	var resp fosite.AccessResponder
	err := readClientForm(w, r)
	if err == nil {
		ev.grant = clip(r.PostForm.Get("grant_type"), 40)
		// fosite would check a client-credentials scope against the
		// registered scopes alone: grantAppScopes checks it instead.
		alone := slices.Equal(fosite.RemoveEmpty(strings.Split(r.PostForm.Get("grant_type"), " ")), []string{"client_credentials"})
		var asked []string
		if alone {
			asked = fosite.RemoveEmpty(strings.Split(r.PostForm.Get("scope"), " "))
			r.PostForm.Del("scope")
		}
		ar, err = s.provider.NewAccessRequest(ctx, r, newSession())
		if err != nil && !apperr.Is(err, apperr.Unavailable) {
			err = grantError(r, ar, err)
		} else if err == nil && alone {
			err = grantAppScopes(ar, asked)
		}
	}
	if err == nil {
		resp, err = s.provider.NewAccessResponse(ctx, ar)
	}
	s.logToken(ctx, r, ar, ev, err)
	if ev.reuse != "" {
		s.recordReuse(ctx, tokenClient(r, ar), ev)
	}
	if writeUnavailable(w, err) || writeLimited(w, limited) {
		return
	}
	if err != nil {
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
}

// grantAppScopes grants an application acting alone the scopes it asked,
// or when it asked none, every scope it may hold: those of its registered
// scopes that an application alone may hold (auth.AppOnlyScopes: identity,
// email, personal; never modify). An application registered without
// scopes is bound by auth.AppOnlyScopes alone.
// Returns invalid_scope for a scope outside that bound.
func grantAppScopes(ar fosite.AccessRequester, asked []string) error {
	registered := ar.GetClient().GetScopes()
	may := func(sc string) bool {
		return slices.Contains(auth.AppOnlyScopes, sc) && (len(registered) == 0 || slices.Contains(registered, sc))
	}
	if len(asked) == 0 {
		for _, sc := range auth.AppOnlyScopes {
			if may(sc) {
				asked = append(asked, sc)
			}
		}
		if len(asked) == 0 {
			return fosite.ErrInvalidScope.WithHintf("The application is registered for none of the scopes an application acting alone may hold (%s).",
				strings.Join(auth.AppOnlyScopes, ", "))
		}
	}
	for _, sc := range asked {
		switch {
		case len(registered) > 0 && !slices.Contains(registered, sc):
			return fosite.ErrInvalidScope.WithHintf("The OAuth 2.0 Client is not allowed to request scope '%s'.", sc)
		case !may(sc):
			return fosite.ErrInvalidScope.WithHintf("An application acting alone may hold only the scopes %s.", strings.Join(auth.AppOnlyScopes, ", "))
		}
		ar.GrantScope(sc)
	}
	ar.SetRequestedScopes(asked)
	return nil
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
	ctx, limited := withLimitNote(withRevocation(r.Context()))
	err := readClientForm(w, r)
	if err == nil {
		err = s.provider.NewRevocationRequest(ctx, r)
	}
	if writeUnavailable(w, err) || writeLimited(w, limited) {
		return
	}
	s.provider.WriteRevocationResponse(ctx, w, err)
}

// introspect is POST /oauth/introspect (RFC 7662), for confidential
// clients authenticating with HTTP Basic. A client learns only about its
// own tokens: another client's token is inactive to it, as a token that
// does not exist.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	ctx, limited := withLimitNote(r.Context())
	id, _, ok := r.BasicAuth()
	if !ok {
		s.provider.WriteIntrospectionError(ctx, w, fosite.ErrRequestUnauthorized.WithHint(
			"Introspection needs the client's id and secret in HTTP Basic authentication."))
		return
	}
	// fosite authenticates an introspection by a bearer access token when
	// the request carries one (an access_token field), skipping the
	// client's secret; here only the client's own id and secret do.
	if err := readClientForm(w, r); err != nil {
		s.provider.WriteIntrospectionError(ctx, w, err)
		return
	}
	if r.Form.Has("access_token") {
		s.provider.WriteIntrospectionError(ctx, w, fosite.ErrRequestUnauthorized.WithHint(
			"Introspection needs the client's id and secret in HTTP Basic authentication, and nothing else."))
		return
	}
	ir, err := s.provider.NewIntrospectionRequest(ctx, r, newSession())
	if writeUnavailable(w, err) || writeLimited(w, limited) {
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
