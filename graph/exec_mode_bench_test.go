package graph_test

import (
	"net/url"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkPlannedPageExecMode runs the harness's nested GraphQL page (50
// users, avatar, files(first: 5) with totalCount: one planned statement
// with parameters) and its scalar page on PostgreSQL under each of pgx's
// query execution modes, chosen by default_query_exec_mode in the
// database URL: cache_statement (pgx's default: each statement prepared
// once per connection, then executed by name), cache_describe (described
// once, sent unnamed), describe_exec (described on every query), exec and
// simple_protocol (no description, parameters sent as text). It measures
// whether the statement cache matters for the planned statements (issue
// 28, item 3); the figures are in bench/README.md. In parallel, as the
// service serves requests: -cpu sets the concurrency.
//
//	TEST_POSTGRES_URL=... go test ./graph -run '^$' -bench PlannedPageExecMode -cpu 16
func BenchmarkPlannedPageExecMode(b *testing.B) {
	for _, be := range dbtest.Available() {
		if be != dbtest.Postgres {
			continue
		}
		base := dbtest.URL(b, be)
		token := seedPages(b, base, 2000)
		for _, mode := range []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"} {
			u, err := url.Parse(base)
			if err != nil {
				b.Fatal(err)
			}
			q := u.Query()
			q.Set("default_query_exec_mode", mode)
			u.RawQuery = q.Encode()
			env := apptest.New(b, u.String(), noBudget)
			for _, page := range []struct{ name, query string }{
				{"nested", `query UsersFilesPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files(first: 5) { totalCount edges { node { id name size } } } } } } }`},
				{"scalar", `query UsersPage($first: Int) { users(first: $first) { edges { node { id publicID email firstName lastName createdAt } } pageInfo { hasNextPage endCursor } } }`},
			} {
				b.Run(page.name+"/"+mode, func(b *testing.B) {
					askPages(b, env, token, page.query)
				})
			}
		}
	}
}
