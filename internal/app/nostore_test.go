package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/store/db/dbtest"
)

// TestResponsesWithPersonalDataAreNotStored: every API answer, in every
// dialect, GraphQL and downloads, says Cache-Control: no-store, whether it
// carries an account, a file or an error.
func TestResponsesWithPersonalDataAreNotStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		admin := env.Admin(t, "root@example.com")
		tok := env.Token(t, admin)
		v := &auth.Viewer{User: admin, Scopes: auth.AllScopes, Consented: true}
		f, err := env.Files.UploadUserFile(context.Background(), v, admin.ID,
			files.Upload{Name: "payslip.txt", Body: strings.NewReader("salary")}, files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		link := strings.TrimPrefix(env.Files.URL(f), apptest.PublicURL)

		for _, c := range []struct {
			name string
			req  *http.Request
			code int
		}{
			{"GraphQL", apptest.Request("POST", "/graphql", tok, map[string]any{"query": "{ viewer { email } }"}), 200},
			{"GraphQL over GET", apptest.Request("GET", "/graphql?query=%7Bviewer%7Bemail%7D%7D", tok, nil), 200},
			{"GraphQL, unauthenticated", apptest.Request("POST", "/graphql", "bad-token", map[string]any{"query": "{ viewer { email } }"}), 401},
			{"users-v1", apptest.Request("GET", "/v1/users/usr_"+admin.PublicID, tok, nil), 200},
			{"education platform", apptest.Request("GET", "/api/v1/users/user_files", tok, nil), 200},
			{"Maarch", apptest.Request("GET", "/rest/users", tok, nil), 200},
			{"Edu-Focus", apptest.Request("GET", "/users/@current", tok, nil), 200},
			{"Edu-Focus, not found", apptest.Request("GET", "/users/nobody", tok, nil), 404},
			{"download, whose handler says private", apptest.Request("GET", link, "", nil), 200},
			{"download, HEAD", apptest.Request("HEAD", link, "", nil), 200},
		} {
			t.Run(c.name, func(t *testing.T) {
				rec := env.Do(c.req)
				if rec.Code != c.code {
					t.Fatalf("status %d, want %d: %s", rec.Code, c.code, rec.Body)
				}
				if got := rec.Header().Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
					t.Fatalf("Cache-Control %q", got)
				}
			})
		}
		t.Run("the playground's static assets keep their own caching", func(t *testing.T) {
			rec := env.Do(apptest.Request("GET", "/graphiql", "", nil))
			if got := rec.Header().Get("Cache-Control"); got == "no-store" {
				t.Fatalf("Cache-Control %q", got)
			}
		})
	})
}
