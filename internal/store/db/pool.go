package db

import (
	"database/sql"
	"time"
)

// PostgreSQL pool sizes.
const (
	// PostgresMaxConns bounds the connections to PostgreSQL.
	PostgresMaxConns = 20
	// PostgresIdleTime is how long an unused connection is kept.
	PostgresIdleTime = 5 * time.Minute
)

// setPostgresPool keeps as many idle connections as it may open, so that
// load does not close a connection each time a request returns one to a
// full idle list and open another for the next burst (with 10 idle of 20
// open, the harness's 16 and 64 connections did: bench/README.md). A
// connection unused for PostgresIdleTime is closed, so a quiet service
// gives its connections back to the server.
func setPostgresPool(p *sql.DB) {
	p.SetMaxOpenConns(PostgresMaxConns)
	p.SetMaxIdleConns(PostgresMaxConns)
	p.SetConnMaxIdleTime(PostgresIdleTime)
}
