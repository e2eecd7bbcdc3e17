package graph_test

import (
	"context"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

// TestAuditEventAsNode: an audit event's id, as auditEvents gives it,
// answers node(id:) for whoever reads the trail (an administrator's
// first-party credential with every scope), and is not found, exactly as
// a missing id, for anyone else: a user, a manager of users, an
// administrator's narrowed key, an application acting for an administrator.
func TestAuditEventAsNode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		boss := env.Admin(t, "boss@example.com")
		env.User(t, "someone@example.com") // user.created
		ev, err := env.Store.Client.AuditEvent.Query().Where(auditevent.Kind("user.created")).
			Order(ent.Desc(auditevent.FieldID)).First(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		const q = `query($id: ID!) { node(id: $id) { id ... on AuditEvent { kind targetID } } }`
		ask := func(tok string, id int) string {
			rec := env.Do(apptest.Request("POST", "/graphql", tok, map[string]any{"query": q, "variables": map[string]any{"id": gidOf(id)}}))
			return strings.ReplaceAll(withoutCost(rec.Body.String()), gidOf(id), "ID")
		}
		t.Run("an administrator reads it", func(t *testing.T) {
			got := ask(env.Token(t, boss), ev.ID)
			if want := `{"data":{"node":{"id":"ID","kind":"user.created","targetID":"` + ev.TargetID + `"}}}`; got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
		app, _ := env.Application(t, "console", true, policy.PermUsersRead)
		for name, tok := range map[string]string{
			"an application's token for an administrator, every scope": env.Issue(t, accounts.IssueInput{UserEmail: boss.Email,
				AppID: app.ClientID, Scopes: auth.AllScopes, Consent: true}),
			"a user": env.Token(t, env.User(t, "plain@example.com")),
			"a manager (manage_users)": env.Token(t, env.User(t, "manager@example.com", func(in *accounts.CreateInput) {
				in.Privileges = []string{policy.PrivilegeManageUsers}
			})),
			"an administrator's narrowed key": env.Issue(t, accounts.IssueInput{UserEmail: boss.Email, Scopes: []string{auth.ScopeIdentity}}),
		} {
			t.Run(name+": not found, as a missing id", func(t *testing.T) {
				hidden, missing := ask(tok, ev.ID), ask(tok, ev.ID+100_000)
				if hidden != missing || !strings.Contains(hidden, `"NOT_FOUND"`) {
					t.Fatalf("hidden:  %s\nmissing: %s", hidden, missing)
				}
			})
		}
	})
}
