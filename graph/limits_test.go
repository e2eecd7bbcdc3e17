package graph_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"userbridge/app"
	"userbridge/app/apptest"
	"userbridge/db/dbtest"
)

func TestOperationLimits(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	tok := env.Token(t, env.Admin(t, "root@example.com"))

	nested := func(depth int) string {
		// viewer { files { edges { node { owner { files ... } } } } }
		q, closing := "viewer { ", "}"
		for d := 1; d < depth-1; d++ {
			q += "avatar { owner { "
			closing += "}}"
			d++
		}
		return "{ " + q + "id " + closing + " }"
	}
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "a%d: viewer { id } ", i)
		}
		return b.String() + "}"
	}

	cases := []struct {
		name, query string
		code        string
	}{
		{"shallow query passes", nested(4), ""},
		{"too deep is DEPTH_LIMIT_EXCEEDED", nested(16), "DEPTH_LIMIT_EXCEEDED"},
		{"introspection counts toward depth", `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"30 aliases pass", aliases(30), ""},
		{"31 aliases are ALIAS_LIMIT_EXCEEDED", aliases(31), "ALIAS_LIMIT_EXCEEDED"},
		{"too many directives are DIRECTIVE_LIMIT_EXCEEDED", "{ viewer { " + strings.Repeat("id @include(if: true) ", 60) + "} }", "DIRECTIVE_LIMIT_EXCEEDED"},
		{"over the parser token limit is refused", "{ viewer { " + strings.Repeat("id ", 16000) + "} }", "GRAPHQL_PARSE_FAILED"},
		{"syntax error is GRAPHQL_PARSE_FAILED", "{ viewer {", "GRAPHQL_PARSE_FAILED"},
		{"unknown field is GRAPHQL_VALIDATION_FAILED", "{ viewer { password } }", "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.GraphQL(t, tok, c.query, nil)
			got := res.Codes()
			if c.code == "" && len(got) != 0 || c.code != "" && !slices.Contains(got, c.code) {
				t.Fatalf("codes %v, want %q", got, c.code)
			}
		})
	}

	t.Run("limits are configurable", func(t *testing.T) {
		strict := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
			c.GraphQL = app.Defaults().GraphQL
			c.GraphQL.Limits.Aliases = 2
		})
		res := strict.GraphQL(t, strict.Token(t, strict.Admin(t, "a@example.com")), aliases(3), nil)
		if !slices.Equal(res.Codes(), []string{"ALIAS_LIMIT_EXCEEDED"}) {
			t.Fatalf("codes %v", res.Codes())
		}
	})

	t.Run("introspection can be switched off", func(t *testing.T) {
		closed := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
			c.GraphQL = app.Defaults().GraphQL
			c.GraphQL.Introspection = false
		})
		res := closed.GraphQL(t, "", `{ __schema { queryType { name } } }`, nil)
		if len(res.Errors) == 0 {
			t.Fatalf("introspection answered: %s", res.Data)
		}
	})
}

func TestTransport(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	tok := env.Token(t, env.Admin(t, "root@example.com"))

	t.Run("GET runs queries", func(t *testing.T) {
		rec := env.Do(apptest.Request("GET", "/graphql?query=%7Bviewer%7Brole%7D%7D", tok, nil))
		if rec.Code != 200 || rec.Body.String() != `{"data":{"viewer":{"role":"ADMIN"}}}` {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})

	t.Run("GET refuses mutations", func(t *testing.T) {
		rec := env.Do(apptest.Request("GET", "/graphql?query=mutation%7BdeleteViewer%7D", tok, nil))
		if rec.Code == 200 || !strings.Contains(rec.Body.String(), `"errors"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})

	t.Run("graphql-response+json gets 400 on a parse error", func(t *testing.T) {
		req := apptest.Request("POST", "/graphql", tok, `{"query":"{ viewer {"}`)
		req.Header.Set("Accept", "application/graphql-response+json")
		rec := env.Do(req)
		if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/graphql-response+json" {
			t.Fatalf("%d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	})

	t.Run("body over the cap is 413 in GraphQL's shape", func(t *testing.T) {
		big := `{"query":"{ viewer { id } }","variables":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`
		rec := env.Do(apptest.Request("POST", "/graphql", tok, big))
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":"PAYLOAD_TOO_LARGE"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})

	t.Run("malformed Authorization is 401", func(t *testing.T) {
		req := apptest.Request("POST", "/graphql", "", `{"query":"{ viewer { id } }"}`)
		req.Header.Set("Authorization", "Digest abc")
		rec := env.Do(req)
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"code":"UNAUTHENTICATED"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}
