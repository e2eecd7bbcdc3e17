package importer_test

import (
	"context"
	"fmt"
	"testing"

	"userbridge/internal/importer"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkImportPeople imports b.N people, each with a legacy id, a
// password hash, a small file and an API key, into a fresh store
// (bench/import measures the whole command; this one profiles the writer).
func BenchmarkImportPeople(b *testing.B) {
	e := newEnv(b, dbtest.URL(b, dbtest.SQLite))
	lines := make([]any, 0, b.N)
	for i := range b.N {
		lines = append(lines, map[string]any{"type": "user", "email": fmt.Sprintf("p%07d@example.org", i), "email_verified": true,
			"given_name": "Person", "updated_at": "2024-01-01T00:00:00Z",
			"legacy_ids":  map[string]any{"maarch": 9000000 + i},
			"files":       []any{map[string]any{"name": "note.txt", "base64": "bm90ZQ=="}},
			"credentials": []any{map[string]any{"kind": "api_key", "token": fmt.Sprintf("bench-legacy-key-%010d", i), "scopes": []string{"identity"}}},
		})
	}
	path := file(b, lines...)
	b.ResetTimer()
	sum, err := e.im.ImportFile(context.Background(), path, importer.Options{Rate: 0})
	if err != nil || sum.Created != b.N {
		b.Fatalf("%+v %v", sum, err)
	}
}
