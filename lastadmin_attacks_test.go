package main

import (
	"context"
	"testing"

	"userbridge/ent/user"
	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// TestLastAdministratorAttacksOverHTTP: every HTTP path by which the last
// active administrator could go that TestLastAdministratorAcrossTransports
// does not try: GraphQL banUser and deleteUser on oneself, Edu-Focus's ban
// and DELETE @current, users-v1's PUT status and DELETE, a manager
// (manage_users) against an administrator. Each is refused and the
// administrator stays; banning one administrator while another remains
// is not refused.
func TestLastAdministratorAttacksOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		env := apptest.New(t, dbURL)
		ctx := context.Background()
		root := env.Admin(t, "root@example.com")
		tok := env.Token(t, root)
		mgr := env.User(t, "manager@example.com", func(in *accounts.CreateInput) { in.Privileges = []string{"manage_users"} })
		mgrTok := env.Token(t, mgr)
		ids, err := legacyids.Of(ctx, env.Store.Client, root)
		if err != nil {
			t.Fatal(err)
		}
		stays := func(t *testing.T, what string) {
			t.Helper()
			u, err := env.Store.Client.User.Get(ctx, root.ID)
			if err != nil || u.Role != user.RoleAdmin || u.Status != user.StatusActive {
				t.Fatalf("after %s the administrator is %+v (%v)", what, u, err)
			}
		}
		gqlRefused := func(t *testing.T, what, token, query string) {
			t.Helper()
			res := env.GraphQL(t, token, query, map[string]any{"id": gid.Encode(root.ID)})
			if len(res.Errors) != 1 || (res.Errors[0].Code() != "FORBIDDEN" && res.Errors[0].Code() != "NOT_FOUND") {
				t.Errorf("%s: %+v %s", what, res.Errors, res.Data)
			}
			stays(t, what)
		}
		gqlRefused(t, "banUser oneself", tok, `mutation($id: ID!) { banUser(id: $id) { status } }`)
		gqlRefused(t, "deleteUser oneself", tok, `mutation($id: ID!) { deleteUser(id: $id) }`)
		gqlRefused(t, "a manager's updateUser role", mgrTok, `mutation($id: ID!) { updateUser(id: $id, input: {role: USER}) { role } }`)
		gqlRefused(t, "a manager's updateUser status", mgrTok, `mutation($id: ID!) { updateUser(id: $id, input: {status: SUSPENDED}) { status } }`)
		gqlRefused(t, "a manager's banUser", mgrTok, `mutation($id: ID!) { banUser(id: $id) { status } }`)
		gqlRefused(t, "a manager's deleteUser", mgrTok, `mutation($id: ID!) { deleteUser(id: $id) }`)

		for _, c := range []struct {
			what, method, path, token string
			body                      any
			code                      int
		}{
			{"Edu-Focus ban of oneself", "POST", "/users/" + root.PublicID + "/ban", tok, nil, 403},
			{"Edu-Focus DELETE @current", "DELETE", "/users/@current", tok, nil, 403},
			{"Edu-Focus ban by a manager", "POST", "/users/" + root.PublicID + "/ban", mgrTok, nil, 403},
			{"users-v1 PUT status suspended", "PUT", "/v1/users/" + ids.Usersv1, tok, map[string]any{"status": "suspended"}, 403},
			{"users-v1 PUT status banned", "PUT", "/v1/users/" + ids.Usersv1, tok, map[string]any{"status": "banned"}, 400},
			{"users-v1 DELETE oneself", "DELETE", "/v1/users/" + ids.Usersv1, tok, nil, 403},
			{"users-v1 PUT role by a manager", "PUT", "/v1/users/" + ids.Usersv1, mgrTok, map[string]any{"role": "user"}, 403},
			{"users-v1 DELETE by a manager", "DELETE", "/v1/users/" + ids.Usersv1, mgrTok, nil, 403},
		} {
			rec := env.Do(apptest.Request(c.method, c.path, c.token, c.body))
			if rec.Code != c.code {
				t.Errorf("%s: %d %s", c.what, rec.Code, rec.Body.String())
			}
			stays(t, c.what)
		}

		// Another administrator: banning root is no longer the last one.
		second := env.Admin(t, "second@example.com")
		if rec := env.Do(apptest.Request("POST", "/users/"+root.PublicID+"/ban", env.Token(t, second), nil)); rec.Code != 200 {
			t.Fatalf("banning an administrator while another remains: %d %s", rec.Code, rec.Body.String())
		}
		if rec := env.Do(apptest.Request("DELETE", "/users/@current", env.Token(t, second), nil)); rec.Code != 403 {
			t.Errorf("the remaining administrator deleting itself: %d %s", rec.Code, rec.Body.String())
		}
		n, err := env.Store.Client.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("%d active administrators (%v)", n, err)
		}
	})
}
