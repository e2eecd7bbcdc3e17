package oauth_test

import (
	"net/url"
	"strings"
	"testing"

	"userbridge/ent/application"
	"userbridge/ent/user"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/store/db/dbtest"
)

// legacyBcrypt is "correct horse" as PHP stores it:
// php -r 'echo password_hash("correct horse", PASSWORD_BCRYPT);'
var legacyBcrypt = passwords.Spec{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"}

// TestImportedSecretAuthenticatesOnceThenRestored: an application whose
// secret was imported as a hash gets a token at /oauth/token with its old
// secret; the first success stores the service's SHA-256 in its place, so
// the next request runs no slow verification. A wrong secret before it
// changes nothing.
func TestImportedSecretAuthenticatesOnceThenRestored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, _ := w.app(t, accounts.AppInput{Name: "Backend", Scopes: []string{"identity"}})
		stored, err := auth.ImportedSecretHash(legacyBcrypt)
		if err != nil {
			t.Fatal(err)
		}
		db := w.Store.Client
		db.Application.UpdateOne(a).SetSecretHash(stored).ExecX(t.Context())
		secretOf := func() string {
			return db.Application.Query().Where(application.ID(a.ID)).OnlyX(t.Context()).SecretHash
		}
		form := url.Values{"grant_type": {"client_credentials"}}
		if st, body := w.tokenCall(t, a.ClientID, "wrong horse", form); st != 401 || !strings.Contains(body, "invalid_client") {
			t.Fatalf("wrong secret: %d %s", st, body)
		}
		if secretOf() != stored {
			t.Fatal("a wrong secret changed the stored hash")
		}
		if st, body := w.tokenCall(t, a.ClientID, "correct horse", form); st != 200 {
			t.Fatalf("imported secret: %d %s", st, body)
		}
		if got := secretOf(); got != auth.HashSecret("correct horse") {
			t.Fatalf("stored after the first success = %q, want the service's SHA-256", got)
		}
		before := passwords.Verifications()
		if st, body := w.tokenCall(t, a.ClientID, "correct horse", form); st != 200 {
			t.Fatalf("second request: %d %s", st, body)
		}
		if n := passwords.Verifications() - before; n != 0 {
			t.Fatalf("the second request ran %d slow verifications", n)
		}
	})
}

// TestImportedPasswordSignsInOnTheScreen: a person whose password hash was
// imported signs in on the OAuth screen with the old password, and is
// stored as argon2id afterwards.
func TestImportedPasswordSignsInOnTheScreen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, secret := w.app(t, accounts.AppInput{})
		imp, err := passwords.Parse(legacyBcrypt)
		if err != nil {
			t.Fatal(err)
		}
		db := w.Store.Client
		db.User.UpdateOne(w.user).SetPasswordHash(imp.Stored).ExecX(t.Context())
		b := newBrowser(t)
		p := b.get(w.config(a, secret).AuthCodeURL("state-1234567890"))
		p = b.signIn(w.base, p, w.user.Email, "correct horse")
		if q := callback(t, b.decide(w.base, p, "allow")); q.Get("code") == "" {
			t.Fatalf("no code: %v", q)
		}
		got := db.User.Query().Where(user.ID(w.user.ID)).OnlyX(t.Context()).PasswordHash
		if ok, stale := passwords.Matches(got, "correct horse"); !ok || stale || !strings.HasPrefix(got, "$argon2id$") {
			t.Fatalf("hash after the screen's sign-in = %q, want argon2id", got)
		}
	})
}
