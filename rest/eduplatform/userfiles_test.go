package eduplatform_test

import (
	"fmt"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestUserFiles covers GET /user_files.
func TestUserFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		john := e.reload(t, e.john.ID)
		jane := e.User(t, "jane@example.com")
		janeTok := e.Token(t, jane)
		a, _ := e.Application(t, "lms", true)
		identityOnly := e.Issue(t, accounts.IssueInput{UserEmail: john.Email, AppID: a.ClientID,
			Scopes: []string{"identity"}, Consent: true})

		t.Run("list-200 none yet", func(t *testing.T) {
			expect(t, e.call(t, "GET", "/user_files", e.tok), 200, `{"user_files":[]}`)
		})
		first := e.uploadOK(t, e.tok, "a.txt", "first")
		second := e.uploadOK(t, e.tok, "b.PNG", "second")
		e.uploadOK(t, janeTok, "jane.txt", "hers")

		t.Run("list-200 own files only, oldest first", func(t *testing.T) {
			rec := e.call(t, "GET", "/user_files", e.tok)
			expect(t, withoutLinks(t, rec, "a.txt", "b.PNG"), 200, fmt.Sprintf(`{"user_files":[%s,%s]}`,
				userFileJSON(e.file(t, first), john), userFileJSON(e.file(t, second), john)))
		})
		t.Run("list-200 file_type is the lowercased extension", func(t *testing.T) {
			if ft := e.file(t, second).FileType; ft != "png" {
				t.Fatalf("file_type %q", ft)
			}
		})
		t.Run("list-401 no token", func(t *testing.T) {
			expect(t, e.call(t, "GET", "/user_files", ""), 401, errJSON(401, "Invalid or missing access token."))
		})
		t.Run("list-403 scoped token without files", func(t *testing.T) {
			expect(t, e.call(t, "GET", "/user_files", identityOnly), 403, errJSON(403, "The access token lacks a required scope."))
		})
	})
}
