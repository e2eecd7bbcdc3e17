package importer_test

import (
	"database/sql"
	"fmt"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"userbridge/internal/importer"
	"userbridge/internal/store/db/dbtest"
)

// TestImportRefreshesPostgresStatistics: an import into an empty
// PostgreSQL store refreshes the statistics of the tables it grows as
// they double, so that the batch look-ups are planned with their real
// size and not scanned whole (analyze.go; bench/import measured the
// quadratic slow-down it ends). The test database runs without
// autovacuum, so the statistics are the import's.
func TestImportRefreshesPostgresStatistics(t *testing.T) {
	url := dbtest.URL(t, dbtest.Postgres)
	e := newEnv(t, url)
	pg, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	analyzed := func() (count int64, tuples float64) {
		t.Helper()
		if err := pg.QueryRow(`SELECT c.reltuples, COALESCE(s.analyze_count + s.autoanalyze_count, 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE n.nspname = current_schema() AND c.relname = 'users'`).Scan(&tuples, &count); err != nil {
			t.Fatal(err)
		}
		return count, tuples
	}
	_, before := analyzed()

	t.Run("2,500 people: statistics taken at 1,000 and 2,000", func(t *testing.T) {
		lines := make([]any, 0, 2500)
		for i := range 2500 {
			lines = append(lines, map[string]any{"type": "user", "email": fmt.Sprintf("p%05d@example.org", i),
				"email_verified": true, "legacy_ids": map[string]any{"maarch": i + 1}})
		}
		sum, rep := e.run(t, file(t, lines...), importer.Options{BatchSize: 100})
		if sum.Created != 2500 {
			t.Fatalf("%+v %v", sum, rep)
		}
		count, tuples := analyzed()
		t.Logf("users: reltuples %v before, %v after; analyzed %d times", before, tuples, count)
		if tuples < 2000 {
			t.Errorf("users' statistics count %v rows after 2,500 were imported, want at least 2,000 (the refresh at 2,000)", tuples)
		}
	})

	t.Run("a dry run refreshes nothing", func(t *testing.T) {
		count, _ := analyzed()
		lines := make([]any, 0, 1500)
		for i := range 1500 {
			lines = append(lines, map[string]any{"type": "user", "email": fmt.Sprintf("dry%05d@example.org", i), "email_verified": true})
		}
		sum, rep := e.run(t, file(t, lines...), importer.Options{BatchSize: 100, DryRun: true})
		if sum.Created != 1500 {
			t.Fatalf("%+v %v", sum, rep)
		}
		if after, _ := analyzed(); after != count {
			t.Errorf("a dry run analyzed the tables (%d times before, %d after)", count, after)
		}
	})
}
