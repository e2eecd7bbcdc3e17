package auth_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/store/db/dbtest"
)

func TestImportedTokenHash(t *testing.T) {
	legacy := "legacy+token/with=signs~" + strings.Repeat("x", 300)
	sum := auth.HashSecret(legacy)
	ok := []struct {
		name, token, sha, want string
	}{
		{"a plaintext token is hashed as every credential", legacy, "", sum},
		{"a hash is stored as given", "", sum, sum},
		{"a hash in capitals is the same hash", "", strings.ToUpper(sum), sum},
		{"sixteen characters are enough", strings.Repeat("k", 16), "", auth.HashSecret(strings.Repeat("k", 16))},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			got, err := auth.ImportedTokenHash(c.token, c.sha)
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
	bad := []struct {
		name, token, sha, reason string
	}{
		{"neither", "", "", auth.ReasonMalformedToken},
		{"both", legacy, sum, auth.ReasonMalformedToken},
		{"fifteen characters are too weak", strings.Repeat("k", 15), "", auth.ReasonWeakToken},
		{"513 characters are too long", strings.Repeat("k", 513), "", auth.ReasonMalformedToken},
		{"a space", "sixteen chars with space", "", auth.ReasonMalformedToken},
		{"not ASCII", "tökentökentökentöken", "", auth.ReasonMalformedToken},
		{"a control character", "abcdefghijklmnop\x7f", "", auth.ReasonMalformedToken},
		{"a short hash", "", sum[:63], auth.ReasonMalformedToken},
		{"a hash that is not hex", "", strings.Repeat("z", 64), auth.ReasonMalformedToken},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := auth.ImportedTokenHash(c.token, c.sha)
			if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid || e.Reason != c.reason {
				t.Fatalf("got %v; want invalid %s", err, c.reason)
			}
			if c.token != "" && strings.Contains(err.Error(), c.token) {
				t.Fatal("the message repeats the token")
			}
		})
	}
}

// TestImportedTokenAuthenticates: a legacy token of any printable ASCII
// works as a bearer token once imported.
func TestImportedTokenAuthenticates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		ctx := context.Background()
		a := &auth.Authenticator{Client: s.Client}
		u := s.Client.User.Create().SetEmail("old@example.com").SetUsername("old").SetLogin("old@example.com").SaveX(ctx)
		legacy := "L3gacy+Token/=" + strings.Repeat("~", 400)
		hash, err := auth.ImportedTokenHash(legacy, "")
		if err != nil {
			t.Fatal(err)
		}
		s.Client.Credential.Create().SetTokenHash(hash).SetKind(credential.KindAPIKey).SetUserID(u.ID).SetScopes([]string{"identity"}).SaveX(ctx)
		v, err := a.Authenticate(ctx, "Bearer "+legacy)
		if err != nil || v.UserID() != u.ID {
			t.Fatalf("imported token: %+v %v", v, err)
		}
		if _, err := a.Authenticate(ctx, "Bearer "+legacy[:len(legacy)-1]); apperr.As(err).Reason != auth.ReasonInvalidToken {
			t.Fatalf("another token: %v", err)
		}
	})
}

// secretSpec is an application secret as the legacy system stored it:
// php -r 'echo password_hash("correct horse", PASSWORD_BCRYPT);'
var secretSpec = passwords.Spec{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"}

func TestImportedSecretHash(t *testing.T) {
	got, err := auth.ImportedSecretHash(secretSpec)
	if err != nil || got != secretSpec.Value {
		t.Fatalf("bcrypt: %q, %v", got, err)
	}
	// The service's own form, as export writes it, stays as it is.
	own := auth.HashSecret("s3cret")
	if got, err := auth.ImportedSecretHash(passwords.Spec{Algorithm: "sha256", Value: own, Encoding: "hex"}); err != nil || got != own {
		t.Fatalf("sha256 hex: %q, %v", got, err)
	}
	if got, err := auth.ImportedSecretHash(passwords.Spec{Algorithm: "SHA256", Value: strings.ToUpper(own)}); err != nil || got != own {
		t.Fatalf("sha256 in capitals: %q, %v", got, err)
	}
	if _, err := auth.ImportedSecretHash(passwords.Spec{Algorithm: "rot13", Value: "x"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown algorithm: %v", err)
	}
}

// TestImportedSecretVerifiedOnceThenRestored: an application secret given
// as a hash authenticates with Basic id:secret; the first success stores
// the service's own SHA-256 in its place, so the next authentication
// runs no slow verification; a wrong secret before changes nothing.
func TestImportedSecretVerifiedOnceThenRestored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		ctx := context.Background()
		a := &auth.Authenticator{Client: s.Client}
		stored, err := auth.ImportedSecretHash(secretSpec)
		if err != nil {
			t.Fatal(err)
		}
		app := s.Client.Application.Create().SetName("legacy").SetSecretHash(stored).SaveX(ctx)
		basic := func(secret string) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(app.ClientID+":"+secret))
		}
		secretOf := func() string {
			return s.Client.Application.Query().Where(application.ID(app.ID)).OnlyX(ctx).SecretHash
		}
		if _, err := a.Authenticate(ctx, basic("wrong horse")); apperr.As(err).Reason != auth.ReasonInvalidToken {
			t.Fatalf("wrong secret: %v", err)
		}
		if secretOf() != stored {
			t.Fatal("a wrong secret changed the stored hash")
		}
		v, err := a.Authenticate(ctx, basic("correct horse"))
		if err != nil || v.App == nil || v.App.ID != app.ID {
			t.Fatalf("imported secret: %+v %v", v, err)
		}
		if got := secretOf(); got != auth.HashSecret("correct horse") {
			t.Fatalf("stored after the first success = %q, want the service's SHA-256", got)
		}
		before := passwords.Verifications()
		if _, err := a.Authenticate(ctx, basic("correct horse")); err != nil {
			t.Fatal(err)
		}
		if n := passwords.Verifications() - before; n != 0 {
			t.Fatalf("the second authentication ran %d slow verifications", n)
		}
	})
}
