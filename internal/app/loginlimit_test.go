package app_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/store/db/dbtest"
)

// loginFrom tries a login with a wrong password from peer (with an
// X-Forwarded-For header when xff is not empty) and returns the error code.
func loginFrom(t *testing.T, e *apptest.Env, peer, xff, email string) string {
	t.Helper()
	req := apptest.Request("POST", "/graphql", "", map[string]any{
		"query":     `mutation($e: String!) { login(email: $e, password: "wrong-password") { token } }`,
		"variables": map[string]any{"e": email},
	})
	req.RemoteAddr = peer
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := e.Do(req)
	var res apptest.GraphQLResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || len(res.Errors) != 1 {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	return res.Errors[0].Code()
}

// TestLoginLimitKeys covers what the login limit counts attempts against:
// the client address as TRUSTED_PROXIES defines it, and the account under
// every spelling of its e-mail. Burst 3: the 4th attempt is refused.
func TestLoginLimitKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		proxies, err := reqinfo.ParseProxies("10.0.0.0/8")
		if err != nil {
			t.Fatal(err)
		}
		e := apptest.New(t, url, func(c *app.Config) {
			c.LoginRate = ratelimit.PerMinute(1, 3)
			c.TrustedProxies = proxies
		})
		e.User(t, "kate@example.com")
		const bad, limited = "UNAUTHENTICATED", "RATE_LIMITED"
		expect := func(t *testing.T, attempts []string, got func(i int) string) {
			t.Helper()
			for i, want := range attempts {
				if code := got(i); code != want {
					t.Fatalf("attempt %d: %s, want %s", i+1, code, want)
				}
			}
		}
		t.Run("spoofed X-Forwarded-For from an untrusted peer does not reset the address limit", func(t *testing.T) {
			expect(t, []string{bad, bad, bad, limited}, func(i int) string {
				return loginFrom(t, e, "203.0.113.1:4000", fmt.Sprintf("198.51.100.%d", i), fmt.Sprintf("a%d@example.com", i))
			})
		})
		t.Run("spoofed entries left of the real client through a trusted proxy do not reset the limit", func(t *testing.T) {
			expect(t, []string{bad, bad, bad, limited}, func(i int) string {
				return loginFrom(t, e, "10.0.0.1:4000", fmt.Sprintf("198.51.100.%d, 203.0.113.2", i), fmt.Sprintf("b%d@example.com", i))
			})
		})
		t.Run("behind trusted proxies each client has its own address bucket", func(t *testing.T) {
			expect(t, []string{bad, bad, bad, limited}, func(i int) string {
				return loginFrom(t, e, "10.0.0.1:4000", "203.0.113.3, 10.0.0.2", fmt.Sprintf("c%d@example.com", i))
			})
			if code := loginFrom(t, e, "10.0.0.1:4000", "203.0.113.4, 10.0.0.2", "d@example.com"); code != bad {
				t.Fatalf("another client behind the same proxies: %s", code)
			}
		})
		t.Run("IPv6 addresses of one /64 share the address bucket", func(t *testing.T) {
			expect(t, []string{bad, bad, bad, limited}, func(i int) string {
				return loginFrom(t, e, fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1), "", fmt.Sprintf("e%d@example.com", i))
			})
			if code := loginFrom(t, e, "[2001:db8:1:3::1]:4000", "", "f@example.com"); code != bad {
				t.Fatalf("the next /64: %s", code)
			}
		})
		t.Run("every spelling of an e-mail spends the one account bucket", func(t *testing.T) {
			spellings := []string{"kate@example.com", "KATE@example.com", kelvinKate, wideKate}
			expect(t, []string{bad, bad, bad, limited}, func(i int) string {
				return loginFrom(t, e, fmt.Sprintf("203.0.113.%d:4000", 10+i), "", spellings[i])
			})
		})
	})
}

// TestLoginLimitSharedThroughRedis runs two servers on one database and one
// Redis with a login burst of 3: two attempts on A and one on B pass, the
// next on B is refused, for the address and for the account alike.
func TestLoginLimitSharedThroughRedis(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("shared login limit skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		shared := func(c *app.Config) {
			c.LoginRate = ratelimit.PerMinute(1, 3)
			c.RedisURL, c.RedisPrefix = redisURL, "userbridge-test:"+hex.EncodeToString(b)+":"
		}
		a := apptest.New(t, url, shared)
		replica := apptest.New(t, url, shared)
		a.User(t, "kate@example.com")
		servers := []*apptest.Env{a, a, replica, replica}
		t.Run("the address limit holds for the pair", func(t *testing.T) {
			for i, s := range servers {
				want := map[bool]string{false: "UNAUTHENTICATED", true: "RATE_LIMITED"}[i == 3]
				if code := loginFrom(t, s, "203.0.113.1:4000", "", fmt.Sprintf("a%d@example.com", i)); code != want {
					t.Fatalf("attempt %d: %s, want %s", i+1, code, want)
				}
			}
		})
		t.Run("the account limit holds for the pair", func(t *testing.T) {
			for i, s := range servers {
				want := map[bool]string{false: "UNAUTHENTICATED", true: "RATE_LIMITED"}[i == 3]
				if code := loginFrom(t, s, fmt.Sprintf("203.0.113.%d:4000", 10+i), "", "kate@example.com"); code != want {
					t.Fatalf("attempt %d: %s, want %s", i+1, code, want)
				}
			}
		})
		t.Run("/metrics shows the breaker in front of Redis closed", func(t *testing.T) {
			rec := a.Do(apptest.Request("GET", "/metrics", a.Token(t, a.Admin(t, "scraper@example.com")), nil))
			body := rec.Body.String()
			for _, want := range []string{
				"userbridge_ratelimit_redis_breaker_state 0",
				`userbridge_ratelimit_fallbacks_total{reason="breaker_open"} 0`,
			} {
				if !strings.Contains(body, want) {
					t.Fatalf("%d: no %q in %.300s", rec.Code, want, body)
				}
			}
		})
	})
}
