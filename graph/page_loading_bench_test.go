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
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkPageLoading is the harness's GraphQL pages of 50 users (10,000
// seeded, a fifth with an avatar and files) under each loading
// (GRAPHQL_LOADING): planned into one statement, and edge by edge, on
// SQLite and, with TEST_POSTGRES_URL, on PostgreSQL. It is what chose
// each backend's default (internal/app/loading.go); -cpu 1,2 shows how
// each scales. The figures are in bench/README.md.
//
//	TEST_POSTGRES_URL=... go test ./graph -run '^$' -bench PageLoading -cpu 1,2
func BenchmarkPageLoading(b *testing.B) {
	for _, be := range dbtest.Available() {
		url := dbtest.URL(b, be)
		token := seedPages(b, url, 10000)
		for _, mode := range []string{app.LoadingPlanned, app.LoadingEdges} {
			env := apptest.New(b, url, noBudget, loading(mode))
			for _, page := range []struct{ name, query string }{
				{"files5", `query UsersFilesPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files(first: 5) { edges { node { id name size } } } } } } }`},
				{"files5TotalCount", `query UsersFilesPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files(first: 5) { totalCount edges { node { id name size } } } } } } }`},
				{"totalCount", `query UsersPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files { totalCount } } } pageInfo { hasNextPage } } }`},
			} {
				b.Run(string(be)+"/"+page.name+"/"+mode, func(b *testing.B) {
					askPages(b, env, token, page.query)
				})
			}
		}
	}
}

// seedPages seeds url with the harness's data set of users (a fifth with
// an avatar and files) and returns an administrator's token.
func seedPages(b *testing.B, url string, users int) string {
	b.Helper()
	res, err := seed.Run(context.Background(), url, seed.Options{Users: users, FileShare: 0.2, RestShare: 0.01,
		StorageDir: filepath.Join(b.TempDir(), "files")})
	if err != nil {
		b.Fatal(err)
	}
	return res.AdminToken
}

// askPages asks env for query's first 50 users, in parallel as the
// service is asked (-cpu sets how many at once), and fails on any answer
// but a whole page.
func askPages(b *testing.B, env *apptest.Env, token, query string) {
	b.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"first": 50}})
	askParallel(b, env, token, body, 3000)
}

// askParallel posts body to /graphql with token, in parallel (-cpu sets
// how many at once), and fails on any answer but a 200 of at least
// minLen bytes.
func askParallel(b *testing.B, env *apptest.Env, token string, body []byte, minLen int) {
	b.Helper()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := env.Do(apptest.Request("POST", "/graphql", token, body))
			if rec.Code != http.StatusOK || rec.Body.Len() < minLen {
				b.Errorf("%d: %.300s", rec.Code, rec.Body.String())
				return
			}
		}
	})
}
