package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"userbridge/internal/edge/ratelimit"
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

// TestRedisFallsBackWhenDown shows the request-time decision without a
// Breaker: a Redis that stops answering degrades to the in-memory bucket.
func TestRedisFallsBackWhenDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	l := ratelimit.NewRedis(c, ratelimit.PerMinute(60, 1))
	if _, err := l.Allow(context.Background(), "k"); err == nil {
		t.Fatal("no error without a fallback")
	}
	l.Fallback = ratelimit.NewMemory(ratelimit.PerMinute(60, 1))
	first, err1 := l.Allow(context.Background(), "k")
	second, err2 := l.Allow(context.Background(), "k")
	if err1 != nil || err2 != nil || !first.Allowed || second.Allowed {
		t.Fatalf("fallback: %+v %v, %+v %v", first, err1, second, err2)
	}
}

// TestDialFailsLoudly shows that a deployment asking for Redis does not start
// without it, and that a rate of 0 or no Redis URL need none.
func TestDialFailsLoudly(t *testing.T) {
	ctx := context.Background()
	if _, err := ratelimit.Dial(ctx, "redis://127.0.0.1:1/0", "", nil); err == nil {
		t.Fatal("Dial succeeded with an unreachable Redis")
	}
	if _, err := ratelimit.Dial(ctx, "not a url", "", nil); err == nil {
		t.Fatal("Dial succeeded with a malformed URL")
	}
	s, err := ratelimit.Dial(ctx, "", "", nil)
	if err != nil || s.Shared() {
		t.Fatalf("no URL: %v, shared %v", err, s.Shared())
	}
	if l := s.Limiter(ratelimit.PerMinute(0, 0)); l != nil {
		t.Fatalf("off: %T", l)
	}
	if _, mem := s.Limiter(ratelimit.PerMinute(1, 1)).(*ratelimit.Memory); !mem || s.Close() != nil {
		t.Fatal("no URL: not in memory")
	}
}

// TestDialSharesOneConnection shows two limits of one deployment (users-v1
// and logins) in Redis under the deployment's prefix.
func TestDialSharesOneConnection(t *testing.T) {
	c := redisClient(t)
	ctx := context.Background()
	prefix := uniquePrefix()
	s, err := ratelimit.Dial(ctx, os.Getenv("TEST_REDIS_URL"), prefix, nil)
	if err != nil || !s.Shared() {
		t.Fatalf("%v, shared %v", err, s != nil && s.Shared())
	}
	defer s.Close()
	login, api := s.Limiter(ratelimit.PerMinute(60, 1)), s.Limiter(ratelimit.PerMinute(60, 5))
	if res, _ := login.Allow(ctx, "login:addr:x"); !res.Allowed || res.Limit != 1 {
		t.Fatalf("login: %+v", res)
	}
	if res, _ := api.Allow(ctx, "addr:x"); !res.Allowed || res.Limit != 5 {
		t.Fatalf("api: %+v", res)
	}
	keys, err := c.Keys(ctx, "*"+prefix+"*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys under %s: %v, %v", prefix, keys, err)
	}
}
