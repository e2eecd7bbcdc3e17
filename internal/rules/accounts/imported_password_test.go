package accounts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// importedHashes are one hash per algorithm family, of "correct horse"
// (package passwords' vectors_test.go says how each was made, and tests
// every vector).
var importedHashes = []passwords.Spec{
	{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
	{Algorithm: "argon2", Value: "$argon2id$v=19$m=4096,t=3,p=2$c2FsdHNhbHRzYWx0$54340GKFnCLDJ92ew+IHLoDeY3NBTp5h9v05wHc20y8"},
	{Algorithm: "argon2", Value: "$argon2i$v=19$m=8192,t=3,p=1$LjhxMUFYSVZsbjBldnRHNA$f+BIWqxRgOb5ZwTcXMcbuB6LEJxiU6DuCuXRw9lD2bI"},
	{Algorithm: "pbkdf2", Value: "$pbkdf2-sha256$29000$c2FsdHlzYWx0eXNhbHQxNg$9C1lpjj7h/BvHZ65NqFpAB0lOGm6F0z3IVfh/gvglW4"},
	{Algorithm: "pbkdf2", Value: "pbkdf2_sha1$10000$seasalt$Jwu25HYWPy/yfYdNS6w3q7sy9sU="},
	{Algorithm: "pbkdf2", Value: "$pbkdf2-sha512$25000$c2FsdHlzYWx0eXNhbHQxNg$7FkVdDWz4Z0EXhD.wxQmM4oSawvlubjF0U07FdKDYgud1UOPfZJEugPkficC2Yw5iCqerLiHgxd0Zkgb/kA4gQ"},
	{Algorithm: "sha512-crypt", Value: "$6$rounds=20000$saltsaltsalt$kOM2YBzB.4z5juscMcMtHOyDXxHfU2IV5DXXaenHpg6pHe9bMLNXQSIoRqgwIF8qFeqA67/acBCe2/IYp/HcR0"},
	{Algorithm: "sha256-crypt", Value: "$5$Zm9vYmFyYmF6$F3HA8u8n0hoM53v5XXFZqVzJmrP6haPFZrXh72DuoGA"},
	{Algorithm: "md5", Value: "52f36768c11844771e5f7ff576e2dba2", Salt: "pepper", SaltPosition: "prefix"},
	{Algorithm: "sha1", Value: "YjOxnlnw8lITpqjG3t+XV9jV7os=", Salt: "pepper", SaltPosition: "suffix", Encoding: "base64"},
	{Algorithm: "sha256", Value: "869a1fa0609a1d15a5c3eb891428b7a6c8395b2ee10c4762e97ffca0ebe8c0b5", Salt: "pepper", SaltPosition: "prefix"},
	{Algorithm: "sha512", Value: "jKNzZGOpZV+d15b9woPUu/HlAvWT2N41SupXoEK6cIpe8kGEbagFMP62zqbEllyguDhie7qcSvb0YtWRmcfrEQ==", Salt: "pepper", SaltPosition: "suffix", Encoding: "base64"},
}

const importedPassword = "correct horse"

// importedUser makes a person whose password hash came from an import,
// as the importer stores it (passwords.Parse), with an updated_at of
// its own so that a test can tell it was left alone.
func importedUser(t *testing.T, w world, email string, spec passwords.Spec) *ent.User {
	t.Helper()
	ctx := context.Background()
	imp, err := passwords.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	u, err := w.svc.Create(ctx, w.admin, accounts.CreateInput{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return w.client.User.UpdateOne(u).SetPasswordHash(imp.Stored).
		SetUpdatedAt(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)).SaveX(ctx)
}

func reload(t *testing.T, w world, id int) *ent.User {
	t.Helper()
	return w.client.User.GetX(context.Background(), id)
}

func credentialsOf(t *testing.T, w world, id int) int {
	t.Helper()
	return w.client.Credential.Query().Where(credential.UserID(id)).CountX(context.Background())
}

// isCurrent reports whether stored is the service's own hash of today's
// cost, of importedPassword.
func isCurrent(stored string) bool {
	ok, stale := passwords.Matches(stored, importedPassword)
	return ok && !stale && strings.HasPrefix(stored, "$argon2id$")
}

// TestImportedPasswordLoginUpgrades: GraphQL login's rule signs in with
// each imported algorithm and replaces the hash by argon2id, leaving
// updated_at; a wrong password before it changes nothing.
func TestImportedPasswordLoginUpgrades(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		for i, spec := range importedHashes {
			imp, _ := passwords.Parse(spec)
			t.Run(imp.Algorithm, func(t *testing.T) {
				u := importedUser(t, w, "imported"+string(rune('a'+i))+"@example.com", spec)
				_, _, err := w.svc.Login(ctx, u.Email, "wrong horse", "192.0.2.1:1000")
				if apperr.As(err).Reason != accounts.ReasonInvalidCredentials {
					t.Fatalf("wrong password: %v", err)
				}
				if got := reload(t, w, u.ID); got.PasswordHash != u.PasswordHash || !got.UpdatedAt.Equal(u.UpdatedAt) || credentialsOf(t, w, u.ID) != 0 {
					t.Fatal("a wrong password changed the user")
				}
				tok, _, err := w.svc.Login(ctx, u.Email, importedPassword, "192.0.2.1:1000")
				if err != nil || tok == "" {
					t.Fatalf("right password: %v", err)
				}
				got := reload(t, w, u.ID)
				if !isCurrent(got.PasswordHash) {
					t.Fatalf("hash after sign-in = %q, want the service's argon2id", got.PasswordHash)
				}
				if !got.UpdatedAt.Equal(u.UpdatedAt) {
					t.Fatalf("updated_at moved from %v to %v", u.UpdatedAt, got.UpdatedAt)
				}
				if _, _, err := w.svc.Login(ctx, u.Email, importedPassword, "192.0.2.1:1000"); err != nil {
					t.Fatalf("second sign-in: %v", err)
				}
				if again := reload(t, w, u.ID); again.PasswordHash != got.PasswordHash {
					t.Fatal("the upgraded hash was replaced again")
				}
			})
		}
	})
}

