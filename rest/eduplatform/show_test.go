package eduplatform_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
	"userbridge/rest/eduplatform"
)

// TestShow covers POST /oauth and the authentication every route shares.
func TestShow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		john := e.reload(t, e.john.ID)
		a, secret := e.Application(t, "lms", true)
		scoped := func(scopes ...string) string {
			return e.Issue(t, accounts.IssueInput{UserEmail: john.Email, AppID: a.ClientID, Scopes: scopes, Consent: true})
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(a.ClientID+":"+secret))

		cases := []struct {
			name   string
			token  string
			header string // raw Authorization, when token is empty
			status int
			body   string
		}{
			{"show-200 first-party token", e.tok, "", 200, `{"user":` + userJSON(john) + `}`},
			{"show-200 application token with identity, email and personal", scoped("identity", "email", "personal"), "", 200, `{"user":` + userJSON(john) + `}`},
			// The shape always shows the e-mail and names: a token that may
			// not read them is refused rather than shown them.
			{"show-403 application token with identity only", scoped("identity"), "", 403, errJSON(403, "The access token lacks a required scope.")},
			{"show-403 first-party key narrowed to identity and personal", e.Issue(t, accounts.IssueInput{UserEmail: john.Email, Scopes: []string{"identity", "personal"}}), "", 403, errJSON(403, "The access token lacks a required scope.")},
			{"show-401 no token", "", "", 401, errJSON(401, "Invalid or missing access token.")},
			{"show-401 unknown token", "uba_0000000000000000000000000000000000000000000", "", 401, errJSON(401, "Invalid or missing access token.")},
			{"show-401 malformed bearer", "", "Bearer !!", 401, errJSON(401, "Invalid or missing access token.")},
			{"show-401 unknown scheme", "", "Token abc", 401, errJSON(401, "Invalid or missing access token.")},
			{"show-403 token without identity", scoped("files"), "", 403, errJSON(403, "The access token lacks a required scope.")},
			{"show-403 application acting for no user", "", basic, 403, errJSON(403, "Forbidden.")},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req := apptest.Request("POST", prefix+"/oauth", c.token, nil)
				if c.header != "" {
					req.Header.Set("Authorization", c.header)
				}
				expect(t, e.do(t, req), c.status, c.body)
			})
		}
	})
}

// TestRouting covers what the router answers by itself, in the dialect's
// shape: unknown routes (before authentication), wrong methods, and the
// served OpenAPI document.
func TestRouting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		cases := []struct {
			name, method, path, token string
			status                    int
			allow, body               string
		}{
			{"route-404 unknown route", "GET", "/nope", e.tok, 404, "", errJSON(404, "Not found.")},
			{"route-404 unknown route without token", "POST", "/user_files/nope", "", 404, "", errJSON(404, "Not found.")},
			{"route-404 the prefix itself", "GET", "", e.tok, 404, "", errJSON(404, "Not found.")},
			{"route-404 the prefix with a slash", "GET", "/", e.tok, 404, "", errJSON(404, "Not found.")},
			{"route-405 GET /oauth", "GET", "/oauth", e.tok, 405, "POST", errJSON(405, "Method not allowed.")},
			{"route-405 POST /user_files", "POST", "/user_files", e.tok, 405, "GET", errJSON(405, "Method not allowed.")},
			{"route-405 GET upload", "GET", "/user_files/upload", "", 405, "POST", errJSON(405, "Method not allowed.")},
			{"route-405 DELETE attachment", "DELETE", "/secured_attachments/1", e.tok, 405, "GET, POST", errJSON(405, "Method not allowed.")},
			{"route-405 a method chi does not know", "PROPFIND", "/oauth", e.tok, 405, "POST", errJSON(405, "Method not allowed.")},
			{"route-405 a lowercase method", "get", "/user_files", e.tok, 405, "GET", errJSON(405, "Method not allowed.")},
			{"route-404 unknown method and route", "FOO", "/nope", "", 404, "", errJSON(404, "Not found.")},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rec := e.call(t, c.method, c.path, c.token)
				expect(t, rec, c.status, c.body)
				if got := rec.Header().Get("Allow"); got != c.allow {
					t.Fatalf("Allow %q, want %q", got, c.allow)
				}
			})
		}
		t.Run("openapi-200 served", func(t *testing.T) {
			rec := e.Do(apptest.Request("GET", "/openapi/eduplatform.json", "", nil))
			if rec.Code != http.StatusOK || rec.Body.String() != string(eduplatform.OpenAPI) {
				t.Fatalf("got %d, %d bytes", rec.Code, rec.Body.Len())
			}
		})
	})
}
