package db_test

import (
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"testing"

	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// TestUnreachableTellsOutagesFromRefusals classifies real failures of both
// drivers: what says "the database cannot be reached now" (503, retry) and
// what says "the database refused this statement" (the request's own
// fault, or a bug), so that an outage never reads as a bad credential.
func TestUnreachableTellsOutagesFromRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite: a lock held past the busy timeout is an outage", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "busy.db")
		holder := openSQL(t, "sqlite3", "file:"+path)
		execSQL(t, holder, "CREATE TABLE t (x INTEGER)")
		conn, err := holder.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, "ROLLBACK") //nolint:errcheck // the test's own lock
		waiter := openSQL(t, "sqlite3", "file:"+path+"?_busy_timeout=0")
		_, err = waiter.Exec("SELECT x FROM t")
		if err == nil || !db.Unreachable(err) {
			t.Fatalf("%v: want an outage", err)
		}
	})
	t.Run("sqlite: a file that cannot be opened is an outage", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "gone", "app.db")
		_, err := openSQL(t, "sqlite3", "file:"+missing+"?mode=rw").Exec("SELECT 1")
		if err == nil || !db.Unreachable(err) {
			t.Fatalf("%v: want an outage", err)
		}
	})
	t.Run("sqlite: a closed pool is an outage", func(t *testing.T) {
		p := openSQL(t, "sqlite3", "file:"+filepath.Join(t.TempDir(), "closed.db"))
		p.Close()
		if _, err := p.Exec("SELECT 1"); err == nil || !db.Unreachable(err) {
			t.Fatalf("%v: want an outage", err)
		}
	})
	t.Run("sqlite: a constraint or a syntax error is not", func(t *testing.T) {
		p := openSQL(t, "sqlite3", "file:"+filepath.Join(t.TempDir(), "refusals.db"))
		execSQL(t, p, "CREATE TABLE t (x INTEGER UNIQUE)")
		execSQL(t, p, "INSERT INTO t VALUES (1)")
		for _, q := range []string{"INSERT INTO t VALUES (1)", "SELEC 1", "SELECT nope FROM t"} {
			if _, err := p.Exec(q); err == nil || db.Unreachable(err) {
				t.Fatalf("%s: %v: want a refusal", q, err)
			}
		}
	})
	t.Run("a cancelled request is not", func(t *testing.T) {
		p := openSQL(t, "sqlite3", "file:"+filepath.Join(t.TempDir(), "cancel.db"))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := p.ExecContext(cctx, "SELECT 1"); err == nil || db.Unreachable(err) {
			t.Fatalf("%v: want no outage", err)
		}
	})

	base := os.Getenv(dbtest.EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL cases skipped: set %s", dbtest.EnvPostgres)
	}
	t.Run("postgres: a refused connection is an outage", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there any more
		_, err = openSQL(t, "pgx", "postgres://postgres@"+addr+"/test?sslmode=disable&connect_timeout=5").Exec("SELECT 1")
		if err == nil || !db.Unreachable(err) {
			t.Fatalf("%v: want an outage", err)
		}
	})
	t.Run("postgres: a backend terminated by the administrator is an outage", func(t *testing.T) {
		conn, err := openSQL(t, "pgx", base).Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var pid int
		if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		execSQL(t, openSQL(t, "pgx", base), "SELECT pg_terminate_backend($1)", pid)
		_, err = conn.ExecContext(ctx, "SELECT 1")
		if err == nil || !db.Unreachable(err) {
			t.Fatalf("%v: want an outage", err)
		}
	})
	t.Run("postgres: a constraint or a syntax error is not", func(t *testing.T) {
		p := openSQL(t, "pgx", base)
		for _, q := range []string{"SELEC 1", "SELECT 1/0", "SELECT nope FROM pg_class"} {
			if _, err := p.Exec(q); err == nil || db.Unreachable(err) {
				t.Fatalf("%s: %v: want a refusal", q, err)
			}
		}
	})
}

func openSQL(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	p, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func execSQL(t *testing.T, p *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := p.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
