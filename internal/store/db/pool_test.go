package db_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// TestPostgresPoolKeepsItsConnections: the pool keeps idle as many
// connections as it opens, and closes them only after a quiet while.
func TestPostgresPoolKeepsItsConnections(t *testing.T) {
	p, err := sql.Open("pgx", "postgres://127.0.0.1:1/none")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	db.SetPostgresPool(p)
	if got := p.Stats().MaxOpenConnections; got != db.PostgresMaxConns {
		t.Fatalf("max open %d, want %d", got, db.PostgresMaxConns)
	}
	// database/sql has no getter for the idle limit: fill the pool and
	// return every connection, then count the idle ones.
	base := os.Getenv(dbtest.EnvPostgres)
	if base == "" {
		t.Skip("idle count skipped: set TEST_POSTGRES_URL to run it")
	}
	q, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	db.SetPostgresPool(q)
	ctx := context.Background()
	conns := make([]*sql.Conn, db.PostgresMaxConns)
	for i := range conns {
		if conns[i], err = q.Conn(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if st := q.Stats(); st.Idle != db.PostgresMaxConns || st.MaxIdleClosed != 0 {
		t.Fatalf("after returning %d connections: %d idle, %d closed for the idle limit", db.PostgresMaxConns, st.Idle, st.MaxIdleClosed)
	}
}
