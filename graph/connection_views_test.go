package graph_test

import (
	"context"
	"encoding/json"
	"path/filepath"
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
		res, err := seed.Run(context.Background(), url, seed.Options{Users: 40, FileShare: 0.5,
			StorageDir: filepath.Join(t.TempDir(), "files")})
		if err != nil {
			t.Fatal(err)
		}
		env := apptest.New(t, url)
		const (
			a = `a: users(first: 20) { edges { node { email f: files(first: 1) { n: totalCount edges { node { name } } } } } }`
			b = `b: users(first: 20) { edges { node { email files(first: 5) { edges { node { size } } } } } }`
			c = `c: users(first: 20) { edges { node { email files(first: 5) { totalCount } } } }`
		)
		alone := map[string]json.RawMessage{}
		for _, q := range []string{a, b, c} {
			r := env.GraphQL(t, res.AdminToken, "{ "+q+" }", nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %v", q, r.Errors)
			}
			var m map[string]json.RawMessage
			r.Decode(t, &m)
			for k, v := range m {
				alone[k] = v
			}
		}
		r := env.GraphQL(t, res.AdminToken, "{ "+a+" "+b+" "+c+" }", nil)
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
