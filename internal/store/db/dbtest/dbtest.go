// Package dbtest gives tests real databases: a fresh SQLite file per test,
// and a fresh PostgreSQL schema per test when TEST_POSTGRES_URL is set.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"userbridge/ent"
	"userbridge/internal/store/db"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = "TEST_POSTGRES_URL"

// Backend is one database the tests run on.
type Backend string

// The backends.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Each runs fn once per backend as subtests named "sqlite" and "postgres".
// The PostgreSQL run is skipped, with a message saying how to enable it,
// when TEST_POSTGRES_URL is unset.
func Each(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	for _, b := range []Backend{SQLite, Postgres} {
		t.Run(string(b), func(t *testing.T) {
			fn(t, URL(t, b))
		})
	}
}

// Available lists the backends this run has: SQLite, and PostgreSQL when
// TEST_POSTGRES_URL is set. Fuzz targets, which cannot have a subtest per
// backend, send every input to one service on each.
func Available() []Backend {
	if os.Getenv(EnvPostgres) == "" {
		return []Backend{SQLite}
	}
	return []Backend{SQLite, Postgres}
}

// URL returns the URL of a fresh, empty database of backend b, removed when
// the test ends.
func URL(t testing.TB, b Backend) string {
	t.Helper()
	if b == SQLite {
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL run skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run it", EnvPostgres)
	}
	return freshSchema(t, base)
}

// Open returns a migrated store on a fresh database of backend b.
func Open(t testing.TB, url string, opts ...ent.Option) *db.Store {
	t.Helper()
	s, err := db.Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrating: %v", err)
	}
	return s
}

// freshSchema creates a schema with a random name and returns base with its
// search_path pointing there; the schema is dropped at cleanup.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: creating schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return fmt.Sprint(u)
}
