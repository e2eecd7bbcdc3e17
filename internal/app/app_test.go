package app_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

func TestOperations(t *testing.T) {
	var logs bytes.Buffer
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	token := env.Token(t, env.Admin(t, "ops@example.com"))

	t.Run("healthz answers", func(t *testing.T) {
		rec := env.Do(apptest.Request("GET", "/healthz", "", nil))
		if rec.Code != 200 || rec.Body.String() != "{\"status\":\"ok\"}\n" {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("readyz checks the database", func(t *testing.T) {
		rec := env.Do(apptest.Request("GET", "/readyz", "", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ready"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("root redirects to the playground", func(t *testing.T) {
		rec := env.Do(apptest.Request("GET", "/", "", nil))
		if rec.Code != 302 || rec.Header().Get("Location") != "/graphiql" {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
	})
	t.Run("request ids are echoed, or made", func(t *testing.T) {
		req := apptest.Request("GET", "/healthz", "", nil)
		req.Header.Set("X-Request-Id", "abc-123")
		if got := env.Do(req).Header().Get("X-Request-Id"); got != "abc-123" {
			t.Fatalf("echo: %q", got)
		}
		if got := env.Do(apptest.Request("GET", "/healthz", "", nil)).Header().Get("X-Request-Id"); len(got) != 16 {
			t.Fatalf("made: %q", got)
		}
	})
	t.Run("one log line per request, with route and never the token", func(t *testing.T) {
		logs.Reset()
		req := apptest.Request("POST", "/graphql?token="+token, token, `{"query":"{ viewer { email } }"}`)
		req.Header.Set("X-Request-Id", "log-test")
		env.Do(req)
		out := logs.String()
		if strings.Contains(out, token) || strings.Contains(out, token[4:]) {
			t.Fatalf("token in logs: %s", out)
		}
		var line map[string]any
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &line); err != nil {
			t.Fatalf("not one JSON line: %q", out)
		}
		for k, want := range map[string]any{"msg": "request", "method": "POST", "route": "/graphql", "status": float64(200), "request_id": "log-test"} {
			if line[k] != want {
				t.Errorf("%s = %v, want %v", k, line[k], want)
			}
		}
		if _, ok := line["duration_ms"]; !ok {
			t.Error("no duration")
		}
	})
	t.Run("metrics count requests by route", func(t *testing.T) {
		rec := env.Do(apptest.Request("GET", "/metrics", env.Token(t, env.Admin(t, "scraper@example.com")), nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `userbridge_http_requests_total{method="GET",route="/healthz",status="200"}`) {
			t.Fatalf("%d %.500s", rec.Code, rec.Body)
		}
	})
}
