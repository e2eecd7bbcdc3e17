package oauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"userbridge/ent/user"
	"userbridge/internal/app"
	"userbridge/internal/oauth"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// An outsider against OpenID Connect: what TestOpenIDConnectAttacks and
// TestBrowserApplicationsCORS leave untried.

var markerRe = regexp.MustCompile(`ub_login(?:=|%3D)([0-9]+(?:\.|%2E)[A-Za-z0-9_-]+)`)

// TestOutsiderStaleSignInMarker: the mark that a fresh sign-in was asked
// (ub_login) vouches for the request that asked it, not for any other. An
// attacker who obtained one in their own browser, then sits at a browser
// signed in since, must not pass prompt=login or max_age=0 with it for a
// new request: that request asks for the password again.
func TestOutsiderStaleSignInMarker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a := w.oidcApp(t, "Notes SPA")
		conf := w.config(a, "", "openid")

		// The attacker's browser asks for prompt=login and keeps the mark.
		p := newBrowser(t).get(conf.AuthCodeURL("state-attacker-1", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("nonce", "nonce-attacker")))
		m := markerRe.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no sign-in mark on the page: %s", p.body)
		}
		mark, _ := url.QueryUnescape(m[1])

		// The victim signs in (since the mark was made) and leaves.
		victim := newBrowser(t)
		w.signInOIDC(t, victim, conf, "nonce-victim-1")

		for _, prompt := range []map[string]string{{"prompt": "login"}, {"max_age": "0"}} {
			u := conf.AuthCodeURL("state-victim-2", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("nonce", "nonce-victim-2"))
			for k, v := range prompt {
				u += "&" + k + "=" + v
			}
			p := victim.get(u + "&ub_login=" + url.QueryEscape(mark))
			if !strings.Contains(p.body, `action="/oauth/login"`) {
				t.Errorf("%v with another request's mark: %d %q, want the sign-in form", prompt, p.status, p.location)
			}
		}
		// The mark of the victim's own request still works as designed.
		p = victim.get(conf.AuthCodeURL("state-victim-3", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("prompt", "login")))
		if q := callback(t, victim.signIn(w.base, p, w.user.Email, "password123")); q.Get("code") == "" {
			t.Fatalf("its own mark: %v", q)
		}
	})
}

// TestOutsiderDiscoveryHeaders: the issuer and every endpoint are
// PUBLIC_URL's, whatever Host or X-Forwarded-* a request carries (a cache
// in front would otherwise keep a poisoned document).
func TestOutsiderDiscoveryHeaders(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	req, _ := http.NewRequest(http.MethodGet, w.base+"/.well-known/openid-configuration", nil)
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("Forwarded", "host=evil.example;proto=https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range doc {
		if s, ok := v.(string); ok && strings.Contains(s, "evil.example") {
			t.Errorf("%s = %s", k, s)
		}
	}
	if doc["issuer"] != w.base {
		t.Errorf("issuer = %v", doc["issuer"])
	}
}

