package oauth

import (
	"crypto/hmac"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ory/fosite"

	"userbridge/ent"
)

// freshLoginTTL bounds how long a sign-in asked by prompt=login or
// max_age may take: the marker the sign-in form carries back expires.
const freshLoginTTL = 10 * time.Minute

// maxNonceLen bounds the nonce kept with a code until its exchange.
const maxNonceLen = 512

// oidcRequest is what an authorization request asking for openid adds to
// the screens' decisions.
type oidcRequest struct {
	none, consent bool      // prompt=none, prompt=consent
	signIn        bool      // the user must sign in (again) first
	returnTo      string    // where the sign-in form goes back
	loginHint     string    // pre-fills the sign-in form
	requestedAt   time.Time // the request's time for auth_time checks
}

// checkOIDC applies prompt, max_age, login_hint, id_token_hint and nonce
// to an authorization request asking for openid, for the signed-in user u
// (nil: none) who signed in at authTime.
//
// A fresh sign-in (prompt=login, max_age exceeded, login_hint naming
// another account) sends the browser to the sign-in form with a signed
// marker of the time it was asked (parameter ub_login): back with it, a
// session opened since then satisfies the request, which is then said to
// have been made at that time (fosite's own checks agree).
func (s *Server) checkOIDC(r *http.Request, ar fosite.AuthorizeRequester, u *ent.User, authTime time.Time) (*oidcRequest, error) {
	form := ar.GetRequestForm()
	now := s.cfg.Now().UTC()
	o := &oidcRequest{requestedAt: now, loginHint: form.Get("login_hint"), returnTo: "/oauth/authorize?" + r.URL.RawQuery}
	prompts := fosite.RemoveEmpty(strings.Split(form.Get("prompt"), " "))
	login := false
	for _, p := range prompts {
		switch p {
		case "none":
			o.none = true
		case "login":
			login = true
		case "consent":
			o.consent = true
		default:
			return nil, fosite.ErrInvalidRequest.WithHintf("Unknown prompt value '%s' (none, login, consent).", p)
		}
	}
	if o.none && len(prompts) > 1 {
		return nil, fosite.ErrInvalidRequest.WithHint("prompt=none cannot be combined with other values.")
	}
	if n := form.Get("nonce"); !utf8.ValidString(n) || strings.ContainsFunc(n, unicode.IsControl) {
		return nil, fosite.ErrInvalidRequest.WithHint("The nonce must be text without control characters.")
	} else if len(n) > maxNonceLen {
		return nil, fosite.ErrInvalidRequest.WithHintf("The nonce is longer than %d characters.", maxNonceLen)
	} else if n != "" && len(n) < 8 {
		return nil, fosite.ErrInsufficientEntropy.WithHint("The nonce must be at least 8 characters.")
	}
	if len(o.loginHint) > 320 {
		o.loginHint = ""
	}
	maxAge := -1
	if v := form.Get("max_age"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fosite.ErrInvalidRequest.WithHint("max_age must be a number of seconds.")
		}
		maxAge = n
	}
	if hint := form.Get("id_token_hint"); hint != "" {
		sub, _, err := s.idTokenHint(r, hint)
		if err != nil {
			return nil, fosite.ErrInvalidRequest.WithHint("The id_token_hint is not a valid id_token of this server.")
		}
		if u != nil && sub != u.PublicID {
			return nil, fosite.ErrLoginRequired.WithHint("The id_token_hint names another user than the one signed in.")
		}
	}
	fresh := false
	if m := form.Get("ub_login"); m != "" && u != nil {
		if t, ok := s.checkLoginMarker(m, now, r.URL.Query()); ok && !authTime.Before(t) {
			fresh, o.requestedAt = true, t
		}
	}
	otherUser := u != nil && o.loginHint != "" && !hintNames(u, o.loginHint)
	tooOld := u != nil && maxAge >= 0 && authTime.Add(time.Duration(maxAge)*time.Second).Before(now)
	switch {
	case o.none && u == nil:
		return nil, fosite.ErrLoginRequired.WithHint("No user is signed in, and prompt=none forbids asking.")
	case o.none && tooOld:
		return nil, fosite.ErrLoginRequired.WithHint("The user signed in longer ago than max_age, and prompt=none forbids asking again.")
	case o.none && otherUser:
		return nil, fosite.ErrInteractionRequired.WithHint("login_hint names another account than the one signed in; switching needs the user.")
	case fresh:
		return o, nil
	case login || tooOld || otherUser:
		q := r.URL.Query()
		q.Set("ub_login", s.loginMarker(now, q))
		o.signIn, o.returnTo = true, "/oauth/authorize?"+q.Encode()
	}
	return o, nil
}

// hintNames reports whether login_hint names u: its e-mail address, login
// or public id.
func hintNames(u *ent.User, hint string) bool {
	return strings.EqualFold(hint, u.Email) || strings.EqualFold(hint, u.Login) || hint == u.PublicID
}

// loginMarker is the mark of a fresh sign-in asked at t by the
// authorization request of query: it vouches for that request only (its
// parameters but the mark itself), so that a mark obtained elsewhere, by
// anyone, cannot pass prompt=login or max_age for another request of a
// browser signed in since (oidc_outsider_test.go).
func (s *Server) loginMarker(t time.Time, query url.Values) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts + "." + s.mac("fresh login", ts, markedRequest(query))
}

// markedRequest is the request a mark vouches for: its parameters in
// canonical order, without the mark.
func markedRequest(query url.Values) string {
	q := url.Values{}
	for k, v := range query {
		if k != "ub_login" {
			q[k] = v
		}
	}
	return q.Encode()
}

func (s *Server) checkLoginMarker(m string, now time.Time, query url.Values) (time.Time, bool) {
	ts, mac, ok := strings.Cut(m, ".")
	if !ok || len(m) > 100 || !hmac.Equal([]byte(mac), []byte(s.mac("fresh login", ts, markedRequest(query)))) {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	t := time.Unix(n, 0).UTC()
	if now.Sub(t) > freshLoginTTL || t.After(now.Add(5*time.Second)) {
		return time.Time{}, false
	}
	return t, true
}
