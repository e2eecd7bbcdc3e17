package oauth_test

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestLoopbackRedirectURIs: a native app's loopback redirect URI registered
// as http://127.0.0.1/PATH or http://[::1]/PATH, without a port, matches
// the same URI with whatever port the app listens on (RFC 8252 section
// 7.3); nothing else is loosened: another host spelling, path, query, user
// info, scheme, or a port other than a registered one is an error page,
// never a redirect.
func TestLoopbackRedirectURIs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		cases := []struct {
			registered, requested string
			matches               bool
		}{
			{"http://127.0.0.1/callback", "http://127.0.0.1/callback", true},
			{"http://127.0.0.1/callback", "http://127.0.0.1:51234/callback", true},
			{"http://[::1]/callback", "http://[::1]:51234/callback", true},
			{"http://127.0.0.1:8080/callback", "http://127.0.0.1:8080/callback", true},
			{"http://localhost:8080/callback", "http://localhost:8080/callback", true},

			{"http://127.0.0.1:8080/callback", "http://127.0.0.1:9090/callback", false},
			{"http://127.0.0.1:8080/callback", "http://127.0.0.1/callback", false},
			{"https://127.0.0.1/callback", "http://127.0.0.1:51234/callback", false},
			{"http://localhost/callback", "http://localhost:51234/callback", false},
			{"http://127.0.0.1/callback", "http://evil@127.0.0.1:51234/callback", false},
			{"http://127.0.0.1/callback", "http://[::1]:51234/callback", false},
			{"http://127.0.0.1/callback", "http://127.0.0.2:51234/callback", false},
			{"http://127.0.0.1/callback", "http://localhost:51234/callback", false},
			{"http://127.0.0.1/callback", "http://127.0.0.1:51234/callback/other", false},
			{"http://127.0.0.1/callback", "http://127.0.0.1:51234/callback?x=1", false},
			{"http://127.0.0.1/callback", "http://127.0.0.1:51234/Callback", false},
			{"http://127.0.0.1/callback", "http://127.0.0.1:0051234/callback", false},
		}
		for _, c := range cases {
			name := map[bool]string{true: "matches", false: "is an error page"}[c.matches]
			t.Run(c.requested+" "+name+" when "+c.registered+" is registered", func(t *testing.T) {
				a, secret := w.app(t, accounts.AppInput{RedirectURIs: []string{c.registered}})
				conf := w.config(a, secret, "identity")
				conf.RedirectURL = c.requested
				p := newBrowser(t).get(conf.AuthCodeURL("state-1234567890"))
				switch {
				case c.matches && (p.status != 200 || !strings.Contains(p.body, `action="/oauth/login"`)):
					t.Errorf("want the sign-in page, got %d %q %s", p.status, p.location, p.body)
				case !c.matches && (p.status != 400 || p.location != "" || !strings.Contains(p.body, "invalid_request")):
					t.Errorf("want an error page, got %d %q %s", p.status, p.location, p.body)
				}
			})
		}

		t.Run("a failed sign-in form still lets the browser go back to the loopback port", func(t *testing.T) {
			// Chromium applies form-action to the redirect after a form: the
			// form shown again after a wrong password must name the port.
			a, secret := w.app(t, accounts.AppInput{RedirectURIs: []string{"http://127.0.0.1/callback", "https://notes.example/cb"}})
			conf := w.config(a, secret, "identity")
			conf.RedirectURL = "http://127.0.0.1:51234/callback"
			b := newBrowser(t)
			p := b.signIn(w.base, b.get(conf.AuthCodeURL("state-1234567890")), w.user.Email, "wrong-password")
			if csp := p.header.Get("Content-Security-Policy"); p.status != 401 || !strings.Contains(csp, "form-action 'self' http://127.0.0.1:51234;") {
				t.Errorf("%d, CSP %q", p.status, csp)
			}
		})
		t.Run("a code sent to a loopback port is exchanged with that same URI only", func(t *testing.T) {
			a, secret := w.app(t, accounts.AppInput{RedirectURIs: []string{"http://127.0.0.1/callback"}})
			const withPort = "http://127.0.0.1:51234/callback"
			conf := w.config(a, secret, "identity")
			conf.RedirectURL = withPort
			b := newBrowserStoppingAt(t, withPort)
			newCode := func() (code, verifier string) {
				verifier = oauth2.GenerateVerifier()
				p := b.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(verifier)))
				if strings.Contains(p.body, `action="/oauth/login"`) {
					p = b.signIn(w.base, p, w.user.Email, "password123")
				}
				if strings.Contains(p.body, `name="decision"`) {
					p = b.decide(w.base, p, "allow")
				}
				if !strings.HasPrefix(p.location, withPort+"?") {
					t.Fatalf("want a redirect to %s, got %d %q %s", withPort, p.status, p.location, p.body)
				}
				u, _ := url.Parse(p.location)
				return u.Query().Get("code"), verifier
			}
			exchange := func(code, verifier, redirect string) (int, string) {
				return w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"authorization_code"},
					"code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
			}
			code, v := newCode()
			if st, body := exchange(code, v, "http://127.0.0.1/callback"); st != 400 || oauthError(body) != "invalid_grant" {
				t.Errorf("the registered URI instead of the one the code was sent to: %d %s", st, body)
			}
			code, v = newCode()
			if st, body := exchange(code, v, withPort); st != 200 {
				t.Errorf("the URI the code was sent to: %d %s", st, body)
			}
		})
	})
}
