package auth_test

import (
	"context"
	"testing"
	"time"

	"userbridge/ent/credential"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// benchAuthenticator is a store of backend be with one user and its API
// key, used a second ago, so that the once-a-minute last-use write never
// runs.
func benchAuthenticator(b *testing.B, be dbtest.Backend) (*auth.Authenticator, string, func() uint64) {
	b.Helper()
	s := dbtest.Open(b, dbtest.URL(b, be))
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := s.Client.User.Create().SetEmail("bench@example.com").SetUsername("bench").
		SetLogin("bench@example.com").SaveX(ctx)
	tok, hash := auth.NewToken(credential.KindAPIKey)
	s.Client.Credential.Create().SetTokenHash(hash).SetKind(credential.KindAPIKey).SetUserID(u.ID).
		SetScopes(auth.AllScopes).SetConsented(true).SetLastUsedAt(now.Add(-time.Second)).SaveX(ctx)
	return &auth.Authenticator{Client: s.Client, Now: func() time.Time { return now }}, tok, s.Statements
}

// BenchmarkAuthenticateBearer is the lookup every authenticated request
// pays: hash the token, load the credential and its user, on SQLite and
// (with TEST_POSTGRES_URL) PostgreSQL.
func BenchmarkAuthenticateBearer(b *testing.B) {
	for _, be := range []dbtest.Backend{dbtest.SQLite, dbtest.Postgres} {
		b.Run(string(be), func(b *testing.B) {
			a, tok, statements := benchAuthenticator(b, be)
			ctx, header := context.Background(), "Bearer "+tok
			before := statements()
			b.ReportAllocs()
			for b.Loop() {
				v, err := a.Authenticate(ctx, header)
				if err != nil || v.User == nil {
					b.Fatalf("viewer %v, err %v", v, err)
				}
			}
			b.ReportMetric(float64(statements()-before)/float64(b.N), "stmts/op")
		})
	}
}

// BenchmarkAuthenticateUnknownToken is a well-formed token that names no
// credential: one lookup, then unauthenticated.
func BenchmarkAuthenticateUnknownToken(b *testing.B) {
	a, _, _ := benchAuthenticator(b, dbtest.SQLite)
	ctx := context.Background()
	tok, _ := auth.NewToken(credential.KindAPIKey)
	header := "Bearer " + tok
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, header); err == nil {
			b.Fatal("unknown token accepted")
		}
	}
}

// BenchmarkAuthenticateMalformed is garbage refused before any database
// round trip.
func BenchmarkAuthenticateMalformed(b *testing.B) {
	a := &auth.Authenticator{}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, "Bearer not a token!"); err == nil {
			b.Fatal("malformed token accepted")
		}
	}
}

func BenchmarkHashSecret(b *testing.B) {
	tok, _ := auth.NewToken(credential.KindAccessToken)
	b.ReportAllocs()
	for b.Loop() {
		_ = auth.HashSecret(tok)
	}
}

// BenchmarkHashPassword is the argon2id work of every account creation and
// password change (its memory per hash is the cost in internal/rules/auth/password.go;
// B/op here shows it).
func BenchmarkHashPassword(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.HashPassword("correct-horse-battery"); err != nil {
			b.Fatal(err)
		}
	}
}
