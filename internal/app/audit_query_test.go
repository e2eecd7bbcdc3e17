package app_test

import (
	"context"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

const opAuditEvents = `query($first: Int, $after: Cursor, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { kind actorKind actorUser targetType targetID transport fields details { key value } } }
  }
}`

type auditPage struct {
	AuditEvents struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct {
			Node struct {
				Kind, ActorKind, ActorUser, TargetType, TargetID, Transport string
				Fields                                                      []string
				Details                                                     []struct{ Key, Value string }
			}
		}
	}
}

// TestAuditEventsQuery: administrators read the trail through a
// first-party credential with every scope; everyone else is refused as
// the other administrators' fields refuse them, and a page costs the same
// statements whatever its size.
func TestAuditEventsQuery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := apptest.New(t, url)
		admin := e.Admin(t, "admin@example.com")
		manager := e.User(t, "manager@example.com", func(in *accounts.CreateInput) {
			in.Privileges = []string{policy.PrivilegeManageUsers}
		})
		plain := e.User(t, "plain@example.com")
		adminTok := e.Token(t, admin)
		app, _ := e.Application(t, "Reader", true, policy.PermUsersRead, policy.PermUsersWrite)
		refused := map[string]struct{ token, code string }{
			"anonymous":          {"", "UNAUTHENTICATED"},
			"user":               {e.Token(t, plain), "FORBIDDEN"},
			"manager":            {e.Token(t, manager), "FORBIDDEN"},
			"admin narrowed key": {e.Issue(t, accounts.IssueInput{UserEmail: admin.Email, Scopes: []string{auth.ScopeIdentity}}), "FORBIDDEN"},
			"admin via an app": {e.Issue(t, accounts.IssueInput{UserEmail: admin.Email, AppID: app.ClientID,
				Scopes: auth.AllScopes, Consent: true}), "FORBIDDEN"},
		}
		for name, c := range refused {
			t.Run("refused: "+name, func(t *testing.T) {
				r := e.GraphQL(t, c.token, opAuditEvents, map[string]any{"first": 5})
				if codes := r.Codes(); len(codes) != 1 || codes[0] != c.code {
					t.Fatalf("codes %v, want %s; data %s", codes, c.code, r.Data)
				}
				var p auditPage
				r.Decode(t, &p)
				if len(p.AuditEvents.Edges) != 0 {
					t.Fatalf("events leaked: %+v", p)
				}
			})
		}

		t.Run("an administrator pages through a filter, newest first", func(t *testing.T) {
			filter := map[string]any{"kinds": []string{"user.created"}}
			var seen []string
			after := any(nil)
			for range 4 {
				r := e.GraphQL(t, adminTok, opAuditEvents, map[string]any{"first": 2, "after": after, "filter": filter})
				if len(r.Errors) > 0 {
					t.Fatalf("errors %+v", r.Errors)
				}
				var p auditPage
				r.Decode(t, &p)
				for _, ed := range p.AuditEvents.Edges {
					if ed.Node.Kind != "user.created" || ed.Node.TargetType != "user" {
						t.Fatalf("node %+v", ed.Node)
					}
					seen = append(seen, ed.Node.TargetID)
				}
				if p.AuditEvents.TotalCount != 3 {
					t.Fatalf("totalCount %d, want 3", p.AuditEvents.TotalCount)
				}
				if !p.AuditEvents.PageInfo.HasNextPage {
					break
				}
				after = p.AuditEvents.PageInfo.EndCursor
			}
			want := []string{plain.PublicID, manager.PublicID, admin.PublicID}
			if len(seen) != 3 || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] {
				t.Fatalf("seen %v, want %v", seen, want)
			}
		})

		t.Run("filters by target and actor", func(t *testing.T) {
			_, _, err := e.Accounts.Update(auth.NewContext(context.Background(), nil), auth.Operator(), plain.ID,
				accounts.UpdateInput{Role: new(user.RoleAdmin)})
			if err != nil {
				t.Fatal(err)
			}
			r := e.GraphQL(t, adminTok, opAuditEvents, map[string]any{"first": 10,
				"filter": map[string]any{"target": plain.PublicID, "kinds": []string{"user.role_changed"}}})
			var p auditPage
			r.Decode(t, &p)
			if len(r.Errors) > 0 || len(p.AuditEvents.Edges) != 1 {
				t.Fatalf("errors %+v page %+v", r.Errors, p)
			}
			n := p.AuditEvents.Edges[0].Node
			if n.Fields[0] != "role" || len(n.Details) != 2 || n.Details[0].Key != "privileges" || n.Details[1].Value != "admin" {
				t.Fatalf("node %+v", n)
			}
			r = e.GraphQL(t, adminTok, opAuditEvents, map[string]any{"first": 10,
				"filter": map[string]any{"actor": plain.PublicID}})
			r.Decode(t, &p)
			if len(r.Errors) > 0 || len(p.AuditEvents.Edges) != 0 {
				t.Fatalf("plain acted on nothing: %+v %+v", r.Errors, p)
			}
		})

		t.Run("a page costs the same statements whatever its size", func(t *testing.T) {
			count := func(first int) uint64 {
				e.GraphQL(t, adminTok, opAuditEvents, map[string]any{"first": first}) // warm: the token's first use
				before := e.Store.Statements()
				r := e.GraphQL(t, adminTok, opAuditEvents, map[string]any{"first": first})
				if len(r.Errors) > 0 {
					t.Fatalf("errors %+v", r.Errors)
				}
				return e.Store.Statements() - before
			}
			one, ten := count(1), count(10)
			t.Logf("auditEvents: %d statements for a page of 1, %d for 10", one, ten)
			if one != ten || ten > 4 {
				t.Fatalf("statements: %d for 1, %d for 10", one, ten)
			}
		})
	})
}
