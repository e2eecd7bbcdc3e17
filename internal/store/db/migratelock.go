package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"
)

// migrationLockClass is the first key of the PostgreSQL advisory lock that
// serializes migrations; the second is a hash of the current schema, so
// that services on different schemas of one database (tests, tenants) do
// not wait for each other.
const migrationLockClass = 0x75627267 // "ubrg"

// lockMigrations takes the migration lock on PostgreSQL and returns its
// release. Two replicas creating the same tables at once fail on
// PostgreSQL's catalog constraints (pg_type_typname_nsp_index); under the
// lock the second one waits, then finds nothing to do. The lock belongs to
// one pooled connection (a session lock), held until release; if the
// process dies, PostgreSQL drops it with the connection. SQLite needs no
// lock: its writer is one connection and its schema change one transaction
// per file.
func (s *Store) lockMigrations(ctx context.Context) (func(), error) {
	if s.pg == nil {
		return func() {}, nil
	}
	conn, err := s.pg.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	const key = `$1, hashtext(current_schema())`
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+key+`)`, migrationLockClass).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if !got {
		start := time.Now()
		if s.Log != nil {
			s.Log.InfoContext(ctx, "another replica is migrating the schema: waiting for it")
		}
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, migrationLockClass); err != nil {
			conn.Close()
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		if s.Log != nil {
			s.Log.InfoContext(ctx, "migration lock acquired", "waited", time.Since(start).Round(time.Millisecond).String())
		}
	}
	return func() {
		// After a failed unlock the connection is dropped from the pool,
		// which ends its session and so the lock.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`, migrationLockClass); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

// createMu keeps two migrations of one process apart (createSchema).
var createMu sync.Mutex

// sqliteMigrationTries bounds how often a SQLite migration is planned again
// after another process applied its own first.
const sqliteMigrationTries = 5

// createSchema runs ent's migration. On SQLite, where no advisory lock
// exists, two processes may plan the same change; the schema change is one
// IMMEDIATE transaction, so only one applies it and the other fails having
// changed nothing ("table already exists"), then plans again and finds the
// schema up to date.
//
// Within one process, migrations run one at a time (createMu): ent's
// migration writes to its package-level table definitions while it plans.
// Across processes the advisory lock or SQLite's single writer orders them.
func (s *Store) createSchema(ctx context.Context) error {
	createMu.Lock()
	defer createMu.Unlock()
	err := s.Client.Schema.Create(ctx)
	for try := 1; err != nil && s.pg == nil && try < sqliteMigrationTries && ctx.Err() == nil; try++ {
		err = s.Client.Schema.Create(ctx)
	}
	return err
}
