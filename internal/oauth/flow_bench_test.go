package oauth_test

import (
	"context"
	"testing"

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