// TestOutsiderUserinfo: userinfo answers an OAuth access token granted
// openid, sent in the Authorization header, of an active user; nothing
// else: not a first-party token (it carries no openid), not an
// application's own token, not a token in the query or the body, not two
// Authorization headers, not a suspended user's token.
func TestOutsiderUserinfo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a := w.oidcApp(t, "Notes SPA")
		conf := w.config(a, "", "openid", "email")
		tok, _ := w.signInOIDC(t, newBrowser(t), conf, "nonce-userinfo-1")
		firstParty := w.Token(t, w.user)
		confApp, secret := w.app(t, accounts.AppInput{Name: "Server"})
		appToken, err := (&clientCredentials{w: w, id: confApp.ClientID, secret: secret}).token(t)
		if err != nil {
			t.Fatal(err)
		}
		do := func(method, target string, body url.Values, headers ...string) int {
			var req *http.Request
			if body != nil {
				req, _ = http.NewRequest(method, target, strings.NewReader(body.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req, _ = http.NewRequest(method, target, nil)
			}
			for _, h := range headers {
				req.Header.Add("Authorization", h)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		ui := w.base + "/oauth/userinfo"
		if got := do("GET", ui, nil, "Bearer "+tok.AccessToken); got != 200 {
			t.Fatalf("the real thing: %d", got)
		}
		for name, got := range map[string]int{
			"first-party token":    do("GET", ui, nil, "Bearer "+firstParty),
			"application's own":    do("GET", ui, nil, "Bearer "+appToken),
			"token in the query":   do("GET", ui+"?access_token="+url.QueryEscape(tok.AccessToken), nil),
			"token in the body":    do("POST", ui, url.Values{"access_token": {tok.AccessToken}}),
			"two headers":          do("GET", ui, nil, "Bearer "+tok.AccessToken, "Bearer "+tok.AccessToken),
			"basic with the token": do("GET", ui, nil, "Basic "+tok.AccessToken),
			"a truncated token":    do("GET", ui, nil, "Bearer "+tok.AccessToken[:10]),
		} {
			if got == 200 {
				t.Errorf("%s: 200", name)
			}
		}
		w.Store.Client.User.UpdateOne(w.user).SetStatus(user.StatusSuspended).ExecX(context.Background())
		if got := do("GET", ui, nil, "Bearer "+tok.AccessToken); got != 401 {
			t.Errorf("a suspended user's token: %d", got)
		}
	})
}

// TestOutsiderCORSLookalikes: an origin is allowed when it is one a
// public application registered, byte for byte; an application may not
// register null, a wildcard, plain http off loopback, a path; a
// confidential one none at all.
func TestOutsiderCORSLookalikes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		w.oidcApp(t, "Notes SPA") // http://localhost:5173
		for _, origin := range []string{"http://localhost:5173.evil.example", "http://localhost:51730", "https://localhost:5173",
			"http://localhost:5173/", "HTTP://LOCALHOST:5173", "http://localhost", "null", "http://localhost:5173\x00",
			"http://evil.example#http://localhost:5173", strings.Repeat("h", 10000)} {
			req, _ := http.NewRequest(http.MethodOptions, w.base+"/oauth/token", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				continue // a header net/http will not send is no attack
			}
			res.Body.Close()
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("origin %.60q allowed as %q", origin, got)
			}
		}
		for _, in := range []accounts.AppInput{
			{Name: "Null", Public: true, AllowedOrigins: []string{"null"}},
			{Name: "Star", Public: true, AllowedOrigins: []string{"*"}},
			{Name: "Plain", Public: true, AllowedOrigins: []string{"http://spa.example"}},
			{Name: "Path", Public: true, AllowedOrigins: []string{"https://spa.example/app"}},
			{Name: "Creds", Public: true, AllowedOrigins: []string{"https://user:pw@spa.example"}},
			{Name: "Secret", Public: false, AllowedOrigins: []string{"https://spa.example"}},
		} {
			in.RedirectURIs, in.Scopes = []string{redirectURI}, []string{"identity"}
			if a, _, err := w.Accounts.CreateApplication(context.Background(), in); err == nil {
				t.Errorf("%s registered with origins %v", in.Name, a.AllowedOrigins)
			}
		}
	})
}

