package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"userbridge/bench/seed"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/budget"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkUsersPage is the benchmark harness's GraphQL pages of 50 users
// in one process (with files.totalCount, and with each user's first five
// files, with and without their count): the real router on a
// seeded SQLite database of 2,000 users (a fifth with an avatar and files),
// without the network. Run with -cpu 1,2 to see what concurrent field
// resolution costs.
func BenchmarkUsersPage(b *testing.B) {
	for _, bc := range []struct{ name, query string }{
		{"pageInfo", `query UsersPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files { totalCount } } } pageInfo { hasNextPage } } }`},
		{"totalCount", `query UsersPage($first: Int) { users(first: $first) { totalCount edges { node { id publicID email avatar { id name } files { totalCount } } } } }`},
		{"files5", `query UsersFilesPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files(first: 5) { edges { node { id name size } } } } } } }`},
		{"files5TotalCount", `query UsersFilesPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files(first: 5) { totalCount edges { node { id name size } } } } } } }`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			env, token := seededEnv(b)
			body, _ := json.Marshal(map[string]any{"query": bc.query, "variables": map[string]any{"first": 50}})
			b.ReportAllocs()
			for b.Loop() {
				rec := env.Do(apptest.Request("POST", "/graphql", token, body))
				if rec.Code != http.StatusOK || rec.Body.Len() < 5000 {
					b.Fatalf("%d: %.300s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

func seededEnv(b *testing.B) (*apptest.Env, string) {
	b.Helper()
	url := dbtest.URL(b, dbtest.SQLite)
	res, err := seed.Run(context.Background(), url, seed.Options{Users: 2000, FileShare: 0.2, RestShare: 0.01,
		StorageDir: filepath.Join(b.TempDir(), "files")})
	if err != nil {
		b.Fatal(err)
	}
	return apptest.New(b, url, noBudget), res.AdminToken
}

// noBudget turns the per-client budget off, as the harness does
// (--graphql-budget-rate 0 --graphql-concurrency 0): one token asking for
// pages of about 1,700 points as fast as it can would otherwise wait for
// its points to refill, and the benchmark would time the refill.
func noBudget(c *app.Config) { c.Budget = budget.Settings{} }
