package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// clock is the service's time, moved forward by tests.
type clock struct{ skew atomic.Int64 }

func (c *clock) now() time.Time            { return time.Now().Add(time.Duration(c.skew.Load())) }
func (c *clock) advance(d time.Duration)   { c.skew.Add(int64(d)) }
func withClock(c *clock) func(*app.Config) { return func(cfg *app.Config) { cfg.Now = c.now } }

// tokens decodes a token response.
func tokens(t *testing.T, st int, body string) (access, refresh string) {
	var r struct{ AccessToken, RefreshToken string }
	var raw map[string]any
	if st != 200 || json.Unmarshal([]byte(body), &raw) != nil {
		t.Fatalf("token response %d %s", st, body)
	}
	r.AccessToken, _ = raw["access_token"].(string)
	r.RefreshToken, _ = raw["refresh_token"].(string)
	return r.AccessToken, r.RefreshToken
}

// oauthError is the "error" of a JSON error response.
func oauthError(body string) string {
	var e struct{ Error string }
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error
}

// TestAttacks: what an attacker tries against the flow, each refused.
func TestAttacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		clk := &clock{}
		w := newWorld(t, dbURL, withClock(clk))
		a, secret := w.app(t, accounts.AppInput{Name: "Notes"})
		other, otherSecret := w.app(t, accounts.AppInput{Name: "Other"})
		pub, _ := w.app(t, accounts.AppInput{Name: "Mobile", Public: true})
		conf := w.config(a, secret, "identity", "email")
		b := newBrowser(t) // signed in and consented once, then remembered
		newCode := func(t *testing.T) (code, verifier string) {
			verifier = oauth2.GenerateVerifier()
			p := b.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(verifier)))
			if strings.Contains(p.body, `action="/oauth/login"`) {
				p = b.signIn(w.base, p, w.user.Email, "password123")
			}
			if strings.Contains(p.body, `name="decision"`) {
				p = b.decide(w.base, p, "allow")
			}
			return callback(t, p).Get("code"), verifier
		}
		exchange := func(code, verifier, id, sec, redirect string) (int, string) {
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
			if verifier != "" {
				form.Set("code_verifier", verifier)
			}
			return w.tokenCall(t, id, sec, form)
		}
		bearer := func(token string) int { st, _ := w.api(t, "GET", "/users/@current", token); return st }

		t.Run("code reuse is refused and revokes what the code gave", func(t *testing.T) {
			code, v := newCode(t)
			st0, body0 := exchange(code, v, a.ClientID, secret, redirectURI)
			access, refresh := tokens(t, st0, body0)
			st, body := exchange(code, v, a.ClientID, secret, redirectURI)
			if st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("second exchange = %d %s", st, body)
			}
			if bearer(access) != 401 {
				t.Errorf("access token of a reused code still works")
			}
			if st, body := w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); st != 400 {
				t.Errorf("refresh token of a reused code = %d %s", st, body)
			}
		})
		t.Run("a code is refused to another client", func(t *testing.T) {
			code, v := newCode(t)
			if st, body := exchange(code, v, other.ClientID, otherSecret, redirectURI); st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("other client = %d %s", st, body)
			}
		})
		t.Run("a code is refused with another redirect URI", func(t *testing.T) {
			code, v := newCode(t)
			if st, body := exchange(code, v, a.ClientID, secret, "http://127.0.0.1/elsewhere"); st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("wrong redirect = %d %s", st, body)
			}
		})
		t.Run("a code with PKCE is refused without its verifier", func(t *testing.T) {
			code, _ := newCode(t)
			if st, body := exchange(code, "", a.ClientID, secret, redirectURI); st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("no verifier = %d %s", st, body)
			}
		})
		t.Run("a code with PKCE is refused with another verifier", func(t *testing.T) {
			code, _ := newCode(t)
			if st, body := exchange(code, oauth2.GenerateVerifier(), a.ClientID, secret, redirectURI); st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("wrong verifier = %d %s", st, body)
			}
		})
		t.Run("an expired code is refused", func(t *testing.T) {
			code, v := newCode(t)
			clk.advance(6 * time.Minute)
			defer clk.advance(-6 * time.Minute)
			if st, body := exchange(code, v, a.ClientID, secret, redirectURI); st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("expired code = %d %s", st, body)
			}
		})
		t.Run("a replayed refresh token revokes its whole family", func(t *testing.T) {
			code, v := newCode(t)
			st0, body0 := exchange(code, v, a.ClientID, secret, redirectURI)
			_, r1 := tokens(t, st0, body0)
			refresh := func(r string) (int, string) {
				return w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r}})
			}
			st1, body1 := refresh(r1)
			a2, r2 := tokens(t, st1, body1)
			if st, body := refresh(r1); st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("replayed refresh token = %d %s", st, body)
			}
			if bearer(a2) != 401 {
				t.Errorf("access token of the family still works after a replay")
			}
			if st, body := refresh(r2); st != 400 {
				t.Errorf("refresh token of the family still refreshes after a replay: %d %s", st, body)
			}
		})
		t.Run("a public client without PKCE is sent back before anyone signs in", func(t *testing.T) {
			pc := w.config(pub, "", "identity")
			q := callback(t, newBrowser(t).get(pc.AuthCodeURL("state-1234567890")))
			if q.Get("error") != "invalid_request" || q.Get("state") != "state-1234567890" {
				t.Fatalf("redirect = %v", q)
			}
		})
		t.Run("PKCE plain is refused", func(t *testing.T) {
			q := callback(t, newBrowser(t).get(conf.AuthCodeURL("state-1234567890",
				oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)), oauth2.SetAuthURLParam("code_challenge_method", "plain"))))
			if q.Get("error") != "invalid_request" {
				t.Fatalf("redirect = %v", q)
			}
		})
		t.Run("an unregistered redirect URI is an error page, never a redirect", func(t *testing.T) {
			for _, ru := range []string{"https://evil.example/callback", redirectURI + "/../evil", redirectURI + "?x=1", "//evil.example/"} {
				evil := *conf
				evil.RedirectURL = ru
				p := newBrowser(t).get(evil.AuthCodeURL("state-1234567890"))
				if p.status != 400 || p.location != "" || !strings.Contains(p.body, "invalid_request") {
					t.Errorf("%s: %d %q %s", ru, p.status, p.location, p.body)
				}
			}
		})
		t.Run("an unknown client is an error page, never a redirect", func(t *testing.T) {
			p := newBrowser(t).get(w.base + "/oauth/authorize?response_type=code&client_id=unknown&redirect_uri=" +
				url.QueryEscape("https://evil.example/") + "&state=state-1234567890")
			if p.status != 401 || p.location != "" || !strings.Contains(p.body, "invalid_client") {
				t.Errorf("%d %q %s", p.status, p.location, p.body)
			}
		})
		t.Run("the sign-in form returns only to an authorization request", func(t *testing.T) {
			nb := newBrowser(t)
			p := nb.get(conf.AuthCodeURL("state-1234567890"))
			f := p.fields()
			for _, rt := range []string{"https://evil.example/", "//evil.example/oauth/authorize?", "/graphiql?"} {
				f.Set("return_to", rt)
				f.Set("email", w.user.Email)
				f.Set("password", "password123")
				if r := nb.post(w.base+"/oauth/login", f); r.status != 400 || r.location != "" {
					t.Errorf("return_to %s: %d %q", rt, r.status, r.location)
				}
			}
		})
		t.Run("CSRF: a consent form without the browser's token is refused", func(t *testing.T) {
			nb := newBrowser(t)
			wider := w.config(a, secret, "identity", "email", "personal")
			p := nb.signIn(w.base, nb.get(wider.AuthCodeURL("state-1234567890")), w.user.Email, "password123")
			forged := newBrowser(t).get(wider.AuthCodeURL("state-1234567890")).fields().Get("csrf") // another browser's
			for _, token := range []string{"", "x", forged} {
				f := url.Values{"csrf": {token}, "decision": {"allow"}}
				if r := nb.post(w.base+p.action(), f); r.status != 403 || r.location != "" {
					t.Errorf("csrf %q: %d %q", token, r.status, r.location)
				}
			}
			// Nothing was approved: the consent page shows again.
			if r := nb.get(wider.AuthCodeURL("state-1234567890")); !strings.Contains(r.body, `name="decision"`) {
				t.Errorf("a forged consent was remembered: %d %q", r.status, r.location)
			}
		})
		t.Run("CSRF: a sign-in form without the browser's token is refused", func(t *testing.T) {
			nb := newBrowser(t)
			f := nb.get(conf.AuthCodeURL("state-1234567890")).fields()
			f.Set("csrf", "forged")
			f.Set("email", w.user.Email)
			f.Set("password", "password123")
			if r := nb.post(w.base+"/oauth/login", f); r.status != 403 || r.location != "" {
				t.Errorf("%d %q", r.status, r.location)
			}
		})
		t.Run("NUL bytes, invalid UTF-8 and huge forms on the sign-in form", func(t *testing.T) {
			nb := newBrowser(t)
			f := nb.get(conf.AuthCodeURL("state-1234567890")).fields()
			for _, email := range []string{"ada@example.com\x00", "ada\xff@example.com", strings.Repeat("a", 5000) + "@example.com"} {
				f.Set("email", email)
				f.Set("password", "password123")
				if r := nb.post(w.base+"/oauth/login", f); r.status != 401 || !strings.Contains(r.body, "Wrong e-mail address or password.") {
					t.Errorf("email %.20q: %d", email, r.status)
				}
			}
			f.Set("email", w.user.Email)
			f.Set("password", strings.Repeat("p", 100<<10))
			if r := nb.post(w.base+"/oauth/login", f); r.status != 400 || r.location != "" {
				t.Errorf("a form over 64 KiB: %d %q", r.status, r.location)
			}
		})
		t.Run("a forged session cookie signs nobody in", func(t *testing.T) {
			nb := newBrowser(t)
			u, _ := url.Parse(w.base + "/oauth/")
			nb.Jar.SetCookies(u, []*http.Cookie{{Name: "ub_oauth_session", Value: "1.99999999999.x.forged", Path: "/oauth"}})
			if p := nb.get(conf.AuthCodeURL("state-1234567890")); !strings.Contains(p.body, `action="/oauth/login"`) {
				t.Errorf("forged session accepted: %d %q", p.status, p.location)
			}
		})
		t.Run("a password change ends the screens' session", func(t *testing.T) {
			nb := newBrowser(t)
			nb.signIn(w.base, nb.get(conf.AuthCodeURL("state-1234567890")), w.user.Email, "password123")
			if p := nb.get(conf.AuthCodeURL("state-1234567890")); strings.Contains(p.body, `action="/oauth/login"`) {
				t.Fatalf("not signed in")
			}
			hash := "$argon2id$v=19$m=7168,t=5,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
			w.Store.Client.User.UpdateOneID(w.user.ID).SetPasswordHash(hash).ExecX(t.Context())
			defer w.Store.Client.User.UpdateOneID(w.user.ID).SetPasswordHash(w.user.PasswordHash).ExecX(t.Context())
			if p := nb.get(conf.AuthCodeURL("state-1234567890")); !strings.Contains(p.body, `action="/oauth/login"`) {
				t.Errorf("session survived a password change: %d", p.status)
			}
		})
	})
}
