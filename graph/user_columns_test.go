package graph_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestUsersPageColumns shows that a page of users reads only the columns its
// nodes show, the scope-guarded fields (email, names) included, and still
// answers them right.
func TestUsersPageColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		var (
			mu      sync.Mutex
			selects []string
		)
		env := apptest.New(t, url, func(c *app.Config) {
			c.QueryLog = func(args ...any) {
				if s := fmt.Sprint(args...); strings.Contains(s, "users") && strings.Contains(s, "ORDER BY") {
					mu.Lock()
					selects = append(selects, s)
					mu.Unlock()
				}
			}
		})
		tok := env.Token(t, env.Admin(t, "root@example.com"))
		env.User(t, "ada@example.com", func(in *accounts.CreateInput) {
			in.FirstName, in.LastName, in.Name = "Ada", "Lovelace", new("Countess")
		})
		env.User(t, "grace@example.com", func(in *accounts.CreateInput) { in.FirstName, in.LastName = "Grace", "Hopper" })

		// page runs a users query and returns its data and the SELECT of
		// the users it ran.
		page := func(t *testing.T, q string, vars map[string]any) (string, string) {
			t.Helper()
			mu.Lock()
			selects = nil
			mu.Unlock()
			res := env.GraphQL(t, tok, q, vars)
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(selects) != 1 {
				t.Fatalf("want one SELECT of the page's users, got %q", selects)
			}
			return string(res.Data), selects[0]
		}
		// reads checks the columns a SELECT reads (between SELECT and FROM).
		reads := func(t *testing.T, sql string, want, not []string) {
			t.Helper()
			sql = sql[strings.Index(sql, "SELECT"):strings.Index(sql, " FROM ")]
			for _, c := range want {
				if !strings.Contains(sql, c) {
					t.Errorf("the SELECT does not read %s: %s", c, sql)
				}
			}
			for _, c := range not {
				if strings.Contains(sql, c) {
					t.Errorf("the SELECT reads %s, which the page does not show: %s", c, sql)
				}
			}
		}

		t.Run("guarded fields read their columns only", func(t *testing.T) {
			data, sql := page(t, `{ users(where: {emailNEQ: "root@example.com"}) { totalCount edges { node { email name firstName } } } }`, nil)
			want := `{"users":{"totalCount":2,"edges":[{"node":{"email":"ada@example.com","name":"Countess","firstName":"Ada"}},` +
				`{"node":{"email":"grace@example.com","name":"Grace Hopper","firstName":"Grace"}}]}}`
			if data != want {
				t.Fatalf("got  %s\nwant %s", data, want)
			}
			reads(t, sql, []string{"email", "display_name", "first_name", "last_name"}, []string{"password_hash", "created_at", "privileges"})
		})

		t.Run("guarded fields beside entgql's fields and edges", func(t *testing.T) {
			data, sql := page(t, `{ users(first: 1, where: {emailHasPrefix: "ada"}) { edges { node { lastName publicID avatar { id } files { totalCount } } } } }`, nil)
			if !strings.Contains(data, `"lastName":"Lovelace","publicID":"`) || !strings.Contains(data, `"avatar":null,"files":{"totalCount":0}`) {
				t.Fatalf("got %s", data)
			}
			reads(t, sql, []string{"last_name", "public_id", "avatar_id"}, []string{"password_hash", "email"})
		})

		t.Run("a cursor ordered by a guarded field pages on", func(t *testing.T) {
			const q = `query($after: Cursor) { users(first: 1, after: $after, orderBy: {field: LAST_NAME, direction: DESC}, where: {lastNameNEQ: ""}) {
				pageInfo { endCursor } edges { node { lastName } } } }`
			data, sql := page(t, q, nil)
			if !strings.Contains(data, `"lastName":"Lovelace"`) {
				t.Fatalf("page 1: %s", data)
			}
			reads(t, sql, []string{"last_name"}, []string{"password_hash"})
			cursor := data[strings.Index(data, `"endCursor":"`)+len(`"endCursor":"`):]
			cursor = cursor[:strings.Index(cursor, `"`)]
			if data, _ = page(t, q, map[string]any{"after": cursor}); !strings.Contains(data, `"lastName":"Hopper"`) {
				t.Fatalf("page 2: %s", data)
			}
		})

		t.Run("without guarded fields, entgql narrows alone", func(t *testing.T) {
			_, sql := page(t, `{ users { edges { node { publicID role } } } }`, nil)
			reads(t, sql, []string{"public_id", "role"}, []string{"password_hash", "email", "first_name"})
		})
	})
}
