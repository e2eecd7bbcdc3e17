package oauth

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/token/jwt"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
)

// OpenID Connect scopes: openid asks for an id_token and the userinfo
// endpoint, profile for the names (what personal gives the APIs).
const (
	scopeOpenID  = "openid"
	scopeProfile = "profile"
)

// Lifetimes and defaults of OpenID Connect.
const (
	IDTokenTTL         = time.Hour
	DefaultKeyRotation = 30 * 24 * time.Hour
	// MinKeyRotation keeps a key signing far longer than the id_tokens it
	// signs live, so that the previous key, still published, verifies them.
	MinKeyRotation = 2 * IDTokenTTL
)

// oidcScopes adds to an application's registered scopes the OpenID
// Connect ones it may then ask for: openid with identity (both say who the
// user is), profile with personal (both give the names).
func oidcScopes(registered []string) []string {
	out := append([]string{}, registered...)
	if slices.Contains(registered, auth.ScopeIdentity) {
		out = append(out, scopeOpenID)
	}
	if slices.Contains(registered, auth.ScopePersonal) {
		out = append(out, scopeProfile)
	}
	return out
}

// development reports whether the public URL is a loopback one: the only
// place OpenID Connect runs without SECRET_KEY (its keys then sealed with
// the secret kept in the database, next to them).
func development(publicURL string) bool {
	u, err := url.Parse(publicURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// discovery is GET /.well-known/openid-configuration (OpenID Connect
// Discovery 1.0).
func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	base := s.cfg.PublicURL
	scopes := append([]string{scopeOpenID, scopeProfile}, auth.AllScopes...)
	doc := map[string]any{
		"issuer":                                     base,
		"authorization_endpoint":                     base + "/oauth/authorize",
		"token_endpoint":                             base + "/oauth/token",
		"userinfo_endpoint":                          base + "/oauth/userinfo",
		"jwks_uri":                                   base + "/oauth/jwks",
		"end_session_endpoint":                       base + "/oauth/logout",
		"revocation_endpoint":                        base + "/oauth/revoke",
		"introspection_endpoint":                     base + "/oauth/introspect",
		"scopes_supported":                           scopes,
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      []string{"authorization_code", "refresh_token", "client_credentials"},
		"subject_types_supported":                    []string{"public"},
		"id_token_signing_alg_values_supported":      []string{s.keys.alg},
		"token_endpoint_auth_methods_supported":      []string{"client_secret_basic", "client_secret_post", "none"},
		"revocation_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"code_challenge_methods_supported":           []string{"S256"},
		"prompt_values_supported":                    []string{"none", "login", "consent"},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp",
			"email", "email_verified", "name", "given_name", "family_name", "preferred_username", "picture"},
		"claims_parameter_supported":      false,
		"request_parameter_supported":     false,
		"request_uri_parameter_supported": false,
		"ui_locales_supported":            []string{"en", "fr"},
		"frontchannel_logout_supported":   false,
		"backchannel_logout_supported":    false,
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(doc)
}

// jwks is GET /oauth/jwks: the public keys that verify id_tokens, the
// current one and those retired within the last period.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	set, err := s.keys.jwks(r.Context())
	if err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "oidc keys", "err", err)
		writeOAuthJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	// Short: a client that misses a new kid fetches again anyway.
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(set)
}

