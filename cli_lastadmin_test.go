package main

import (
	"context"
	"strings"
	"testing"

	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// TestLastAdministratorAcrossTransports: the rule keeping one active
// administrator (internal/rules/accounts/lastadmin.go) answers GraphQL
// with FORBIDDEN, reason last_administrator, whether the administrator
// demotes, suspends or deletes itself, users-v1 with its 403; the command
// line words the same refusal, and only it may force.
func TestLastAdministratorAcrossTransports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		env := apptest.New(t, dbURL)
		root := env.Admin(t, "root@example.com")
		tok := env.Token(t, root)
		refused := func(t *testing.T, what string, res apptest.GraphQLResponse) {
			t.Helper()
			if len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" || res.Errors[0].Extensions["reason"] != "last_administrator" ||
				!strings.Contains(res.Errors[0].Message, "last active administrator") {
				t.Errorf("%s: %+v", what, res.Errors)
			}
		}
		const update = `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { role status } }`
		for what, in := range map[string]map[string]any{
			"demote":  {"role": "USER"},
			"flags":   {"flags": 2},
			"suspend": {"status": "SUSPENDED"},
		} {
			refused(t, what, env.GraphQL(t, tok, update, map[string]any{"id": gid.Encode(root.ID), "in": in}))
		}
		refused(t, "deleteViewer", env.GraphQL(t, tok, `mutation { deleteViewer }`, nil))
		// A legacy dialect's path to the same rule: users-v1 PUT, its 403.
		ids, err := legacyids.Of(context.Background(), env.Store.Client, root)
		if err != nil {
			t.Fatal(err)
		}
		if rec := env.Do(apptest.Request("PUT", "/v1/users/"+ids.Usersv1, tok, map[string]any{"role": "user"})); rec.Code != 403 ||
			!strings.Contains(rec.Body.String(), `"forbidden"`) {
			t.Errorf("users-v1 PUT role user: %d %s", rec.Code, rec.Body.String())
		}
		var me struct{ Viewer struct{ Role, Status string } }
		env.GraphQL(t, tok, `{ viewer { role status } }`, nil).Decode(t, &me)
		if me.Viewer.Role != "ADMIN" || me.Viewer.Status != "ACTIVE" {
			t.Fatalf("the administrator changed: %+v", me)
		}

		for _, verb := range []string{"ban", "delete"} {
			var stderr syncBuffer
			if code := runMain(context.Background(), []string{"user", verb, "root@example.com", "--database", dbURL},
				&syncBuffer{}, &stderr); code != 1 || !strings.Contains(stderr.String(),
				"--user: root@example.com is the last active administrator") || !strings.Contains(stderr.String(), "--force") {
				t.Fatalf("user %s: exit %d %q", verb, code, stderr.String())
			}
		}

		ok(t, "", "user", "create", "--admin", "--email", "second@example.com", "--database", dbURL)
		var demoted struct{ UpdateUser struct{ Role string } }
		res := env.GraphQL(t, tok, update, map[string]any{"id": gid.Encode(root.ID), "in": map[string]any{"role": "USER"}})
		if res.Decode(t, &demoted); len(res.Errors) != 0 || demoted.UpdateUser.Role != "USER" {
			t.Fatalf("demoting oneself with another administrator: %+v %s", res.Errors, res.Data)
		}
		ok(t, "", "user", "ban", "second@example.com", "--force", "--database", dbURL)
	})
}