// TestImportedPasswordUpgradeInLoginTransaction: the upgrade is written
// in the transaction of the sign-in: when that transaction fails, the
// imported hash stays, with no token.
func TestImportedPasswordUpgradeInLoginTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		u := importedUser(t, w, "tx@example.com", importedHashes[0])
		failed := errors.New("a later step of the request failed")
		err := db.InTx(ctx, w.client, func(ctx context.Context) error {
			if _, _, err := w.svc.Login(ctx, u.Email, importedPassword, "192.0.2.1:1000"); err != nil {
				return err
			}
			return failed
		})
		if err == nil {
			t.Fatal("the transaction did not fail")
		}
		if got := reload(t, w, u.ID); got.PasswordHash != u.PasswordHash || credentialsOf(t, w, u.ID) != 0 {
			t.Fatal("a failed sign-in's transaction left its upgrade or token")
		}
	})
}

// TestImportedPasswordOAuthScreenUpgrades: the rule of the OAuth sign-in
// screen (CheckPassword) upgrades too; an inactive account does not.
func TestImportedPasswordOAuthScreenUpgrades(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		u := importedUser(t, w, "screen@example.com", importedHashes[6])
		if _, err := w.svc.CheckPassword(ctx, u.Email, importedPassword, "192.0.2.1:1000"); err != nil {
			t.Fatal(err)
		}
		if !isCurrent(reload(t, w, u.ID).PasswordHash) {
			t.Fatal("the OAuth sign-in did not replace the imported hash")
		}
		sleeper := importedUser(t, w, "sleeper@example.com", importedHashes[0])
		w.client.User.UpdateOne(sleeper).SetStatus(user.StatusSuspended).ExecX(ctx)
		if _, err := w.svc.CheckPassword(ctx, sleeper.Email, importedPassword, "192.0.2.1:1000"); apperr.As(err).Reason != accounts.ReasonInvalidCredentials {
			t.Fatalf("suspended: %v", err)
		}
		if reload(t, w, sleeper.ID).PasswordHash != sleeper.PasswordHash {
			t.Fatal("a suspended account's hash was replaced: nothing signed in")
		}
	})
}

// TestImportedPasswordCurrentPasswordChecks: the current password asked
// by a password change and by an API key outliving its parent accepts
// the imported one; the key's check upgrades it in the key's transaction.
func TestImportedPasswordCurrentPasswordChecks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		u := importedUser(t, w, "change@example.com", importedHashes[3])
		self := &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
		_, _, err := w.svc.UpdateViewer(ctx, self, accounts.UpdateInput{Password: new("brand new horse"), CurrentPassword: new("wrong horse")})
		if apperr.As(err).Reason != accounts.ReasonWrongCurrentPassword {
			t.Fatalf("wrong current password: %v", err)
		}
		if reload(t, w, u.ID).PasswordHash != u.PasswordHash {
			t.Fatal("a wrong current password changed the hash")
		}
		if _, _, err := w.svc.UpdateViewer(ctx, self, accounts.UpdateInput{Password: new("brand new horse"), CurrentPassword: new(importedPassword)}); err != nil {
			t.Fatalf("imported current password: %v", err)
		}
		if ok, stale := passwords.Matches(reload(t, w, u.ID).PasswordHash, "brand new horse"); !ok || stale {
			t.Fatal("the new password is not stored as argon2id")
		}

		k := importedUser(t, w, "key@example.com", importedHashes[8])
		kv := &auth.Viewer{User: k, Scopes: auth.AllScopes, Consented: true}
		if _, _, err := w.svc.CreateAPIKey(ctx, kv, accounts.APIKeyInput{CurrentPassword: new("wrong horse")}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("wrong sudo password: %v", err)
		}
		if reload(t, w, k.ID).PasswordHash != k.PasswordHash {
			t.Fatal("a wrong sudo password changed the hash")
		}
		if _, _, err := w.svc.CreateAPIKey(ctx, kv, accounts.APIKeyInput{CurrentPassword: new(importedPassword)}); err != nil {
			t.Fatalf("imported sudo password: %v", err)
		}
		if !isCurrent(reload(t, w, k.ID).PasswordHash) {
			t.Fatal("the sudo check did not replace the imported hash")
		}
	})
}

// TestWrongPasswordSameWorkWhateverTheHash is the timing oracle attack:
// a wrong password costs one verification whether the person is unknown,
// has no password, an imported (strong or weak) hash or a native one.
// Counted, not timed.
func TestWrongPasswordSameWorkWhateverTheHash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		importedUser(t, w, "bcrypt@example.com", importedHashes[0])
		importedUser(t, w, "md5@example.com", importedHashes[8])
		if _, err := w.svc.Create(ctx, w.admin, accounts.CreateInput{Email: "native@example.com", Password: new(importedPassword)}); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"nobody@example.com", "root@example.com", "bcrypt@example.com", "md5@example.com", "native@example.com"} {
			before := passwords.Verifications()
			_, _, err := w.svc.Login(ctx, email, "wrong horse", "192.0.2.1:1000")
			if apperr.As(err).Reason != accounts.ReasonInvalidCredentials {
				t.Fatalf("%s: %v", email, err)
			}
			if n := passwords.Verifications() - before; n != 1 {
				t.Fatalf("%s: %d verifications, want 1", email, n)
			}
		}
	})
}
