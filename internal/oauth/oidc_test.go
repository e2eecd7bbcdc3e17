package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"userbridge/ent"
	"userbridge/ent/file"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// logoutURI is where the test applications ask to come back after logout.
const logoutURI = "http://127.0.0.1/bye"

// oidcApp registers a public browser application with a post-logout URI
// and an origin, allowed every scope of the world's defaults.
func (w *world) oidcApp(t testing.TB, name string) *ent.Application {
	t.Helper()
	a, _ := w.app(t, accounts.AppInput{Name: name, Public: true, PostLogoutRedirectURIs: []string{logoutURI},
		AllowedOrigins: []string{"http://localhost:5173"}})
	return a
}

// signInOIDC runs the screens for an OpenID request of conf with nonce and
// PKCE, and returns the tokens and the raw id_token.
func (w *world) signInOIDC(t testing.TB, b *browser, conf *oauth2.Config, nonce string, opts ...oauth2.AuthCodeOption) (*oauth2.Token, string) {
	t.Helper()
	return w.signInOIDCAs(t, b, w.user.Email, conf, nonce, opts...)
}

// signInOIDCAs is signInOIDC for the user of email.
func (w *world) signInOIDCAs(t testing.TB, b *browser, email string, conf *oauth2.Config, nonce string, opts ...oauth2.AuthCodeOption) (*oauth2.Token, string) {
	t.Helper()
	v := oauth2.GenerateVerifier()
	opts = append(opts, oauth2.S256ChallengeOption(v), oidc.Nonce(nonce))
	p := b.get(conf.AuthCodeURL("state-1234567890", opts...))
	if strings.Contains(p.body, `action="/oauth/login"`) {
		p = b.signIn(w.base, p, email, "password123")
	}
	if strings.Contains(p.body, `name="decision"`) {
		p = b.decide(w.base, p, "allow")
	}
	q := callback(t, p)
	if q.Get("error") != "" {
		t.Fatalf("authorization error %s: %s", q.Get("error"), q.Get("error_description"))
	}
	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatalf("no id_token in %+v", tok)
	}
	return tok, raw
}

// TestOpenIDConnectRelyingParty is an application using go-oidc and
// golang.org/x/oauth2 as any Go relying party would: discovery, code flow
// with PKCE and a nonce, the id_token verified with the JWKS, userinfo,
// refresh (a new id_token, same user and auth_time, no nonce), and
// RP-initiated logout back to the registered URI with its state.
func TestOpenIDConnectRelyingParty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		ctx := context.Background()
		a := w.oidcApp(t, "Notes SPA")
		provider, err := oidc.NewProvider(ctx, w.base)
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		var meta struct {
			EndSession string   `json:"end_session_endpoint"`
			Userinfo   string   `json:"userinfo_endpoint"`
			Algs       []string `json:"id_token_signing_alg_values_supported"`
		}
		if err := provider.Claims(&meta); err != nil || meta.EndSession != w.base+"/oauth/logout" || len(meta.Algs) != 1 || meta.Algs[0] != "RS256" {
			t.Fatalf("discovery = %+v, %v", meta, err)
		}
		conf := &oauth2.Config{ClientID: a.ClientID, RedirectURL: redirectURI, Endpoint: provider.Endpoint(),
			Scopes: []string{oidc.ScopeOpenID, "email", "profile", "identity"}}
		verifier := provider.Verifier(&oidc.Config{ClientID: a.ClientID})

		b := newBrowserStoppingAt(t, "http://127.0.0.1/")
		before := time.Now().Add(-time.Second)
		tok, raw := w.signInOIDC(t, b, conf, "n-0S6_WzA2Mj")
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("id_token: %v", err)
		}
		if idt.Nonce != "n-0S6_WzA2Mj" || idt.Subject != w.user.PublicID || idt.Issuer != w.base {
			t.Fatalf("id_token nonce %q sub %q iss %q", idt.Nonce, idt.Subject, idt.Issuer)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Fatalf("at_hash: %v", err)
		}
		var cl struct {
			AuthTime int64  `json:"auth_time"`
			Azp      string `json:"azp"`
			AtHash   string `json:"at_hash"`
		}
		_ = idt.Claims(&cl)
		if cl.Azp != a.ClientID || cl.AtHash == "" || time.Unix(cl.AuthTime, 0).Before(before.Truncate(time.Second)) {
			t.Fatalf("claims = %+v", cl)
		}
		if h := jwtHeader(t, raw); h["kid"] == "" || h["alg"] != "RS256" {
			t.Fatalf("header = %v", h)
		}

		ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var uc map[string]any
		_ = ui.Claims(&uc)
		if ui.Subject != w.user.PublicID || ui.Email != w.user.Email || uc["preferred_username"] != w.user.Username {
			t.Fatalf("userinfo = %v", uc)
		}
		// POST answers the same.
		req, _ := http.NewRequest(http.MethodPost, meta.Userinfo, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
			t.Fatalf("POST userinfo: %v %v", res, err)
		}

		// Refresh: a new id_token for the same sign-in, without nonce.
		refreshed, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		raw2, _ := refreshed.Extra("id_token").(string)
		idt2, err := verifier.Verify(ctx, raw2)
		if err != nil {
			t.Fatalf("refreshed id_token: %v", err)
		}
		var cl2 struct {
			AuthTime int64 `json:"auth_time"`
		}
		_ = idt2.Claims(&cl2)
		if idt2.Subject != idt.Subject || idt2.Nonce != "" || cl2.AuthTime != cl.AuthTime {
			t.Fatalf("refreshed id_token sub %q nonce %q auth_time %d (was %d)", idt2.Subject, idt2.Nonce, cl2.AuthTime, cl.AuthTime)
		}
		if err := idt2.VerifyAccessToken(refreshed.AccessToken); err != nil {
			t.Fatalf("refreshed at_hash: %v", err)
		}

		// Logout: back to the registered URI with the state; the
		// browser is signed out (prompt=none now needs a sign-in).
		p := b.get(meta.EndSession + "?" + url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {logoutURI},
			"state": {"bye-123"}}.Encode())
		if p.status != http.StatusSeeOther || p.location != logoutURI+"?state=bye-123" {
			t.Fatalf("logout = %d %q %s", p.status, p.location, p.body)
		}
		q := callback(t, b.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("prompt", "none"))))
		if q.Get("error") != "login_required" {
			t.Fatalf("after logout, prompt=none = %v", q)
		}
	})
}

