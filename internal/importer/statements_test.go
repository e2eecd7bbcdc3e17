package importer_test

import (
	"fmt"
	"testing"

	"userbridge/internal/importer"
)

// hookStatements is what ent/schema's avoidLegacyIDs hook reads per user
// created, bulk or not (it checks the public id drawn against stored
// legacy ids): the only statement of an import that a person costs.
const hookStatements = 1

// TestImportStatementsPerBatch: the writer's statements grow with the
// batches, not with the people in them. One batch of 1,000 people costs
// what one batch of 100 does, plus the schema hook's read per user; the
// people are complete (legacy id, password, file, token, one in five with
// an avatar).
func TestImportStatementsPerBatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		avatar := pngB64(t, 4, 4)
		people := func(prefix string, n int) string {
			lines := make([]any, 0, n)
			for i := range n {
				rec := map[string]any{"type": "user", "email": fmt.Sprintf("%s%05d@example.org", prefix, i), "email_verified": true,
					"given_name": "Person", "updated_at": "2024-01-01T00:00:00Z",
					"password_hash": map[string]any{"algorithm": "bcrypt", "value": "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
					"legacy_ids":    map[string]any{"maarch": len(prefix)*100000 + i + 1},
					"files":         []any{map[string]any{"name": "note.txt", "base64": "bm90ZQ=="}},
					"credentials":   []any{map[string]any{"kind": "api_key", "token": fmt.Sprintf("%s-legacy-key-%010d", prefix, i), "scopes": []string{"identity"}}},
				}
				if i%5 == 0 {
					rec["avatar"] = map[string]any{"base64": avatar}
				}
				lines = append(lines, rec)
			}
			return file(t, lines...)
		}
		cost := func(prefix string, n int) uint64 {
			before := e.Store.Statements()
			sum, rep := e.run(t, people(prefix, n), importer.Options{BatchSize: 1000})
			if sum.Created != n || sum.Rejected != 0 {
				t.Fatalf("%d people: %+v %v", n, sum, rep)
			}
			return e.Store.Statements() - before
		}
		cost("w", 1) // the store serves: neither run below is a move
		small, large := cost("ss", 100), cost("lll", 1000)
		t.Logf("one batch of 100 people: %d statements; of 1,000: %d", small, large)
		if extra := large - small; extra > 900*hookStatements {
			t.Errorf("900 more people in one batch cost %d more statements, want at most %d (the schema hook's)",
				extra, 900*hookStatements)
		}
		if perBatch := small - 100*hookStatements; perBatch > 30 {
			t.Errorf("one batch of 100 people cost %d statements besides the schema hook's, want at most 30", perBatch)
		}
	})
}
