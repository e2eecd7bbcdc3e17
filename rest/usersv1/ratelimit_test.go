package usersv1_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strconv"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/store/db/dbtest"
)

func withRate(n, burst int) func(*app.Config) {
	return func(c *app.Config) { c.APIRate = ratelimit.PerMinute(n, burst) }
}

// TestRateLimit covers the per-credential bucket of the dialect.
func TestRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, withRate(60, 3))
		t.Run("rate-200/headers count the bucket down, errors included", func(t *testing.T) {
			for i, want := range []string{"2", "1"} {
				rec := e.call(t, http.MethodGet, "/v1/nothing", e.memberTok, nil)
				if got := rec.Header().Get("RateLimit-Remaining"); got != want || rec.Header().Get("RateLimit-Limit") != "3" {
					t.Fatalf("request %d: Remaining %q Limit %q, want %s and 3", i, got, rec.Header().Get("RateLimit-Limit"), want)
				}
			}
		})
		t.Run("rate-429/the empty bucket is rate_limited with Retry-After", func(t *testing.T) {
			e.call(t, http.MethodGet, path(e.member), e.memberTok, nil)
			rec := e.call(t, http.MethodGet, path(e.member), e.memberTok, nil)
			expect(t, rec, 429, errJSON("rate_limited", "rate limit exceeded", ""))
			if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
			}
			if rec.Header().Get("RateLimit-Remaining") != "0" {
				t.Fatalf("Remaining %q", rec.Header().Get("RateLimit-Remaining"))
			}
		})
		t.Run("rate-200/another credential has its own bucket", func(t *testing.T) {
			expect(t, e.call(t, http.MethodGet, path(e.admin), e.adminTok, nil), 200, userJSON(e.admin, "", true))
		})
		t.Run("rate-429/anonymous callers share their address's bucket", func(t *testing.T) {
			for range 3 {
				e.call(t, http.MethodGet, path(e.admin), "", nil)
			}
			expect(t, e.call(t, http.MethodGet, path(e.admin), "", nil), 429, errJSON("rate_limited", "rate limit exceeded", ""))
		})
	})
}

// TestRateLimitOff shows that a rate of 0 turns limiting and its headers off.
func TestRateLimitOff(t *testing.T) {
	e := newEnv(t, dbtest.URL(t, dbtest.SQLite), withRate(0, 0))
	for range 30 {
		rec := e.call(t, http.MethodGet, path(e.member), e.memberTok, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("RateLimit-Limit") != "" {
			t.Fatalf("got %d, RateLimit-Limit %q", rec.Code, rec.Header().Get("RateLimit-Limit"))
		}
	}
}

// TestRateLimitSharedThroughRedis runs two servers on one database and one
// Redis: with a burst of 5, 3 requests on A and 2 on B pass, and the 3rd on
// B (the 6th in all) is refused. The limit holds for the pair, not per server.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("shared rate limit skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		shared := func(c *app.Config) {
			c.APIRate = ratelimit.PerMinute(1, 5)
			c.RedisURL, c.RedisPrefix = redisURL, "userbridge-test:"+hex.EncodeToString(b)+":"
		}
		a := newEnv(t, url, shared)
		// A second server on the same database (its users already exist).
		replica := &env{Env: apptest.New(t, url, shared), doc: a.doc, limited: true}
		servers := []*env{a, a, a, replica, replica}
		for i, s := range servers {
			rec := s.call(t, http.MethodGet, path(a.member), a.memberTok, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, rec.Code, rec.Body)
			}
			if got, want := rec.Header().Get("RateLimit-Remaining"), strconv.Itoa(4-i); got != want {
				t.Fatalf("request %d: Remaining %s, want %s", i+1, got, want)
			}
		}
		rec := replica.call(t, http.MethodGet, path(a.member), a.memberTok, nil)
		expect(t, rec, 429, errJSON("rate_limited", "rate limit exceeded", ""))
	})
}
