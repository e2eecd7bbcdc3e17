package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
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
	// Fallback answers when Redis fails at request time; nil returns the
	// error instead. Open sets an in-memory limiter here: a Redis outage
	// degrades the limit to per replica rather than failing requests.
	Fallback Limiter
	// OnError, when set, is told of every Redis failure (for the logs).
	OnError func(error)
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
	res, err := r.limiter.Allow(ctx, r.Prefix+key, redis_rate.Limit{Rate: l.Rate, Burst: l.Burst, Period: l.Period})
	if err != nil {
		if r.OnError != nil {
			r.OnError(err)
		}
		if r.Fallback != nil {
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
// limits share it. Keys of different limiters must not overlap (users-v1
// uses "cred:", "app:", "addr:"; logins "login:").
type Store struct {
	client  *redis.Client // nil: in memory
	prefix  string
	onError func(error)
}

// Dial connects to redisURL, or returns an in-memory Store when it is
// empty. Keys start with prefix (DefaultPrefix when empty); Redis failures
// at request time fall back to this replica's memory and are reported to
// onError (may be nil).
//
// Returns an error when redisURL is malformed or Redis does not answer.
func Dial(ctx context.Context, redisURL, prefix string, onError func(error)) (*Store, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{prefix: prefix, onError: onError}
	if redisURL == "" {
		return s, nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	client := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
	}
	s.client = client
	return s, nil
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
	r.Prefix, r.Fallback, r.OnError = s.prefix, NewMemory(l), s.onError
	return r
}

// Shared reports whether the limiters live in Redis.
func (s *Store) Shared() bool { return s.client != nil }

// Close releases the Redis connection.
func (s *Store) Close() error {
	if s.client == nil {
		return nil
	}
	return s.client.Close()
}
