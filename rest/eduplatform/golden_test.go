package eduplatform_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/internal/store/db/dbtest"
)

// The examples of the legacy document, verbatim but for the redacted
// links, which are strings all the same.
const (
	exampleUser = `{"id": 10, "firstname": "John", "lastname": "Doe",
		"email": "johndoe@localhost.com", "created_at": "2024-02-13T09:00:00.389Z"}`
	exampleUserFile = `{"id": 4, "attachment": "[REDACTED]/test_file.json", "file_type": "json",
		"created_at": "2024-06-06T14:00:00.751Z", "user": {"id": 10, "firstname": "John",
		"lastname": "Doe", "email": "johndoe@localhost.com", "created_at": "2024-06-06T14:00:00.544Z"}}`
	exampleShow      = `{"user": ` + exampleUser + `}`
	exampleUserFiles = `{"user_files": [` + exampleUserFile + `]}`
	examplePostFile  = `{"user_file": ` + exampleUserFile + `}`
	exampleShowFile  = `{"attachment": "[REDACTED]/test_file.json"}`
	exampleNotFound  = `{"status": {"code": 404, "message": "Couldn't find a record for the requested ID."}}`
)

// TestGolden asserts each documented example: status, exact keys, JSON
// types (integer ids, times with exactly three fractional digits), and the
// exact body.
func TestGolden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		john := e.reload(t, e.john.ID)

		t.Run("show", func(t *testing.T) {
			rec := e.call(t, "POST", "/oauth", e.tok)
			assertShape(t, rec, http.StatusOK, exampleShow)
			expect(t, rec, http.StatusOK, `{"user":`+userJSON(john)+`}`)
		})

		var id int
		t.Run("post user file", func(t *testing.T) {
			rec := e.upload(t, e.tok, part{"file", "test_file.json", `{"a": 1}`})
			assertShape(t, rec, http.StatusOK, examplePostFile)
			var out struct {
				UserFile struct{ ID int } `json:"user_file"`
			}
			decode(t, rec.Body.Bytes(), &out)
			id = out.UserFile.ID
			f := e.file(t, id)
			expect(t, withoutLinks(t, rec, "test_file.json"), http.StatusOK,
				`{"user_file":`+userFileJSON(f, john)+`}`)
		})

		t.Run("user files", func(t *testing.T) {
			rec := e.call(t, "GET", "/user_files", e.tok)
			assertShape(t, rec, http.StatusOK, exampleUserFiles)
			expect(t, withoutLinks(t, rec, "test_file.json"), http.StatusOK,
				`{"user_files":[`+userFileJSON(e.file(t, id), john)+`]}`)
		})

		t.Run("show user file", func(t *testing.T) {
			rec := e.call(t, "POST", fmt.Sprintf("/secured_attachments/%d", id), e.tok)
			assertShape(t, rec, http.StatusOK, exampleShowFile)
			var out struct{ Attachment string }
			decode(t, rec.Body.Bytes(), &out)
			expect(t, withoutLinks(t, rec, "test_file.json"), http.StatusOK, `{"attachment":"LINK"}`)
			dl := e.fetch(t, out.Attachment)
			if dl.Code != http.StatusOK || dl.Body.String() != `{"a": 1}` ||
				!strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment") {
				t.Fatalf("download: %d %q %q", dl.Code, dl.Header().Get("Content-Disposition"), dl.Body.String())
			}
		})

		t.Run("show user file, unknown id", func(t *testing.T) {
			rec := e.call(t, "POST", "/secured_attachments/999999", e.tok)
			assertShape(t, rec, http.StatusNotFound, exampleNotFound)
			expect(t, rec, http.StatusNotFound, notFoundJSON)
		})
	})
}

// userFileJSON is the exact legacy UserFile of f owned by u, its link
// written LINK (see withoutLinks).
func userFileJSON(f *ent.File, u *ent.User) string {
	return fmt.Sprintf(`{"id":%d,"attachment":"LINK","file_type":%q,"created_at":%q,"user":%s}`,
		f.ID, f.FileType, f.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), userJSON(u))
}

// attachmentRe finds the links of a body.
var attachmentRe = regexp.MustCompile(`"attachment":"([^"]*)"`)

// withoutLinks checks the "attachment"s of the body are signed links
// ending with names, in order (one name: all of them), and returns the
// response with each replaced by LINK.
func withoutLinks(t *testing.T, rec *httptest.ResponseRecorder, names ...string) *httptest.ResponseRecorder {
	t.Helper()
	body := rec.Body.String()
	links := attachmentRe.FindAllStringSubmatch(body, -1)
	if len(names) > 1 && len(links) != len(names) {
		t.Fatalf("%d links, want %d: %s", len(links), len(names), body)
	}
	for i, m := range links {
		name := names[0]
		if len(names) > 1 {
			name = names[i]
		}
		if !linkRe(name).MatchString(m[1]) {
			t.Fatalf("attachment %q is not a signed link ending with %s", m[1], name)
		}
	}
	out := httptest.NewRecorder()
	out.Code = rec.Code
	out.Body = bytes.NewBufferString(attachmentRe.ReplaceAllString(body, `"attachment":"LINK"`))
	return out
}

// file reads a file row from the store.
func (e *env) file(t *testing.T, id int) *ent.File {
	t.Helper()
	f, err := e.Store.Client.File.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("reading file %d: %v", id, err)
	}
	return f
}

// reload reads a user from the store.
func (e *env) reload(t *testing.T, id int) *ent.User {
	t.Helper()
	u, err := e.Store.Client.User.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("reading user %d: %v", id, err)
	}
	return u
}
