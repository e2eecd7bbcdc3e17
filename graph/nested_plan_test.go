package graph_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"userbridge/bench/seed"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// The nested page of the benchmark harness: 50 users with their avatars and
// the first 5 files of each, with and without the files' totalCount.
const (
	nestedPage           = `query { users(first: 50) { edges { node { id avatar { id name } files(first: 5) { edges { node { id name size } } } } } } }`
	nestedPageTotalCount = `query { users(first: 50) { edges { node { id avatar { id name } files(first: 5) { totalCount edges { node { id name size } } } } } } }`
)

// TestNestedPagePlans runs EXPLAIN ANALYZE, on PostgreSQL, on every
// statement of the nested page that reads files, and fails on a sequential
// scan of files: each user's first files are read through the (owner_id,
// id) index, by a LATERAL join (relay.LimitPerOwner), not by numbering
// every file of the table.
//
// The data set is the harness's (bench/seed: 10,000 users, a fifth with an
// avatar and 1-3 files, about 6,000 files, then VACUUM and ANALYZE), large
// enough for the planner to choose a sequential scan when it has no index
// to use: the test drops the owner indexes at the end and checks that the
// same statements then scan files sequentially, so that it cannot pass for
// lack of rows.
func TestNestedPagePlans(t *testing.T) {
	url := dbtest.URL(t, dbtest.Postgres)
	res, err := seed.Run(context.Background(), url, seed.Options{Users: 10000, FileShare: 0.2,
		StorageDir: filepath.Join(t.TempDir(), "files")})
	if err != nil {
		t.Fatal(err)
	}
	var (
		recording atomic.Bool
		mu        sync.Mutex
		logged    []string
	)
	env := apptest.New(t, url, func(c *app.Config) {
		c.QueryLog = func(args ...any) {
			if recording.Load() {
				mu.Lock()
				logged = append(logged, fmt.Sprint(args...))
				mu.Unlock()
			}
		}
	})
	pg, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	statements := map[string][]statement{}
	for name, q := range map[string]string{"files(first: 5)": nestedPage, "files(first: 5) with totalCount": nestedPageTotalCount} {
		mu.Lock()
		logged = nil
		mu.Unlock()
		recording.Store(true)
		r := env.GraphQL(t, res.AdminToken, q, nil)
		recording.Store(false)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %v\n%s", name, r.Errors, strings.Join(logged, "\n"))
		}
		if !strings.Contains(string(r.Data), `"files":{`) || !strings.Contains(string(r.Data), `"size":`) {
			t.Fatalf("%s: no files in the page: %.300s", name, r.Data)
		}
		for _, l := range logged {
			if s, ok := parseStatement(t, l, `"files"`); ok {
				statements[name] = append(statements[name], s)
			}
		}
		if len(statements[name]) == 0 {
			t.Fatalf("%s: no statement read files", name)
		}
	}

	for name, stmts := range statements {
		if !slices.ContainsFunc(stmts, func(s statement) bool { return strings.Contains(s.query, "CROSS JOIN LATERAL") }) {
			t.Errorf("%s: no statement reads the files per owner with a LATERAL join", name)
		}
		for _, s := range stmts {
			plan := explain(t, pg, s)
			t.Logf("%s:\n%s\n%s", name, s.query, plan)
			if strings.Contains(plan, "Seq Scan on files") {
				t.Errorf("%s: a sequential scan of files:\n%s\n%s", name, s.query, plan)
			}
			if strings.Contains(s.query, "LIMIT") && !strings.Contains(plan, "file_owner_id_id") {
				t.Errorf("%s: the per-owner page does not use the (owner_id, id) index:\n%s\n%s", name, s.query, plan)
			}
		}
	}

	// Without any index on owner_id, the same statements scan files: the
	// data set is large enough for the checks above to mean something.
	for _, idx := range []string{"file_owner_id_id", "file_owner_id_kind_nature_created_at"} {
		if _, err := pg.Exec("DROP INDEX " + idx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pg.Exec("ANALYZE files"); err != nil {
		t.Fatal(err)
	}
	for name, stmts := range statements {
		seq := false
		for _, s := range stmts {
			seq = seq || strings.Contains(explain(t, pg, s), "Seq Scan on files")
		}
		if !seq {
			t.Errorf("%s: no sequential scan of files even without the owner indexes: the data set is too small for this test", name)
		}
	}
}

// A statement the store ran, from ent's debug log.
type statement struct {
	query string
	args  []any
}

var debugLine = regexp.MustCompile(`(?s)^driver\.Query: query=(.*) args=\[(.*)\]$`)

// parseStatement reads ent's debug line of a query that mentions table and
// whose arguments are all integers, as those of the nested page are (ids
// and limits).
func parseStatement(t *testing.T, line, table string) (statement, bool) {
	m := debugLine.FindStringSubmatch(line)
	if m == nil || !strings.Contains(m[1], table) {
		return statement{}, false
	}
	s := statement{query: m[1]}
	for _, f := range strings.Fields(m[2]) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil { // not the page's: the temporary files' sweep
			t.Logf("not explained (argument %q): %s", f, m[1])
			return statement{}, false
		}
		s.args = append(s.args, n)
	}
	return s, true
}

