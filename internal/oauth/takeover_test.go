package oauth_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// TestNarrowedAdministratorKeyCannotManageApplications: an administrator's
// key narrowed to identity still lists applications, but cannot register,
// change, rotate or delete one: adding a redirect URI to an application
// users consented to would send their codes elsewhere with no consent
// screen (remembered consent).
func TestNarrowedAdministratorKeyCannotManageApplications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		admin := w.Admin(t, "root@example.com")
		narrow := w.Issue(t, accounts.IssueInput{UserEmail: admin.Email, Scopes: []string{"identity"}})
		a, _ := w.app(t, accounts.AppInput{})
		res := w.GraphQL(t, narrow, `{ applications { clientId } }`, nil)
		if len(res.Errors) != 0 || !strings.Contains(string(res.Data), a.ClientID) {
			t.Fatalf("listing: %s %v", res.Data, res.Errors)
		}
		for name, doc := range map[string]string{
			"create": `mutation { createApplication(input: {name: "Evil", verified: true, permissions: ["users:write"]}) { clientSecret } }`,
			"update": `mutation($id: String!) { updateApplication(clientId: $id, input: {name: "Notes",
				redirectUris: ["https://evil.example/cb"], scopes: ["identity", "email", "modify"]}) { redirectUris } }`,
			"delete": `mutation($id: String!) { deleteApplication(clientId: $id) }`,
		} {
			res := w.GraphQL(t, narrow, doc, map[string]any{"id": a.ClientID})
			if len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("%s with a key narrowed to identity: %s %v", name, res.Data, res.Errors)
			}
		}
		after, err := w.Accounts.Application(context.Background(), auth.Operator(), a.ClientID)
		if err != nil || strings.Join(after.RedirectUris, " ") != redirectURI {
			t.Fatalf("application after the refusals: %v %v", after, err)
		}
	})
}

// TestIntrospectionNeedsTheClientsSecret: an access token sent beside the
// client's id does not stand in for its secret.
func TestIntrospectionNeedsTheClientsSecret(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	a, secret := w.app(t, accounts.AppInput{})
	conf := w.config(a, secret, "identity")
	tok, err := conf.Exchange(context.Background(), w.authorize(t, newBrowser(t), conf))
	if err != nil {
		t.Fatal(err)
	}
	status, body := w.formCall(t, "/oauth/introspect", a.ClientID, "wrong-secret",
		url.Values{"token": {tok.AccessToken}, "access_token": {tok.AccessToken}})
	if status != 401 || strings.Contains(body, `"active":true`) {
		t.Fatalf("a token instead of the secret: %d %s", status, body)
	}
	status, body = w.formCall(t, "/oauth/introspect", a.ClientID, secret, url.Values{"token": {tok.AccessToken}})
	if status != 200 || !strings.Contains(body, `"active":true`) {
		t.Fatalf("the client itself: %d %s", status, body)
	}
}
