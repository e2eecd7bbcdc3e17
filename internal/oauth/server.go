// Package oauth is the OAuth 2.0 authorization server (RFC 6749, PKCE
// RFC 7636, revocation RFC 7009, introspection RFC 7662, metadata RFC 8414)
// with its sign-in and consent screens. It is built on ory/fosite, whose
// token strategy and storage interfaces let it issue the service's own
// credentials: uba_ access tokens and ubr_ refresh tokens stored hashed as
// Credential rows, so every dialect accepts them as they are.
package oauth

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"

	"userbridge/ent"
	"userbridge/internal/rules/accounts"
)

// Lifetimes of what the server issues.
const (
	AccessTokenTTL  = time.Hour
	RefreshTokenTTL = 30 * 24 * time.Hour
	CodeTTL         = 5 * time.Minute
	SessionTTL      = time.Hour // the sign-in of the screens
)

// Config is what the server needs.
type Config struct {
	Client    *ent.Client
	Accounts  *accounts.Service
	PublicURL string // issuer and base of the endpoints; https makes cookies Secure
	Key       []byte // signs the screens' session and CSRF cookies
	Now       func() time.Time
	Logger    *slog.Logger // the token endpoint's lines; slog.Default() when nil
}

// Server is the authorization server.
type Server struct {
	cfg      Config
	provider fosite.OAuth2Provider
	store    *store
	secure   bool
}

// New builds the server.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	st := &store{client: cfg.Client, now: cfg.Now}
	fc := &fosite.Config{
		AccessTokenLifespan:         AccessTokenTTL,
		RefreshTokenLifespan:        RefreshTokenTTL,
		AuthorizeCodeLifespan:       CodeTTL,
		ScopeStrategy:               fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:    fosite.DefaultAudienceMatchingStrategy,
		EnforcePKCEForPublicClients: true,
		TokenURL:                    cfg.PublicURL + "/oauth/token",
		RefreshTokenScopes:          []string{}, // every grant gets a refresh token
		ClientSecretsHasher:         secretHasher{store: st},
		// fosite's HMAC strategy is not used (strategy below), but its
		// configuration insists on a secret of 32 bytes.
		GlobalSecret: padKey(cfg.Key),
	}
	provider := compose.Compose(fc, st, strategy{now: cfg.Now},
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2PKCEFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2TokenIntrospectionFactory,
	)
	return &Server{cfg: cfg, provider: provider, store: st, secure: strings.HasPrefix(cfg.PublicURL, "https://")}
}

func padKey(k []byte) []byte {
	out := make([]byte, 32)
	copy(out, k)
	return out
}

// Routes mounts the endpoints and screens on r: /oauth/... and the
// metadata document.
func (s *Server) Routes(r chi.Router) {
	r.Get("/.well-known/oauth-authorization-server", s.metadata)
	r.Route("/oauth", func(r chi.Router) {
		r.Use(noStore)
		r.Get("/authorize", s.authorize)
		r.Post("/authorize", s.authorize)
		r.Post("/login", s.login)
		r.Post("/token", s.token)
		r.Post("/revoke", s.revoke)
		r.Post("/introspect", s.introspect)
		r.Get("/assets/{name}", serveAsset)
	})
}

func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		next.ServeHTTP(w, r)
	})
}