func explain(t *testing.T, pg *sql.DB, s statement) string {
	t.Helper()
	return planText(t, pg, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ", s)
}

// planText runs explain (a prefix such as "EXPLAIN ") on s and returns the
// last column of each row, one a line: PostgreSQL's plan lines, SQLite's
// steps (EXPLAIN QUERY PLAN: id, parent, notused, detail).
func planText(t *testing.T, db *sql.DB, explain string, s statement) string {
	t.Helper()
	rows, err := db.Query(explain+s.query, s.args...)
	if err != nil {
		t.Fatalf("%s%s: %v", explain, s.query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(any)
		}
		var line string
		dest[len(dest)-1] = &line
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPerOwnerPageReadsOnlyItsLimit gives the first user of the nested
// page 20,000 files and requires that each owner's first files are read
// by an index scan that stops at the page size (relay.LimitPerOwner):
//
//   - on PostgreSQL, planned and edge by edge, from EXPLAIN ANALYZE: no
//     step of the statement reads more than a few hundred rows. The
//     owners come from the page's own set (relay.Owners), or edge by edge
//     one after the other by a recursive query; taking them from the
//     files (SELECT DISTINCT owner_id FROM files WHERE ...) read all
//     20,000 on every request;
//   - on SQLite, planned and edge by edge, from EXPLAIN QUERY PLAN: the
//     files are found by a correlated subquery per owner, through the
//     (owner_id, id) index, and nothing numbers them with ROW_NUMBER(),
//     which read every file of every owner on the page.
func TestPerOwnerPageReadsOnlyItsLimit(t *testing.T) {
	const many = 20000
	dbtest.Each(t, func(t *testing.T, url string) {
		res, err := seed.Run(context.Background(), url, seed.Options{Users: 200, FileShare: 0.2,
			StorageDir: filepath.Join(t.TempDir(), "files")})
		if err != nil {
			t.Fatal(err)
		}
		postgres := strings.HasPrefix(url, "postgres")
		conn := giveManyFiles(t, url, many)
		for _, mode := range []string{app.LoadingPlanned, app.LoadingEdges} {
			t.Run(mode, func(t *testing.T) {
				env, recording, take := statementLog(t, url, loading(mode))
				recording.Store(true)
				r := env.GraphQL(t, res.AdminToken, nestedPage, nil)
				recording.Store(false)
				if len(r.Errors) > 0 || strings.Count(string(r.Data), `"many_`) != 5 {
					t.Fatalf("the first user's first 5 files are not on the page: %v %.500s", r.Errors, r.Data)
				}
				logged := take()
				var perOwner []statement
				for _, l := range logged {
					if s, ok := parseStatement(t, l, "files"); ok && (strings.Contains(s.query, "per_owner") || strings.Contains(s.query, "ROW_NUMBER")) {
						perOwner = append(perOwner, s)
					}
				}
				if len(perOwner) != 1 {
					t.Fatalf("%d statements read the files per owner, want 1:\n%s", len(perOwner), strings.Join(logged, "\n"))
				}
				s := perOwner[0]
				if !postgres {
					plan := planText(t, conn, "EXPLAIN QUERY PLAN ", s)
					if strings.Contains(s.query, "ROW_NUMBER") || !strings.Contains(plan, "CORRELATED LIST SUBQUERY") ||
						!strings.Contains(plan, "USING COVERING INDEX file_owner_id_id (owner_id=?)") {
						t.Errorf("the files are not read owner by owner through the index:\n%s\n%s", s.query, plan)
					}
					return
				}
				plan := explain(t, conn, s)
				for _, m := range planRows.FindAllStringSubmatch(plan, -1) {
					rows, _ := strconv.Atoi(m[1])
					loops, _ := strconv.Atoi(m[2])
					if rows*loops > 500 {
						t.Errorf("a step reads %d rows (%d a loop, %d loops), where the page shows at most 255 files:\n%s\n%s",
							rows*loops, rows, loops, s.query, plan)
					}
				}
			})
		}
	})
}

// planRows reads the rows and loops of each step of an EXPLAIN ANALYZE.
var planRows = regexp.MustCompile(`actual rows=(\d+) loops=(\d+)`)

// giveManyFiles gives the first user of url n files more (rows only, no
// blobs) and returns a connection to the database, closed when tb ends.
func giveManyFiles(tb testing.TB, url string, n int) *sql.DB {
	tb.Helper()
	driver, dsn := "pgx", url
	if !strings.HasPrefix(url, "postgres") {
		driver, dsn = "sqlite3", strings.TrimPrefix(url, "sqlite://")
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	if _, err := conn.Exec(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ` + strconv.Itoa(n) + `)
		INSERT INTO files (created_at, kind, nature, name, content_type, file_type, size, sha256, storage_key, owner_id)
		SELECT CURRENT_TIMESTAMP, 'user_file', 'manual', 'many_' || n, 'text/plain', '', 1, 'x', 'many/' || n, (SELECT min(id) FROM users)
		FROM g`); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.Exec("ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	return conn
}
