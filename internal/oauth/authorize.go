package oauth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"

	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

// maxFormBytes bounds the screens' posted forms.
const maxFormBytes = 64 << 10

// authorize is GET /oauth/authorize (and the consent form's POST to it):
// validate the request, sign the user in, ask for consent unless a
// remembered one covers every scope asked, then redirect with a code.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	}
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if e := checkParams(r, ar); e != nil {
		err = e
	}
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	c := ar.GetClient().(*Client)
	if err := checkRequest(ar, c); err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	u, authTime := s.sessionAuth(r)
	var oidc *oidcRequest
	if s.keys != nil && ar.GetRequestedScopes().Has(scopeOpenID) {
		oidc, err = s.checkOIDC(r, ar, u, authTime)
		if err != nil {
			s.authorizeError(w, r, ar, err)
			return
		}
	}
	if u == nil || (oidc != nil && oidc.signIn) {
		p := newPage(r, "signin_title")
		p.AppName, p.ReturnTo, p.CSRF = c.App.Name, "/oauth/authorize?"+r.URL.RawQuery, s.csrfToken(w, r)
		if oidc != nil {
			p.ReturnTo, p.Email = oidc.returnTo, oidc.loginHint
		}
		if u != nil { // asked to sign in again: the page says who is signed in
			p.UserEmail = u.Email
		}
		render(w, http.StatusOK, "login", origin(ar.GetRedirectURI()), p)
		return
	}
	scopes := ar.GetRequestedScopes()
	if r.Method == http.MethodPost {
		if !s.checkCSRF(r) {
			errorPage(w, r, http.StatusForbidden, "invalid_request", texts[pickLang(r)]["csrf"])
			return
		}
		switch r.PostForm.Get("decision") {
		case "allow":
			if err := s.cfg.Accounts.RememberConsent(ctx, u.ID, c.App.ID, scopes); err != nil {
				s.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
				return
			}
		case "deny":
			s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The user denied the request."))
			return
		default:
			s.authorizeError(w, r, ar, fosite.ErrInvalidRequest.WithHint("The decision must be allow or deny."))
			return
		}
	} else {
		covered, err := s.cfg.Accounts.ConsentCovers(ctx, u.ID, c.App.ID, scopes)
		if err != nil {
			s.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
		if oidc != nil && oidc.none && !covered {
			s.authorizeError(w, r, ar, fosite.ErrConsentRequired.WithHint("The user has not approved these scopes for this application, and prompt=none forbids asking."))
			return
		}
		if !covered || ar.GetRequestForm().Get("prompt") == "consent" || (oidc != nil && oidc.consent) {
			s.consentPage(w, r, ar, c, u)
			return
		}
	}
	s.issueCode(w, r, ar, u, oidc, authTime)
}

// checkParams refuses what fosite lets through: a parameter given twice,
// and a redirect URI that matches only fosite's looser loopback rule
// (redirectMatches).
func checkParams(r *http.Request, ar fosite.AuthorizeRequester) error {
	if name := repeated(r.Form); name != "" {
		return errRepeated(name)
	}
	if ar != nil && ar.IsRedirectURIValid() {
		if raw := ar.GetRequestForm().Get("redirect_uri"); raw != "" && !redirectMatches(ar.GetClient().GetRedirectURIs(), raw) {
			return fosite.ErrInvalidRequest.WithHint("The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls.")
		}
	}
	return nil
}

// checkRequest adds the service's rules to fosite's checks, before anyone
// is asked anything: PKCE with S256 (required of public clients), and a
// request without scope asks for identity.
func checkRequest(ar fosite.AuthorizeRequester, c *Client) error {
	form := ar.GetRequestForm()
	challenge, method := form.Get("code_challenge"), form.Get("code_challenge_method")
	switch {
	case challenge == "" && c.Public:
		return fosite.ErrInvalidRequest.WithHint("Public clients must use PKCE (code_challenge with code_challenge_method S256).")
	case challenge != "" && method != "S256":
		return fosite.ErrInvalidRequest.WithHint("code_challenge_method must be S256.")
	}
	if len(ar.GetRequestedScopes()) == 0 {
		if !slices.Contains(c.App.Scopes, auth.ScopeIdentity) {
			return fosite.ErrInvalidScope.WithHint("The request names no scope and the client may not ask for identity.")
		}
		ar.SetRequestedScopes(fosite.Arguments{auth.ScopeIdentity})
	}
	return nil
}

