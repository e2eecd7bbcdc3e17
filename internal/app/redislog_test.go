package app_test

import (
	"log/slog"
	"os"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestRedisOutageLogsJSONOnly stops the Redis a service shares its rate
// limits through (a proxy in front of the real one, stopped) and expects
// go-redis's own complaint (its pool cannot dial) in the service's JSON
// log, not as a plain-text line on standard error.
func TestRedisOutageLogsJSONOnly(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	dbtest.Each(t, func(t *testing.T, dbURL string) { redisOutageLogsJSONOnly(t, dbURL, redisURL) })
}

func redisOutageLogsJSONOnly(t *testing.T, dbURL, redisURL string) {
	proxy, redisURL := dbtest.NewProxy(t, redisURL)
	logs := &syncBuffer{}
	env := apptest.New(t, dbURL, func(c *app.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
		c.RedisURL = redisURL
		c.RedisPrefix = "test-redislog:"
		c.SweepEvery = -1
	})
	member := env.User(t, "redis@example.com")
	token := env.Token(t, member)
	path := "/v1/users/usr_" + member.PublicID
	if rec := env.Do(apptest.Request("GET", path, token, nil)); rec.Code != 200 {
		t.Fatalf("before the outage: %d %s", rec.Code, rec.Body)
	}

	proxy.Stop()
	// The rate limit falls back to this replica's memory: still served.
	if rec := env.Do(apptest.Request("GET", path, token, nil)); rec.Code != 200 {
		t.Fatalf("during the outage: %d %s", rec.Code, rec.Body)
	}
	got := logs.lines(t, "WARN", "redis client: ")
	if len(got) == 0 || !strings.Contains(got[0]["msg"].(string), "failed to dial") {
		t.Fatalf("go-redis's lines in the JSON log: %v", got)
	}
}
