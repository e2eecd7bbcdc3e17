package oauth_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestApplicationsOverGraphQL: an administrator registers an OAuth client;
// a user lists what it authorized and revokes it, which ends its tokens
// and makes the next sign-in ask again.
func TestApplicationsOverGraphQL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		admin := w.Token(t, w.Admin(t, "root@example.com"))
		userToken := w.Token(t, w.user)

		res := w.GraphQL(t, userToken, `mutation { createApplication(input: {name: "Nope"}) { clientSecret } }`, nil)
		if len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("a user registers an application: %s %v", res.Data, res.Errors)
		}
		res = w.GraphQL(t, admin, `mutation($in: ApplicationInput!) { createApplication(input: $in) {
			clientSecret application { clientId name verified public redirectUris scopes permissions } } }`,
			map[string]any{"in": map[string]any{"name": "Notes", "verified": true, "redirectUris": []string{redirectURI},
				"scopes": []string{"identity", "email"}, "permissions": []string{"users:read"}}})
		var created struct {
			CreateApplication struct {
				ClientSecret string
				Application  struct {
					ClientID, Name                    string
					Verified, Public                  bool
					RedirectUris, Scopes, Permissions []string
				}
			}
		}
		res.Decode(t, &created)
		app := created.CreateApplication.Application
		if len(res.Errors) != 0 || len(app.ClientID) != 32 || len(created.CreateApplication.ClientSecret) != 43 ||
			strings.Join(app.Scopes, " ") != "identity email" || app.RedirectUris[0] != redirectURI || !app.Verified {
			t.Fatalf("createApplication: %s %v", res.Data, res.Errors)
		}
		res = w.GraphQL(t, admin, `mutation { createApplication(input: {name: "Bad", redirectUris: ["http://evil.example/cb"]}) { clientSecret } }`, nil)
		if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Errorf("a plain-http redirect URI: %s %v", res.Data, res.Errors)
		}

		// The user signs in to it through the screens.
		ent, _, _ := w.Accounts.CreateApplication(context.Background(), accounts.AppInput{Name: "unused"}) // another, never authorized
		conf := &oauth2.Config{ClientID: app.ClientID, ClientSecret: created.CreateApplication.ClientSecret, RedirectURL: redirectURI,
			Scopes: []string{"identity", "email"}, Endpoint: oauth2.Endpoint{AuthURL: w.base + "/oauth/authorize",
				TokenURL: w.base + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
		b := newBrowser(t)
		tok, err := conf.Exchange(context.Background(), w.authorize(t, b, conf))
		if err != nil {
			t.Fatal(err)
		}

		res = w.GraphQL(t, userToken, `{ authorizedApplications { scopes application { clientId name verified } } }`, nil)
		want := `{"authorizedApplications":[{"scopes":["identity","email"],"application":{"clientId":"` + app.ClientID + `","name":"Notes","verified":true}}]}`
		if string(res.Data) != want {
			t.Fatalf("authorizedApplications = %s %v", res.Data, res.Errors)
		}
		res = w.GraphQL(t, tok.AccessToken, `{ authorizedApplications { scopes } }`, nil)
		if len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
			t.Errorf("the application lists its user's authorizations: %s %v", res.Data, res.Errors)
		}
		res = w.GraphQL(t, userToken, `mutation($id: String!) { revokeApplication(clientId: $id) }`, map[string]any{"id": ent.ClientID})
		if len(res.Errors) != 1 || res.Errors[0].Code() != "NOT_FOUND" {
			t.Errorf("revoking one never authorized: %s %v", res.Data, res.Errors)
		}
		res = w.GraphQL(t, userToken, `mutation($id: String!) { revokeApplication(clientId: $id) }`, map[string]any{"id": app.ClientID})
		if string(res.Data) != `{"revokeApplication":true}` {
			t.Fatalf("revokeApplication = %s %v", res.Data, res.Errors)
		}
		if st, _ := w.api(t, "GET", "/users/@current", tok.AccessToken); st != 401 {
			t.Errorf("access token after revoking the application = %d", st)
		}
		if _, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Errorf("refresh token works after revoking the application")
		}
		if p := b.get(conf.AuthCodeURL("state-1234567890")); !strings.Contains(p.body, `name="decision"`) {
			t.Errorf("consent not asked again after revoking: %d %q", p.status, p.location)
		}

		res = w.GraphQL(t, admin, `mutation($id: String!) { deleteApplication(clientId: $id) }`, map[string]any{"id": app.ClientID})
		if string(res.Data) != `{"deleteApplication":true}` {
			t.Errorf("deleteApplication = %s %v", res.Data, res.Errors)
		}
		res = w.GraphQL(t, admin, `{ applications { name } }`, nil)
		if string(res.Data) != `{"applications":[{"name":"unused"}]}` {
			t.Errorf("applications after deleting Notes = %s %v", res.Data, res.Errors)
		}
	})
}
