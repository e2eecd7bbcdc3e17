package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"userbridge/ratelimit"
)

// redisClient returns a client of TEST_REDIS_URL, or skips.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	u := os.Getenv("TEST_REDIS_URL")
	if u == "" {
		t.Skip("Redis limiter tests skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run them")
	}
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func uniquePrefix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "userbridge-test:" + hex.EncodeToString(b) + ":"
}

// TestRedisSharesOneBucket shows two limiters (two replicas) on one Redis
// spending the same bucket, with our Result filled from redis_rate's.
func TestRedisSharesOneBucket(t *testing.T) {
	c := redisClient(t)
	prefix := uniquePrefix()
	a, b := ratelimit.NewRedis(c, ratelimit.PerMinute(60, 3)), ratelimit.NewRedis(c, ratelimit.PerMinute(60, 3))
	a.Prefix, b.Prefix = prefix, prefix
	ctx := context.Background()
	for i, l := range []*ratelimit.Redis{a, b, a} {
		res, err := l.Allow(ctx, "k")
		if err != nil || !res.Allowed || res.Limit != 3 || res.Remaining != 2-i || res.RetryAfter != 0 {
			t.Fatalf("attempt %d: %+v, %v", i, res, err)
		}
	}
	res, err := b.Allow(ctx, "k")
	if err != nil || res.Allowed || res.Remaining != 0 || res.RetryAfter <= 0 || res.RetryAfter > time.Second {
		t.Fatalf("4th attempt: %+v, %v", res, err)
	}
	if res.ResetAfter < 2*time.Second || res.ResetAfter > 3*time.Second {
		t.Fatalf("ResetAfter %v, want about 3s", res.ResetAfter)
	}
	if res, _ := a.Allow(ctx, "other"); !res.Allowed {
		t.Fatal("another key shares the bucket")
	}
}

// TestRedisFallsBackWhenDown shows the request-time decision: a Redis that
// stops answering degrades to the in-memory bucket and reports the error.
func TestRedisFallsBackWhenDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	l := ratelimit.NewRedis(c, ratelimit.PerMinute(60, 1))
	if _, err := l.Allow(context.Background(), "k"); err == nil {
		t.Fatal("no error without a fallback")
	}
	var reported error
	l.Fallback, l.OnError = ratelimit.NewMemory(ratelimit.PerMinute(60, 1)), func(err error) { reported = err }
	first, err1 := l.Allow(context.Background(), "k")
	second, err2 := l.Allow(context.Background(), "k")
	if err1 != nil || err2 != nil || !first.Allowed || second.Allowed || reported == nil {
		t.Fatalf("fallback: %+v %v, %+v %v, reported %v", first, err1, second, err2, reported)
	}
}

// TestOpenFailsLoudly shows that a deployment asking for Redis does not start
// without it, and that a rate of 0 or no Redis URL need none.
func TestOpenFailsLoudly(t *testing.T) {
	ctx := context.Background()
	if _, _, err := ratelimit.Open(ctx, "redis://127.0.0.1:1/0", "", ratelimit.PerMinute(1, 1), nil); err == nil {
		t.Fatal("Open succeeded with an unreachable Redis")
	}
	if _, _, err := ratelimit.Open(ctx, "not a url", "", ratelimit.PerMinute(1, 1), nil); err == nil {
		t.Fatal("Open succeeded with a malformed URL")
	}
	if l, _, err := ratelimit.Open(ctx, "", "", ratelimit.PerMinute(0, 0), nil); l != nil || err != nil {
		t.Fatalf("off: %v, %v", l, err)
	}
	l, closer, err := ratelimit.Open(ctx, "", "", ratelimit.PerMinute(1, 1), nil)
	if _, mem := l.(*ratelimit.Memory); err != nil || !mem || closer.Close() != nil {
		t.Fatalf("memory: %T, %v", l, err)
	}
}
