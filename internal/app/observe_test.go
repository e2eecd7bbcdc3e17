package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/store/db/dbtest"
)

// scrape reads /metrics from h with token (an administrator's on the main
// address, none on METRICS_ADDR).
func scrape(t *testing.T, h http.Handler, token string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, apptest.Request("GET", "/metrics", token, nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

func wantMetric(t *testing.T, body, line string) {
	t.Helper()
	if !strings.Contains(body, line) {
		t.Errorf("metrics lack %s", line)
	}
}

func TestMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url, func(c *app.Config) {
			c.APIRate = ratelimit.PerMinute(1, 1)
		})
		token := env.Token(t, env.Admin(t, "metrics@example.com"))
		gql := func(body string) {
			env.Do(apptest.Request("POST", "/graphql", token, body))
		}

		t.Run("GraphQL operations by name, type and outcome", func(t *testing.T) {
			gql(`{"query":"query Me { viewer { email } }"}`)
			gql(`{"query":"{ viewer { email } }"}`)
			gql(`{"query":"mutation Login { login(email: \"nobody@example.com\", password: \"wrong-password\") { token } }"}`)
			gql(`{"query":"query Broken { viewer { "}`)
			gql(`{"query":"query Unknown { noSuchField }"}`)
			env.Do(apptest.Request("POST", "/graphql", "", `{"query":"query Anon { users(first: 1) { totalCount } }"}`))
			body := scrape(t, env.Handler, token)
			wantMetric(t, body, `userbridge_graphql_operations_total{operation="Me",outcome="ok",type="query"} 1`)
			wantMetric(t, body, `userbridge_graphql_operations_total{operation="(anonymous)",outcome="ok",type="query"} 1`)
			wantMetric(t, body, `userbridge_graphql_operations_total{operation="Login",outcome="UNAUTHENTICATED",type="mutation"} 1`)
			wantMetric(t, body, `userbridge_graphql_operations_total{operation="(unknown)",outcome="GRAPHQL_PARSE_FAILED",type="unknown"} 1`)
			wantMetric(t, body, `userbridge_graphql_operations_total{operation="(unknown)",outcome="GRAPHQL_VALIDATION_FAILED",type="unknown"} 1`)
			wantMetric(t, body, `userbridge_graphql_operations_total{operation="Anon",outcome="UNAUTHENTICATED",type="query"} 1`)
		})
		t.Run("operation names past the bound are counted as (other)", func(t *testing.T) {
			for i := range 205 {
				gql(fmt.Sprintf(`{"query":"query N%d { __typename }"}`, i))
			}
			body := scrape(t, env.Handler, token)
			if n := strings.Count(body, "userbridge_graphql_operations_total{operation=\"N"); n >= 200 {
				t.Errorf("%d distinct client names became labels", n)
			}
			if !strings.Contains(body, `userbridge_graphql_operations_total{operation="(other)",outcome="ok",type="query"}`) {
				t.Error("no (other) bucket")
			}
		})
		t.Run("database pool statistics per pool", func(t *testing.T) {
			body := scrape(t, env.Handler, token)
			pool := "main"
			if strings.HasPrefix(url, "sqlite") {
				pool = "reader"
			}
			wantMetric(t, body, `go_sql_open_connections{db_name="`+pool+`"}`)
			wantMetric(t, body, `go_sql_wait_count_total{db_name="`+pool+`"}`)
		})
		t.Run("rate-limit refusals", func(t *testing.T) {
			u := env.User(t, "limited@example.com")
			tok := env.Token(t, u)
			for range 3 {
				env.Do(apptest.Request("GET", "/v1/users/usr_"+u.PublicID, tok, nil))
			}
			wantMetric(t, scrape(t, env.Handler, token), `userbridge_rate_limit_refusals_total{limit="api"} 2`)
		})
		t.Run("storage latency by operation", func(t *testing.T) {
			env.Files.RemoveBlobs(context.Background(), []string{"no-such-blob"})
			wantMetric(t, scrape(t, env.Handler, token), `userbridge_storage_operation_duration_seconds_count{operation="delete",outcome="ok"} 1`)
		})
	})
}

