package ratelimit

import (
	"context"
	"fmt"
	"io"
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

// Open returns the limiter a deployment asked for: nil when l is off, in
// memory when redisURL is empty, else shared through Redis under prefix
// (DefaultPrefix when empty) with an in-memory fallback whose use is reported
// to onError (may be nil). The closer releases the Redis connection.
//
// Returns an error when redisURL is malformed or Redis does not answer: a
// deployment that asked for shared limits must not start silently without.
func Open(ctx context.Context, redisURL, prefix string, l Limit, onError func(error)) (Limiter, io.Closer, error) {
	if l.Off() {
		return nil, io.NopCloser(nil), nil
	}
	if redisURL == "" {
		return NewMemory(l), io.NopCloser(nil), nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("redis URL: %w", err)
	}
	client := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
	}
	r := NewRedis(client, l)
	if prefix != "" {
		r.Prefix = prefix
	}
	r.Fallback, r.OnError = NewMemory(l), onError
	return r, client, nil
}