// TestOutsiderLogoutRedirects: a post-logout URI is one registered for
// the application, byte for byte; spellings of it that a browser would
// follow elsewhere are refused, with or without a hint, and nobody is
// signed out by a refused request.
func TestOutsiderLogoutRedirects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a := w.oidcApp(t, "Notes SPA") // logoutURI http://127.0.0.1/bye
		other, _ := w.app(t, accounts.AppInput{Name: "Other", Public: true, PostLogoutRedirectURIs: []string{"https://other.example/bye"}})
		conf := w.config(a, "", "openid")
		b := newBrowserStoppingAt(t, "http://127.0.0.1/")
		_, raw := w.signInOIDC(t, b, conf, "nonce-logout-1")
		for _, target := range []string{
			"http://127.0.0.1/bye?next=https://evil.example", "http://127.0.0.1/bye#x", "HTTP://127.0.0.1/bye",
			"http://127.0.0.1:80/bye", "http://127.0.0.1/bye/../evil", "http://127.0.0.1/BYE", "//evil.example/bye",
			"http://127.0.0.1/bye%2F..%2Fevil", "http://127.0.0.1\\@evil.example/bye", "http://127.0.0.1/bye ",
			"https://other.example/bye",
		} {
			for name, v := range map[string]url.Values{
				"hint":      {"id_token_hint": {raw}, "post_logout_redirect_uri": {target}},
				"client_id": {"client_id": {a.ClientID}, "post_logout_redirect_uri": {target}},
			} {
				if p := b.get(w.base + "/oauth/logout?" + v.Encode()); p.status != http.StatusBadRequest || p.location != "" {
					t.Errorf("%s, %q: %d %q", name, target, p.status, p.location)
				}
			}
		}
		// Another application's URI, with that application named and the
		// first one's hint.
		v := url.Values{"id_token_hint": {raw}, "client_id": {other.ClientID}, "post_logout_redirect_uri": {"https://other.example/bye"}}
		if p := b.get(w.base + "/oauth/logout?" + v.Encode()); p.status != http.StatusBadRequest || p.location != "" {
			t.Errorf("another application's URI: %d %q", p.status, p.location)
		}
		// Without a hint, a registered URI still needs the user's word.
		v = url.Values{"client_id": {a.ClientID}, "post_logout_redirect_uri": {logoutURI}}
		if p := b.get(w.base + "/oauth/logout?" + v.Encode()); p.status != http.StatusOK || p.location != "" || !strings.Contains(p.body, `name="confirm"`) {
			t.Errorf("without a hint: %d %q", p.status, p.location)
		}
		if q := authorizeQuery(t, b, conf, map[string]string{"prompt": "none"}); q.Get("code") == "" {
			t.Errorf("a refused logout signed out: %v", q)
		}
	})
}

// TestOutsiderRetiredKeyHint: an id_token_hint is read with a published
// key. Expired but signed by a key still published, it is a hint (OpenID
// Connect RP-Initiated Logout); once its key is retired from the JWKS, it
// is no id_token of this server.
func TestOutsiderRetiredKeyHint(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.Now, c.OIDCKeyRotation = now, oauth.MinKeyRotation })
	a := w.oidcApp(t, "Notes SPA")
	conf := w.config(a, "", "openid")
	_, raw := w.signInOIDC(t, newBrowser(t), conf, "nonce-retired-1")
	logout := func() page {
		return newBrowserStoppingAt(t, "http://127.0.0.1/").get(w.base + "/oauth/logout?" +
			url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {logoutURI}}.Encode())
	}
	offset.Add(int64(oauth.MinKeyRotation + time.Minute)) // expired; its key now the previous one
	kids(t, w.base)
	if p := logout(); p.status != http.StatusSeeOther || p.location != logoutURI {
		t.Fatalf("an expired hint of a published key: %d %q", p.status, p.location)
	}
	offset.Add(int64(oauth.MinKeyRotation + time.Minute)) // its key retired
	kids(t, w.base)
	if p := logout(); p.status != http.StatusBadRequest || p.location != "" {
		t.Fatalf("a hint of a retired key: %d %q", p.status, p.location)
	}
}

// TestOutsiderFraming: every screen, the error page included, refuses to
// be framed (clickjacking the consent or the account forms).
func TestOutsiderFraming(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	a := w.oidcApp(t, "Notes SPA")
	conf := w.config(a, "", "openid")
	b := newBrowser(t)
	pages := map[string]string{
		"sign-in":         conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())),
		"unknown client":  w.base + "/oauth/authorize?response_type=code&client_id=nope&redirect_uri=https://evil.example/",
		"account sign-in": w.base + "/oauth/account/signin",
		"logout":          w.base + "/oauth/logout?client_id=" + a.ClientID,
	}
	check := func(name string, p page) {
		if p.header.Get("X-Frame-Options") != "DENY" || !strings.Contains(p.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s (%d): X-Frame-Options %q, CSP %q", name, p.status, p.header.Get("X-Frame-Options"), p.header.Get("Content-Security-Policy"))
		}
	}
	for name, u := range pages {
		check(name, b.get(u))
	}
	w.signInOIDC(t, b, conf, "nonce-frame-1")
	check("consent", b.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
		oauth2.SetAuthURLParam("prompt", "consent"))))
	check("account", b.get(w.base+"/oauth/account"))
	check("logout confirm", b.get(w.base+"/oauth/logout"))
}
