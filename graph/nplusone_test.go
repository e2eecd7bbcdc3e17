package graph_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"userbridge/ent/file"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestUsersPageCostsConstantStatements shows that a page of users with their
// avatars and files costs the same number of SQL statements whatever the
// page size: edges are eager-loaded in one query per edge, not per user.
func TestUsersPageCostsConstantStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, counting, statements := countingEnv(t, url, "driver.Query")
		ctx := context.Background()
		tok := env.Token(t, env.Admin(t, "root@example.com"))
		for i := 0; i < 40; i++ {
			u := env.User(t, fmt.Sprintf("user%02d@example.com", i))
			avatar := env.Store.Client.File.Create().SetOwnerID(u.ID).SetKind(file.KindAvatar).
				SetName("a.png").SetContentType("image/png").SetSize(1).SetSha256("x").
				SetStorageKey(fmt.Sprintf("test/%d", i)).SaveX(ctx)
			env.Store.Client.User.UpdateOne(u).SetAvatar(avatar).ExecX(ctx)
		}
		// A manager that is not an administrator sees no administrator's
		// files: the page reads each owner's role for it, in the same
		// statement (policy.OwnerRoleMatters).
		manager := env.User(t, "manager@example.com")
		env.Store.Client.User.UpdateOne(manager).SetPrivileges([]string{"manage_users"}).ExecX(ctx)
		managerTok := env.Token(t, manager)
		const q = `query($n: Int) { users(first: $n) { totalCount edges { node {
			email avatar { name owner { publicID } } files(first: 3) { totalCount edges { node { name } } } } } } }`
		cost := func(tok string, n int) int64 {
			t.Helper()
			statements.Store(0)
			counting.Store(true)
			res := env.GraphQL(t, tok, q, map[string]any{"n": n})
			counting.Store(false)
			for _, e := range res.Errors {
				if tok == managerTok && e.Code() == "FORBIDDEN" { // root's files
					continue
				}
				t.Fatalf("errors: %v", res.Errors)
			}
			if !strings.Contains(string(res.Data), `"avatar":{"name":"a.png"`) {
				t.Fatalf("avatars not loaded: %.200s", res.Data)
			}
			return statements.Load()
		}
		for name, tok := range map[string]string{"administrator": tok, "manager": managerTok} {
			small, large := cost(tok, 5), cost(tok, 40)
			t.Logf("%s: statements: %d for 5 users, %d for 40 users", name, small, large)
			if small != large {
				t.Fatalf("%s: statements grow with the page size: %d for 5 users, %d for 40", name, small, large)
			}
			// The credential, and at most six for the page edge by edge
			// (SQLite's default). The manager's answer carries FORBIDDEN
			// errors, so it is read twice: the direct answer is dropped and
			// the executor answers again (docs/graphql-pages.md).
			most := int64(8)
			if name == "manager" {
				most = 2 + 2*6
			}
			if large > most {
				t.Fatalf("%s: %d statements for one page is too many", name, large)
			}
		}
	})
}

// TestPageInfoCostsNoCount shows that asking for pageInfo without totalCount
// runs no COUNT over the connection (entgql's template did), and
// that hasNextPage is still right, for the users connection and for a
// user's files.
func TestPageInfoCostsNoCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, counting, counts := countingEnv(t, url, "COUNT(")
		tok := env.Token(t, env.Admin(t, "root@example.com"))
		for i := 0; i < 3; i++ {
			env.User(t, fmt.Sprintf("user%d@example.com", i))
		}
		const q = `query($n: Int) { users(first: $n) { pageInfo { hasNextPage }
			edges { node { files(first: 1) { pageInfo { hasNextPage } edges { node { name } } } } } } }`
		for _, c := range []struct {
			first int
			next  bool
		}{{2, true}, {4, false}, {10, false}} {
			counts.Store(0)
			counting.Store(true)
			res := env.GraphQL(t, tok, q, map[string]any{"n": c.first})
			counting.Store(false)
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			var p struct {
				Users struct {
					PageInfo struct{ HasNextPage bool }
					Edges    []struct{}
				}
			}
			res.Decode(t, &p)
			if p.Users.PageInfo.HasNextPage != c.next {
				t.Errorf("first %d: hasNextPage %v, want %v", c.first, p.Users.PageInfo.HasNextPage, c.next)
			}
			if n := counts.Load(); n != 0 {
				t.Errorf("first %d: %d COUNT statements, want none", c.first, n)
			}
		}
	})
}

// countingEnv is the service on url with a counter of the logged SQL lines
// that contain match, counted while the returned flag is set.
func countingEnv(t *testing.T, url, match string) (*apptest.Env, *atomic.Bool, *atomic.Int64) {
	t.Helper()
	counting, n := new(atomic.Bool), new(atomic.Int64)
	env := apptest.New(t, url, func(c *app.Config) {
		c.QueryLog = func(args ...any) {
			if counting.Load() && strings.Contains(fmt.Sprint(args...), match) {
				n.Add(1)
			}
		}
	})
	return env, counting, n
}

// Fields of one response key under two aliases of edges, with other
// arguments, are each loaded with their own (graph/pagination.go,
// views.merge), and still once per page, not once per user.
func TestEdgesAliasesCostConstantStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, counting, statements := countingEnv(t, url, "driver.Query")
		tok := env.Token(t, env.Admin(t, "root@example.com"))
		for i := 0; i < 40; i++ {
			env.User(t, fmt.Sprintf("user%02d@example.com", i))
		}
		const q = `query($n: Int) { users(first: $n) {
			x: edges { node { f: files(first: 2) { totalCount edges { node { name } } } } }
			y: edges { node { f: files(first: 5, where: {nameHasPrefix: "a"}) { totalCount } } }
			z: edges { node { f: files(last: 1) { edges { node { size } } } } } } }`
		cost := func(n int) int64 {
			t.Helper()
			statements.Store(0)
			counting.Store(true)
			res := env.GraphQL(t, tok, q, map[string]any{"n": n})
			counting.Store(false)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			return statements.Load()
		}
		small, large := cost(5), cost(40)
		t.Logf("statements: %d for 5 users, %d for 40 users", small, large)
		if small != large {
			t.Fatalf("statements grow with the page size: %d for 5 users, %d for 40", small, large)
		}
	})
}