// issueCode grants the scopes asked (all of them were approved) and
// redirects to the application with a code. The session records the
// consent: only this path sets it.
func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, u *ent.User,
	oidc *oidcRequest, authTime time.Time) {
	ctx := r.Context()
	for _, sc := range ar.GetRequestedScopes() {
		ar.GrantScope(sc)
	}
	sess := newSession()
	sess.UserID, sess.Subject, sess.Consented = u.ID, u.PublicID, true
	if oidc != nil {
		cl := sess.IDTokenClaims()
		cl.Subject, cl.AuthTime, cl.RequestedAt = u.PublicID, authTime, oidc.requestedAt
		cl.Add("azp", ar.GetClient().GetID())
	}
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, sess)
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, c *Client, u *ent.User) {
	p := newPage(r, "consent_title", c.App.Name)
	p.AppName, p.Verified, p.UserEmail = c.App.Name, c.App.Verified, u.Email
	p.CSRF, p.Action = s.csrfToken(w, r), "/oauth/authorize?"+r.URL.RawQuery
	for _, sc := range ar.GetRequestedScopes() {
		p.Scopes = append(p.Scopes, scopeLine{Name: sc, Text: p.T["scope_"+sc]})
	}
	render(w, http.StatusOK, "consent", origin(ar.GetRedirectURI()), p)
}

// authorizeError answers an authorization error: back to the application
// when its redirect URI is known and registered (redirectable), on a page
// otherwise.
func (s *Server) authorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	if s.unavailableAuthorize(w, r, ar, err) {
		return
	}
	if redirectable(r, ar) {
		s.provider.WriteAuthorizeError(r.Context(), w, ar, err)
		return
	}
	rfc := fosite.ErrorToRFC6749Error(err)
	errorPage(w, r, rfc.StatusCode(), rfc.ErrorField, rfc.GetDescription())
}

// redirectable reports whether an authorization request's errors may go
// to its redirect URI: fosite knows the client and accepts the URI, the
// service's rule matches it too, and neither the client nor the URI is
// named twice (which one would be the application's?).
func redirectable(r *http.Request, ar fosite.AuthorizeRequester) bool {
	if ar == nil || !ar.IsRedirectURIValid() || len(r.Form["client_id"]) > 1 || len(r.Form["redirect_uri"]) > 1 {
		return false
	}
	raw := ar.GetRequestForm().Get("redirect_uri")
	return raw == "" || redirectMatches(ar.GetClient().GetRedirectURIs(), raw)
}

// login is POST /oauth/login, the sign-in form: the password is checked as
// GraphQL login checks it, under the same per-account and per-address
// limits; success opens the screens' session and goes back to the
// authorization request.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		errorPage(w, r, http.StatusBadRequest, "invalid_request", "The form could not be read.")
		return
	}
	returnTo := r.PostForm.Get("return_to")
	// Only back to an authorization request here: never an open redirect.
	if !strings.HasPrefix(returnTo, "/oauth/authorize?") {
		errorPage(w, r, http.StatusBadRequest, "invalid_request", "The sign-in form is incomplete.")
		return
	}
	if !s.checkCSRF(r) {
		errorPage(w, r, http.StatusForbidden, "invalid_request", texts[pickLang(r)]["csrf"])
		return
	}
	email := r.PostForm.Get("email")
	u, err := s.cfg.Accounts.CheckPassword(r.Context(), email, r.PostForm.Get("password"), reqinfo.ClientAddr(r.Context()))
	if err != nil {
		p := newPage(r, "signin_title")
		p.ReturnTo, p.CSRF, p.Email = returnTo, s.csrfToken(w, r), email
		var target string
		p.AppName, target = s.requestedApp(r, returnTo)
		status := http.StatusUnauthorized
		switch e := apperr.As(err); {
		case e.Kind == apperr.RateLimited:
			status, p.Error = http.StatusTooManyRequests, p.T["rate_limited"]
		case e.Kind == apperr.Unavailable:
			w.Header().Set("Retry-After", apperr.RetryAfter)
			errorPage(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", unavailableDescription)
			return
		case e.Kind != apperr.Unauthenticated:
			errorPage(w, r, http.StatusInternalServerError, "server_error", "")
			return
		case (e.Reason == auth.ReasonAccountBanned || e.Reason == auth.ReasonAccountSuspended):
			p.Error = p.T["account_blocked"]
		default:
			p.Error = p.T["bad_login"]
		}
		render(w, status, "login", target, p)
		return
	}
	s.startSession(w, u)
	http.Redirect(w, r, returnTo, http.StatusSeeOther) //nolint:gosec // G710: returnTo was checked above to be this service's own /oauth/authorize? path
}

// requestedApp names the application of the request a failed sign-in goes
// back to, and the origin of its redirect URI when registered, for the
// form shown again.
func (s *Server) requestedApp(r *http.Request, returnTo string) (name, target string) {
	vals, err := url.ParseQuery(strings.TrimPrefix(returnTo, "/oauth/authorize?"))
	if err != nil {
		return "userbridge", ""
	}
	cl, err := s.store.GetClient(r.Context(), vals.Get("client_id"))
	if err != nil {
		return "userbridge", ""
	}
	app := cl.(*Client).App
	if ru := vals.Get("redirect_uri"); redirectMatches(app.RedirectUris, ru) {
		u, _ := url.Parse(ru)
		target = origin(u)
	} else if len(app.RedirectUris) == 1 {
		u, _ := url.Parse(app.RedirectUris[0])
		target = origin(u)
	}
	return app.Name, target
}
