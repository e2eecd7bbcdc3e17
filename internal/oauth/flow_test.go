package oauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// api calls the service with an access token and returns the status.
func (w *world) api(t testing.TB, method, path, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, w.base+path, strings.NewReader(""))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

// TestAuthorizationCodeFlow runs the whole flow with golang.org/x/oauth2 as
// the application: PKCE from the library, sign-in and consent through the
// screens, the code exchanged, the token used on two dialects, refreshed
// (the old pair stops working), revoked (the grant stops working).
func TestAuthorizationCodeFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		for _, public := range []bool{false, true} {
			name := map[bool]string{false: "confidential", true: "public"}[public]
			t.Run(name, func(t *testing.T) {
				a, secret := w.app(t, accounts.AppInput{Name: "Notes " + name, Public: public})
				conf := w.config(a, secret, "identity", "email", "personal")
				ctx := context.Background()

				verifier := oauth2.GenerateVerifier()
				code := w.authorize(t, newBrowser(t), conf, oauth2.S256ChallengeOption(verifier))
				if !strings.HasPrefix(code, "ubc_") {
					t.Fatalf("code = %q", code)
				}
				tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
				if err != nil {
					t.Fatalf("exchange: %v", err)
				}
				refresh := tok.RefreshToken
				if !strings.HasPrefix(tok.AccessToken, "uba_") || !strings.HasPrefix(refresh, "ubr_") {
					t.Fatalf("tokens = %q, %q", tok.AccessToken, refresh)
				}
				if got := tok.Extra("scope"); got != "identity email personal" {
					t.Errorf("scope = %v", got)
				}
				if d := time.Until(tok.Expiry); d < 55*time.Minute || d > 61*time.Minute {
					t.Errorf("expires in %v, want an hour", d)
				}

				// The token is the credential every dialect accepts.
				st, body := w.api(t, "GET", "/users/@current", tok.AccessToken)
				if u, _ := body["payload"].(map[string]any); st != 200 || u["email"] != "ada@example.com" {
					t.Fatalf("GET /users/@current = %d %v", st, body)
				}
				st, body = w.api(t, "POST", "/api/v1/users/oauth", tok.AccessToken)
				if u, _ := body["user"].(map[string]any); st != 200 || u["email"] != "ada@example.com" {
					t.Fatalf("POST /api/v1/users/oauth = %d %v", st, body)
				}
				// A refresh token is exchanged, never presented.
				if st, _ := w.api(t, "GET", "/users/@current", refresh); st != 401 {
					t.Errorf("refresh token as bearer = %d, want 401", st)
				}

				// Refresh: a new pair; the old access token and refresh token end.
				tok.Expiry = time.Now().Add(-time.Minute)
				fresh, err := conf.TokenSource(ctx, tok).Token()
				if err != nil {
					t.Fatalf("refresh: %v", err)
				}
				if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == refresh || fresh.RefreshToken == "" {
					t.Fatalf("refresh did not rotate: %+v", fresh)
				}
				if st, _ := w.api(t, "GET", "/users/@current", fresh.AccessToken); st != 200 {
					t.Fatalf("new access token = %d", st)
				}
				if st, _ := w.api(t, "GET", "/users/@current", tok.AccessToken); st != 401 {
					t.Errorf("old access token after refresh = %d, want 401", st)
				}

				// Revoke the refresh token (RFC 7009): its whole grant ends.
				form := url.Values{"token": {fresh.RefreshToken}, "token_type_hint": {"refresh_token"}}
				if public {
					form.Set("client_id", a.ClientID)
				}
				req, _ := http.NewRequest("POST", w.base+"/oauth/revoke", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if !public {
					req.SetBasicAuth(a.ClientID, secret)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					t.Fatalf("revoke: %v %v", res, err)
				}
				res.Body.Close()
				if st, _ := w.api(t, "GET", "/users/@current", fresh.AccessToken); st != 401 {
					t.Errorf("access token after revoking its refresh token = %d, want 401", st)
				}
				if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err == nil {
					t.Errorf("revoked refresh token still refreshes")
				}
			})
		}
	})
}
