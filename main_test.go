package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
	"userbridge/playground"
	"userbridge/playground/browsertest"
)

// TestQuickstart follows the README: create an administrator and a token
// with the CLI, then ask the server who the token belongs to.
func TestQuickstart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		cli := func(args ...string) string {
			t.Helper()
			var out, errOut bytes.Buffer
			args = append(args, "--database", dbURL)
			if err := run(ctx, args, &out, &errOut); err != nil {
				t.Fatalf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
			}
			if want := "store: " + describeDatabase(dbURL) + "\n"; errOut.String() != want {
				t.Fatalf("%v: standard error %q, want %q", args, errOut.String(), want)
			}
			return strings.TrimSpace(out.String())
		}
		created := cli("user", "create", "--admin", "--email", "admin@example.com", "--password", "change-me-now", "--first-name", "Ada")
		if fields := strings.Fields(created); len(fields) != 3 || fields[2] != "admin@example.com" {
			t.Fatalf("user create printed %q", created)
		}
		token := cli("token", "create", "--user", "admin@example.com")
		if !strings.HasPrefix(token, "ubk_") || strings.ContainsAny(token, " \n") {
			t.Fatalf("token create printed %q", token)
		}
		appLine := cli("app", "create", "--name", "Legacy client", "--verified", "--permissions", "users:read")
		if f := strings.Fields(appLine); len(f) != 2 || len(f[0]) != 32 {
			t.Fatalf("app create printed %q", appLine)
		}
		if got := cli("migrate"); got != "schema up to date" {
			t.Fatalf("migrate printed %q", got)
		}

		env := apptest.New(t, dbURL)
		res := env.GraphQL(t, token, `{ viewer { email firstName role flags } }`, nil)
		if string(res.Data) != `{"viewer":{"email":"admin@example.com","firstName":"Ada","role":"ADMIN","flags":1}}` {
			t.Fatalf("viewer: %s %v", res.Data, res.Errors)
		}
	})
}

func TestCLIRefusesBadInput(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "app.db")
	for _, args := range [][]string{
		{"user", "create", "--email", "not-an-email", "--database", db},
		{"user", "create", "--email", "a@example.com", "--password", "short", "--database", db},
		{"token", "create", "--user", "nobody@example.com", "--database", db},
		{"frobnicate"},
		{"user"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out); err == nil {
			t.Errorf("%v succeeded: %s", args, out.String())
		}
	}
}

// TestPlaygroundRunsViewerQuery loads the embedded GraphiQL in headless
// Chromium against the real router, with a token, and sees the viewer's
// e-mail in the result pane; then it opens the documentation explorer and
// sees the root types, which GraphiQL lists only once its introspection
// query (graphql-js's standard one) loaded the schema, at default limits.
func TestPlaygroundRunsViewerQuery(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	token := env.Token(t, env.Admin(t, "playground@example.com"))
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	q := url.Values{"token": {token}, "query": {"{ viewer { email role } }"}, "run": {"1"}}
	text := browsertest.RunSteps(t, srv.URL+"/graphiql?"+q.Encode(), 45*time.Second,
		browsertest.Step{In: playground.ResultPaneSelector, WaitFor: "playground@example.com"},
		// GraphiQL 3's sidebar button and panel; without a schema the
		// panel says "Error fetching schema" or "No GraphQL schema
		// available" instead of the root types.
		browsertest.Step{Click: `[aria-label="Show Documentation Explorer"]`, In: ".graphiql-doc-explorer",
			WaitFor: "query: Query", FailOn: "Error fetching schema"},
	)
	if !strings.Contains(text[0], `"role": "ADMIN"`) {
		t.Fatalf("result pane: %s", text[0])
	}
	if !strings.Contains(text[1], "mutation: Mutation") {
		t.Fatalf("documentation explorer: %s", text[1])
	}
}

// TestServeStopsCleanly cancels a running server (as SIGINT/SIGTERM do) and
// expects it to drain and return without error.
func TestServeStopsCleanly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0",
			"--database", "sqlite://" + filepath.Join(t.TempDir(), "app.db"),
			"--storage", "file://" + filepath.Join(t.TempDir(), "files"), "--drain-delay", "0"}, &out, &out)
	}()
	select {
	case err := <-done:
		t.Fatalf("serve returned before being stopped: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
