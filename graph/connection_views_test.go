package graph_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"userbridge/bench/seed"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// Nested connections are resolved from a view of their selections cached
// per operation (graph/pagination.go): two different selections of one
// connection in one operation must each answer as they do alone.
func TestNestedConnectionViewsOfOneOperation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, admin := seededUsers(t, url)
		const (
			a = `a: users(first: 20) { edges { node { email f: files(first: 1) { n: totalCount edges { node { name } } } } } }`
			b = `b: users(first: 20) { edges { node { email files(first: 5) { edges { node { size } } } } } }`
			c = `c: users(first: 20) { edges { node { email files(first: 5) { totalCount } } } }`
		)
		alone := map[string]json.RawMessage{}
		for _, q := range []string{a, b, c} {
			r := env.GraphQL(t, admin, "{ "+q+" }", nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %v", q, r.Errors)
			}
			var m map[string]json.RawMessage
			r.Decode(t, &m)
			for k, v := range m {
				alone[k] = v
			}
		}
		r := env.GraphQL(t, admin, "{ "+a+" "+b+" "+c+" }", nil)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		var together map[string]json.RawMessage
		r.Decode(t, &together)
		for _, k := range []string{"a", "b", "c"} {
			if string(together[k]) != string(alone[k]) {
				t.Errorf("%s in one operation:\n%s\nalone:\n%s", k, together[k], alone[k])
			}
		}
		var sizes struct {
			Edges []struct {
				Node struct {
					Files struct {
						Edges []struct{ Node struct{ Size *int } }
					}
				}
			}
		}
		if err := json.Unmarshal(together["b"], &sizes); err != nil {
			t.Fatal(err)
		}
		withFiles := 0
		for _, e := range sizes.Edges {
			if len(e.Node.Files.Edges) > 0 && e.Node.Files.Edges[0].Node.Size != nil {
				withFiles++
			}
		}
		if withFiles == 0 {
			t.Fatalf("no user with files in the page: %s", together["b"])
		}
	})
}

// Aliases of edges are merged into one view (graph/pagination.go,
// views.merge): fields under one response key with other arguments, or that
// are other fields, must each answer as they do alone.
func TestEdgesAliasesAnswerAsAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, admin := seededUsers(t, url)
		aliases := []string{
			`x: edges { node { id files(first: 5, where: {nameHasPrefix: "notes_0"}) { totalCount edges { node { name } } } } }`,
			`y: edges { node { id files(first: 5) { totalCount edges { node { name } } } } }`,
			`z: edges { node { id files(first: 2) { edges { node { size } } } } }`,
			`w: edges { node { id files(first: 5) { totalCount } } }`,
			`s: edges { node { foo: email } }`,
			`t: edges { node { foo: publicID } }`,
		}
		page := func(sel string) string { return "{ users(first: 20) { " + sel + " } }" }
		alone := map[string]string{}
		for _, a := range aliases {
			r := env.GraphQL(t, admin, page(a), nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %v", a, r.Errors)
			}
			var m struct{ Users map[string]json.RawMessage }
			r.Decode(t, &m)
			for k, v := range m.Users {
				alone[k] = string(v)
			}
		}
		for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {1, 0, 3, 2, 5, 4}} {
			var doc strings.Builder
			for _, i := range order {
				doc.WriteString(aliases[i] + " ")
			}
			r := env.GraphQL(t, admin, page(doc.String()), nil)
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			var m struct{ Users map[string]json.RawMessage }
			r.Decode(t, &m)
			for k, want := range alone {
				if got := string(m.Users[k]); got != want {
					t.Errorf("order %v, %s together:\n%.400s\nalone:\n%.400s", order, k, got, want)
				}
			}
		}
	})
}

// seededUsers is a service on url with 40 seeded users, half of them with
// an avatar and files, and the administrator's token.
func seededUsers(t *testing.T, url string) (*apptest.Env, string) {
	t.Helper()
	res, err := seed.Run(context.Background(), url, seed.Options{Users: 40, FileShare: 0.5,
		StorageDir: filepath.Join(t.TempDir(), "files")})
	if err != nil {
		t.Fatal(err)
	}
	return apptest.New(t, url), res.AdminToken
}
