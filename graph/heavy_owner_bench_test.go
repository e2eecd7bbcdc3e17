package graph_test

import (
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkPageWithAHeavyOwner is the harness's page of 50 users with
// files(first: 5), the first of whom owns 100,000 files, under each
// loading, on SQLite and, with TEST_POSTGRES_URL, on PostgreSQL: what a
// user who uploads many small files costs every page that shows them
// (relay.LimitPerOwner; TestPerOwnerPageReadsOnlyItsLimit checks the
// plans). The figures are in bench/README.md.
//
//	TEST_POSTGRES_URL=... go test ./graph -run '^$' -bench HeavyOwner
func BenchmarkPageWithAHeavyOwner(b *testing.B) {
	const many = 100000
	for _, be := range dbtest.Available() {
		url := dbtest.URL(b, be)
		token := seedPages(b, url, 1000)
		giveManyFiles(b, url, many)
		for _, mode := range []string{app.LoadingPlanned, app.LoadingEdges} {
			env := apptest.New(b, url, noBudget, loading(mode))
			b.Run(string(be)+"/"+mode, func(b *testing.B) {
				askPages(b, env, token, `query UsersFilesPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files(first: 5) { edges { node { id name size } } } } } } }`)
			})
		}
	}
}
