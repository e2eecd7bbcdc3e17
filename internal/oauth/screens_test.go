package oauth_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"userbridge/ent/credential"
	"userbridge/internal/app"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestScreens covers the sign-in and consent screens: what they show, the
// user's decisions, remembered consent, languages and headers.
func TestScreens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, secret := w.app(t, accounts.AppInput{Name: "Notes <beta>", Verified: true})
		unverified, _ := w.app(t, accounts.AppInput{Name: "Shady"})
		conf := w.config(a, secret, "identity", "email")

		t.Run("headers: no-store, CSP without framing, cookies HttpOnly and SameSite=Lax", func(t *testing.T) {
			p := newBrowser(t).get(conf.AuthCodeURL("state-1234567890"))
			h := p.header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
				!strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' http://127.0.0.1") {
				t.Errorf("CSP = %q", csp)
			}
			if h.Get("Cache-Control") != "no-store" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("headers = %v", h)
			}
			for _, c := range h.Values("Set-Cookie") {
				if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") || strings.Contains(c, "Secure") {
					t.Errorf("cookie on http = %q", c)
				}
			}
		})
		t.Run("the application's name is escaped and its verification shown", func(t *testing.T) {
			b := newBrowser(t)
			p := b.signIn(w.base, b.get(conf.AuthCodeURL("state-1234567890")), w.user.Email, "password123")
			if !strings.Contains(p.body, "Authorize Notes &lt;beta&gt;") || !strings.Contains(p.body, "Verified application") ||
				!strings.Contains(p.body, "See your e-mail address and login") || strings.Contains(p.body, "<beta>") {
				t.Errorf("consent page:\n%s", p.body)
			}
			p = b.get(w.config(unverified, "", "identity").AuthCodeURL("state-1234567890"))
			if !strings.Contains(p.body, "This application is not verified") {
				t.Errorf("unverified application's consent page:\n%s", p.body)
			}
		})
		t.Run("in French from Accept-Language", func(t *testing.T) {
			b := newBrowser(t)
			b.lang = "fr-CH, fr;q=0.9, en;q=0.8"
			p := b.get(conf.AuthCodeURL("state-1234567890"))
			if !strings.Contains(p.body, `<html lang="fr">`) || !strings.Contains(p.body, "Mot de passe") {
				t.Fatalf("login page:\n%s", p.body)
			}
			p = b.signIn(w.base, p, w.user.Email, "password123")
			if !strings.Contains(p.body, "Voir votre adresse e-mail") || !strings.Contains(p.body, "Autoriser") {
				t.Errorf("consent page:\n%s", p.body)
			}
		})
		t.Run("deny: access_denied back to the application with the state", func(t *testing.T) {
			b := newBrowser(t)
			p := b.signIn(w.base, b.get(conf.AuthCodeURL("state-1234567890")), w.user.Email, "password123")
			q := callback(t, b.decide(w.base, p, "deny"))
			if q.Get("error") != "access_denied" || q.Get("state") != "state-1234567890" || q.Get("code") != "" ||
				q.Get("error_description") != "The resource owner or authorization server denied the request. The user denied the request." {
				t.Errorf("redirect = %v", q)
			}
		})
		t.Run("invalid_scope: a scope the application may not ask goes back with the state", func(t *testing.T) {
			q := callback(t, newBrowser(t).get(w.config(a, secret, "identity", "files").AuthCodeURL("state-1234567890")))
			if q.Get("error") != "invalid_scope" || q.Get("state") != "state-1234567890" {
				t.Errorf("redirect = %v", q)
			}
		})
		t.Run("a remembered consent is not asked again; a wider request is", func(t *testing.T) {
			b := newBrowser(t)
			w.authorize(t, b, conf)
			if q := callback(t, b.get(w.config(a, secret, "identity").AuthCodeURL("state-1234567890"))); q.Get("code") == "" {
				t.Errorf("narrower request: %v", q)
			}
			p := b.get(w.config(a, secret, "identity", "email", "personal").AuthCodeURL("state-1234567890"))
			if !strings.Contains(p.body, `name="decision"`) || !strings.Contains(p.body, "first, last and display names") {
				t.Errorf("wider request was not asked: %d %q", p.status, p.location)
			}
		})
		t.Run("tokens: consented only through the screen, with their lifetimes", func(t *testing.T) {
			a, secret := w.app(t, accounts.AppInput{Name: "Fresh"})
			conf := w.config(a, secret, "identity")
			v := oauth2.GenerateVerifier()
			tok, err := conf.Exchange(context.Background(), w.authorize(t, newBrowser(t), conf, oauth2.S256ChallengeOption(v)), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			cc, err := (&clientCredentials{w: w, id: a.ClientID, secret: secret}).token(t)
			if err != nil {
				t.Fatal(err)
			}
			for token, want := range map[string]struct {
				consented bool
				ttl       time.Duration
			}{tok.AccessToken: {true, time.Hour}, tok.RefreshToken: {true, 30 * 24 * time.Hour}, cc: {false, time.Hour}} {
				c := w.Store.Client.Credential.Query().Where(credential.TokenHash(hashOf(token))).OnlyX(context.Background())
				if c.Consented != want.consented || *c.ApplicationID != a.ID || c.ExpiresAt == nil ||
					c.ExpiresAt.Sub(c.CreatedAt).Round(time.Minute) != want.ttl {
					t.Errorf("%s: consented %v, application %v, expires %v", token[:4], c.Consented, *c.ApplicationID, c.ExpiresAt)
				}
			}
		})
	})
}

