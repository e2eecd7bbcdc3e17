package graph_test

import (
	"encoding/json"
	"slices"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

// TestLoginShowsWhatItsTokenShows: the user of a login payload is read with
// the scopes of the token the login issues, never the caller's: an
// anonymous caller and a caller holding a token narrowed to identity see
// exactly what `viewer` shows to the issued token, and the caller's own
// token gains nothing.
func TestLoginShowsWhatItsTokenShows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		ada := env.User(t, "ada@example.com", func(in *accounts.CreateInput) { in.FirstName, in.LastName = "Ada", "Lovelace" })
		app, _ := env.Application(t, "reader", true, policy.PermUsersRead)
		narrow := env.Issue(t, accounts.IssueInput{UserEmail: ada.Email, AppID: app.ClientID,
			Scopes: []string{auth.ScopeIdentity}, Consent: true})
		const fields = `email firstName lastName name username login publicID`
		const loginQ = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { ` + fields + ` } } }`

		for name, caller := range map[string]string{"anonymous caller": "", "caller narrowed to identity": narrow} {
			t.Run(name, func(t *testing.T) {
				res := env.GraphQL(t, caller, loginQ, map[string]any{"e": "ADA@example.com", "p": "password123"})
				var got struct {
					Login struct {
						Token string
						User  json.RawMessage
					}
				}
				res.Decode(t, &got)
				if len(res.Errors) != 0 || got.Login.Token == "" {
					t.Fatalf("login: %s %v", res.Data, res.Errors)
				}
				seen := env.GraphQL(t, got.Login.Token, `{ viewer { `+fields+` } }`, nil)
				var want struct{ Viewer json.RawMessage }
				seen.Decode(t, &want)
				if string(got.Login.User) != string(want.Viewer) || len(seen.Errors) != 0 {
					t.Fatalf("login shows %s, its token sees %s %v", got.Login.User, want.Viewer, seen.Errors)
				}
			})
		}
		t.Run("the narrowed caller still may not read the e-mail", func(t *testing.T) {
			res := env.GraphQL(t, narrow, `{ viewer { email } }`, nil)
			if !slices.Equal(res.Codes(), []string{"FORBIDDEN"}) {
				t.Fatalf("codes %v (%s)", res.Codes(), res.Data)
			}
		})
	})
}