// METRICS_ADDR moves /metrics off the main address.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
	if rec := env.Do(apptest.Request("GET", "/metrics", "", nil)); rec.Code != 404 {
		t.Fatalf("main address still serves /metrics: %d", rec.Code)
	}
	ms := env.MetricsServer()
	if ms == nil {
		t.Fatal("no metrics server")
	}
	wantMetric(t, scrape(t, ms.Handler, ""), "userbridge_http_requests_total")
	plain := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	if plain.MetricsServer() != nil {
		t.Fatal("a metrics server without METRICS_ADDR")
	}
}

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	proxies, err := reqinfo.ParseProxies("192.0.2.0/24")
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		c.TrustedProxies = proxies
	})
	u := env.Admin(t, "logged@example.com")
	token := env.Token(t, u)
	line := func(t *testing.T, req *http.Request) map[string]any {
		t.Helper()
		logs.Reset()
		env.Do(req)
		var m map[string]any
		if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &m); err != nil {
			t.Fatalf("not one JSON line: %q", logs.String())
		}
		return m
	}
	t.Run("names the GraphQL operation, the user and the client behind a trusted proxy", func(t *testing.T) {
		req := apptest.Request("POST", "/graphql", token, `{"query":"query WhoAmI { viewer { email } }"}`)
		req.RemoteAddr = "192.0.2.10:4000"
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		m := line(t, req)
		if m["operation"] != "WhoAmI" || m["user"] != u.PublicID || m["client"] != "203.0.113.7" {
			t.Fatalf("%v", m)
		}
	})
	t.Run("an untrusted peer's X-Forwarded-For is not the client", func(t *testing.T) {
		req := apptest.Request("GET", "/v1/users/usr_"+u.PublicID, token, nil)
		req.RemoteAddr = "198.51.100.9:4000"
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		m := line(t, req)
		if m["client"] != "198.51.100.9" || m["user"] != u.PublicID {
			t.Fatalf("%v", m)
		}
		if _, ok := m["operation"]; ok {
			t.Fatalf("a REST request with an operation: %v", m)
		}
	})
	t.Run("anonymous requests name no user", func(t *testing.T) {
		m := line(t, apptest.Request("GET", "/healthz", "", nil))
		if _, ok := m["user"]; ok {
			t.Fatalf("%v", m)
		}
	})
}

func TestLogFormat(t *testing.T) {
	t.Run("unknown formats are refused", func(t *testing.T) {
		for _, f := range []string{"txt", "JSON", "logfmt"} {
			if _, err := app.NewLogger(f, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "json or text") {
				t.Errorf("%q: %v", f, err)
			}
		}
	})
	t.Run("JSON when the output is no terminal, unless text is asked for", func(t *testing.T) {
		var buf bytes.Buffer
		l, _ := app.NewLogger("", &buf)
		l.Info("hello")
		if !strings.HasPrefix(buf.String(), "{") {
			t.Fatalf("%q", buf.String())
		}
		buf.Reset()
		l, _ = app.NewLogger("text", &buf)
		l.Info("hello")
		if !strings.HasPrefix(buf.String(), "time=") {
			t.Fatalf("%q", buf.String())
		}
	})
	t.Run("JSON into /dev/null, a character device but no terminal", func(t *testing.T) {
		devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer devNull.Close()
		l, _ := app.NewLogger("", devNull)
		if _, ok := l.Handler().(*slog.JSONHandler); !ok {
			t.Fatalf("%T", l.Handler())
		}
	})
	t.Run("text on a terminal", func(t *testing.T) {
		tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0) // a pseudo-terminal
		if err != nil {
			t.Skipf("no pseudo-terminal here: %v", err)
		}
		defer tty.Close()
		l, _ := app.NewLogger("", tty)
		if _, ok := l.Handler().(*slog.TextHandler); !ok {
			t.Fatalf("%T", l.Handler())
		}
		l, _ = app.NewLogger("json", tty)
		if _, ok := l.Handler().(*slog.JSONHandler); !ok {
			t.Fatalf("LOG_FORMAT=json on a terminal: %T", l.Handler())
		}
	})
}

// TestMetricsLeakNothingOnTheMainAddress: without METRICS_ADDR, /metrics on
// the main port named the clients' GraphQL operations to anyone. Now only
// an administrator's own credential reads it.
func TestMetricsLeakNothingOnTheMainAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		admin := env.Token(t, env.Admin(t, "ops@example.com"))
		user := env.Token(t, env.User(t, "someone@example.com"))
		env.Do(apptest.Request("POST", "/graphql", admin, `{"query":"query SecretReportName { viewer { email } }"}`))
		for _, c := range []struct {
			name, token string
			status      int
		}{
			{"anonymous", "", http.StatusUnauthorized},
			{"unknown token", "ubk_notatokennotatokennotatokennotatokennotatok", http.StatusUnauthorized},
			{"a user who is not an administrator", user, http.StatusForbidden},
		} {
			rec := env.Do(apptest.Request("GET", "/metrics", c.token, nil))
			if rec.Code != c.status || strings.Contains(rec.Body.String(), "SecretReportName") ||
				rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("%s: %d %s %.300s", c.name, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		}
		if c := scrape(t, env.Handler, admin); !strings.Contains(c, `operation="SecretReportName"`) {
			t.Errorf("the administrator does not see the operation: %.300s", c)
		}
	})
}
