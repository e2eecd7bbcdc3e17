// Package ratelimit admits or refuses requests per key with a token bucket:
// in memory for one process, or in Redis (see redis.go) so several replicas
// share one bucket per key.
package ratelimit

import (
	"context"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Limit is a token bucket: Rate tokens per Period, holding at most Burst.
// A zero Rate disables limiting.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerMinute returns a limit of n requests a minute with a burst.
func PerMinute(n, burst int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: burst} }

// Off reports whether the limit admits everything.
func (l Limit) Off() bool { return l.Rate <= 0 || l.Period <= 0 }

// Result is the outcome of one attempt, with what the RateLimit-* headers say.
type Result struct {
	Allowed    bool
	Limit      int           // the bucket's size
	Remaining  int           // tokens left after this attempt
	RetryAfter time.Duration // when refused: until one token is back
	ResetAfter time.Duration // until the bucket is full again
}

// Limiter admits or refuses one attempt for a key.
type Limiter interface {
	Allow(ctx context.Context, key string) (Result, error)
}

// Memory is a Limiter for one process. It remembers up to a fixed number of
// keys, forgetting the least recently used (a forgotten key starts full).
type Memory struct {
	limit Limit
	mu    sync.Mutex
	keys  *lru.Cache[string, *rate.Limiter]
}

// NewMemory returns an in-memory limiter.
func NewMemory(l Limit) *Memory {
	c, _ := lru.New[string, *rate.Limiter](100_000)
	return &Memory{limit: l, keys: c}
}

// Allow implements Limiter: a request is a cost of one.
func (m *Memory) Allow(ctx context.Context, key string) (Result, error) {
	return m.Take(ctx, key, 1)
}
