package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"userbridge/ent"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/signatures"
	"userbridge/internal/store/db"
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
	// Audit is what the store does with each audit event (audit.go):
	// the subscriptions add their notification points to it.
	Audit            *auditlog.Options
	stopAuditSweeper func()
	subs             *subscriptions // the subscriptions' fan-out (subscriptions.go)
	// APILimiter throttles users-v1 per credential, shared through Redis
	// when RedisURL is set; nil when APIRate is off. Accounts.LoginLimiter
	// comes from the same Redis.
	APILimiter  ratelimit.Limiter
	limiterConn io.Closer
	// draining is set by Drain: /readyz fails from then on.
	draining atomic.Bool
	// tracer is nil when tracing is off (tracing.go).
	tracer      trace.TracerProvider
	stopTracing func(context.Context) error
	apqConn     io.Closer  // the persisted queries' Redis client (apq.go), or nil
	router      chi.Routes // the route table behind Handler (router.go)
}

// New opens the store (migrating it unless told not to), builds the rules
// and the router.
func New(ctx context.Context, cfg Config) (*App, error) {
	cfg = cfg.withDefaults()
	var opts []ent.Option
	if cfg.QueryLog != nil {
		opts = append(opts, ent.Debug(), ent.Log(cfg.QueryLog))
	}
	tracer, stopTracing, err := openTracing(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	store, err := db.OpenTraced(ctx, cfg.DatabaseURL, tracer, opts...)
	if err != nil {
		_ = stopTracing(ctx)
		return nil, err
	}
	store.Log = cfg.Logger
	if !cfg.SkipMigrate {
		if err := store.Migrate(ctx); err != nil {
			store.Close()
			return nil, err
		}
	}
	if cfg.RedisURL != "" {
		routeRedisLog(cfg.Logger)
	}
	limits, err := ratelimit.Dial(ctx, cfg.RedisURL, cfg.RedisPrefix, cfg.Logger)
	if err != nil {
		store.Close()
		_ = stopTracing(ctx)
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	metrics := prometheus.NewRegistry()
	a := &App{
		Config: cfg,
		Store:  store,
		Auth:   &auth.Authenticator{Client: store.Client, Now: cfg.Now},
		Accounts: &accounts.Service{
			Client:       store.Client,
			Dialect:      store.Dialect,
			MaxAPIKeyTTL: cfg.MaxAPIKeyTTL,
			Now:          cfg.Now,
		},
		Metrics:     metrics,
		limiterConn: limits,
		tracer:      tracer,
		stopTracing: stopTracing,
	}
	refusals := a.rateLimitRefusals()
	a.Accounts.LoginLimiter = countRefusals(limits.Limiter(cfg.LoginRate), refusals.WithLabelValues("login"))
	a.Auth.SecretLimiter = a.Accounts.LoginLimiter // guesses at imported application secrets
	a.Accounts.SignInGate = signInGate(limits, cfg.LoginRate)
	a.APILimiter = countRefusals(limits.Limiter(cfg.APIRate), refusals.WithLabelValues("api"))
	a.Config.GraphQL.Budget = a.newBudget(limits, cfg)
	a.observeStore()
	a.openAudit(ctx)
	a.openSubscriptions(ctx)
	a.Metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "userbridge_sql_statements_total", Help: "SQL statements run by the store (BEGIN and COMMIT not counted).",
	}, func() float64 { return float64(store.Statements()) }))
	a.Metrics.MustRegister(limits.Collectors()...)
	if err := a.openFiles(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("files: %w", err)
	}
	a.Accounts.LimitKey = a.Files.DeriveKey("rate limit keys")
	a.Handler, err = a.routes()
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("building routes: %w", err)
	}
	return a, nil
}

// ErrDraining is Ready's answer once Drain was called.
var ErrDraining = errors.New("draining: the service is shutting down")

// Drain makes /readyz fail from now on, while requests are still served:
// the first step of a graceful stop, so that load balancers take the
// replica out before its listener closes.
func (a *App) Drain() { a.draining.Store(true) }

// Ready checks that the service is not draining and that the database (and
// storage) answer.
func (a *App) Ready(ctx context.Context) error {
	if a.draining.Load() {
		return ErrDraining
	}
	if err := a.Store.Ping(ctx); err != nil {
		return err
	}
	return a.Files.Ping(ctx)
}

// Close stops the sweeper and releases the bucket, the store and the Redis
// connection.
func (a *App) Close() error {
	var apqErr error
	if a.apqConn != nil {
		apqErr = a.apqConn.Close()
	}
	a.closeSubscriptions()
	a.closeAudit()
	return errors.Join(a.closeFiles(), a.limiterConn.Close(), a.Store.Close(),
		a.stopTracing(context.Background()), apqErr)
}
