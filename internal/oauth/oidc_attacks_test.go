package oauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// authorizeQuery runs an authorization request of conf with extra
// parameters in browser b and returns what comes back to the application
// (the test fails on anything else, such as a sign-in page).
func authorizeQuery(t *testing.T, b *browser, conf *oauth2.Config, params map[string]string) url.Values {
	t.Helper()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(oauth2.GenerateVerifier())}
	for k, v := range params {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return callback(t, b.get(conf.AuthCodeURL("state-1234567890", opts...)))
}

// TestOpenIDConnectErrors: what an application learns, on its redirect
// URI with its state, when an OpenID request cannot be answered as asked.
func TestOpenIDConnectErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		grace := w.User(t, "grace@example.com")
		a := w.oidcApp(t, "Notes SPA")
		conf := w.config(a, "", "openid", "email")
		ada := newBrowser(t) // signed in, consented to openid email
		w.signInOIDC(t, ada, conf, "nonce-ada-1")
		_, graceToken := w.signInOIDCAs(t, newBrowser(t), grace.Email, conf, "nonce-grace-1")

		for _, tc := range []struct {
			name   string
			b      *browser
			scopes string
			params map[string]string
			want   string
		}{
			{"prompt=none with nobody signed in", newBrowser(t), "", map[string]string{"prompt": "none"}, "login_required"},
			{"prompt=none with scopes not approved", ada, "openid email personal", map[string]string{"prompt": "none"}, "consent_required"},
			{"prompt=none with login_hint of another account", ada, "", map[string]string{"prompt": "none", "login_hint": grace.Email}, "interaction_required"},
			{"prompt=none past max_age", ada, "", map[string]string{"prompt": "none", "max_age": "0"}, "login_required"},
			{"prompt=none with id_token_hint of another user", ada, "", map[string]string{"prompt": "none", "id_token_hint": graceToken}, "login_required"},
			{"id_token_hint of another user", ada, "", map[string]string{"id_token_hint": graceToken}, "login_required"},
			{"id_token_hint forged", ada, "", map[string]string{"id_token_hint": "e30.e30.AAAA"}, "invalid_request"},
			{"nonce too short", ada, "", map[string]string{"nonce": "abc"}, "insufficient_entropy"},
			{"nonce too long", ada, "", map[string]string{"nonce": strings.Repeat("n", 600)}, "invalid_request"},
			{"nonce not UTF-8", ada, "", map[string]string{"nonce": "nonce-\xff\xfe-123"}, "invalid_request"},
			{"nonce with NUL", ada, "", map[string]string{"nonce": "nonce-\x00-12345"}, "invalid_request"},
			{"prompt=none with login", ada, "", map[string]string{"prompt": "none login"}, "invalid_request"},
			{"prompt unknown", ada, "", map[string]string{"prompt": "select_account"}, "invalid_request"},
			{"max_age not a number", ada, "", map[string]string{"max_age": "soon"}, "invalid_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := *conf
				if tc.scopes != "" {
					c.Scopes = strings.Fields(tc.scopes)
				}
				q := authorizeQuery(t, tc.b, &c, tc.params)
				if q.Get("error") != tc.want || q.Get("state") != "state-1234567890" || q.Get("code") != "" {
					t.Fatalf("got %v, want error %s with the state", q, tc.want)
				}
			})
		}

		t.Run("prompt=none signed in and approved gives a code", func(t *testing.T) {
			if q := authorizeQuery(t, ada, conf, map[string]string{"prompt": "none", "login_hint": w.user.Email}); q.Get("code") == "" {
				t.Fatalf("got %v", q)
			}
		})
		t.Run("prompt=login asks for the password again", func(t *testing.T) {
			p := ada.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
				oauth2.SetAuthURLParam("prompt", "login")))
			p = ada.signIn(w.base, p, w.user.Email, "password123")
			if q := callback(t, p); q.Get("code") == "" {
				t.Fatalf("after signing in again: %v", q)
			}
		})
		t.Run("max_age=0 asks for the password again", func(t *testing.T) {
			p := ada.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
				oauth2.SetAuthURLParam("max_age", "0")))
			if !strings.Contains(p.body, `action="/oauth/login"`) {
				t.Fatalf("max_age=0 did not ask to sign in: %d %s", p.status, p.body)
			}
		})
		t.Run("login_hint fills the sign-in form", func(t *testing.T) {
			p := newBrowser(t).get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
				oauth2.SetAuthURLParam("login_hint", grace.Email)))
			if !strings.Contains(p.body, `value="grace@example.com"`) {
				t.Fatalf("sign-in page without the hint: %s", p.body)
			}
		})
	})
}

