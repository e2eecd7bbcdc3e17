package graph_test

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"userbridge/graph/gid"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

func TestComplexity(t *testing.T) {
	// At a limit of 100: a user costs 3 (edges, node, id), a page 1 more.
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.GraphQL = app.Defaults().GraphQL
		c.GraphQL.Complexity = 100
	})
	root := env.Admin(t, "root@example.com")
	tok := env.Token(t, root)
	ids := func(n int) []string { return slices.Repeat([]string{gid.Encode(root.ID)}, n) }

	cases := []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"a page of 33 passes", `{ users(first: 33) { edges { node { id } } } }`, nil, ""},
		{"a page of 34 is COMPLEXITY_LIMIT_EXCEEDED", `{ users(first: 34) { edges { node { id } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"last counts as first does", `{ users(last: 34) { edges { node { id } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"first from a variable counts", `query($n: Int) { users(first: $n) { edges { node { id } } } }`, map[string]any{"n": 34}, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"a page without first counts as the list size", `{ users { edges { node { id } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"totalCount and pageInfo are not multiplied", `{ users(first: 100) { totalCount pageInfo { hasNextPage } } }`, nil, ""},
		{"aliased pages add up", `{ a: users(first: 20) { edges { node { id } } } b: users(first: 20) { edges { node { id } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"nested pages multiply", `{ users(first: 5) { edges { node { files(first: 10) { edges { node { id } } } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"a page inside a fragment counts", `{ ...F } fragment F on Query { users(first: 34) { edges { node { id } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"nodes counts its ids", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids(99)}, ""},
		{"nodes over the limit is COMPLEXITY_LIMIT_EXCEEDED", `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { email publicID } } }`, map[string]any{"ids": ids(40)}, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"a huge first does not overflow", `{ users(first: 2147483647) { edges { node { files(first: 2147483647) { edges { node { id } } } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.GraphQL(t, tok, c.query, c.vars)
			got := res.Codes()
			if c.code == "" && len(got) != 0 || c.code != "" && !slices.Equal(got, []string{c.code}) {
				t.Fatalf("codes %v, want %q: %v", got, c.code, res.Errors)
			}
		})
	}

	t.Run("a fragment spread twice at each of 24 levels is costed once", func(t *testing.T) {
		// With the selection cap off, only the complexity walk stands
		// between this document and 2^24 paths.
		open := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
			c.GraphQL = app.Defaults().GraphQL
			c.GraphQL.Limits.Selections = 0
		})
		var q strings.Builder
		q.WriteString("query{...F0}")
		for i := range 24 {
			fmt.Fprintf(&q, " fragment F%d on Query{...F%d ...F%d}", i, i+1, i+1)
		}
		q.WriteString(" fragment F24 on Query{__typename}")
		res := open.GraphQL(t, "", q.String(), nil)
		if !slices.Equal(res.Codes(), []string{"COMPLEXITY_LIMIT_EXCEEDED"}) {
			t.Fatalf("codes %v", res.Codes())
		}
	})
}

func TestNodesIDsLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		var logs bytes.Buffer
		env := apptest.New(t, url, func(c *app.Config) {
			c.GraphQL = app.Defaults().GraphQL
			c.GraphQL.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
		root := env.Admin(t, "root@example.com")
		tok := env.Token(t, root)
		ids := func(n int) []string { return slices.Repeat([]string{gid.Encode(root.ID)}, n) }
		const query = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`

		t.Run("100 ids are answered", func(t *testing.T) {
			res := env.GraphQL(t, tok, query, map[string]any{"ids": ids(100)})
			var data struct{ Nodes []struct{ ID string } }
			res.Decode(t, &data)
			if len(res.Errors) != 0 || len(data.Nodes) != 100 || data.Nodes[99].ID != gid.Encode(root.ID) {
				t.Fatalf("%v %+v", res.Errors, data)
			}
		})
		for _, n := range []int{101, 70000} {
			t.Run(fmt.Sprintf("%d ids are BAD_USER_INPUT, logged nowhere", n), func(t *testing.T) {
				logs.Reset()
				res := env.GraphQL(t, tok, query, map[string]any{"ids": ids(n)})
				// A list this long is refused before its ids are read, with
				// the reason input_too_large (graph/input_limits.go).
				if !slices.Equal(res.Codes(), []string{"BAD_USER_INPUT"}) || len(res.Data) != 0 && string(res.Data) != "null" ||
					n <= 10000 && res.Errors[0].Extensions["field"] != "ids" || n > 10000 && res.Errors[0].Extensions["reason"] != "input_too_large" {
					t.Fatalf("%s %v", res.Data, res.Errors)
				}
				if logs.Len() != 0 {
					t.Fatalf("logged: %.500s", logs.String())
				}
			})
		}
		t.Run("ids written in the query count too", func(t *testing.T) {
			list, _ := json.Marshal(ids(101))
			res := env.GraphQL(t, tok, `{ nodes(ids: `+string(list)+`) { id } }`, nil)
			if !slices.Equal(res.Codes(), []string{"BAD_USER_INPUT"}) {
				t.Fatalf("%v", res.Errors)
			}
		})
	})
}

// introspectionQuery is getIntrospectionQuery() of graphql-js 16.15.0 with
// its default options: what most code generators send.
//
//go:embed testdata/introspection-graphql-js-16.graphql
var introspectionQuery string

// introspectionQueryAllOptions is the same with every option on
// (descriptions, specifiedByUrl, directiveIsRepeatable, schemaDescription,
// inputValueDeprecation, oneOf), as GraphiQL asks for some of them.
//
//go:embed testdata/introspection-graphql-js-16-all-options.graphql
var introspectionQueryAllOptions string

func TestStandardIntrospection(t *testing.T) {
	for name, query := range map[string]string{"default options": introspectionQuery, "all options": introspectionQueryAllOptions} {
		t.Run("passes at the default limits, "+name, func(t *testing.T) { standardIntrospection(t, query) })
	}

	t.Run("is refused when introspection is off", func(t *testing.T) {
		env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
			c.GraphQL = app.Defaults().GraphQL
			c.GraphQL.Introspection = false
		})
		res := env.GraphQL(t, "", introspectionQuery, nil)
		if len(res.Errors) == 0 || string(res.Data) != "null" && len(res.Data) != 0 {
			t.Fatalf("introspection answered: %.300s", res.Data)
		}
	})
}

func standardIntrospection(t *testing.T, query string) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	rec := env.Do(apptest.Request("POST", "/graphql", "", map[string]any{"query": query, "operationName": "IntrospectionQuery"}))
	var res struct {
		Data struct {
			Schema struct {
				QueryType struct{ Name string }
				Types     []struct {
					Name   string
					Fields []struct{ Name string }
				}
			} `json:"__schema"`
		}
		Errors []any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || rec.Code != 200 || len(res.Errors) != 0 {
		t.Fatalf("%d %v: %.500s", rec.Code, err, rec.Body)
	}
	if res.Data.Schema.QueryType.Name != "Query" {
		t.Fatalf("queryType %+v", res.Data.Schema.QueryType)
	}
	i := slices.IndexFunc(res.Data.Schema.Types, func(ty struct {
		Name   string
		Fields []struct{ Name string }
	}) bool {
		return ty.Name == "Query"
	})
	if i < 0 || !slices.ContainsFunc(res.Data.Schema.Types[i].Fields, func(f struct{ Name string }) bool { return f.Name == "users" }) {
		t.Fatalf("no Query.users among %d types", len(res.Data.Schema.Types))
	}
}
