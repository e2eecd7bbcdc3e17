package oauth

import (
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"
)

// Session is what fosite carries from the consent screen to the tokens:
// the user the grant acts for (0 for an application alone) and whether the
// user approved it on the consent screen, the only place that sets
// Consented. It is fosite's OpenID Connect session, whose id_token claims
// (subject, auth_time, the request's time) travel with an authorization
// code in its stored request and come back on refresh from the
// credential (auth_time).
type Session struct {
	openid.DefaultSession
	UserID    int  `json:"user_id"`
	Consented bool `json:"consented"`
}

func newSession() *Session {
	return &Session{DefaultSession: openid.DefaultSession{
		Claims: &jwt.IDTokenClaims{}, Headers: &jwt.Headers{}, ExpiresAt: map[fosite.TokenType]time.Time{}}}
}

// Clone returns a deep copy: fosite clones the session of a refresh token
// into the tokens it issues next.
func (s *Session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := *s
	c.DefaultSession = *s.DefaultSession.Clone().(*openid.DefaultSession)
	return &c
}
