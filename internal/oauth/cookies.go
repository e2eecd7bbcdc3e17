package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/randid"
)

// The screens' two cookies, both HttpOnly and SameSite=Lax, Secure when the
// public URL is https, scoped to /oauth.
const (
	sessionCookie = "ub_oauth_session"
	csrfCookie    = "ub_oauth_csrf"
)

func (s *Server) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, ttl time.Duration) {
	//nolint:gosec // G124: HttpOnly and SameSite always; Secure follows PUBLIC_URL's scheme, so a plain-http development setup still signs in
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/oauth", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// passwordMark ties a session to the password it was opened with and to
// the user's last revocation: a password change or a ban (which revoke
// the user's credentials) ends it too, and an unban does not bring it back.
func passwordMark(u *ent.User) string {
	h := sha256.New()
	h.Write([]byte(u.PasswordHash))
	if u.SessionsRevokedAt != nil {
		h.Write([]byte("\x00" + strconv.FormatInt(u.SessionsRevokedAt.UnixNano(), 10)))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:8])
}

// startSession signs the user in on the screens for SessionTTL. The cookie
// is signed (not encrypted): it holds only the user id, the expiry and the
// password mark.
func (s *Server) startSession(w http.ResponseWriter, u *ent.User) {
	payload := fmt.Sprintf("%d.%d.%s", u.ID, s.cfg.Now().Add(SessionTTL).Unix(), passwordMark(u))
	s.setCookie(w, sessionCookie, payload+"."+s.mac("session", payload), SessionTTL)
}

// sessionUser returns the signed-in user, or nil: no cookie, a forged or
// expired one, a user gone, no longer active, or whose password changed.
func (s *Server) sessionUser(r *http.Request) *ent.User {
	u, _ := s.sessionAuth(r)
	return u
}

// sessionAuth is sessionUser with the time the user signed in (OpenID
// Connect's auth_time): the cookie's expiry less SessionTTL.
func (s *Server) sessionAuth(r *http.Request) (*ent.User, time.Time) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 256 {
		return nil, time.Time{}
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 {
		return nil, time.Time{}
	}
	payload := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(s.mac("session", payload))) {
		return nil, time.Time{}
	}
	id, err1 := strconv.Atoi(parts[0])
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || !s.cfg.Now().Before(time.Unix(exp, 0)) {
		return nil, time.Time{}
	}
	u, err := s.cfg.Client.User.Get(r.Context(), id)
	if err != nil || u.Status != user.StatusActive || passwordMark(u) != parts[2] {
		return nil, time.Time{}
	}
	return u, time.Unix(exp, 0).Add(-SessionTTL).UTC()
}

// csrfToken returns the token every form carries, setting the browser's
// random CSRF cookie first if it has none. The token is a MAC of that
// cookie: a page elsewhere can neither read the cookie nor forge the MAC.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		v = c.Value
	} else {
		v = randid.String(32)
		s.setCookie(w, csrfCookie, v, 24*time.Hour)
	}
	return s.mac("csrf", v)
}

// checkCSRF reports whether a posted form carries the token of the
// browser's CSRF cookie.
func (s *Server) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != 32 {
		return false
	}
	return hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(s.mac("csrf", c.Value)))
}

// endSession signs the browser out of the screens (RP-initiated logout,
// the account page's sign out): the session cookie is cleared.
func (s *Server) endSession(w http.ResponseWriter) {
	s.setCookie(w, sessionCookie, "", -time.Second)
}
