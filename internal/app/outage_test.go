package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/budget"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
	"userbridge/rest/edufocus"
	"userbridge/rest/eduplatform"
	"userbridge/rest/maarch"
	"userbridge/rest/openapitest"
	"userbridge/rest/usersv1"
)

// syncBuffer is a log sink the service may write to from several
// goroutines while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines whose msg starts with prefix at level
// (any level when empty), failing the test on a line that is not JSON.
func (s *syncBuffer) lines(t *testing.T, level, prefix string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(s.b.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		msg, _ := m["msg"].(string)
		if (level == "" || m["level"] == level) && strings.HasPrefix(msg, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// outage is how a test takes the database away from one service and gives
// it back (restore is nil where it cannot come back).
type outage struct {
	cut, restore func()
	stop         func() // the server down for good: connections refused (nil on SQLite)
}

// newOutageEnv builds a service whose database the test can take away. On
// PostgreSQL, the service reaches the shared server through a proxy the
// test cuts (the server keeps serving every other test). On SQLite, an
// embedded file with no network to lose, the outage made here is the
// store's pools closed under the service (SQLITE_BUSY past the busy
// timeout, SQLITE_IOERR and SQLITE_CANTOPEN are classified the same way,
// by internal/store/db's tests).
func newOutageEnv(t *testing.T, dbURL string, logs *syncBuffer) (*apptest.Env, outage) {
	t.Helper()
	var proxy *dbtest.Proxy
	if strings.HasPrefix(dbURL, "postgres") {
		proxy, dbURL = dbtest.NewProxy(t, dbURL)
	}
	env := apptest.New(t, dbURL, func(c *app.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
		c.SweepEvery = -1
		// Bodies are compared byte for byte: no extensions.cost, whose
		// figures move (graph/budget_test.go covers the budget).
		c.Budget = budget.Settings{}
	})
	if proxy != nil {
		return env, outage{cut: proxy.Cut, restore: proxy.Restore, stop: proxy.Stop}
	}
	return env, outage{cut: func() {
		for _, p := range env.Store.Pools() {
			p.Close()
		}
	}}
}

// TestDatabaseOutageIs503NotUnauthenticated takes the database away and
// expects every transport to answer a valid token 503 with Retry-After in
// its own shape (never 401, which makes clients throw their tokens away,
// nor 500), /readyz to fail, and the outage to be logged once, not per
// request; once the database is back, the same requests succeed and the
// recovery is logged once.
func TestDatabaseOutageIs503NotUnauthenticated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		logs := &syncBuffer{}
		env, db := newOutageEnv(t, dbURL, logs)
		admin := env.Admin(t, "outage@example.com")
		token := env.Token(t, admin)
		oauthApp, secret := env.Application(t, "outage app", true)
		viewer := `{"query":"{ viewer { email } }"}`
		login := `{"query":"mutation { login(email: \"outage@example.com\", password: \"password123\") { token } }"}`
		clientRequest := func(path string, form url.Values) func() *http.Request {
			return func() *http.Request {
				req := apptest.Request("POST", path, "", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(oauthApp.ClientID, secret)
				return req
			}
		}
		tokenRequest := clientRequest("/oauth/token", url.Values{"grant_type": {"client_credentials"}})
		signIn, _, err := env.Accounts.CreateApplication(context.Background(), accounts.AppInput{
			Name: "outage sign-in", Verified: true, RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"identity"}})
		if err != nil {
			t.Fatal(err)
		}
		authorize := "/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {signIn.ClientID},
			"redirect_uri": {"https://app.example/cb"}, "scope": {"identity"}, "state": {"outage-state"}}.Encode()
		link := downloadLink(t, env, token)
		const unavailable = `{"error":"temporarily_unavailable","error_description":"The database cannot be reached for now: nothing was judged or changed. Retry later."}`
		cases := []struct {
			name string
			req  func() *http.Request
			doc  []byte // the dialect's OpenAPI document, nil for the others
			ok   int    // the status once the database is back
			body string // the whole body; for an HTML page, a part of it
		}{
			{"graphql", func() *http.Request { return apptest.Request("POST", "/graphql", token, viewer) }, nil, 200,
				`{"errors":[{"extensions":{"code":"UNAVAILABLE","reason":"unavailable"},"message":"the service is temporarily unavailable, retry later"}]}`},
			{"graphql, met by a resolver", func() *http.Request { return apptest.Request("POST", "/graphql", "", login) }, nil, 200,
				`{"errors":[{"message":"the service is temporarily unavailable, retry later","path":["login"],"locations":[{"line":1,"column":12}],"extensions":{"code":"UNAVAILABLE","reason":"unavailable"}}],"data":null}`},
			{"maarch", func() *http.Request { return apptest.Request("GET", "/rest/users", token, nil) }, maarch.OpenAPI, 200,
				`{"errors":"Service unavailable"}`},
			{"edu-focus", func() *http.Request { return apptest.Request("GET", "/users/@current", token, nil) }, edufocus.OpenAPI, 200,
				`{"code":503,"status":"failure","message":"service_unavailable"}`},
			{"users-v1", func() *http.Request { return apptest.Request("GET", "/v1/users/usr_"+admin.PublicID, token, nil) }, usersv1.OpenAPI, 200,
				`{"error":{"code":"service_unavailable","message":"the service is temporarily unavailable, retry later"}}`},
			{"edu-platform", func() *http.Request { return apptest.Request("POST", "/api/v1/users/oauth", token, nil) }, eduplatform.OpenAPI, 200,
				`{"status":{"code":503,"message":"Service temporarily unavailable, retry later."}}`},
			{"oauth token", tokenRequest, nil, 200, unavailable},
			{"oauth revocation", clientRequest("/oauth/revoke", url.Values{"token": {"ubr_unknown"}}), nil, 200, unavailable},
			{"oauth introspection", clientRequest("/oauth/introspect", url.Values{"token": {"uba_unknown"}}), nil, 200, unavailable},
			{"oauth authorize", func() *http.Request { return apptest.Request("GET", authorize, "", nil) }, nil, 200,
				"temporarily_unavailable"},
			{"signed download", func() *http.Request { return apptest.Request("GET", link, "", nil) }, nil, 200,
				`{"status":{"code":503,"message":"Service temporarily unavailable, retry later."}}`},
		}
		for _, c := range cases {
			if rec := env.Do(c.req()); rec.Code != c.ok {
				t.Fatalf("%s before the outage: %d %s", c.name, rec.Code, rec.Body)
			}
		}

		db.cut()
		for _, c := range cases {
			t.Run(c.name+" answers 503 with Retry-After", func(t *testing.T) {
				req := c.req()
				rec := env.Do(req)
				got := strings.TrimSpace(rec.Body.String())
				if strings.HasPrefix(got, "<") && strings.Contains(got, c.body) {
					got = c.body // an HTML page naming the error
				}
				if rec.Code != http.StatusServiceUnavailable || got != c.body {
					t.Fatalf("got %d %s\nwant 503 %s", rec.Code, rec.Body, c.body)
				}
				if got := rec.Header().Get("Retry-After"); got != "5" {
					t.Fatalf("Retry-After %q", got)
				}
				if c.doc != nil {
					openapitest.New(t, c.doc).Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
				}
			})
		}
		t.Run("readyz fails", func(t *testing.T) {
			if rec := env.Do(apptest.Request("GET", "/readyz", "", nil)); rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
		t.Run("the outage is logged once, and nothing else at ERROR", func(t *testing.T) {
			for range 3 {
				env.Do(apptest.Request("POST", "/graphql", token, viewer))
				env.Do(apptest.Request("GET", "/readyz", "", nil))
			}
			errs := logs.lines(t, "ERROR", "")
			if len(errs) != 1 || !strings.HasPrefix(errs[0]["msg"].(string), "database unreachable") {
				t.Fatalf("ERROR lines: %v", errs)
			}
		})
		if db.restore == nil {
			return
		}

		db.restore()
		t.Run("once the database is back, the same requests succeed", func(t *testing.T) {
			for _, c := range cases {
				if rec := env.Do(c.req()); rec.Code != c.ok {
					t.Fatalf("%s: %d %s", c.name, rec.Code, rec.Body)
				}
			}
			if rec := env.Do(apptest.Request("GET", "/readyz", "", nil)); rec.Code != http.StatusOK {
				t.Fatalf("readyz: %d %s", rec.Code, rec.Body)
			}
		})
		t.Run("the recovery is logged once", func(t *testing.T) {
			if got := logs.lines(t, "INFO", "database reachable again"); len(got) != 1 {
				t.Fatalf("recovery lines: %v", got)
			}
			if got := logs.lines(t, "ERROR", ""); len(got) != 1 {
				t.Fatalf("ERROR lines: %v", got)
			}
		})

		// The server stopped: new connections are refused rather than
		// dropped, the same outage to every transport.
		db.stop()
		t.Run("a stopped server is a 503 too, logged once more", func(t *testing.T) {
			for _, c := range cases {
				if rec := env.Do(c.req()); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "5" {
					t.Fatalf("%s: %d %s", c.name, rec.Code, rec.Body)
				}
			}
			if got := logs.lines(t, "ERROR", "database unreachable"); len(got) != 2 {
				t.Fatalf("outage lines: %v", got)
			}
		})
	})
}

// downloadLink uploads a file as the token's user (edu-platform's upload)
// and returns the path of its signed download link.
func downloadLink(t *testing.T, env *apptest.Env, token string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "outage.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("kept through the outage"))
	_ = mw.Close()
	req := apptest.Request("POST", "/api/v1/users/user_files/upload", token, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if rec := env.Do(req); rec.Code != http.StatusOK && rec.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	f, err := env.Store.Client.File.Query().Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(env.Files.URL(f), apptest.PublicURL)
}