// forge builds a JWT with the given header and claims, signed by sign
// (nil: no signature).
func forge(header, claims map[string]any, sign func(string) []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sig := []byte{}
	if sign != nil {
		sig = sign(in)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestOpenIDConnectAttacks: tokens and logouts an attacker could try, each
// refused by the server (and by go-oidc, the relying party).
func TestOpenIDConnectAttacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		ctx := context.Background()
		a := w.oidcApp(t, "Notes SPA")
		other, _ := w.app(t, accounts.AppInput{Name: "Other", Public: true, PostLogoutRedirectURIs: []string{"http://127.0.0.1/other-bye"}})
		conf := w.config(a, "", "openid", "email")
		b := newBrowserStoppingAt(t, "http://127.0.0.1/")
		tok, raw := w.signInOIDC(t, b, conf, "nonce-attack-1")
		provider, err := oidc.NewProvider(ctx, w.base)
		if err != nil {
			t.Fatal(err)
		}
		verifier := provider.Verifier(&oidc.Config{ClientID: a.ClientID})

		// The published key, and the claims of a real token.
		var set jose.JSONWebKeySet
		res, err := http.Get(w.base + "/oauth/jwks")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(res.Body).Decode(&set)
		res.Body.Close()
		if len(set.Keys) != 1 {
			t.Fatalf("jwks = %+v", set)
		}
		for _, k := range set.Keys {
			if !k.IsPublic() {
				t.Fatal("the JWKS shows a private key")
			}
		}
		pub := set.Keys[0].Key.(*rsa.PublicKey)
		var claims map[string]any
		_ = json.Unmarshal(b64(t, strings.Split(raw, ".")[1]), &claims)
		kid := set.Keys[0].KeyID
		der, _ := x509.MarshalPKIXPublicKey(pub)
		pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		attacker, _ := rsa.GenerateKey(rand.Reader, 2048)

		forged := map[string]string{
			"alg none": forge(map[string]any{"alg": "none", "kid": kid}, claims, nil),
			"HS256 keyed with the public key": forge(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"}, claims, func(in string) []byte {
				m := hmac.New(sha256.New, pubPEM)
				m.Write([]byte(in))
				return m.Sum(nil)
			}),
			"RS256 by another key under the real kid": forge(map[string]any{"alg": "RS256", "kid": kid}, claims, func(in string) []byte {
				sum := sha256.Sum256([]byte(in))
				sig, _ := rsa.SignPKCS1v15(rand.Reader, attacker, 5, sum[:]) // 5: crypto.SHA256
				return sig
			}),
		}
		for name, tokStr := range forged {
			t.Run(name, func(t *testing.T) {
				if _, err := verifier.Verify(ctx, tokStr); err == nil {
					t.Error("go-oidc accepted it")
				}
				p := b.get(w.base + "/oauth/logout?" + url.Values{"id_token_hint": {tokStr}, "post_logout_redirect_uri": {logoutURI}}.Encode())
				if p.status != http.StatusBadRequest || p.location != "" {
					t.Errorf("logout with it = %d %q", p.status, p.location)
				}
				q := authorizeQuery(t, b, conf, map[string]string{"id_token_hint": tokStr})
				if q.Get("error") != "invalid_request" {
					t.Errorf("authorize with it = %v", q)
				}
			})
		}

		t.Run("an id_token for another client", func(t *testing.T) {
			if _, err := provider.Verifier(&oidc.Config{ClientID: other.ClientID}).Verify(ctx, raw); err == nil {
				t.Error("go-oidc accepted another client's id_token")
			}
			p := b.get(w.base + "/oauth/logout?" + url.Values{"id_token_hint": {raw}, "client_id": {other.ClientID},
				"post_logout_redirect_uri": {"http://127.0.0.1/other-bye"}}.Encode())
			if p.status != http.StatusBadRequest || p.location != "" {
				t.Errorf("logout for another client = %d %q", p.status, p.location)
			}
		})

		t.Run("a replayed nonce", func(t *testing.T) {
			// The relying party expects the nonce of its new request: an
			// earlier id_token carries the earlier one.
			idt, err := verifier.Verify(ctx, raw)
			if err != nil || idt.Nonce == "nonce-attack-2" {
				t.Fatalf("verify: %v", err)
			}
			// The server mints no second id_token for a code: a replayed
			// code is refused (and its grant revoked).
			v := oauth2.GenerateVerifier()
			q := authorizeQuery(t, b, conf, map[string]string{"nonce": "nonce-attack-3", "code_challenge": oauth2.S256ChallengeFromVerifier(v),
				"code_challenge_method": "S256"})
			if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v)); err != nil {
				t.Fatal(err)
			}
			if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v)); err == nil {
				t.Fatal("a code exchanged twice")
			}
		})

		t.Run("an unregistered post-logout redirect", func(t *testing.T) {
			for _, target := range []string{"https://evil.example/", logoutURI + "/x", "http://127.0.0.1/other-bye"} {
				p := b.get(w.base + "/oauth/logout?" + url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {target}}.Encode())
				if p.status != http.StatusBadRequest || p.location != "" {
					t.Errorf("logout to %s = %d %q", target, p.status, p.location)
				}
			}
			// Still signed in.
			if q := authorizeQuery(t, b, conf, map[string]string{"prompt": "none"}); q.Get("code") == "" {
				t.Errorf("the refused logout signed out: %v", q)
			}
		})

		t.Run("a logout without id_token_hint is confirmed first", func(t *testing.T) {
			p := b.get(w.base + "/oauth/logout")
			if p.status != http.StatusOK || !strings.Contains(p.body, `name="confirm"`) {
				t.Fatalf("logout page = %d %s", p.status, p.body)
			}
			if p2 := b.post(w.base+"/oauth/logout", url.Values{"confirm": {"yes"}}); p2.status != http.StatusForbidden {
				t.Errorf("confirm without CSRF = %d", p2.status)
			}
			if q := authorizeQuery(t, b, conf, map[string]string{"prompt": "none"}); q.Get("code") == "" {
				t.Errorf("signed out without confirming: %v", q)
			}
		})

		t.Run("hostile logout and userinfo inputs", func(t *testing.T) {
			fresh := newBrowserStoppingAt(t, "http://127.0.0.1/")
			for name, v := range map[string]url.Values{
				"NUL in the hint":       {"id_token_hint": {"a\x00b.c.d"}, "post_logout_redirect_uri": {logoutURI}},
				"huge redirect":         {"id_token_hint": {raw}, "post_logout_redirect_uri": {logoutURI + strings.Repeat("x", 100000)}},
				"not UTF-8 redirect":    {"id_token_hint": {raw}, "post_logout_redirect_uri": {logoutURI + "\xff"}},
				"redirect without hint": {"post_logout_redirect_uri": {logoutURI}},
				"repeated hint":         {"id_token_hint": {raw, raw}, "post_logout_redirect_uri": {logoutURI}},
			} {
				if p := fresh.get(w.base + "/oauth/logout?" + v.Encode()); p.status != http.StatusBadRequest || p.location != "" {
					t.Errorf("%s: %d %q", name, p.status, p.location)
				}
			}
			// A state that is not text comes back encoded, never raw.
			p := fresh.get(w.base + "/oauth/logout?" + url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {logoutURI},
				"state": {"\xff\x00<x>"}}.Encode())
			if p.status != http.StatusSeeOther || p.location != logoutURI+"?state=%FF%00%3Cx%3E" {
				t.Errorf("state: %d %q", p.status, p.location)
			}
			req, _ := http.NewRequest(http.MethodGet, w.base+"/oauth/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+strings.Repeat("a", 20000))
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
				t.Errorf("huge token: %v %v", res, err)
			}
		})

		t.Run("userinfo refuses", func(t *testing.T) {
			plain := w.config(a, "", "identity")
			ptok, err := plain.Exchange(ctx, w.authorize(t, newBrowser(t), plain, oauth2.S256ChallengeOption("x"+strings.Repeat("v", 50))),
				oauth2.VerifierOption("x"+strings.Repeat("v", 50)))
			if err != nil {
				t.Fatal(err)
			}
			for name, c := range map[string]struct {
				header string
				want   int
			}{
				"no token":               {"", 401},
				"a refresh token":        {"Bearer " + tok.RefreshToken, 401},
				"a token without openid": {"Bearer " + ptok.AccessToken, 403},
				"a made-up token":        {"Bearer uba_nope", 401},
			} {
				req, _ := http.NewRequest(http.MethodGet, w.base+"/oauth/userinfo", nil)
				if c.header != "" {
					req.Header.Set("Authorization", c.header)
				}
				for _, ck := range b.Jar.Cookies(req.URL) { // the screens' sign-in is no credential here
					req.AddCookie(ck)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != c.want || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: %d %q, want %d", name, res.StatusCode, res.Header.Get("WWW-Authenticate"), c.want)
				}
			}
		})
	})
}

