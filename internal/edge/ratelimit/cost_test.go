package ratelimit_test

import (
	"context"
	"os"
	"testing"
	"time"

	"userbridge/internal/edge/ratelimit"
)

// TestTakeSpendsItsCost: Take spends n tokens at once, zero spends none,
// and more than the bucket holds is refused with no retry; in memory and,
// with TEST_REDIS_URL, in Redis shared by two limiters (two replicas).
func TestTakeSpendsItsCost(t *testing.T) {
	l := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 100}
	limiters := map[string][2]ratelimit.CostLimiter{"memory": {ratelimit.NewMemory(l), nil}}
	if os.Getenv("TEST_REDIS_URL") != "" {
		c, prefix := redisClient(t), uniquePrefix()
		a, b := ratelimit.NewRedis(c, l), ratelimit.NewRedis(c, l)
		a.Prefix, b.Prefix = prefix, prefix
		limiters["redis"] = [2]ratelimit.CostLimiter{a, b}
	} else {
		t.Log("Redis case skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	ctx := context.Background()
	for name, pair := range limiters {
		t.Run(name, func(t *testing.T) {
			a, b := pair[0], pair[1]
			if b == nil {
				b = a
			}
			for i, step := range []struct {
				l         ratelimit.CostLimiter
				n         int
				allowed   bool
				remaining int
			}{
				{a, 30, true, 70}, {b, 0, true, 70}, {b, 0, true, 70}, {b, 60, true, 10},
				{a, 11, false, 10}, {a, 101, false, 10}, {a, 10, true, 0},
			} {
				res, err := step.l.Take(ctx, "k", step.n)
				if err != nil || res.Allowed != step.allowed || res.Remaining != step.remaining {
					t.Fatalf("step %d (take %d): %+v %v, want allowed %v remaining %d", i, step.n, res, err, step.allowed, step.remaining)
				}
				if step.n > 100 && res.RetryAfter != 0 {
					t.Fatalf("a cost over the bucket got a retry: %v", res.RetryAfter)
				}
				if !res.Allowed && step.n <= 100 && res.RetryAfter <= 0 {
					t.Fatalf("refused without RetryAfter: %+v", res)
				}
			}
		})
	}
}
