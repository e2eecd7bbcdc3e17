package app_test

import (
	"strings"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/store/db/dbtest"
)

// TestImportedPasswordGraphQLLogin: through GraphQL login, a person whose
// password hash was imported (PHP's bcrypt, Django's PBKDF2, glibc's
// SHA-512-crypt) signs in with the old password and is stored as argon2id
// afterwards; a wrong password before leaves the imported hash.
func TestImportedPasswordGraphQLLogin(t *testing.T) {
	specs := []passwords.Spec{
		// php -r 'echo password_hash("correct horse", PASSWORD_BCRYPT);'
		{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
		// passlib.hash.django_pbkdf2_sha256.using(salt='seasalt', rounds=870000).hash('correct horse')
		{Algorithm: "pbkdf2", Value: "pbkdf2_sha256$870000$seasalt$uQhI7r5vav+Ep/WY4fNrUCzWxwQh3X02HLqZnMgoEUM="},
		// mkpasswd -m sha-512 -S saltsaltsalt -R 20000 'correct horse'
		{Algorithm: "sha512-crypt", Value: "$6$rounds=20000$saltsaltsalt$kOM2YBzB.4z5juscMcMtHOyDXxHfU2IV5DXXaenHpg6pHe9bMLNXQSIoRqgwIF8qFeqA67/acBCe2/IYp/HcR0"},
	}
	const login = `mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}`
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		for i, spec := range specs {
			imp, err := passwords.Parse(spec)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(imp.Algorithm, func(t *testing.T) {
				u := env.User(t, "moved"+string(rune('a'+i))+"@example.com")
				env.Store.Client.User.UpdateOne(u).SetPasswordHash(imp.Stored).ExecX(t.Context())
				stored := func() string {
					return env.Store.Client.User.Query().Where(user.ID(u.ID)).OnlyX(t.Context()).PasswordHash
				}
				if res := env.GraphQL(t, "", login, map[string]any{"e": u.Email, "p": "wrong horse"}); len(res.Errors) == 0 {
					t.Fatal("a wrong password signed in")
				}
				if stored() != imp.Stored {
					t.Fatal("a wrong password changed the hash")
				}
				res := env.GraphQL(t, "", login, map[string]any{"e": u.Email, "p": "correct horse"})
				if len(res.Errors) != 0 {
					t.Fatalf("imported password: %+v", res.Errors)
				}
				got := stored()
				if ok, stale := passwords.Matches(got, "correct horse"); !ok || stale || !strings.HasPrefix(got, "$argon2id$") {
					t.Fatalf("hash after login = %q, want argon2id", got)
				}
			})
		}
	})
}
