package graph_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"userbridge/ent/file"
	"userbridge/graph"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestPlannedPageIsOneStatement shows that a page of users with three
// edges under each (the avatar, the avatar's owner, the first files with
// their totalCount) is read by one statement whatever the page size, after
// the credential lookup (ent/plan.go): no statement reads files or users
// but the planned one. The planned loading is asked for: SQLite's default
// is edge by edge (TestPageLoadingPerBackend).
func TestPlannedPageIsOneStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		for _, n := range []int{3, 25} {
			page := pageStatements(t, url, n, loading(app.LoadingPlanned))
			if len(page) != 1 || !strings.Contains(page[0], "UNION ALL") {
				t.Fatalf("first %d: %d statements for the page, want 1 planned:\n%s", n, len(page), strings.Join(page, "\n"))
			}
		}
	})
}

// TestPageLoadingPerBackend: by default (GRAPHQL_LOADING=auto) a page and
// its edges are planned into one statement on PostgreSQL, where each
// statement is a round trip, and loaded by one statement per edge on
// SQLite, where the separate statements cost less than the planned one
// (BenchmarkPageLoading); either can be asked for on either backend. Edge
// by edge, the statements are as many for 25 users as for 3: one per
// edge, never one per user.
func TestPageLoadingPerBackend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		sqlite := strings.HasPrefix(url, "sqlite:")
		for _, tc := range []struct {
			loading string
			planned bool
		}{
			{app.LoadingAuto, !sqlite},
			{"", !sqlite},
			{app.LoadingPlanned, true},
			{app.LoadingEdges, false},
		} {
			few := pageStatements(t, url, 3, loading(tc.loading))
			many := pageStatements(t, url, 25, loading(tc.loading))
			all := strings.Join(many, "\n")
			switch {
			case tc.planned && (len(many) != 1 || !plannedStatement.MatchString(all)):
				t.Errorf("%q: %d statements for the page, want 1 planned:\n%s", tc.loading, len(many), all)
			case !tc.planned && (len(many) != len(few) || len(many) < 3 || plannedStatement.MatchString(all)):
				t.Errorf("%q: %d statements for 3 users, %d for 25, want one per edge, none planned:\n%s", tc.loading, len(few), len(many), all)
			}
		}
	})
}

// plannedStatement finds the planned statement: its sets' rows, united,
// are read from a subquery named "planned" (ent/template/ent/plan.tmpl).
// A per-owner page edge by edge has a UNION ALL of its own on PostgreSQL
// (relay.LimitPerOwner).
var plannedStatement = regexp.MustCompile("AS [\x60\"]planned[\x60\"]")

// roots numbers the administrators pageStatements makes.
var roots atomic.Int64

// loading sets GRAPHQL_LOADING.
func loading(l string) func(*app.Config) {
	return func(c *app.Config) { c.GraphQLLoading = l }
}

// pageStatements runs a page of n users with three edges under each (the
// avatar, the avatar's owner, the first files with their totalCount) on a
// fresh service on url, and returns the statements it ran but the
// credential lookup.
func pageStatements(t *testing.T, url string, n int, options ...func(*app.Config)) []string {
	t.Helper()
	env, on, take := statementLog(t, url, options...)
	ctx := context.Background()
	tok := env.Token(t, env.Admin(t, fmt.Sprintf("root%d@example.com", roots.Add(1))))
	if env.Store.Client.User.Query().CountX(ctx) < 30 {
		for i := 0; i < 30; i++ {
			u := env.User(t, fmt.Sprintf("user%02d@example.com", i))
			for j := 0; j < 1+i%3; j++ {
				f := env.Store.Client.File.Create().SetOwnerID(u.ID).SetKind(file.KindAvatar).
					SetName(fmt.Sprintf("f%d.png", j)).SetContentType("image/png").SetSize(int64(j + 1)).SetSha256("x").
					SetStorageKey(fmt.Sprintf("test/%d/%d", i, j)).SaveX(ctx)
				if j == 0 {
					env.Store.Client.User.UpdateOne(u).SetAvatar(f).ExecX(ctx)
				}
			}
		}
	}
	const q = `query($n: Int) { users(first: $n) { edges { node { id email
		avatar { id name createdAt owner { publicID } }
		files(first: 2) { totalCount edges { node { id name size } } } } } } }`
	take()
	on.Store(true)
	res := env.GraphQL(t, tok, q, map[string]any{"n": n})
	on.Store(false)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	if !strings.Contains(string(res.Data), `"totalCount":2`) || !strings.Contains(string(res.Data), `"owner":{"publicID"`) {
		t.Fatalf("edges not loaded: %.300s", res.Data)
	}
	var page []string
	for _, l := range take() {
		if !strings.Contains(l, `credentials`) && !strings.Contains(l, `WHERE "u"."id" = ?`) {
			page = append(page, l)
		}
	}
	return page
}

// statementLog is the service on url with a log of the statements it runs
// while the returned flag is set; take returns the log and empties it.
func statementLog(t *testing.T, url string, options ...func(*app.Config)) (env *apptest.Env, on *atomic.Bool, take func() []string) {
	t.Helper()
	var (
		mu  sync.Mutex
		log []string
	)
	on = new(atomic.Bool)
	env = apptest.New(t, url, append([]func(*app.Config){func(c *app.Config) {
		c.QueryLog = func(args ...any) {
			if line := fmt.Sprint(args...); on.Load() && strings.HasPrefix(line, "driver.Query") {
				mu.Lock()
				log = append(log, line)
				mu.Unlock()
			}
		}
	}}, options...)...)
	return env, on, func() []string {
		mu.Lock()
		defer mu.Unlock()
		l := log
		log = nil
		return l
	}
}

// TestPlanPastTheMostSets: a document whose loads make more sets than
// one statement takes (ent/template/ent/plan.tmpl, planMaxWeightSQLite
// and planMaxSets), wide (30 aliased files connections under each user)
// or deep (avatars' owners' avatars' owners...), is answered as edge by
// edge answers it, with no error: the sets past the bound are loaded by
// statements of their own. SQLite refused such a statement whole.
func TestPlanPastTheMostSets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		d := newDifferentialEnv(t, url)
		planned := apptest.New(t, url, differentialConfig(d.now))
		reference := apptest.New(t, url, differentialConfig(d.now), edgeByEdge)
		var wide strings.Builder
		for i := range 30 {
			fmt.Fprintf(&wide, " f%d: files(first: %d) { totalCount edges { node { id owner { id } } } }", i, 1+i%3)
		}
		docs := []string{
			"{ users(first: 20) { edges { node { id" + wide.String() + " } } } }",
			"{ users(first: 20) { edges { node { id " + strings.Repeat("avatar { id owner { id files(first: 2) { totalCount } ", 3) +
				strings.Repeat("} } ", 3) + "} } } }",
			graph.DirectEveryField, // the page's users' files' owners' avatars...
		}
		for _, q := range docs {
			doc := genDoc{query: q, vars: map[string]any{"id": d.userIDs[1]}}
			s1, b1 := postDoc(planned, d.tokens[0].token, doc)
			s2, b2 := postDoc(reference, d.tokens[0].token, doc)
			if s1 != 200 || bytes.Contains(b1, []byte(`"errors"`)) {
				t.Errorf("%.80s…: %d %.400s", q, s1, b1)
			}
			if s1 != s2 || !bytes.Equal(b1, b2) {
				t.Errorf("%.80s…: planned and edge by edge differ:\n%.600s\n%.600s", q, b1, b2)
			}
		}
	})
}
