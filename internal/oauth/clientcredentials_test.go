package oauth_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"userbridge/ent/credential"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestClientCredentialsScopesAreBoundByRegistration: an application alone
// gets at most the scopes it was registered for, among identity, email
// and personal; without scope it gets all of those, and an application
// registered without scopes is bound by identity, email and personal
// alone.
func TestClientCredentialsScopesAreBoundByRegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		notAllowed := func(sc string) string {
			return `{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed. The OAuth 2.0 Client is not allowed to request scope '` + sc + `'."}`
		}
		cases := []struct {
			name       string
			registered []string
			scope      string // "" sends no scope
			status     int
			granted    string // the token's scopes, or the exact error body
		}{
			{"no scope: the registered ones", []string{"identity"}, "", 200, "identity"},
			{"no scope: the registered ones an application alone may hold", []string{"identity", "email", "files", "modify"}, "", 200, "identity email"},
			{"no scope, registered without scopes: identity, email and personal", []string{}, "", 200, "identity email personal"},
			{"a registered scope", []string{"identity", "email"}, "email", 200, "email"},
			{"registered without scopes: one of identity, email and personal", []string{}, "personal", 200, "personal"},
			{"a scope not registered is invalid_scope", []string{"identity"}, "email", 400, notAllowed("email")},
			{"registered without scopes: modify is invalid_scope", []string{}, "modify", 400,
				`{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed. An application acting alone may hold only the scopes identity, email, personal."}`},
			{"no scope, registered for none an application alone may hold: invalid_scope", []string{"files", "modify"}, "", 400,
				`{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed. The application is registered for none of the scopes an application acting alone may hold (identity, email, personal)."}`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a, secret := w.app(t, accounts.AppInput{Name: "Backend", Scopes: c.registered})
				form := url.Values{"grant_type": {"client_credentials"}}
				if c.scope != "" {
					form.Set("scope", c.scope)
				}
				st, body := w.tokenCall(t, a.ClientID, secret, form)
				if c.status != 200 {
					if st != c.status || body != c.granted {
						t.Errorf("got %d %s\nwant %d %s", st, body, c.status, c.granted)
					}
					return
				}
				var res struct {
					AccessToken string `json:"access_token"`
					Scope       string `json:"scope"`
				}
				if st != 200 || json.Unmarshal([]byte(body), &res) != nil || res.Scope != c.granted {
					t.Fatalf("got %d %s, want the scopes %q", st, body, c.granted)
				}
				row := w.Store.Client.Credential.Query().Where(credential.TokenHash(hashOf(res.AccessToken))).OnlyX(t.Context())
				if got := strings.Join(row.Scopes, " "); got != c.granted {
					t.Errorf("stored scopes %q, want %q", got, c.granted)
				}
			})
		}
	})
}
