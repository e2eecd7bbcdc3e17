package eduplatform_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/store/db/dbtest"
)

// TestSecuredAttachments covers POST and GET /secured_attachments/{id}.
func TestSecuredAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		jane := e.User(t, "jane@example.com")
		mine := e.uploadOK(t, e.tok, "test_file.json", `{"a": 1}`)
		hers := e.uploadOK(t, e.Token(t, jane), "hers.txt", "hers")
		temp, err := e.Files.UploadTemporary(context.Background(),
			&auth.Viewer{User: e.john, Scopes: auth.AllScopes}, files.Upload{Name: "t.png", Body: strings.NewReader("t")})
		if err != nil {
			t.Fatal(err)
		}
		adminTok := e.Token(t, e.Admin(t, "admin@example.com"))
		a, _ := e.Application(t, "lms", true)
		identityOnly := e.Issue(t, accounts.IssueInput{UserEmail: e.john.Email, AppID: a.ClientID,
			Scopes: []string{"identity"}, Consent: true})

		for _, method := range []string{"POST", "GET"} {
			t.Run(method+" attachment-200 own user file", func(t *testing.T) {
				rec := e.call(t, method, fmt.Sprintf("/secured_attachments/%d", mine), e.tok)
				expect(t, withoutLinks(t, rec, "test_file.json"), 200, `{"attachment":"LINK"}`)
			})
			notFound := []struct{ name, id string }{
				{"unknown id", "999999"},
				{"another user's file", fmt.Sprint(hers)},
				{"a temporary file, not a user file", fmt.Sprint(temp.ID)},
				{"not an integer", "abc"},
				{"a decimal", "1.5"},
				{"negative", "-1"},
				{"signed", fmt.Sprintf("+%d", mine)},
				{"zero", "0"},
				{"over int64", "99999999999999999999999"},
				{"escaped space", "%20" + fmt.Sprint(mine)},
			}
			for _, c := range notFound {
				t.Run(method+" attachment-404 "+c.name, func(t *testing.T) {
					expect(t, e.call(t, method, "/secured_attachments/"+c.id, e.tok), 404, notFoundJSON)
				})
			}
			t.Run(method+" attachment-404 another user's file, for an administrator", func(t *testing.T) {
				expect(t, e.call(t, method, fmt.Sprintf("/secured_attachments/%d", mine), adminTok), 404, notFoundJSON)
			})
			t.Run(method+" attachment-401 no token", func(t *testing.T) {
				expect(t, e.call(t, method, fmt.Sprintf("/secured_attachments/%d", mine), ""), 401,
					errJSON(401, "Invalid or missing access token."))
			})
			t.Run(method+" attachment-403 scoped token without files", func(t *testing.T) {
				expect(t, e.call(t, method, fmt.Sprintf("/secured_attachments/%d", mine), identityOnly), 403,
					errJSON(403, "The access token lacks a required scope."))
			})
		}
	})
}

// TestQuota uploads three files with a quota of two: the listing keeps the
// two newest, oldest first, and the first file is gone everywhere.
func TestQuota(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *app.Config) { c.UserFileQuota = 2 })
		john := e.reload(t, e.john.ID)
		first := e.uploadOK(t, e.tok, "one.txt", "1")
		rec := e.call(t, "GET", fmt.Sprintf("/secured_attachments/%d", first), e.tok)
		var link struct{ Attachment string }
		decode(t, rec.Body.Bytes(), &link)
		second := e.uploadOK(t, e.tok, "two.txt", "2")
		third := e.uploadOK(t, e.tok, "three.txt", "3")

		t.Run("quota-200 listing keeps the two newest, oldest first", func(t *testing.T) {
			rec := e.call(t, "GET", "/user_files", e.tok)
			expect(t, withoutLinks(t, rec, "two.txt", "three.txt"), 200, fmt.Sprintf(`{"user_files":[%s,%s]}`,
				userFileJSON(e.file(t, second), john), userFileJSON(e.file(t, third), john)))
		})
		t.Run("quota-404 the evicted file's attachment", func(t *testing.T) {
			expect(t, e.call(t, "POST", fmt.Sprintf("/secured_attachments/%d", first), e.tok), 404, notFoundJSON)
		})
		t.Run("quota-404 the evicted file's old link", func(t *testing.T) {
			if dl := e.fetch(t, link.Attachment); dl.Code != 404 {
				t.Fatalf("download of an evicted file: %d %s", dl.Code, dl.Body.String())
			}
		})
		t.Run("quota-200 the blobs follow the rows", func(t *testing.T) {
			if rows, blobs := e.stored(t); rows != 2 || blobs != 2 {
				t.Fatalf("%d rows, %d blobs", rows, blobs)
			}
		})
	})
}
