package app_test

import (
	"net/http"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

func preflight(path, origin string) *http.Request {
	req := apptest.Request(http.MethodOptions, path, "", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	return req
}

func TestCORS(t *testing.T) {
	const front = "https://front.example"
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.CORSOrigins = []string{front}
	})
	token := env.Token(t, env.Admin(t, "cors@example.com"))

	t.Run("preflight from an allowed origin is answered, for GraphQL and every dialect", func(t *testing.T) {
		for _, path := range []string{"/graphql", "/v1/users/usr_x", "/rest/users", "/api/v1/users/oauth", "/users/@current", "/files"} {
			rec := env.Do(preflight(path, front))
			h := rec.Header()
			if rec.Code/100 != 2 || h.Get("Access-Control-Allow-Origin") != front {
				t.Fatalf("%s: %d %v", path, rec.Code, h)
			}
			if !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") ||
				h.Get("Access-Control-Allow-Methods") != http.MethodPost {
				t.Fatalf("%s: allow headers/methods: %v", path, h)
			}
			if h.Get("Access-Control-Allow-Credentials") != "" {
				t.Fatalf("%s: credentials must stay off (tokens travel in a header): %v", path, h)
			}
		}
	})
	t.Run("preflight from another origin gets no Access-Control headers", func(t *testing.T) {
		rec := env.Do(preflight("/graphql", "https://evil.example"))
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("allowed %q", got)
		}
	})
	t.Run("the actual request carries the origin and exposes the request id", func(t *testing.T) {
		req := apptest.Request(http.MethodPost, "/graphql", token, `{"query":"{ viewer { email } }"}`)
		req.Header.Set("Origin", front)
		rec := env.Do(req)
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != front ||
			!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "X-Request-Id") {
			t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
		}
	})
	t.Run("without CORS_ORIGINS a preflight gets no Access-Control headers", func(t *testing.T) {
		plain := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
		rec := plain.Do(preflight("/graphql", front))
		for k := range rec.Header() {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Fatalf("%s set without CORS_ORIGINS: %v", k, rec.Header())
			}
		}
	})
}

func TestParseCORSOrigins(t *testing.T) {
	got, err := app.ParseCORSOrigins(" https://a.example , http://localhost:3000/ ,*")
	if err != nil || strings.Join(got, " ") != "https://a.example http://localhost:3000 *" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"a.example", "ftp://a.example", "https://a.example/path", "https://u@a.example", "https://"} {
		if _, err := app.ParseCORSOrigins(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
