// Package db opens the store: embedded SQLite by default, PostgreSQL when the
// URL says so, and creates or updates its schema.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "github.com/mattn/go-sqlite3"    // SQLite driver "sqlite3"
	"go.opentelemetry.io/otel/trace"

	"userbridge/ent"
	_ "userbridge/ent/runtime" // schema hooks, defaults and validators
)

// DefaultURL is the embedded SQLite database used when none is configured.
const DefaultURL = "sqlite://./data/app.db"

// Store is an open database: the ent client and the driver it runs on.
type Store struct {
	Client  *ent.Client
	Dialect string
	driver  dialect.Driver
	// statements counts what the driver runs (statements.go).
	statements *atomic.Uint64
	// pg is the PostgreSQL pool, nil on SQLite: Migrate takes its advisory
	// lock on one of its connections (migratelock.go).
	pg *sql.DB
	// Log receives what Migrate has to say (waiting for another replica's
	// migration); nil: discarded.
	Log   *slog.Logger
	pools map[string]*sql.DB // Pools (trace.go)
	// health logs an outage once (health.go).
	health *health
}

// Open connects to rawURL: "sqlite://PATH" (or a bare path ending in .db),
// or "postgres://..." / "postgresql://...".
func Open(ctx context.Context, rawURL string, opts ...ent.Option) (*Store, error) {
	return OpenTraced(ctx, rawURL, nil, opts...)
}

// OpenTraced is Open with one span per SQL statement on tp (trace.go); a
// nil tp traces nothing.
func OpenTraced(ctx context.Context, rawURL string, tp trace.TracerProvider, opts ...ent.Option) (*Store, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	var (
		drv dialect.Driver
		pg  *sql.DB
		err error
	)
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		pg, err = openPostgres(rawURL)
		if err == nil {
			drv = entsql.OpenDB(dialect.Postgres, pg)
		}
	case strings.HasPrefix(rawURL, "sqlite://"):
		drv, err = openSQLite(strings.TrimPrefix(rawURL, "sqlite://"))
	case strings.HasPrefix(rawURL, "file:"), strings.HasSuffix(rawURL, ".db"):
		drv, err = openSQLite(strings.TrimPrefix(rawURL, "file:"))
	default:
		return nil, fmt.Errorf("database URL %q: want sqlite://PATH or postgres://", redact(rawURL))
	}
	if err != nil {
		return nil, err
	}
	pools := map[string]*sql.DB{}
	switch d := drv.(type) {
	case *splitDriver:
		pools["writer"], pools["reader"] = d.writer.DB(), d.reader.DB()
	case *entsql.Driver:
		pools["main"] = d.DB()
	}
	if tp != nil {
		drv = newTracingDriver(drv, tp)
	}
	n := new(atomic.Uint64)
	drv = countingDriver{drv, n}
	s := &Store{Dialect: drv.Dialect(), statements: n, pg: pg, pools: pools}
	s.health = &health{log: s.logger}
	drv = outageDriver{drv, s.health}
	s.driver = drv
	s.Client = ent.NewClient(append([]ent.Option{ent.Driver(drv)}, opts...)...)
	return s, nil
}

// logger is Log, or a logger that discards.
func (s *Store) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Migrate creates or updates the schema, then brings the users' identifier
// keys to the current normalisation (identkeys.go). Returns an error wrapping
// ErrKeyCollision, and changes nothing, when two users would share a key.
//
// On PostgreSQL it runs under an advisory lock (migratelock.go): replicas
// starting together migrate one after the other, and the later ones find
// the schema up to date.
func (s *Store) Migrate(ctx context.Context) error {
	unlock, err := s.lockMigrations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.createSchema(ctx); err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	return s.migrateIdentifierKeys(ctx)
}

// Ping checks that the database answers (readiness). Returns
// apperr.Unavailable when it cannot be reached.
func (s *Store) Ping(ctx context.Context) error {
	var rows entsql.Rows
	if err := s.driver.Query(ctx, "SELECT 1", []any{}, &rows); err != nil {
		return err
	}
	return rows.Close()
}

// Close closes the client and its connections.
func (s *Store) Close() error { return s.Client.Close() }

func openPostgres(rawURL string) (*sql.DB, error) {
	sqlDB, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("opening postgres: %w", err)
	}
	setPostgresPool(sqlDB)
	return sqlDB, nil
}

// openSQLite opens one writer connection (transactions start IMMEDIATE, so
// concurrent writers queue on the pool instead of failing with "database is
// locked") and a pool of query-only readers, all in WAL mode with foreign
// keys on and a busy timeout. The cache is never shared.
func openSQLite(path string) (dialect.Driver, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: creating %s: %w", dir, err)
		}
	}
	// Each connection keeps its prepared statements (_stmt_cache_size):
	// preparing was a sixth of the CPU of a simple read (bench/README.md).
	common := "_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL&_stmt_cache_size=128"
	w, err := sql.Open("sqlite3", "file:"+path+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The writer creates the file and switches it to WAL before readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r, err := sql.Open("sqlite3", "file:"+path+"?"+common+"&_query_only=true")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return &splitDriver{
		writer: entsql.OpenDB(dialect.SQLite, w),
		reader: entsql.OpenDB(dialect.SQLite, r),
	}, nil
}

// redact hides the password of a database URL for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
