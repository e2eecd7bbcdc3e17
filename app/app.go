package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"userbridge/accounts"
	"userbridge/auth"
	"userbridge/db"
	"userbridge/ratelimit"
)

// App is a built service: its store, its rules and its HTTP handler.
type App struct {
	Config   Config
	Store    *db.Store
	Accounts *accounts.Service
	Auth     *auth.Authenticator
	Handler  http.Handler
	Metrics  *prometheus.Registry
}

// New opens the store (migrating it unless told not to), builds the rules
// and the router.
func New(ctx context.Context, cfg Config) (*App, error) {
	cfg = cfg.withDefaults()
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if !cfg.SkipMigrate {
		if err := store.Migrate(ctx); err != nil {
			store.Close()
			return nil, err
		}
	}
	a := &App{
		Config: cfg,
		Store:  store,
		Auth:   &auth.Authenticator{Client: store.Client, Now: cfg.Now},
		Accounts: &accounts.Service{
			Client:       store.Client,
			LoginLimiter: ratelimit.NewMemory(cfg.LoginRate),
			Now:          cfg.Now,
		},
		Metrics: prometheus.NewRegistry(),
	}
	a.Handler, err = a.routes()
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("building routes: %w", err)
	}
	return a, nil
}

// Ready checks that the database (and storage) answer.
func (a *App) Ready(ctx context.Context) error {
	return a.Store.Ping(ctx)
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }
