package accounts

import (
	"context"
	"net"
	"net/url"
	"strings"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// AppInput describes an application (an OAuth client) to register.
type AppInput struct {
	Name        string
	Verified    bool
	Permissions []string // users:read, users:write
	// Public clients (browser or mobile apps) have no secret and must use
	// PKCE; confidential ones authenticate with their secret.
	Public       bool
	RedirectURIs []string // matched byte for byte at /oauth/authorize (a loopback IP one without a port: any port)
	Scopes       []string // what the consent screen may ask for
	// PostLogoutRedirectURIs are where OpenID Connect logout may send the
	// browser back (matched exactly, same rules as RedirectURIs);
	// AllowedOrigins are the browser origins (scheme://host[:port]) CORS
	// lets call the token, userinfo, revocation and JWKS endpoints, for a
	// public client only. On UpdateApplication a nil slice keeps what is
	// registered (so older callers do not wipe them), an empty one clears.
	PostLogoutRedirectURIs []string
	AllowedOrigins         []string
}

// CheckAppInput validates an application's description.
// Returns invalid naming the field at fault.
func CheckAppInput(in AppInput) error {
	if strings.TrimSpace(in.Name) == "" || len(in.Name) > 255 {
		return apperr.Invalidf("name", "invalid_name", "name must be 1 to 255 characters")
	}
	if err := checkPermissions(in.Permissions); err != nil {
		return err
	}
	if err := checkScopes(in.Scopes); err != nil {
		return err
	}
	for _, u := range in.RedirectURIs {
		if !ValidRedirectURI(u) {
			return apperr.Invalidf("redirectUris", "invalid_redirect_uri",
				"redirect URI %q must be absolute, without fragment: https, http on a loopback host, or an app's own scheme", u)
		}
	}
	for _, u := range in.PostLogoutRedirectURIs {
		if !ValidRedirectURI(u) {
			return apperr.Invalidf("postLogoutRedirectUris", "invalid_post_logout_redirect_uri",
				"post-logout redirect URI %q must be absolute, without fragment: https, http on a loopback host, or an app's own scheme", u)
		}
	}
	if len(in.AllowedOrigins) > 0 && !in.Public {
		return apperr.Invalidf("allowedOrigins", "origins_need_public_client",
			"allowed origins are for a public client: a browser application cannot keep a secret")
	}
	for _, o := range in.AllowedOrigins {
		if _, ok := NormalizeOrigin(o); !ok {
			return apperr.Invalidf("allowedOrigins", "invalid_origin",
				"origin %q must be scheme://host[:port] without path: https, or http on a loopback host", o)
		}
	}
	return nil
}

// NormalizeOrigin checks a browser origin an application registers and
// returns it as browsers send it in Origin (scheme and host lower case, no
// trailing slash): https://host[:port], or http on a loopback host.
func NormalizeOrigin(o string) (string, bool) {
	if len(o) > 300 || strings.ContainsAny(o, " \t\r\n\x00") {
		return "", false
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" ||
		u.ForceQuery || u.Fragment != "" || strings.Contains(o, "#") || !validHost(u.Hostname()) {
		return "", false
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch h := strings.ToLower(u.Hostname()); {
	case scheme == "https":
	case scheme == "http" && (h == "localhost" || h == "127.0.0.1" || h == "::1"):
	default:
		return "", false
	}
	return scheme + "://" + host, true
}

func normalizeOrigins(in []string) []string {
	out := make([]string, 0, len(in))
	for _, o := range in {
		if n, ok := NormalizeOrigin(o); ok {
			out = append(out, n)
		}
	}
	return dedupe(out)
}

// ValidRedirectURI reports whether u may be registered as a redirect URI:
// absolute, no fragment, no user info; https, or http on a loopback host
// (RFC 8252 native apps), or a private-use scheme with a dot
// (com.example.app:/cb, RFC 8252 section 7.1).
func ValidRedirectURI(u string) bool {
	if len(u) > 2000 || strings.ContainsAny(u, " \t\r\n\x00") {
		return false
	}
	p, err := url.Parse(u)
	if err != nil || !p.IsAbs() || p.Fragment != "" || p.User != nil || p.RawFragment != "" ||
		strings.Contains(u, "#") {
		return false
	}
	if h := p.Hostname(); h != "" && !validHost(h) {
		return false
	}
	switch p.Scheme {
	case "https":
		return p.Host != ""
	case "http":
		h := p.Hostname()
		return h == "localhost" || h == "127.0.0.1" || h == "::1"
	}
	return strings.Contains(p.Scheme, ".")
}

// CreateApplication registers an application and returns it with its
// secret (empty for a public client), shown once and stored only hashed.
// The CLI calls it; GraphQL goes through RegisterApplication.
// Returns invalid per CheckAppInput.
func (s *Service) CreateApplication(ctx context.Context, in AppInput) (*ent.Application, string, error) {
	if err := CheckAppInput(in); err != nil {
		return nil, "", err
	}
	secret, hash := "", ""
	if !in.Public {
		secret, hash = auth.NewAppSecret()
	}
	app, err := s.Client.Application.Create().SetName(in.Name).SetVerified(in.Verified).
		SetPermissions(dedupe(in.Permissions)).SetSecretHash(hash).SetPublic(in.Public).
		SetRedirectUris(dedupe(in.RedirectURIs)).SetScopes(dedupe(in.Scopes)).
		SetPostLogoutRedirectUris(dedupe(in.PostLogoutRedirectURIs)).SetAllowedOrigins(normalizeOrigins(in.AllowedOrigins)).Save(ctx)
	if err != nil {
		return nil, "", apperr.Classify(err)
	}
	return app, secret, nil
}

// CreateApp registers a confidential application without OAuth settings.
func (s *Service) CreateApp(ctx context.Context, name string, verified bool, perms []string) (*ent.Application, string, error) {
	return s.CreateApplication(ctx, AppInput{Name: name, Verified: verified, Permissions: perms})
}

// RegisterApplication is CreateApplication for a viewer.
// Returns forbidden per policy.ManageApplications, invalid per CheckAppInput.
func (s *Service) RegisterApplication(ctx context.Context, v *auth.Viewer, in AppInput) (*ent.Application, string, error) {
	if err := policy.ManageApplications(v); err != nil {
		return nil, "", err
	}
	return s.CreateApplication(ctx, in)
}

// Applications lists every application, oldest first.
// Returns forbidden per policy.ReadApplications.
func (s *Service) Applications(ctx context.Context, v *auth.Viewer) ([]*ent.Application, error) {
	if err := policy.ReadApplications(v); err != nil {
		return nil, err
	}
	apps, err := s.Client.Application.Query().Order(ent.Asc(application.FieldID)).All(ctx)
	return apps, apperr.Classify(err)
}

// Application returns the application of clientID.
// Returns not found (reason unknown_application) when there is none, and
// the errors of policy.ReadApplications.
func (s *Service) Application(ctx context.Context, v *auth.Viewer, clientID string) (*ent.Application, error) {
	if err := policy.ReadApplications(v); err != nil {
		return nil, err
	}
	app, err := s.Client.Application.Query().Where(application.ClientID(clientID)).Only(ctx)
	if err != nil {
		return nil, unknown(err, "unknown_application", "no application with client id "+clientID)
	}
	return app, nil
}

// UpdateApplication replaces an application's description; its secret and
// public-ness stay (a client changing kind is a new client). Tokens already
// issued keep their scopes until they expire or are revoked.
// Returns forbidden per policy.ManageApplications, the errors of
// Application, invalid per CheckAppInput.
func (s *Service) UpdateApplication(ctx context.Context, v *auth.Viewer, clientID string, in AppInput) (*ent.Application, error) {
	if err := policy.ManageApplications(v); err != nil {
		return nil, err
	}
	app, err := s.Application(ctx, v, clientID)
	if err != nil {
		return nil, err
	}
	in.Public = app.Public
	if in.PostLogoutRedirectURIs == nil {
		in.PostLogoutRedirectURIs = app.PostLogoutRedirectUris
	}
	if in.AllowedOrigins == nil {
		in.AllowedOrigins = app.AllowedOrigins
	}
	if err := CheckAppInput(in); err != nil {
		return nil, err
	}
	app, err = app.Update().SetName(in.Name).SetVerified(in.Verified).SetPermissions(dedupe(in.Permissions)).
		SetRedirectUris(dedupe(in.RedirectURIs)).SetScopes(dedupe(in.Scopes)).
		SetPostLogoutRedirectUris(dedupe(in.PostLogoutRedirectURIs)).SetAllowedOrigins(normalizeOrigins(in.AllowedOrigins)).Save(ctx)
	return app, apperr.Classify(err)
}

// RotateSecret gives the application of clientID a new secret, returned
// once and stored hashed; the old one stops working at once. Tokens already
// issued to the application stay valid: revoke them (or delete the
// application) when they leaked too. A public client has no secret.
// Returns the errors of Application, invalid for a public client.
func (s *Service) RotateSecret(ctx context.Context, v *auth.Viewer, clientID string) (*ent.Application, string, error) {
	if err := policy.ManageApplications(v); err != nil {
		return nil, "", err
	}
	app, err := s.Application(ctx, v, clientID)
	if err != nil {
		return nil, "", err
	}
	if app.Public {
		return nil, "", apperr.Invalidf("app", "public_client", "a public client has no secret to rotate")
	}
	secret, hash := auth.NewAppSecret()
	app, err = s.Client.Application.UpdateOne(app).SetSecretHash(hash).Save(ctx)
	if err != nil {
		return nil, "", apperr.Classify(err)
	}
	return app, secret, nil
}

// DeleteApplication removes an application with its credentials, consents
// and pending codes (foreign keys cascade): its users' tokens stop working.
// Returns the errors of Application.
func (s *Service) DeleteApplication(ctx context.Context, v *auth.Viewer, clientID string) error {
	if err := policy.ManageApplications(v); err != nil {
		return err
	}
	app, err := s.Application(ctx, v, clientID)
	if err != nil {
		return err
	}
	return apperr.Classify(s.Client.Application.DeleteOneID(app.ID).Exec(ctx))
}

// validHost admits an IP address or a DNS name (letters, digits, hyphens
// and dots): a redirect URI's origin is written into the screens'
// Content-Security-Policy, where ';', ',' or a quote would add directives.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
