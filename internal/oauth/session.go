package oauth

import (
	"time"

	"github.com/ory/fosite"
)

// Session is what fosite carries from the consent screen to the tokens:
// the user the grant acts for (0 for an application alone) and whether the
// user approved it on the consent screen, the only place that sets
// Consented.
type Session struct {
	fosite.DefaultSession
	UserID    int  `json:"user_id"`
	Consented bool `json:"consented"`
}

func newSession() *Session {
	return &Session{DefaultSession: fosite.DefaultSession{ExpiresAt: map[fosite.TokenType]time.Time{}}}
}

// Clone returns a deep copy: fosite clones the session of a refresh token
// into the tokens it issues next.
func (s *Session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := *s
	c.DefaultSession = *s.DefaultSession.Clone().(*fosite.DefaultSession)
	return &c
}
