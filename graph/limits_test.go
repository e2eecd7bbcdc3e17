package graph_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
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
		{"introspection nests to its own depth", `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } }`, ""},
		{"introspection deeper than 20 is DEPTH_LIMIT_EXCEEDED", `{ __type(name: "User") { ` + strings.Repeat("ofType { ", 20) + "name" + strings.Repeat(" }", 20) + " } }", "DEPTH_LIMIT_EXCEEDED"},
		{"fields above introspection keep the plain depth", `{ viewer { avatar { owner { avatar { owner { avatar { owner { avatar { owner { avatar { owner { avatar { owner { id } } } } } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"fragments count toward depth where they are spread", `{ viewer { ...A } } fragment A on User { avatar { owner { ...B } } } fragment B on User { avatar { owner { ...C } } } fragment C on User { avatar { owner { avatar { owner { avatar { owner { avatar { id } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"unused fragments are measured too", `{ viewer { id } } fragment A on User { ` + strings.Repeat("avatar { owner { ", 7) + "id" + strings.Repeat(" } }", 7) + " }", "DEPTH_LIMIT_EXCEEDED"},
		{"every operation of the document is measured", `query A { viewer { id } } query B { viewer { ` + strings.Repeat("a: id ", 31) + `} }`, "ALIAS_LIMIT_EXCEEDED"},
		{"aliases in a fragment count each time it is spread", `{ viewer { ...A ...A } } fragment A on User { ` + strings.Repeat("a: id ", 16) + `}`, "ALIAS_LIMIT_EXCEEDED"},
		{"a field selected 20 times passes", "{ viewer { " + strings.Repeat("id ", 20) + "} }", ""},
		{"a field selected 21 times is SELECTION_LIMIT_EXCEEDED", "{ viewer { " + strings.Repeat("id ", 21) + "} }", "SELECTION_LIMIT_EXCEEDED"},
		{"repeats merge through fragments and fields", `{ viewer { ...A } viewer { ...A } } fragment A on User { ` + strings.Repeat("id ", 11) + `}`, "SELECTION_LIMIT_EXCEEDED"},
		{"fragment cycles are left to validation", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown fragments are left to validation", `{ ...A }`, "GRAPHQL_VALIDATION_FAILED"},
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

	t.Run("selections are counted with fragments expanded", func(t *testing.T) {
		strict := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
			c.GraphQL = app.Defaults().GraphQL
			c.GraphQL.Limits.Selections = 10
		})
		tok := strict.Token(t, strict.Admin(t, "a@example.com"))
		// ...F twice: 2 spreads, and viewer, id, email twice.
		if res := strict.GraphQL(t, tok, `{ ...F ...F } fragment F on Query { viewer { id email } }`, nil); len(res.Errors) != 0 {
			t.Fatalf("8 selections: %v", res.Errors)
		}
		res := strict.GraphQL(t, tok, `{ ...F ...F } fragment F on Query { viewer { id email avatar { id } } }`, nil)
		if !slices.Equal(res.Codes(), []string{"SELECTION_LIMIT_EXCEEDED"}) {
			t.Fatalf("12 selections: codes %v", res.Codes())
		}
	})

	t.Run("a query served from the cache is answered again", func(t *testing.T) {
		for range 2 {
			if res := env.GraphQL(t, tok, nested(4), nil); len(res.Errors) != 0 {
				t.Fatal(res.Errors)
			}
			if res := env.GraphQL(t, tok, aliases(31), nil); !slices.Equal(res.Codes(), []string{"ALIAS_LIMIT_EXCEEDED"}) {
				t.Fatalf("codes %v", res.Codes())
			}
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
		if rec.Code != 200 || !dataWithCost(rec.Body.Bytes(), `{"viewer":{"role":"ADMIN"}}`, 2) {
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