// jwtHeader decodes a JWT's header without checking anything.
func jwtHeader(t testing.TB, raw string) map[string]string {
	t.Helper()
	part, _, _ := strings.Cut(raw, ".")
	var h map[string]string
	if err := json.Unmarshal(b64(t, part), &h); err != nil {
		t.Fatalf("header: %v", err)
	}
	return h
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	out, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return out
}

// TestConsentNamesOpenIDScopes: the consent page says what openid and
// profile give, in the user's language.
func TestConsentNamesOpenIDScopes(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	a := w.oidcApp(t, "Notes SPA")
	conf := w.config(a, "", "openid", "profile")
	for lang, want := range map[string][]string{
		"en": {"Sign you in with your userbridge account", "See your names, username and avatar"},
		"fr": {"Vous connecter avec votre compte userbridge", "Voir vos noms, pseudonyme et avatar"},
	} {
		b := newBrowser(t)
		b.lang = lang
		p := b.signIn(w.base, b.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))),
			w.user.Email, "password123")
		for _, text := range want {
			if !strings.Contains(p.body, text) {
				t.Errorf("%s consent page without %q: %s", lang, text, p.body)
			}
		}
	}
}

// TestUserinfoClaimsByScope: userinfo answers sub always, the e-mail with
// email, the names, username and a signed link to the avatar with
// profile, and nothing a scope did not grant.
func TestUserinfoClaimsByScope(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	ctx := context.Background()
	grace := w.User(t, "grace@example.com", func(in *accounts.CreateInput) { in.FirstName, in.LastName = "Grace", "Hopper" })
	avatar := w.Store.Client.File.Create().SetOwnerID(grace.ID).SetKind(file.KindAvatar).SetName("g.png").
		SetContentType("image/png").SetSize(1).SetSha256("x").SetStorageKey("test/g").SaveX(ctx)
	w.Store.Client.User.UpdateOne(grace).SetAvatar(avatar).ExecX(ctx)
	a := w.oidcApp(t, "Notes SPA")
	for scopes, want := range map[string][]string{
		"openid":         {"sub"},
		"openid email":   {"email", "email_verified", "sub"},
		"openid profile": {"family_name", "given_name", "name", "picture", "preferred_username", "sub"},
	} {
		tok, _ := w.signInOIDCAs(t, newBrowser(t), grace.Email, w.config(a, "", strings.Fields(scopes)...), "nonce-claims-1")
		req, _ := http.NewRequest(http.MethodGet, w.base+"/oauth/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		_ = json.NewDecoder(res.Body).Decode(&claims)
		res.Body.Close()
		keys := slices.Sorted(maps.Keys(claims))
		if !slices.Equal(keys, want) || claims["sub"] != grace.PublicID {
			t.Errorf("%s: claims %v, want keys %v", scopes, claims, want)
		}
		if scopes == "openid profile" {
			pic, _ := claims["picture"].(string)
			if claims["name"] != "Grace Hopper" || claims["given_name"] != "Grace" || !strings.HasPrefix(pic, w.base+"/files/") ||
				!strings.HasSuffix(pic, "/g.png") {
				t.Errorf("profile claims = %v", claims)
			}
		}
	}
}
