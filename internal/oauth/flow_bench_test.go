package oauth_test

import (
	"context"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"userbridge/internal/app"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkAuthorizationCodeFlow is one whole sign-in of an application on
// SQLite, as a user's browser and the application's server make it: the
// authorization request (sign-in page), the password (argon2id, most of
// the time), the consent, the redirect with the code, and the exchange
// for tokens with PKCE: five requests.
func BenchmarkAuthorizationCodeFlow(b *testing.B) {
	w := newWorld(b, dbtest.URL(b, dbtest.SQLite), func(c *app.Config) { c.LoginRate = ratelimit.PerMinute(1e9, 1e9) })
	a, secret := w.app(b, accounts.AppInput{Name: "Bench"})
	conf := w.config(a, secret, "identity", "email")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		br := newBrowser(b)
		v := oauth2.GenerateVerifier()
		p := br.signIn(w.base, br.get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(v))), w.user.Email, "password123")
		p = br.decide(w.base, p, "allow")
		if _, err := conf.Exchange(ctx, callback(b, p).Get("code"), oauth2.VerifierOption(v)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer() // the user is asked again each time
		w.Store.Client.Consent.Delete().ExecX(ctx)
		b.StartTimer()
	}
}

// BenchmarkOpenIDConnectFlow is what a relying party does the first time a
// user signs in, as go-oidc does it: discovery, the code flow of
// BenchmarkAuthorizationCodeFlow with a nonce, the JWKS fetched and the
// id_token verified, then userinfo.
func BenchmarkOpenIDConnectFlow(b *testing.B) {
	w := newWorld(b, dbtest.URL(b, dbtest.SQLite), func(c *app.Config) { c.LoginRate = ratelimit.PerMinute(1e9, 1e9) })
	a := w.oidcApp(b, "Bench SPA")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		provider, err := oidc.NewProvider(ctx, w.base)
		if err != nil {
			b.Fatal(err)
		}
		conf := &oauth2.Config{ClientID: a.ClientID, RedirectURL: redirectURI, Endpoint: provider.Endpoint(),
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
		tok, raw := w.signInOIDC(b, newBrowser(b), conf, "nonce-bench-1")
		if _, err := provider.Verifier(&oidc.Config{ClientID: a.ClientID}).Verify(ctx, raw); err != nil {
			b.Fatal(err)
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer() // the user is asked again each time
		w.Store.Client.Consent.Delete().ExecX(ctx)
		b.StartTimer()
	}
}
