package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

type usersPage struct {
	Users struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct{ Node struct{ Email string } }
	}
}

func (p usersPage) emails() []string {
	var out []string
	for _, e := range p.Users.Edges {
		out = append(out, e.Node.Email)
	}
	return out
}

func TestUsersConnection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		admin := env.Admin(t, "root@example.com")
		tok := env.Token(t, admin)
		for i, last := range []string{"Curie", "Babbage", "Turing", "Hopper"} {
			env.User(t, fmt.Sprintf("u%d@example.com", i), func(in *accounts.CreateInput) {
				in.LastName = last
				if last == "Hopper" {
					in.Flags = new(2)
				}
			})
		}
		const q = `query($first: Int, $after: Cursor, $orderBy: UserOrder, $where: UserWhereInput) {
			users(first: $first, after: $after, orderBy: $orderBy, where: $where) {
				totalCount pageInfo { hasNextPage endCursor } edges { node { email } } } }`
		page := func(t *testing.T, vars map[string]any) usersPage {
			t.Helper()
			res := env.GraphQL(t, tok, q, vars)
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			var p usersPage
			res.Decode(t, &p)
			return p
		}

		t.Run("pages forward with cursors", func(t *testing.T) {
			p1 := page(t, map[string]any{"first": 2})
			if p1.Users.TotalCount != 5 || !p1.Users.PageInfo.HasNextPage || len(p1.Users.Edges) != 2 {
				t.Fatalf("page 1: %+v", p1.Users)
			}
			p2 := page(t, map[string]any{"first": 10, "after": *p1.Users.PageInfo.EndCursor})
			if p2.Users.PageInfo.HasNextPage || len(p2.Users.Edges) != 3 {
				t.Fatalf("page 2: %+v", p2.Users)
			}
			all := append(p1.emails(), p2.emails()...)
			slices.Sort(all)
			if len(slices.Compact(all)) != 5 {
				t.Fatalf("pages overlap: %v", all)
			}
		})

		t.Run("orders by last name", func(t *testing.T) {
			p := page(t, map[string]any{"orderBy": map[string]any{"field": "LAST_NAME", "direction": "ASC"},
				"where": map[string]any{"lastNameNEQ": ""}})
			want := []string{"u1@example.com", "u0@example.com", "u3@example.com", "u2@example.com"}
			if !slices.Equal(p.emails(), want) {
				t.Fatalf("got %v, want %v", p.emails(), want)
			}
		})

		t.Run("orders by e-mail descending", func(t *testing.T) {
			p := page(t, map[string]any{"first": 1, "orderBy": map[string]any{"field": "EMAIL", "direction": "DESC"}})
			if !slices.Equal(p.emails(), []string{"u3@example.com"}) {
				t.Fatalf("got %v", p.emails())
			}
		})

		t.Run("filters by role, flags and e-mail", func(t *testing.T) {
			cases := []struct {
				where map[string]any
				want  []string
			}{
				{map[string]any{"role": "ADMIN"}, []string{"root@example.com"}},
				{map[string]any{"hasFlags": 2}, []string{"u3@example.com"}},
				{map[string]any{"emailHasPrefix": "u2"}, []string{"u2@example.com"}},
				{map[string]any{"status": "BANNED"}, nil},
			}
			for _, c := range cases {
				p := page(t, map[string]any{"where": c.where})
				if !slices.Equal(p.emails(), c.want) {
					t.Errorf("where %v: got %v, want %v", c.where, p.emails(), c.want)
				}
			}
		})

		t.Run("answers aliased connection fields", func(t *testing.T) {
			res := env.GraphQL(t, tok, `{ users(first: 2) { n: totalCount more: pageInfo { next: hasNextPage }
				list: edges { node { email } } again: edges { node { publicID } } } }`, nil)
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			var p struct {
				Users struct {
					N     int
					More  struct{ Next bool }
					List  []struct{ Node struct{ Email string } }
					Again []struct{ Node struct{ PublicID string } }
				}
			}
			res.Decode(t, &p)
			if p.Users.N != 5 || !p.Users.More.Next || len(p.Users.List) != 2 || p.Users.List[0].Node.Email == "" ||
				len(p.Users.Again) != 2 || p.Users.Again[0].Node.PublicID == "" {
				t.Fatalf("got %+v", p.Users)
			}
		})

		t.Run("answers aliased fields of a nested connection", func(t *testing.T) {
			res := env.GraphQL(t, tok, `{ users(first: 1) { edges { node { f: files { n: totalCount e: edges { node { id } } } } } } }`, nil)
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			if got := string(res.Data); got != `{"users":{"edges":[{"node":{"f":{"n":0,"e":[]}}}]}}` {
				t.Fatalf("got %s", got)
			}
		})

		t.Run("filters by creation range", func(t *testing.T) {
			p := page(t, map[string]any{"where": map[string]any{"createdAtGTE": "2000-01-01T00:00:00Z", "createdAtLT": "2999-01-01T00:00:00Z"}})
			if p.Users.TotalCount != 5 {
				t.Fatalf("got %d", p.Users.TotalCount)
			}
		})
	})
}

func TestAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		alice := env.User(t, "alice@example.com")
		bob := env.User(t, "bob@example.com")
		admin := env.Admin(t, "admin@example.com")
		aliceTok, adminTok := env.Token(t, alice), env.Token(t, admin)
		bobID := gidOf(bob.ID)

		cases := []struct {
			name, token, query string
			vars               map[string]any
			code               string
		}{
			{"non-admin cannot list users", aliceTok, `{ users { totalCount } }`, nil, "FORBIDDEN"},
			{"non-admin cannot read another user", aliceTok, `query($id: ID!) { user(id: $id) { publicID } }`, map[string]any{"id": bobID}, "NOT_FOUND"},
			{"non-admin cannot read another user as a node", aliceTok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": bobID}, "NOT_FOUND"},
			{"non-admin cannot change another user", aliceTok, `mutation($id: ID!) { updateUser(id: $id, input: {firstName: "X"}) { publicID } }`, map[string]any{"id": bobID}, "NOT_FOUND"},
			{"non-admin cannot delete another user", aliceTok, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": bobID}, "NOT_FOUND"},
			{"non-admin cannot make itself admin", aliceTok, `mutation($id: ID!) { updateUser(id: $id, input: {role: ADMIN}) { role } }`, map[string]any{"id": gidOf(alice.ID)}, "FORBIDDEN"},
			{"non-admin cannot create users", aliceTok, `mutation { createUser(input: {email: "c@example.com"}) { publicID } }`, nil, "FORBIDDEN"},
			{"non-admin cannot ban", aliceTok, `mutation($id: ID!) { banUser(id: $id) { status } }`, map[string]any{"id": bobID}, "FORBIDDEN"},
			{"malformed id is BAD_USER_INPUT", adminTok, `{ user(id: "nope") { publicID } }`, nil, "BAD_USER_INPUT"},
			{"unknown id is NOT_FOUND", adminTok, `query($id: ID!) { user(id: $id) { publicID } }`, map[string]any{"id": gidOf(999999)}, "NOT_FOUND"},
			{"duplicate e-mail is CONFLICT", adminTok, `mutation { createUser(input: {email: "BOB@example.com"}) { publicID } }`, nil, "CONFLICT"},
			{"bad e-mail is BAD_USER_INPUT", adminTok, `mutation { createUser(input: {email: "not-an-email"}) { publicID } }`, nil, "BAD_USER_INPUT"},
			{"reserved username is BAD_USER_INPUT", aliceTok, `mutation { updateViewer(input: {username: "admin"}) { username } }`, nil, "BAD_USER_INPUT"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := env.GraphQL(t, c.token, c.query, c.vars)
				if !slices.Equal(res.Codes(), []string{c.code}) {
					t.Fatalf("codes %v, want [%s]: %v", res.Codes(), c.code, res.Errors)
				}
			})
		}

		t.Run("admin changes, bans and unbans another user", func(t *testing.T) {
			bobTok := env.Token(t, bob)
			res := env.GraphQL(t, adminTok, `mutation($id: ID!) { updateUser(id: $id, input: {firstName: "Robert", flags: 2}) { firstName flags role } }`, map[string]any{"id": bobID})
			if len(res.Errors) != 0 || string(res.Data) != `{"updateUser":{"firstName":"Robert","flags":2,"role":"USER"}}` {
				t.Fatalf("update: %s %v", res.Data, res.Errors)
			}
			res = env.GraphQL(t, adminTok, `mutation($id: ID!) { updateUser(id: $id, input: {role: ADMIN}) { flags role } }`, map[string]any{"id": bobID})
			if string(res.Data) != `{"updateUser":{"flags":3,"role":"ADMIN"}}` {
				t.Fatalf("role admin must set flag 0x1: %s %v", res.Data, res.Errors)
			}
			res = env.GraphQL(t, adminTok, `mutation($id: ID!) { updateUser(id: $id, input: {flags: 2}) { flags role } }`, map[string]any{"id": bobID})
			if string(res.Data) != `{"updateUser":{"flags":2,"role":"USER"}}` {
				t.Fatalf("clearing flag 0x1 must drop the role: %s %v", res.Data, res.Errors)
			}
			res = env.GraphQL(t, adminTok, `mutation($id: ID!) { banUser(id: $id) { status } }`, map[string]any{"id": bobID})
			if string(res.Data) != `{"banUser":{"status":"BANNED"}}` {
				t.Fatalf("ban: %s %v", res.Data, res.Errors)
			}
			if r := env.GraphQL(t, bobTok, `{ viewer { publicID } }`, nil); r.Status != 401 {
				t.Fatalf("banned user's token still works: %d", r.Status)
			}
			env.GraphQL(t, adminTok, `mutation($id: ID!) { unbanUser(id: $id) { status } }`, map[string]any{"id": bobID})
			if r := env.GraphQL(t, bobTok, `{ viewer { publicID } }`, nil); r.Status != 401 {
				t.Fatalf("a token the ban revoked works after the unban: %d", r.Status)
			}
			if r := env.GraphQL(t, env.Token(t, bob), `{ viewer { publicID } }`, nil); len(r.Errors) != 0 {
				t.Fatalf("unbanned user's new token refused: %v", r.Errors)
			}
		})

		t.Run("admin deletes another user, not itself", func(t *testing.T) {
			carol := env.User(t, "carol@example.com")
			res := env.GraphQL(t, adminTok, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": gidOf(carol.ID)})
			if len(res.Errors) != 0 {
				t.Fatalf("delete: %v", res.Errors)
			}
			res = env.GraphQL(t, adminTok, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": gidOf(admin.ID)})
			if !slices.Equal(res.Codes(), []string{"FORBIDDEN"}) {
				t.Fatalf("self delete: %v", res.Codes())
			}
		})

		t.Run("a user deletes its own account", func(t *testing.T) {
			dave := env.User(t, "dave@example.com")
			tok := env.Token(t, dave)
			if res := env.GraphQL(t, tok, `mutation { deleteViewer }`, nil); string(res.Data) != `{"deleteViewer":true}` {
				t.Fatalf("deleteViewer: %s %v", res.Data, res.Errors)
			}
			if r := env.GraphQL(t, tok, `{ viewer { publicID } }`, nil); r.Status != 401 {
				t.Fatalf("deleted user's token still works: %d", r.Status)
			}
		})
	})
}
