package oauth

import (
	"net/http"
	"slices"

	"github.com/go-chi/cors"

	"userbridge/ent/application"
)

// corsAPI lets single-page applications call the token, userinfo and
// revocation endpoints from the browser: an origin is allowed when it is
// in CORS_ORIGINS ("*" for any) or registered as an allowed origin of a
// public application. Preflights are answered here, before the handler.
// Credentials travel in the body or the Authorization header, never in
// cookies: Access-Control-Allow-Credentials is never sent, and the Cookie
// header is dropped before these handlers run, so a page elsewhere cannot
// ride the screens' sign-in.
func (s *Server) corsAPI() func(http.Handler) http.Handler {
	c := cors.Handler(cors.Options{
		AllowOriginFunc: func(r *http.Request, origin string) bool { return s.originAllowed(r, origin) },
		AllowedMethods:  []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:  []string{"Authorization", "Content-Type", "Accept"},
		ExposedHeaders:  []string{"WWW-Authenticate", "Retry-After"},
		MaxAge:          600,
	})
	return func(next http.Handler) http.Handler {
		return c(noCookies(next))
	}
}

// corsPublic marks the public documents (discovery, JWKS) readable from
// any origin: they hold nothing personal and take no credentials.
func corsPublic() func(http.Handler) http.Handler {
	c := cors.Handler(cors.Options{AllowedOrigins: []string{"*"}, AllowedMethods: []string{http.MethodGet},
		MaxAge: 600})
	return func(next http.Handler) http.Handler { return c(noCookies(next)) }
}

func noCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Cookie")
		next.ServeHTTP(w, r)
	})
}

// originAllowed: CORS_ORIGINS, then the origins of public applications
// (read at each request with an Origin header: a registration applies at
// once, and a browser request costs one small query).
func (s *Server) originAllowed(r *http.Request, origin string) bool {
	if slices.Contains(s.cfg.CORSOrigins, "*") || slices.Contains(s.cfg.CORSOrigins, origin) {
		return true
	}
	if len(origin) > 300 {
		return false
	}
	apps, err := s.cfg.Client.Application.Query().Where(application.Public(true)).
		Select(application.FieldAllowedOrigins).All(r.Context())
	if err != nil {
		return false
	}
	for _, a := range apps {
		if slices.Contains(a.AllowedOrigins, origin) {
			return true
		}
	}
	return false
}

// preflight answers an OPTIONS request that is not a CORS preflight
// (those the CORS handler answers before it).
func preflight(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}
