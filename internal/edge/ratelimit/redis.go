package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key this package writes in Redis, so that one
// Redis can serve several deployments (or tests) without their buckets mixing.
const DefaultPrefix = "userbridge:"

// Redis is a Limiter whose buckets live in Redis (GCRA through redis_rate),
// so every replica pointing at the same Redis shares one bucket per key and
// the limit holds for the whole deployment.
type Redis struct {
	limiter *redis_rate.Limiter
	limit   Limit
	// Prefix is prepended to every key (DefaultPrefix unless changed).
	Prefix string
	// Fallback answers when Redis fails or the Breaker is open; nil returns
	// the error instead. Store sets an in-memory limiter here: a Redis
	// outage degrades the limit to per replica rather than failing requests.
	Fallback Limiter
	// Breaker, when set, bounds each call and stops calling a Redis that
	// just failed (see Breaker); the limiters of one Store share one.
	Breaker *Breaker
}

// NewRedis returns a Limiter over client with limit l.
func NewRedis(client redis.UniversalClient, l Limit) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(client), limit: l, Prefix: DefaultPrefix}
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string) (Result, error) {
	l := r.limit
	if l.Off() {
		return Result{Allowed: true, Limit: l.Burst, Remaining: l.Burst}, nil
	}
	res, err := r.Breaker.call(ctx, func(ctx context.Context) (*redis_rate.Result, error) {
		return r.limiter.Allow(ctx, r.Prefix+key, redis_rate.Limit{Rate: l.Rate, Burst: l.Burst, Period: l.Period})
	})
	if err != nil {
		if r.Fallback != nil {
			r.Breaker.fellBack(err)
			return r.Fallback.Allow(ctx, key)
		}
		return Result{}, fmt.Errorf("redis rate limit: %w", err)
	}
	return Result{
		Allowed:    res.Allowed > 0,
		Limit:      l.Burst,
		Remaining:  max(0, res.Remaining),
		RetryAfter: nonNegative(res.RetryAfter),
		ResetAfter: nonNegative(res.ResetAfter),
	}, nil
}

// nonNegative maps redis_rate's -1 ("not applicable") to zero.
func nonNegative(d time.Duration) time.Duration { return max(0, d) }

// Store makes the limiters of one deployment over one Redis connection
// (or in memory when it has no Redis): the users-v1 limit and the login
// limits share it, and share one Breaker. Keys of different limiters must
// not overlap (users-v1 uses "cred:", "user:", "app:", "addr:"; logins "login:").
type Store struct {
	client  *redis.Client // nil: in memory
	prefix  string
	breaker *Breaker // nil without Redis
}

// ClientOptions parses redisURL into go-redis options with the short
// timeouts a rate limit wants: dial, read, write and pool wait of Timeout,
// no command retries and one dial attempt (go-redis defaults to seconds
// and retries, which turned a Redis outage into a second and more per
// request). A timeout, max_retries or dialer_retries set in the URL's
// query wins.
func ClientOptions(redisURL string) (*redis.Options, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	for _, d := range []*time.Duration{&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout} {
		if *d == 0 {
			*d = Timeout
		}
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = -1 // go-redis: -1 is none, 0 is its default of 3
	}
	if opts.DialerRetries <= 0 {
		opts.DialerRetries = 1 // attempts in all; 0 is go-redis's default of 5
	}
	// The Breaker's deadline on the context bounds the whole call.
	opts.ContextTimeoutEnabled = true
	return opts, nil
}

// NewStore returns a Store over client (nil: in memory) whose limiters
// share one Breaker logging to log. Keys start with prefix (DefaultPrefix
// when empty).
func NewStore(client *redis.Client, prefix string, b BreakerSettings) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{client: client, prefix: prefix}
	if client != nil {
		s.breaker = NewBreaker(b)
	}
	return s
}

// Dial connects to redisURL (see ClientOptions), or returns an in-memory
// Store when it is empty. Redis failures at request time fall back to this
// replica's memory behind a Breaker logging its changes to log.
//
// Returns an error when redisURL is malformed or Redis does not answer.
func Dial(ctx context.Context, redisURL, prefix string, log *slog.Logger) (*Store, error) {
	if redisURL == "" {
		return NewStore(nil, prefix, BreakerSettings{}), nil
	}
	opts, err := ClientOptions(redisURL)
	if err != nil {
		return nil, err
	}
	client := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
	}
	return NewStore(client, prefix, BreakerSettings{Log: log}), nil
}

// Limiter returns a limiter of l: nil when l is off, in memory without
// Redis, else in Redis with an in-memory fallback.
func (s *Store) Limiter(l Limit) Limiter {
	switch {
	case l.Off():
		return nil
	case s.client == nil:
		return NewMemory(l)
	}
	r := NewRedis(s.client, l)
	r.Prefix, r.Fallback, r.Breaker = s.prefix, NewMemory(l), s.breaker
	return r
}

// Shared reports whether the limiters live in Redis.
func (s *Store) Shared() bool { return s.client != nil }

// Breaker is the breaker in front of Redis; nil without Redis.
func (s *Store) Breaker() *Breaker { return s.breaker }

// Collectors are the Store's metrics (the Breaker's), for a Prometheus
// registry; none without Redis.
func (s *Store) Collectors() []prometheus.Collector {
	if s.breaker == nil {
		return nil
	}
	return s.breaker.Collectors()
}

// Close releases the Redis connection.
func (s *Store) Close() error {
	if s.client == nil {
		return nil
	}
	return s.client.Close()
}
