package app

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

// observeStore registers the database pools' statistics (open, in use,
// idle connections, waits) per pool: "main" on PostgreSQL, "writer" and
// "reader" on SQLite.
func (a *App) observeStore() {
	for name, pool := range a.Store.Pools() {
		a.Metrics.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
}

// rateLimitRefusals counts the attempts each limiter refused.
func (a *App) rateLimitRefusals() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "userbridge_rate_limit_refusals_total",
		Help: "Attempts refused by a rate limit: login (per account and per address), api (users-v1 per credential).",
	}, []string{"limit"})
	a.Metrics.MustRegister(c)
	return c
}

// countRefusals wraps l so that each refusal counts; nil (the limit is off)
// stays nil.
func countRefusals(l ratelimit.Limiter, c prometheus.Counter) ratelimit.Limiter {
	if l == nil {
		return nil
	}
	return countingLimiter{l, c}
}

type countingLimiter struct {
	ratelimit.Limiter
	refused prometheus.Counter
}

func (l countingLimiter) Allow(ctx context.Context, key string) (ratelimit.Result, error) {
	res, err := l.Limiter.Allow(ctx, key)
	if err == nil && !res.Allowed {
		l.refused.Inc()
	}
	return res, err
}

// storageLatency returns what files.Config.ObserveStorage calls: the
// duration of each blob operation (open for reading, write, delete) by
// operation and outcome.
func (a *App) storageLatency() func(op string, d time.Duration, err error) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "userbridge_storage_operation_duration_seconds",
		Help:    "Blob storage operations by operation (open, write, delete) and outcome (ok, error).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"operation", "outcome"})
	a.Metrics.MustRegister(h)
	return func(op string, d time.Duration, err error) {
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		h.WithLabelValues(op, outcome).Observe(d.Seconds())
	}
}

// noteUser records the authenticated user's public id for the access log.
func noteUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, _ := auth.Resolve(r.Context()); v != nil && v.User != nil {
			reqinfo.FactsOf(r.Context()).User = v.User.PublicID
		}
		next.ServeHTTP(w, r)
	})
}

// MetricsServer is the server of /metrics on its own address
// (Config.MetricsAddr), for the command to start beside the main one; nil
// when metrics share the main address.
func (a *App) MetricsServer() *http.Server {
	if a.Config.MetricsAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metricsHandler())
	return &http.Server{Addr: a.Config.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
}
