package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"userbridge/accounts"
	"userbridge/auth"
	"userbridge/db"
	"userbridge/ent"
	"userbridge/files"
	"userbridge/ratelimit"
	"userbridge/signatures"
)

// App is a built service: its store, its rules and its HTTP handler.
type App struct {
	Config   Config
	Store    *db.Store
	Accounts *accounts.Service
	Auth     *auth.Authenticator
	Handler  http.Handler
	Metrics  *prometheus.Registry
	// Files and Signatures are the file rules (uploads, quota, avatars,
	// signed links, sweeper) and the signature rules.
	Files       *files.Service
	Signatures  *signatures.Service
	stopSweeper func()
	// APILimiter throttles users-v1 per credential, shared through Redis
	// when RedisURL is set; nil when APIRate is off. Accounts.LoginLimiter
	// comes from the same Redis.
	APILimiter  ratelimit.Limiter
	limiterConn io.Closer
}

// New opens the store (migrating it unless told not to), builds the rules
// and the router.
func New(ctx context.Context, cfg Config) (*App, error) {
	cfg = cfg.withDefaults()
	var opts []ent.Option
	if cfg.QueryLog != nil {
		opts = append(opts, ent.Debug(), ent.Log(cfg.QueryLog))
	}
	store, err := db.Open(ctx, cfg.DatabaseURL, opts...)
	if err != nil {
		return nil, err
	}
	if !cfg.SkipMigrate {
		if err := store.Migrate(ctx); err != nil {
			store.Close()
			return nil, err
		}
	}
	limits, err := ratelimit.Dial(ctx, cfg.RedisURL, cfg.RedisPrefix, func(err error) {
		cfg.Logger.Error("redis rate limit failed: using this replica's own bucket", "err", err)
	})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	a := &App{
		Config: cfg,
		Store:  store,
		Auth:   &auth.Authenticator{Client: store.Client, Now: cfg.Now},
		Accounts: &accounts.Service{
			Client:       store.Client,
			Dialect:      store.Dialect,
			LoginLimiter: limits.Limiter(cfg.LoginRate),
			Now:          cfg.Now,
		},
		Metrics:     prometheus.NewRegistry(),
		APILimiter:  limits.Limiter(cfg.APIRate),
		limiterConn: limits,
	}
	a.Metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "userbridge_sql_statements_total", Help: "SQL statements run by the store (BEGIN and COMMIT not counted).",
	}, func() float64 { return float64(store.Statements()) }))
	if err := a.openFiles(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("files: %w", err)
	}
	a.Handler, err = a.routes()
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("building routes: %w", err)
	}
	return a, nil
}

// Ready checks that the database (and storage) answer.
func (a *App) Ready(ctx context.Context) error {
	if err := a.Store.Ping(ctx); err != nil {
		return err
	}
	return a.Files.Ping(ctx)
}

// Close stops the sweeper and releases the bucket, the store and the Redis
// connection.
func (a *App) Close() error {
	return errors.Join(a.closeFiles(), a.limiterConn.Close(), a.Store.Close())
}