// TestSignInFailures: one message for a wrong password, then the login
// limit GraphQL login shares.
func TestSignInFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL, func(c *app.Config) { c.LoginRate = ratelimit.PerMinute(3, 3) })
		a, secret := w.app(t, accounts.AppInput{})
		conf := w.config(a, secret, "identity")
		b := newBrowser(t)
		p := b.get(conf.AuthCodeURL("state-1234567890"))
		email := "limited@example.com"
		w.User(t, email)
		for i := range 3 {
			r := b.signIn(w.base, p, email, "wrong-password")
			if r.status != 401 || !strings.Contains(r.body, "Wrong e-mail address or password.") {
				t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
			}
		}
		if r := b.signIn(w.base, p, email, "password123"); r.status != 429 || !strings.Contains(r.body, "Too many attempts") {
			t.Errorf("attempt past the limit: %d %s", r.status, r.body)
		}
	})
}

// TestMetadata: the RFC 8414 document, as the public URL names it.
func TestMetadata(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL, func(c *app.Config) { c.PublicURL = "https://id.example.org/" })
		p := newBrowser(t).get(w.base + "/.well-known/oauth-authorization-server")
		want := `{"authorization_endpoint":"https://id.example.org/oauth/authorize",` +
			`"code_challenge_methods_supported":["S256"],` +
			`"grant_types_supported":["authorization_code","refresh_token","client_credentials"],` +
			`"introspection_endpoint":"https://id.example.org/oauth/introspect",` +
			`"introspection_endpoint_auth_methods_supported":["client_secret_basic"],` +
			`"issuer":"https://id.example.org","response_modes_supported":["query"],"response_types_supported":["code"],` +
			`"revocation_endpoint":"https://id.example.org/oauth/revoke",` +
			`"revocation_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"],` +
			`"scopes_supported":["identity","email","personal","modify","files","signatures"],` +
			`"token_endpoint":"https://id.example.org/oauth/token",` +
			`"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"],` +
			`"ui_locales_supported":["en","fr"]}` + "\n"
		if p.status != 200 || p.body != want || p.header.Get("Content-Type") != "application/json" {
			t.Errorf("got %d %s\nwant %s", p.status, p.body, want)
		}
	})
}

// TestSecureCookies: with an https public URL the screens' cookies are
// Secure.
func TestSecureCookies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL, func(c *app.Config) { c.PublicURL = "https://id.example.org" })
		a, secret := w.app(t, accounts.AppInput{})
		p := newBrowser(t).get(w.config(a, secret, "identity").AuthCodeURL("state-1234567890"))
		cookies := p.header.Values("Set-Cookie")
		if len(cookies) == 0 {
			t.Fatal("no cookie")
		}
		for _, c := range cookies {
			if !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
				t.Errorf("cookie = %q", c)
			}
		}
	})
}

// TestClientCredentialsAndIntrospection: an application alone, and what
// introspection tells each client.
func TestClientCredentialsAndIntrospection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, secret := w.app(t, accounts.AppInput{Name: "Backend"})
		other, otherSecret := w.app(t, accounts.AppInput{Name: "Other"})
		pub, _ := w.app(t, accounts.AppInput{Name: "Mobile", Public: true})
		conf := w.config(a, secret, "identity", "email")
		v := oauth2.GenerateVerifier()
		tok, err := conf.Exchange(context.Background(), w.authorize(t, newBrowser(t), conf, oauth2.S256ChallengeOption(v)), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		alone, err := (&clientCredentials{w: w, id: a.ClientID, secret: secret}).token(t)
		if err != nil {
			t.Fatal(err)
		}
		introspect := func(id, sec, token string) (int, map[string]any) {
			st, body := w.formCall(t, "/oauth/introspect", id, sec, url.Values{"token": {token}})
			var m map[string]any
			_ = json.Unmarshal([]byte(body), &m)
			return st, m
		}
		st, m := introspect(a.ClientID, secret, tok.AccessToken)
		if st != 200 || m["active"] != true || m["client_id"] != a.ClientID || m["scope"] != "identity email" ||
			m["sub"] != w.user.PublicID || m["exp"] == nil {
			t.Errorf("own user token: %d %v", st, m)
		}
		st, m = introspect(a.ClientID, secret, alone)
		if st != 200 || m["active"] != true || m["scope"] != "identity email personal" || m["sub"] != nil {
			t.Errorf("own client-credentials token: %d %v", st, m)
		}
		if st, m := introspect(other.ClientID, otherSecret, tok.AccessToken); st != 200 || m["active"] != false || len(m) != 1 {
			t.Errorf("another client's token: %d %v", st, m)
		}
		if st, m := introspect(a.ClientID, secret, "uba_unknown"); st != 200 || m["active"] != false || len(m) != 1 {
			t.Errorf("unknown token: %d %v", st, m)
		}
		if st, _ := introspect(pub.ClientID, "", tok.AccessToken); st != 401 {
			t.Errorf("public client: %d", st)
		}
		if st, _ := introspect(a.ClientID, "wrong", tok.AccessToken); st != 401 {
			t.Errorf("wrong secret: %d", st)
		}
		// The application alone reads itself as Basic id:secret does.
		if st, _ := w.api(t, "GET", "/users/@current", alone); st == 200 {
			t.Errorf("an application alone has no current user")
		}
	})
}