// TestBrowserApplicationsCORS: a single-page application on a registered
// origin (or one of CORS_ORIGINS) may call the token, userinfo, revocation
// and JWKS endpoints; its preflight is answered; other origins get no
// CORS headers and credentials are never allowed.
func TestBrowserApplicationsCORS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL, func(c *app.Config) { c.CORSOrigins = []string{"https://admin.example"} })
		w.oidcApp(t, "Notes SPA") // origin http://localhost:5173
		do := func(method, path, origin string) *http.Response {
			req, _ := http.NewRequest(method, w.base+path, nil)
			req.Header.Set("Origin", origin)
			if method == http.MethodOptions {
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "content-type, authorization")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		for _, path := range []string{"/oauth/token", "/oauth/revoke", "/oauth/userinfo"} {
			for origin, allowed := range map[string]bool{
				"http://localhost:5173": true, "https://admin.example": true,
				"https://evil.example": false, "null": false,
			} {
				res := do(http.MethodOptions, path, origin)
				got := res.Header.Get("Access-Control-Allow-Origin")
				if res.StatusCode >= 300 || (got == origin) != allowed || res.Header.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("preflight %s from %s = %d, allow-origin %q", path, origin, res.StatusCode, got)
				}
			}
		}
		if res := do(http.MethodPost, "/oauth/token", "http://localhost:5173"); res.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || res.StatusCode != 400 {
			t.Errorf("token from the application's origin = %d %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
		}
		for _, path := range []string{"/oauth/jwks", "/.well-known/openid-configuration"} {
			if res := do(http.MethodGet, path, "https://anywhere.example"); res.Header.Get("Access-Control-Allow-Origin") != "*" || res.StatusCode != 200 {
				t.Errorf("%s = %d %q", path, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
			}
		}
	})
}
