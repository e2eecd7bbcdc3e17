package app

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"userbridge/graph"
	"userbridge/internal/edge/ratelimit"
)

// Automatic persisted queries: an LRU of this many documents per replica,
// shared through Redis for persistedTTL when REDIS_URL is set.
const (
	persistedLocal = 1000
	persistedTTL   = 24 * time.Hour
)

// openPersistedQueries builds the persisted-query cache (nil when
// Config.PersistedQueries is off). Its Redis client is its own: a Redis
// failure is a miss, and the client sends the document again.
func (a *App) openPersistedQueries() (*graph.PersistedQueries, error) {
	cfg := a.Config
	if !cfg.PersistedQueries {
		return nil, nil
	}
	if cfg.PersistedQueryCache != nil {
		return cfg.PersistedQueryCache, nil
	}
	var client redis.UniversalClient
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("redis URL: %w", err)
		}
		c := redis.NewClient(opts)
		a.apqConn, client = c, c
	}
	prefix := cfg.RedisPrefix
	if prefix == "" {
		prefix = ratelimit.DefaultPrefix
	}
	return graph.NewPersistedQueries(persistedLocal, client, prefix, persistedTTL, func(err error) {
		cfg.Logger.Warn("redis persisted queries failed: counted as a miss", "err", err)
	}), nil
}
