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
	"github.com/ory/fosite/handler/openid"

	"userbridge/ent"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
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

	// OpenID Connect is on when SECRET_KEY is configured (SecretConfigured)
	// or the public URL is a loopback one (development): its signing keys
	// are sealed with SealKey, derived from that secret.
	SecretConfigured bool
	SealKey          []byte
	KeyRotation      time.Duration // how long a signing key signs; 0: DefaultKeyRotation
	SigningAlg       string        // RS256 (default) or ES256
	Avatars          AvatarLinker  // the picture claim's signed link; nil: no picture
	CORSOrigins      []string      // CORS_ORIGINS, also allowed on the token endpoints
	// Auth counts client authentications at an imported application
	// secret in the bucket Basic authentication spends
	// (ThrottleImportedSecret); nil: not counted.
	Auth *auth.Authenticator
}

// AvatarLinker makes a signed download link for a file (files.Service).
type AvatarLinker interface {
	URL(f *ent.File) string
}

// Server is the authorization server.
type Server struct {
	cfg      Config
	provider fosite.OAuth2Provider
	store    *store
	secure   bool
	keys     *keyring // nil: OpenID Connect off
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
	oidc := len(cfg.SealKey) > 0 && (cfg.SecretConfigured || development(cfg.PublicURL))
	if !oidc {
		cfg.Logger.Warn("OpenID Connect is off: set SECRET_KEY (needed when PUBLIC_URL is not a loopback address)")
	}
	st := newStore(cfg, oidc)
	fc := &fosite.Config{
		AccessTokenLifespan:         AccessTokenTTL,
		RefreshTokenLifespan:        RefreshTokenTTL,
		AuthorizeCodeLifespan:       CodeTTL,
		IDTokenLifespan:             IDTokenTTL,
		IDTokenIssuer:               cfg.PublicURL,
		AllowedPromptValues:         []string{"login", "none", "consent"},
		ScopeStrategy:               fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:    fosite.DefaultAudienceMatchingStrategy,
		EnforcePKCEForPublicClients: true,
		TokenURL:                    cfg.PublicURL + "/oauth/token",
		RefreshTokenScopes:          []string{}, // every grant gets a refresh token
		ClientSecretsHasher:         secretHasher{store: st, auth: cfg.Auth},
		// The code's stored request keeps what the token endpoint checks
		// (fosite's default: code, redirect_uri) and the OpenID parameters
		// the id_token is made from.
		SanitationWhiteList: []string{"code", "redirect_uri", "nonce", "max_age", "prompt", "id_token_hint"},
		// fosite's HMAC strategy is not used (strategy below), but its
		// configuration insists on a secret of 32 bytes.
		GlobalSecret: padKey(cfg.Key),
	}
	factories := []compose.Factory{
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2PKCEFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2TokenIntrospectionFactory,
	}
	srv := &Server{cfg: cfg, store: st, secure: strings.HasPrefix(cfg.PublicURL, "https://")}
	var tokenStrategy any = strategy{now: cfg.Now}
	if oidc {
		// OpenID Connect is fosite's own (the explicit flow and the
		// refresh handler): the library this server already runs on,
		// whose OpenID Connect implementation Ory Hydra, built on it, has
		// certified. The id_token strategy signs with the keyring.
		rot := cfg.KeyRotation
		if rot == 0 {
			rot = DefaultKeyRotation
		}
		rot = max(rot, MinKeyRotation)
		alg := cfg.SigningAlg
		if alg != "ES256" {
			alg = "RS256"
		}
		ring, err := newKeyring(cfg.Client, cfg.SealKey, alg, rot, cfg.Now, cfg.Logger)
		if err != nil {
			panic(err) // an AES key of 32 bytes always makes a cipher
		}
		srv.keys = ring
		sg := signer{ring: ring}
		tokenStrategy = oidcStrategy{strategy: strategy{now: cfg.Now}, DefaultStrategy: openid.DefaultStrategy{Signer: sg, Config: fc}}
		factories = append(factories, compose.OpenIDConnectExplicitFactory, compose.OpenIDConnectRefreshFactory)
	}
	srv.provider = compose.Compose(fc, st, tokenStrategy, factories...)
	return srv
}

// oidcStrategy is the token strategy with fosite's id_token strategy over
// the keyring's signer.
type oidcStrategy struct {
	strategy
	openid.DefaultStrategy
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
	r.Get("/account", accountHome)
	if s.keys != nil {
		r.With(corsPublic()).Get("/.well-known/openid-configuration", s.discovery)
		r.With(corsPublic()).Options("/.well-known/openid-configuration", preflight)
	}
	r.Route("/oauth", func(r chi.Router) {
		r.Use(noStore)
		r.Get("/authorize", s.authorize)
		r.Post("/authorize", s.authorize)
		r.Post("/login", s.login)
		api := r.With(s.corsAPI())
		api.Post("/token", s.token)
		api.Options("/token", preflight)
		api.Post("/revoke", s.revoke)
		api.Options("/revoke", preflight)
		r.Post("/introspect", s.introspect)
		r.Get("/assets/{name}", serveAsset)
		s.accountRoutes(r)
		if s.keys != nil {
			api.Get("/userinfo", s.userinfo)
			api.Post("/userinfo", s.userinfo)
			api.Options("/userinfo", preflight)
			r.With(corsPublic()).Get("/jwks", s.jwks)
			r.With(corsPublic()).Options("/jwks", preflight)
			r.Get("/logout", s.logout)
			r.Post("/logout", s.logout)
		}
	})
}

func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		next.ServeHTTP(w, r)
	})
}
