package graph_test

import (
	"slices"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

func TestViewer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		ada := env.User(t, "ada@example.com", func(in *accounts.CreateInput) { in.FirstName, in.LastName = "Ada", "Lovelace" })
		const q = `{ viewer { publicID email firstName lastName name role flags status } }`

		t.Run("first-party token sees every field", func(t *testing.T) {
			res := env.GraphQL(t, env.Token(t, ada), q, nil)
			var got struct{ Viewer map[string]any }
			res.Decode(t, &got)
			want := map[string]any{"publicID": ada.PublicID, "email": "ada@example.com", "firstName": "Ada",
				"lastName": "Lovelace", "name": "Ada Lovelace", "role": "USER", "flags": float64(0), "status": "ACTIVE"}
			if len(res.Errors) != 0 || !equalMaps(got.Viewer, want) {
				t.Fatalf("got %v %v", got.Viewer, res.Errors)
			}
		})

		t.Run("identity-scoped token sees email and names as null with FORBIDDEN", func(t *testing.T) {
			app, _ := env.Application(t, "reader", true)
			tok := env.Issue(t, accounts.IssueInput{UserEmail: ada.Email, AppID: app.ClientID, Scopes: []string{"identity"}})
			res := env.GraphQL(t, tok, q, nil)
			var got struct{ Viewer map[string]any }
			res.Decode(t, &got)
			for _, f := range []string{"email", "firstName", "lastName", "name"} {
				if got.Viewer[f] != nil {
					t.Errorf("%s = %v, want null", f, got.Viewer[f])
				}
			}
			if got.Viewer["publicID"] != ada.PublicID {
				t.Errorf("publicID = %v", got.Viewer["publicID"])
			}
			if len(res.Errors) != 4 || slices.ContainsFunc(res.Codes(), func(c string) bool { return c != "FORBIDDEN" }) {
				t.Fatalf("errors %v, want 4 FORBIDDEN", res.Codes())
			}
		})

		t.Run("email scope shows email but not names", func(t *testing.T) {
			app, _ := env.Application(t, "mailer", true)
			tok := env.Issue(t, accounts.IssueInput{UserEmail: ada.Email, AppID: app.ClientID, Scopes: []string{"identity", "email"}})
			res := env.GraphQL(t, tok, `{ viewer { email firstName } }`, nil)
			var got struct{ Viewer map[string]any }
			res.Decode(t, &got)
			if got.Viewer["email"] != "ada@example.com" || got.Viewer["firstName"] != nil || len(res.Errors) != 1 {
				t.Fatalf("got %v %v", got.Viewer, res.Codes())
			}
		})

		t.Run("no token is UNAUTHENTICATED", func(t *testing.T) {
			res := env.GraphQL(t, "", q, nil)
			if !slices.Equal(res.Codes(), []string{"UNAUTHENTICATED"}) {
				t.Fatalf("codes %v", res.Codes())
			}
		})

		t.Run("unknown token is 401 UNAUTHENTICATED", func(t *testing.T) {
			res := env.GraphQL(t, "uba_unknownunknownunknownunknown", q, nil)
			if res.Status != 401 || !slices.Equal(res.Codes(), []string{"UNAUTHENTICATED"}) {
				t.Fatalf("status %d codes %v", res.Status, res.Codes())
			}
		})

		t.Run("revoked token stops working", func(t *testing.T) {
			tok := env.Token(t, ada)
			res := env.GraphQL(t, tok, `mutation { createApiKey(scopes: ["identity"]) { token credential { id } } }`, nil)
			var got struct {
				CreateAPIKey struct {
					Token      string
					Credential struct{ ID string }
				} `json:"createApiKey"`
			}
			res.Decode(t, &got)
			key := got.CreateAPIKey.Token
			if r := env.GraphQL(t, key, `{ viewer { publicID } }`, nil); len(r.Errors) != 0 {
				t.Fatalf("new key refused: %v", r.Errors)
			}
			r := env.GraphQL(t, tok, `mutation($id: ID!) { revokeCredential(id: $id) { revokedAt } }`,
				map[string]any{"id": got.CreateAPIKey.Credential.ID})
			if len(r.Errors) != 0 {
				t.Fatalf("revoke: %v", r.Errors)
			}
			if r := env.GraphQL(t, key, `{ viewer { publicID } }`, nil); r.Status != 401 {
				t.Fatalf("revoked key still works: %d", r.Status)
			}
		})
	})
}

func equalMaps(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
