package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"golang.org/x/time/rate"
)

// CostLimiter spends a number of tokens at once: a request that costs n
// points of a budget. Take with n zero spends nothing and reports the
// bucket, for a client asking what it has left.
type CostLimiter interface {
	Take(ctx context.Context, key string, n int) (Result, error)
}

var (
	_ CostLimiter = (*Memory)(nil)
	_ CostLimiter = (*Redis)(nil)
)

// Take implements CostLimiter. A cost over Burst is never allowed (its
// RetryAfter is zero: waiting would not help).
func (m *Memory) Take(_ context.Context, key string, n int) (Result, error) {
	l := m.limit
	if l.Off() {
		return Result{Allowed: true, Limit: l.Burst, Remaining: l.Burst}, nil
	}
	every := rate.Every(l.Period / time.Duration(l.Rate))
	m.mu.Lock()
	defer m.mu.Unlock()
	lim, ok := m.keys.Get(key)
	if !ok {
		lim = rate.NewLimiter(every, l.Burst)
		m.keys.Add(key, lim)
	}
	now := time.Now()
	res := Result{Limit: l.Burst}
	switch {
	case n <= 0:
		res.Allowed = true
	case lim.AllowN(now, n):
		res.Allowed = true
	case n <= l.Burst:
		r := lim.ReserveN(now, n)
		res.RetryAfter = r.DelayFrom(now)
		r.CancelAt(now)
	}
	tokens := lim.TokensAt(now)
	res.Remaining = max(0, int(tokens))
	res.ResetAfter = time.Duration((float64(l.Burst) - tokens) / float64(every) * float64(time.Second))
	return res, nil
}

// Take implements CostLimiter through redis_rate's AllowN, falling back
// like Allow. redis_rate with a cost of zero changes nothing and reports
// the bucket.
func (r *Redis) Take(ctx context.Context, key string, n int) (Result, error) {
	l := r.limit
	if l.Off() {
		return Result{Allowed: true, Limit: l.Burst, Remaining: l.Burst}, nil
	}
	if n > l.Burst {
		// GCRA would answer with a retry that never comes; say so at once.
		res, err := r.Take(ctx, key, 0)
		res.Allowed, res.RetryAfter = false, 0
		return res, err
	}
	res, err := r.Breaker.call(ctx, func(ctx context.Context) (*redis_rate.Result, error) {
		return r.limiter.AllowN(ctx, r.Prefix+key, redis_rate.Limit{Rate: l.Rate, Burst: l.Burst, Period: l.Period}, max(n, 0))
	})
	if err != nil {
		if f, ok := r.Fallback.(CostLimiter); ok {
			r.Breaker.fellBack(err)
			return f.Take(ctx, key, n)
		}
		return Result{}, fmt.Errorf("redis rate limit: %w", err)
	}
	out := Result{
		Allowed:    n <= 0 || res.Allowed > 0,
		Limit:      l.Burst,
		Remaining:  max(0, res.Remaining),
		RetryAfter: nonNegative(res.RetryAfter),
		ResetAfter: nonNegative(res.ResetAfter),
	}
	if !out.Allowed {
		// redis_rate says 0 when it refuses; what is left is the bucket
		// less what refills until it is full, as Memory reports it.
		every := l.Period / time.Duration(l.Rate)
		out.Remaining = max(0, int(float64(l.Burst)-float64(out.ResetAfter)/float64(every)))
	}
	return out, nil
}

// CostLimiter returns a cost limiter of l, like Limiter: nil when l is
// off, in memory without Redis, else in Redis with an in-memory fallback.
func (s *Store) CostLimiter(l Limit) CostLimiter {
	switch lim := s.Limiter(l).(type) {
	case *Memory:
		return lim
	case *Redis:
		return lim
	}
	return nil
}
