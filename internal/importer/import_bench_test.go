package importer_test

import (
	"context"
	"fmt"
	"testing"

	"userbridge/internal/importer"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkImportPeople imports b.N people, each with a legacy id, a
// bcrypt password hash (stored, not verified), a small file and an API
// key, one in five with an avatar, into a fresh store (bench/import
// measures the whole command; this one profiles the writer).
func BenchmarkImportPeople(b *testing.B) {
	for _, backend := range dbtest.Available() {
		b.Run(string(backend), func(b *testing.B) { benchmarkImportPeople(b, backend) })
	}
}

func benchmarkImportPeople(b *testing.B, backend dbtest.Backend) {
	e := newEnv(b, dbtest.URL(b, backend))
	lines := make([]any, 0, b.N)
	for i := range b.N {
		rec := map[string]any{"type": "user", "email": fmt.Sprintf("p%07d@example.org", i), "email_verified": true,
			"given_name": "Person", "updated_at": "2024-01-01T00:00:00Z",
			"password_hash": map[string]any{"algorithm": "bcrypt", "value": "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
			"legacy_ids":    map[string]any{"maarch": 9000000 + i},
			"files":         []any{map[string]any{"name": "note.txt", "base64": "bm90ZQ=="}},
			"credentials":   []any{map[string]any{"kind": "api_key", "token": fmt.Sprintf("bench-legacy-key-%010d", i), "scopes": []string{"identity"}}},
		}
		if i%5 == 0 {
			rec["avatar"] = map[string]any{"base64": benchAvatar}
		}
		lines = append(lines, rec)
	}
	path := file(b, lines...)
	b.ResetTimer()
	before := e.Store.Statements()
	sum, err := e.im.ImportFile(context.Background(), path, importer.Options{Rate: 0})
	if err != nil || sum.Created != b.N {
		b.Fatalf("%+v %v", sum, err)
	}
	b.ReportMetric(float64(e.Store.Statements()-before)/float64(b.N), "statements/op")
}

// benchAvatar is an 8×8 PNG.
const benchAvatar = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4wcWFFTEMLQkArYM3AbaRByUAAAAASUVORK5CYII="
