package graph_test

import (
	"encoding/json"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkViewer is the harness's "one user" query (bench/scenarios.go,
// viewerQuery) in one process: one credential lookup, the viewer's row
// read with it, its scalars written; on every backend the tests have,
// as many at once as -cpu says. The figures and the profile are in
// bench/README.md ("One user, in the process").
//
//	TEST_POSTGRES_URL=... go test ./graph -run '^$' -bench Viewer -cpu 1,2
func BenchmarkViewer(b *testing.B) {
	const query = `query Viewer { viewer { id publicID email firstName lastName name role flags status createdAt } }`
	body, _ := json.Marshal(map[string]any{"operationName": "Viewer", "query": query})
	for _, be := range dbtest.Available() {
		b.Run(string(be), func(b *testing.B) {
			url := dbtest.URL(b, be)
			token := seedPages(b, url, 100)
			askParallel(b, apptest.New(b, url, noBudget), token, body, 100)
		})
	}
}
