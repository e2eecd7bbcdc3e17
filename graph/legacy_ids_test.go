package graph_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"userbridge/ent/legacyid"
	"userbridge/graph/gid"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// TestLegacyIDsPageCostsConstantStatements: a page of users showing their
// legacy ids costs the same statements whatever its size, and shows each
// user's imported ids where it has some, its derived ones elsewhere.
func TestLegacyIDsPageCostsConstantStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, counting, statements := countingEnv(t, url, "driver.Query")
		ctx := context.Background()
		tok := env.Token(t, env.Admin(t, "root@example.com"))
		want := map[string]string{}
		for i := range 40 {
			u := env.User(t, fmt.Sprintf("user%02d@example.com", i))
			if i%3 == 0 {
				if err := legacyids.Assign(ctx, env.Store.Client, u.ID, legacyid.DialectMaarch, strconv.Itoa(90000+i)); err != nil {
					t.Fatal(err)
				}
				want[u.PublicID] = strconv.Itoa(90000 + i)
			} else {
				want[u.PublicID] = strconv.Itoa(u.ID)
			}
		}
		const q = `query($n: Int) { users(first: $n, orderBy: {field: CREATED_AT}) { edges { node {
			publicID legacyIds { eduplatform edufocus usersv1 maarch } } } } }`
		cost := func(n int) int64 {
			t.Helper()
			statements.Store(0)
			counting.Store(true)
			res := env.GraphQL(t, tok, q, map[string]any{"n": n})
			counting.Store(false)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			var out struct {
				Users struct {
					Edges []struct {
						Node struct {
							PublicID  string
							LegacyIDs struct {
								Eduplatform, Maarch int
								Edufocus, Usersv1   string
							} `json:"legacyIds"`
						}
					}
				}
			}
			res.Decode(t, &out)
			for _, e := range out.Users.Edges {
				n := e.Node
				if w, ok := want[n.PublicID]; ok && strconv.Itoa(n.LegacyIDs.Maarch) != w {
					t.Fatalf("%s: maarch %d, want %s", n.PublicID, n.LegacyIDs.Maarch, w)
				}
				if n.LegacyIDs.Edufocus != n.PublicID || n.LegacyIDs.Usersv1 != "usr_"+n.PublicID {
					t.Fatalf("%s: derived string ids %+v", n.PublicID, n.LegacyIDs)
				}
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

// TestLegacyIDsVisibleToAdministratorsOnly: an administrator sees a user's
// legacy ids; a manager, the user itself and another user get FORBIDDEN.
func TestLegacyIDsVisibleToAdministratorsOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, _, _ := countingEnv(t, url, "-")
		ctx := context.Background()
		adminTok := env.Token(t, env.Admin(t, "root@example.com"))
		manager := env.User(t, "manager@example.com", func(in *accounts.CreateInput) { in.Privileges = []string{"manage_users"} })
		ada := env.User(t, "ada@example.com")
		if err := legacyids.Assign(ctx, env.Store.Client, ada.ID, legacyid.DialectEduplatform, "4242"); err != nil {
			t.Fatal(err)
		}
		const q = `query($id: ID!) { user(id: $id) { legacyIds { eduplatform edufocus usersv1 maarch } } }`
		vars := map[string]any{"id": gid.Encode(ada.ID)}

		res := env.GraphQL(t, adminTok, q, vars)
		if len(res.Errors) > 0 {
			t.Fatalf("administrator: %v", res.Errors)
		}
		wantData := fmt.Sprintf(`{"user":{"legacyIds":{"eduplatform":4242,"edufocus":%q,"usersv1":"usr_%s","maarch":%d}}}`,
			ada.PublicID, ada.PublicID, ada.ID)
		if string(res.Data) != wantData {
			t.Fatalf("administrator: %s, want %s", res.Data, wantData)
		}
		for name, tok := range map[string]string{"manager": env.Token(t, manager), "the user itself": env.Token(t, ada)} {
			query, v := q, vars
			if name == "the user itself" {
				query, v = `{ viewer { legacyIds { eduplatform } } }`, nil
			}
			res := env.GraphQL(t, tok, query, v)
			if got := res.Codes(); len(got) != 1 || got[0] != "FORBIDDEN" {
				t.Fatalf("%s: codes %v, want [FORBIDDEN]: %s", name, got, res.Data)
			}
		}
	})
}
