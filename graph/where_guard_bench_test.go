package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkRefusedFilters times, through the real router, the answer to
// hostile where arguments of one request each; every one must be refused
// with BAD_USER_INPUT (issue 16: in well under 10 ms).
func BenchmarkRefusedFilters(b *testing.B) {
	env := apptest.New(b, dbtest.URL(b, dbtest.SQLite))
	token := env.Token(b, env.Admin(b, "root@example.com"))
	const q = `query($where: UserWhereInput) { users(first: 10, where: $where) { totalCount } }`
	for _, bc := range []struct {
		name  string
		where any
	}{
		{"not nested 9,000 deep", nestedNot(9000)},
		{"not nested 6 deep", nestedNot(6)},
		{"100,000 empty objects in and", map[string]any{"and": slices.Repeat([]any{map[string]any{}}, 100_000)}},
		{"100,000 values in usernameIn", map[string]any{"usernameIn": slices.Repeat([]string{"x"}, 100_000)}},
		{"101 values in idIn", map[string]any{"usernameIn": slices.Repeat([]string{"x"}, 101)}},
		{"1,000 empty objects in or", map[string]any{"or": slices.Repeat([]any{map[string]any{}}, 1000)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"where": bc.where}})
			b.ReportAllocs()
			for b.Loop() {
				rec := env.Do(apptest.Request("POST", "/graphql", token, body))
				if !strings.Contains(rec.Body.String(), `"BAD_USER_INPUT"`) {
					b.Fatalf("%d: %.300s", rec.Code, rec.Body.String())
				}
			}
		})
	}
	b.Run("document: 3 aliases of not nested 990 deep, anonymous", func(b *testing.B) {
		deep := strings.Repeat("{not: ", 990) + "{}" + strings.Repeat("}", 990)
		var q strings.Builder
		q.WriteString("{")
		for i := range 3 {
			fmt.Fprintf(&q, " a%d: users(where: %s) { totalCount }", i, deep)
		}
		q.WriteString(" }")
		body, _ := json.Marshal(map[string]any{"query": q.String()})
		for b.Loop() {
			rec := env.Do(apptest.Request("POST", "/graphql", "", body))
			if !strings.Contains(rec.Body.String(), `"BAD_USER_INPUT"`) {
				b.Fatalf("%d: %.300s", rec.Code, rec.Body.String())
			}
		}
	})
	b.Run("document: not nested 900 deep", func(b *testing.B) {
		deep := strings.Repeat("{not: ", 900) + "{role: USER}" + strings.Repeat("}", 900)
		body, _ := json.Marshal(map[string]any{"query": `{ users(where: ` + deep + `) { totalCount } }`})
		for b.Loop() {
			rec := env.Do(apptest.Request("POST", "/graphql", token, body))
			if !strings.Contains(rec.Body.String(), `"BAD_USER_INPUT"`) {
				b.Fatalf("%d: %.300s", rec.Code, rec.Body.String())
			}
		}
	})
}