// userinfo is GET and POST /oauth/userinfo: the claims an access token
// with scope openid may read, by scope (userClaims). The token comes in
// the Authorization header only (RFC 6750 section 2.1).
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tok, ok := bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userbridge"`)
		writeOAuthJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request",
			"error_description": "The access token goes in the Authorization header: Bearer <token>."})
		return
	}
	use, ar, err := s.provider.IntrospectToken(ctx, tok, fosite.AccessToken, newSession())
	if err == nil && use != fosite.AccessToken {
		err = fosite.ErrInactiveToken
	}
	if writeUnavailable(w, err) {
		return
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userbridge", error="invalid_token"`)
		writeOAuthJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token",
			"error_description": "The access token is unknown, expired or revoked."})
		return
	}
	sess, _ := ar.GetSession().(*Session)
	if !ar.GetGrantedScopes().Has(scopeOpenID) || sess == nil || sess.UserID == 0 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userbridge", error="insufficient_scope", scope="openid"`)
		writeOAuthJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope",
			"error_description": "The access token was not granted the openid scope."})
		return
	}
	u, err := s.cfg.Client.User.Query().Where(user.ID(sess.UserID), user.StatusEQ(user.StatusActive)).
		WithAvatar().Only(ctx)
	if err != nil {
		if !ent.IsNotFound(err) && writeUnavailable(w, apperr.Classify(err)) {
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="userbridge", error="invalid_token"`)
		writeOAuthJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeOAuthJSON(w, http.StatusOK, s.userClaims(u, ar.GetGrantedScopes()))
}

// userClaims are the user's claims a grant of scopes may read: sub always
// (the public id, never the database id); email and email_verified with
// email; the names, username and avatar with profile.
func (s *Server) userClaims(u *ent.User, scopes fosite.Arguments) map[string]any {
	c := map[string]any{"sub": u.PublicID}
	if scopes.Has(auth.ScopeEmail) {
		c["email"], c["email_verified"] = u.Email, u.Verified
	}
	if scopes.Has(scopeProfile) {
		name := strings.TrimSpace(u.FirstName + " " + u.LastName)
		if u.DisplayName != nil && *u.DisplayName != "" {
			name = *u.DisplayName
		}
		c["preferred_username"] = u.Username
		if name != "" {
			c["name"] = name
		}
		if u.FirstName != "" {
			c["given_name"] = u.FirstName
		}
		if u.LastName != "" {
			c["family_name"] = u.LastName
		}
		if a := u.Edges.Avatar; a != nil && s.cfg.Avatars != nil {
			c["picture"] = s.cfg.Avatars.URL(a)
		}
	}
	return c
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Values("Authorization")
	if len(h) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || len(tok) > 512 {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

func writeOAuthJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// idTokenHint reads an id_token this server issued (signature checked with
// a published key; an expired one is still a hint) and returns its subject
// and audience.
func (s *Server) idTokenHint(r *http.Request, raw string) (sub string, aud []string, err error) {
	t, err := signer{ring: s.keys}.Decode(r.Context(), raw)
	var ve *jwt.ValidationError
	if err != nil && !(errors.As(err, &ve) && ve.Errors == jwt.ValidationErrorExpired) {
		return "", nil, err
	}
	if iss, _ := t.Claims["iss"].(string); iss != s.cfg.PublicURL {
		return "", nil, errors.New("id_token_hint from another issuer")
	}
	sub, _ = t.Claims["sub"].(string)
	switch a := t.Claims["aud"].(type) {
	case string:
		aud = []string{a}
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok {
				aud = append(aud, s)
			}
		}
	}
	if sub == "" || len(aud) == 0 {
		return "", nil, errors.New("id_token_hint without subject or audience")
	}
	return sub, aud, nil
}

// logout is GET and POST /oauth/logout, OpenID Connect RP-Initiated
// Logout: it ends the screens' sign-in and sends the browser back to a
// post-logout URI registered by the application (exactly), with state, or
// shows that the user signed out. Without an id_token_hint naming the
// signed-in user, a page elsewhere could sign people out: the user then
// confirms on a form with a CSRF token.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	}
	if err := r.ParseForm(); err != nil {
		errorPage(w, r, http.StatusBadRequest, "invalid_request", "The request could not be read.")
		return
	}
	if name := repeated(r.Form); name != "" {
		errorPage(w, r, http.StatusBadRequest, "invalid_request", "The parameter '"+name+"' is given twice.")
		return
	}
	hint, clientID := r.Form.Get("id_token_hint"), r.Form.Get("client_id")
	target, state := r.Form.Get("post_logout_redirect_uri"), r.Form.Get("state")
	var hintSub string
	if hint != "" {
		sub, aud, err := s.idTokenHint(r, hint)
		if err != nil {
			errorPage(w, r, http.StatusBadRequest, "invalid_request", "The id_token_hint is not a valid id_token of this server.")
			return
		}
		if clientID == "" && len(aud) == 1 {
			clientID = aud[0]
		}
		if clientID == "" || !slices.Contains(aud, clientID) {
			errorPage(w, r, http.StatusBadRequest, "invalid_request", "The id_token_hint was not issued to client_id.")
			return
		}
		hintSub = sub
	}
	if target != "" {
		if clientID == "" {
			errorPage(w, r, http.StatusBadRequest, "invalid_request", "A post_logout_redirect_uri needs an id_token_hint or a client_id.")
			return
		}
		app, err := s.cfg.Client.Application.Query().Where(application.ClientID(clientID)).Only(r.Context())
		if err != nil && !ent.IsNotFound(err) {
			errorPage(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", unavailableDescription)
			return
		}
		if app == nil || !slices.Contains(app.PostLogoutRedirectUris, target) {
			errorPage(w, r, http.StatusBadRequest, "invalid_request", "The post_logout_redirect_uri is not registered for this application.")
			return
		}
	}
	u := s.sessionUser(r)
	if u != nil && hintSub != "" && hintSub != u.PublicID {
		errorPage(w, r, http.StatusBadRequest, "invalid_request", "The id_token_hint names another user than the one signed in.")
		return
	}
	if u != nil && hintSub == "" {
		if r.Method != http.MethodPost || r.PostForm.Get("confirm") != "yes" {
			keep := url.Values{}
			for k, v := range r.Form {
				if k != "csrf" && k != "confirm" {
					keep[k] = v
				}
			}
			p := newPage(r, "logout_title")
			p.CSRF, p.UserEmail = s.csrfToken(w, r), u.Email
			p.Action = "/oauth/logout?" + keep.Encode()
			formTarget := ""
			if to, err := url.Parse(target); err == nil && target != "" {
				formTarget = origin(to) // the redirect after the form
			}
			render(w, http.StatusOK, "logout", formTarget, p)
			return
		}
		if !s.checkCSRF(r) {
			errorPage(w, r, http.StatusForbidden, "invalid_request", texts[pickLang(r)]["csrf"])
			return
		}
	}
	s.endSession(w)
	if target != "" {
		to, _ := url.Parse(target)
		if state != "" {
			q := to.Query()
			q.Set("state", state)
			to.RawQuery = q.Encode()
		}
		//nolint:gosec // G710: target is one of the application's registered post_logout_redirect_uris, compared exactly above
		http.Redirect(w, r, to.String(), http.StatusSeeOther)
		return
	}
	p := newPage(r, "logged_out_title")
	render(w, http.StatusOK, "logged_out", "", p)
}
