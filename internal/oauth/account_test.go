package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// stay is the browser b that answers redirects instead of following them.
func stay(b *browser) *browser {
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: b.t, Client: &c, lang: b.lang}
}

// accountSignIn signs b in on the account page and returns the answer to
// the sign-in form, not followed.
func (w *world) accountSignIn(t *testing.T, b *browser, email, password string) page {
	t.Helper()
	p := b.get(w.base + "/account")
	if p.status != 200 || !strings.Contains(p.body, `action="/oauth/account/signin"`) {
		t.Fatalf("GET /account without a session: %d %s", p.status, p.body)
	}
	f := p.fields()
	f.Set("email", email)
	f.Set("password", password)
	return stay(b).post(w.base+"/oauth/account/signin", f)
}

// csrfOf is the CSRF token of a page's forms.
func csrfOf(t *testing.T, p page) string {
	t.Helper()
	c := p.fields().Get("csrf")
	if c == "" {
		t.Fatalf("no CSRF token on the page: %s", p.body)
	}
	return c
}

// apiStatus is the status of the user's own record read with token.
func (w *world) apiStatus(token string) int {
	return w.Do(apptest.Request("GET", "/users/@current", token, nil)).Code
}

// TestAccountPage: the account page shows who is signed in and the
// applications they authorized; revoking one ends its tokens; changing the
// password needs the current one and ends every other session and token;
// signing out ends the session. Every form refuses a missing or wrong
// CSRF token, another site's post and a browser without a session.
func TestAccountPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		bob := w.User(t, "bob@example.com")
		a, secret := w.app(t, accounts.AppInput{Name: "Notes <beta>", Verified: true})
		other, otherSecret := w.app(t, accounts.AppInput{Name: "Bob's tool"})
		conf := w.config(a, secret, "identity", "email")
		grant := func(t *testing.T) string {
			tok, err := conf.Exchange(context.Background(), w.authorize(t, newBrowser(t), conf))
			if err != nil {
				t.Fatal(err)
			}
			return tok.AccessToken
		}
		token := grant(t)

		t.Run("no session: /account goes to the sign-in screen", func(t *testing.T) {
			b := stay(newBrowser(t))
			if p := b.get(w.base + "/account"); p.status != http.StatusFound || p.location != "/oauth/account" {
				t.Fatalf("GET /account: %d %q", p.status, p.location)
			}
			if p := b.get(w.base + "/oauth/account"); p.status != http.StatusSeeOther || p.location != "/oauth/account/signin" {
				t.Fatalf("GET /oauth/account: %d %q", p.status, p.location)
			}
		})

		b := newBrowser(t)
		t.Run("sign-in: a wrong password keeps the e-mail and focuses the password", func(t *testing.T) {
			p := w.accountSignIn(t, b, w.user.Email, "wrong-password")
			if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Wrong e-mail address or password.") ||
				!strings.Contains(p.body, `value="ada@example.com"`) ||
				!strings.Contains(p.body, `id="password" name="password" type="password" autocomplete="current-password" required autofocus>`) {
				t.Fatalf("%d %s", p.status, p.body)
			}
		})
		p := w.accountSignIn(t, b, w.user.Email, "password123")
		if p.status != http.StatusSeeOther || p.location != "/oauth/account" {
			t.Fatalf("sign-in: %d %q %s", p.status, p.location, p.body)
		}
		for _, c := range p.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "ub_oauth_session=") && (!strings.Contains(c, "SameSite=Lax") || !strings.Contains(c, "HttpOnly") ||
				!strings.Contains(c, "Path=/oauth")) {
				t.Errorf("session cookie %q", c)
			}
		}
		home := b.get(w.base + "/account")
		t.Run("the page shows who I am and what I authorized, escaped", func(t *testing.T) {
			for _, want := range []string{"Your account", "ada@example.com", w.user.PublicID, "Notes &lt;beta&gt;", "Verified application",
				"See your e-mail address and login", `name="client_id" value="` + a.ClientID + `"`, `action="/oauth/account/password"`,
				`id="signout"`} {
				if !strings.Contains(home.body, want) {
					t.Errorf("account page lacks %q:\n%s", want, home.body)
				}
			}
			if strings.Contains(home.body, "Bob&#39;s tool") || strings.Contains(home.body, "<beta>") {
				t.Errorf("account page:\n%s", home.body)
			}
			if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") ||
				home.header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", home.header)
			}
		})
		csrf := csrfOf(t, home)
		form := func(kv ...string) url.Values {
			f := url.Values{"csrf": {csrf}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}

		t.Run("attacks on the forms are refused and change nothing", func(t *testing.T) {
			for _, path := range []string{"/oauth/account/revoke", "/oauth/account/password", "/oauth/account/signout"} {
				for name, f := range map[string]url.Values{
					"no CSRF":    {"client_id": {a.ClientID}},
					"wrong CSRF": {"client_id": {a.ClientID}, "csrf": {csrf[:len(csrf)-2] + "xx"}},
				} {
					if p := stay(b).post(w.base+path, f); p.status != http.StatusForbidden {
						t.Errorf("%s, %s: %d", path, name, p.status)
					}
				}
				cross := func(header, value string) int {
					req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(form("client_id", a.ClientID).Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set(header, value)
					return stay(b).do(req).status
				}
				if got := cross("Origin", "https://evil.example"); got != http.StatusForbidden {
					t.Errorf("%s from another origin: %d", path, got)
				}
				if got := cross("Sec-Fetch-Site", "cross-site"); got != http.StatusForbidden {
					t.Errorf("%s, a cross-site post: %d", path, got)
				}
			}
			// A cross-site POST carries no SameSite=Lax cookie: no session.
			anon := stay(newBrowser(t))
			for _, path := range []string{"/oauth/account/revoke", "/oauth/account/password"} {
				page := anon.get(w.base + "/oauth/account/signin")
				f := url.Values{"csrf": {csrfOf(t, page)}, "client_id": {a.ClientID}}
				if p := anon.post(w.base+path, f); p.status != http.StatusSeeOther || p.location != "/oauth/account/signin" {
					t.Errorf("%s without a session: %d %q", path, p.status, p.location)
				}
			}
			if w.apiStatus(token) != 200 {
				t.Fatal("a refused form revoked the token")
			}
		})

		t.Run("revoke-404 another user's application, an unknown one, a hostile id", func(t *testing.T) {
			bobConf := w.config(other, otherSecret, "identity")
			bb := newBrowser(t)
			lp := bb.get(bobConf.AuthCodeURL("state-1234567890"))
			callback(t, bb.decide(w.base, bb.signIn(w.base, lp, bob.Email, "password123"), "allow"))
			for _, id := range []string{other.ClientID, "nope", "", strings.Repeat("x", 1000), "a\x00b", "\xff\xfe"} {
				p := stay(b).post(w.base+"/oauth/account/revoke", form("client_id", id))
				if p.status != http.StatusNotFound || !strings.Contains(p.body, "That application is not among those you authorized.") {
					t.Errorf("revoke %.20q: %d", id, p.status)
				}
			}
			if p := stay(b).post(w.base+"/oauth/account/revoke", form("client_id", strings.Repeat("x", 100000))); p.status != http.StatusBadRequest {
				t.Errorf("a form past the screens' bound: %d", p.status)
			}
			if ok, err := w.Accounts.ConsentCovers(context.Background(), bob.ID, other.ID, []string{"identity"}); err != nil || !ok {
				t.Fatalf("bob's consent: %v %v", ok, err)
			}
		})

		t.Run("revoke-303 withdraws the consent and ends the application's tokens", func(t *testing.T) {
			p := stay(b).post(w.base+"/oauth/account/revoke", form("client_id", a.ClientID))
			if p.status != http.StatusSeeOther || p.location != "/oauth/account?done=revoked" {
				t.Fatalf("%d %q %s", p.status, p.location, p.body)
			}
			if got := w.apiStatus(token); got != http.StatusUnauthorized {
				t.Errorf("the application's token after the revocation: %d", got)
			}
			p = b.get(w.base + p.location)
			if !strings.Contains(p.body, "access was revoked") || !strings.Contains(p.body, `id="no-apps"`) {
				t.Errorf("after revoking:\n%s", p.body)
			}
		})

		t.Run("password-400: wrong current password, two new ones that differ, too short", func(t *testing.T) {
			for want, f := range map[string]url.Values{
				"The current password is wrong.":                  form("current_password", "guess-guess", "new_password", "another-password-1", "new_password_again", "another-password-1"),
				"The two new passwords differ.":                   form("current_password", "password123", "new_password", "another-password-1", "new_password_again", "another-password-2"),
				"The new password must have 8 to 128 characters.": form("current_password", "password123", "new_password", "short", "new_password_again", "short"),
			} {
				p := stay(b).post(w.base+"/oauth/account/password", f)
				if p.status != http.StatusBadRequest || !strings.Contains(p.body, want) || !strings.Contains(p.body, `required autofocus aria-describedby="password-error"`) {
					t.Errorf("%s: %d %s", want, p.status, p.body)
				}
			}
			if _, err := w.Accounts.CheckPassword(context.Background(), w.user.Email, "password123", ""); err != nil {
				t.Fatalf("a refused change changed the password: %v", err)
			}
		})

		t.Run("password-303 ends every other session and token, keeps this one", func(t *testing.T) {
			elsewhere := newBrowser(t)
			if p := w.accountSignIn(t, elsewhere, w.user.Email, "password123"); p.status != http.StatusSeeOther {
				t.Fatalf("second sign-in: %d", p.status)
			}
			first := w.Token(t, w.user)
			p := stay(b).post(w.base+"/oauth/account/password",
				form("current_password", "password123", "new_password", "another-password-1", "new_password_again", "another-password-1"))
			if p.status != http.StatusSeeOther || p.location != "/oauth/account?done=password" {
				t.Fatalf("%d %q %s", p.status, p.location, p.body)
			}
			if got := w.apiStatus(first); got != http.StatusUnauthorized {
				t.Errorf("a token from before the change: %d", got)
			}
			if p := stay(elsewhere).get(w.base + "/oauth/account"); p.status != http.StatusSeeOther {
				t.Errorf("the other browser's session after the change: %d", p.status)
			}
			if p := b.get(w.base + "/oauth/account?done=password"); p.status != 200 || !strings.Contains(p.body, "Your password was changed") {
				t.Errorf("this browser after the change: %d %s", p.status, p.body)
			}
			if _, err := w.Accounts.CheckPassword(context.Background(), w.user.Email, "another-password-1", ""); err != nil {
				t.Errorf("the new password: %v", err)
			}
		})

		t.Run("sign out ends the session", func(t *testing.T) {
			p := b.post(w.base+"/oauth/account/signout", form())
			if p.status != 200 || !strings.Contains(p.body, "You are signed out") {
				t.Fatalf("%d %s", p.status, p.body)
			}
			if p := stay(b).get(w.base + "/oauth/account"); p.status != http.StatusSeeOther {
				t.Errorf("after signing out: %d", p.status)
			}
		})

		t.Run("in French", func(t *testing.T) {
			fb := newBrowser(t)
			fb.lang = "fr"
			w.accountSignIn(t, fb, bob.Email, "password123")
			if p := fb.get(w.base + "/account"); !strings.Contains(p.body, "Votre compte") || !strings.Contains(p.body, "Retirer l&#39;accès") {
				t.Errorf("%s", p.body)
			}
		})
	})
}

// TestScreensNotYouAndFavicon: the consent screen names who is signed in
// with a way out (sign out, then back to the same authorization request,
// which asks who signs in) and a link to the account page; the screens
// carry the favicon, which is served.
func TestScreensNotYouAndFavicon(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	a, secret := w.app(t, accounts.AppInput{Name: "Notes", Verified: true})
	conf := w.config(a, secret, "identity")
	b := newBrowser(t)
	authURL := conf.AuthCodeURL("state-1234567890")
	consent := b.signIn(w.base, b.get(authURL), w.user.Email, "password123")
	if !strings.Contains(consent.body, `action="/oauth/account/signout" class="not-you"`) || !strings.Contains(consent.body, `href="/account"`) ||
		!strings.Contains(consent.body, `href="/oauth/assets/favicon.svg"`) {
		t.Fatalf("consent page:\n%s", consent.body)
	}
	// Signed in, asked to sign in again (prompt=login): the sign-in
	// screen names who is signed in, with the same way out.
	again := b.get(w.config(a, secret, "openid", "identity").AuthCodeURL("state-1234567890",
		oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("nonce", "nonce-1234567890")))
	if !strings.Contains(again.body, `action="/oauth/login"`) || !strings.Contains(again.body, `class="not-you"`) ||
		!strings.Contains(again.body, "<strong>ada@example.com</strong>") {
		t.Fatalf("sign-in screen with a session:\n%s", again.body)
	}
	f := url.Values{"csrf": {csrfOf(t, consent)}, "return_to": {consent.action()}}
	p := stay(b).post(w.base+"/oauth/account/signout", f)
	if p.status != http.StatusSeeOther || p.location != consent.action() || !strings.HasPrefix(p.location, "/oauth/authorize?") {
		t.Fatalf("not you: %d %q", p.status, p.location)
	}
	if back := b.get(w.base + p.location); !strings.Contains(back.body, `action="/oauth/login"`) {
		t.Fatalf("back at the request, signed out: %s", back.body)
	}
	// Never an open redirect.
	f.Set("return_to", "https://evil.example/")
	if p := stay(b).post(w.base+"/oauth/account/signout", f); p.status != 200 || p.location != "" {
		t.Fatalf("sign out to elsewhere: %d %q", p.status, p.location)
	}
	icon := b.get(w.base + "/oauth/assets/favicon.svg")
	if icon.status != 200 || icon.header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(icon.body, "<svg") {
		t.Fatalf("favicon: %d %v", icon.status, icon.header)
	}
	if css := b.get(w.base + "/oauth/assets/style.css"); css.status != 200 || !strings.Contains(css.body, "box-sizing: border-box") {
		t.Fatalf("style.css: %d", css.status)
	}
}
