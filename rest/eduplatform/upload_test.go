package eduplatform_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"userbridge/ent/file"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// maxUpload is the upload limit of these tests, in bytes.
const maxUpload = 64

// TestUpload covers POST /user_files/upload. Every refused upload leaves
// no row and no blob behind.
func TestUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *app.Config) { c.MaxUploadBytes = maxUpload })
		john := e.reload(t, e.john.ID)
		a, _ := e.Application(t, "lms", true)
		identityOnly := e.Issue(t, accounts.IssueInput{UserEmail: john.Email, AppID: a.ClientID,
			Scopes: []string{"identity"}, Consent: true})
		withFiles := e.Issue(t, accounts.IssueInput{UserEmail: john.Email, AppID: a.ClientID,
			Scopes: []string{"identity", "files", "email", "personal"}, Consent: true})
		// The answer shows the user's e-mail and names, which this token
		// may not read: refused before anything is stored.
		filesOnly := e.Issue(t, accounts.IssueInput{UserEmail: john.Email, AppID: a.ClientID,
			Scopes: []string{"identity", "files"}, Consent: true})
		file1 := part{"file", "test_file.json", `{"a": 1}`}

		ok := []struct {
			name     string
			token    string
			parts    []part
			filename string
			nature   file.Nature
			scenario *string
		}{
			{"upload-200 part file", e.tok, []part{file1}, "test_file.json", file.NatureManual, nil},
			{"upload-200 part attachment", e.tok, []part{{"attachment", "b.txt", "b"}}, "b.txt", file.NatureManual, nil},
			{"upload-200 part user_file[attachment]", e.tok, []part{{"user_file[attachment]", "c.txt", "c"}}, "c.txt", file.NatureManual, nil},
			{"upload-200 nature auto and scenario kept", e.tok, []part{{"nature", "", "auto"}, {"scenario_id", "", "sc-42"}, file1},
				"test_file.json", file.NatureAuto, new("sc-42")},
			{"upload-200 nested fields", e.tok, []part{{"user_file[nature]", "", "auto"}, {"user_file[scenario_id]", "", "7"}, file1},
				"test_file.json", file.NatureAuto, new("7")},
			{"upload-200 empty nature is manual", e.tok, []part{{"nature", "", ""}, file1}, "test_file.json", file.NatureManual, nil},
			{"upload-200 unknown parts ignored", e.tok, []part{{"utf8", "", "✓"}, file1, {"commit", "", "Send"}}, "test_file.json", file.NatureManual, nil},
			{"upload-200 path in the name is dropped", e.tok, []part{{"file", `..\..\etc\evil.sh`, "x"}}, "evil.sh", file.NatureManual, nil},
			{"upload-200 file part without filename", e.tok, []part{{"file", "", "raw"}}, "file", file.NatureManual, nil},
			{"upload-200 empty file", e.tok, []part{{"file", "empty.txt", ""}}, "empty.txt", file.NatureManual, nil},
			{"upload-200 application token with files", withFiles, []part{file1}, "test_file.json", file.NatureManual, nil},
		}
		for _, c := range ok {
			t.Run(c.name, func(t *testing.T) {
				rec := e.upload(t, c.token, c.parts...)
				var out struct {
					UserFile struct{ ID int } `json:"user_file"`
				}
				decode(t, rec.Body.Bytes(), &out)
				f := e.file(t, out.UserFile.ID)
				expect(t, withoutLinks(t, rec, c.filename), 200, `{"user_file":`+userFileJSON(f, john)+`}`)
				if f.Name != c.filename || f.Nature != c.nature || f.Kind != file.KindUserFile ||
					(c.scenario == nil) != (f.ScenarioID == nil) || (c.scenario != nil && *c.scenario != *f.ScenarioID) {
					t.Fatalf("stored %+v", f)
				}
			})
		}

		big := strings.Repeat("x", maxUpload+1)
		fail := []struct {
			name   string
			token  string
			body   string // raw body with ctype, instead of parts
			ctype  string // "none": no Content-Type; "-1": parts with no Content-Length
			parts  []part
			status int
			msg    string
		}{
			{"upload-400 no file part", e.tok, "", "", []part{{"nature", "", "auto"}}, 400, "The file part is missing."},
			{"upload-400 empty form", e.tok, "", "", nil, 400, "The file part is missing."},
			{"upload-400 JSON body", e.tok, `{"file": "x"}`, "application/json", nil, 400, "The file part is missing."},
			{"upload-400 no body", e.tok, "", "none", nil, 400, "The file part is missing."},
			{"upload-400 multipart without boundary", e.tok, "x", "multipart/form-data", nil, 400, "The file part is missing."},
			{"upload-400 body cut short", e.tok, "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc", "multipart/form-data; boundary=B", nil, 400, "The request is malformed."},
			{"upload-400 garbage multipart", e.tok, "garbage", "multipart/form-data; boundary=B", nil, 400, "The request is malformed."},
			{"upload-400 nature after the file", e.tok, "", "", []part{file1, {"nature", "", "auto"}}, 400, "Form fields must come before the file part."},
			{"upload-400 second file", e.tok, "", "", []part{file1, {"attachment", "b.txt", "b"}}, 400, "Form fields must come before the file part."},
			{"upload-413 file over the limit", e.tok, "", "", []part{{"file", "big.txt", big}}, 413, "The request is too large."},
			{"upload-413 body over the limit", e.tok, "", "", []part{{"junk", "", strings.Repeat("y", 1<<20)}, file1}, 413, "The request is too large."},
			{"upload-413 body over the limit, length unknown", e.tok, "", "-1", []part{{"junk", "", strings.Repeat("y", 1<<20)}, file1}, 413, "The request is too large."},
			{"upload-413 text field over 1 KiB", e.tok, "", "", []part{{"scenario_id", "", strings.Repeat("z", 1025)}, file1}, 413, "The request is too large."},
			{"upload-422 invalid nature", e.tok, "", "", []part{{"nature", "", "sometimes"}, file1}, 422, "Nature must be manual or auto."},
			{"upload-401 no token", "", "", "", []part{file1}, 401, "Invalid or missing access token."},
			{"upload-403 scoped token without files", identityOnly, "", "", []part{file1}, 403, "The access token lacks a required scope."},
			{"upload-403 token with files but without email and personal", filesOnly, "", "", []part{file1}, 403, "The access token lacks a required scope."},
		}
		for _, c := range fail {
			t.Run(c.name, func(t *testing.T) {
				rows, blobs := e.stored(t)
				body, ctype := form(c.parts...)
				if c.body != "" || (c.ctype != "" && c.ctype != "-1") {
					body, ctype = []byte(c.body), c.ctype
				}
				req := apptest.Request("POST", prefix+"/user_files/upload", c.token, body)
				req.Header.Set("Content-Type", ctype)
				switch c.ctype {
				case "none":
					req.Header.Del("Content-Type")
				case "-1":
					req.ContentLength = -1
				}
				expect(t, e.do(t, req), c.status, errJSON(c.status, c.msg))
				if r, b := e.stored(t); r != rows || b != blobs {
					t.Fatalf("stored %d rows and %d blobs, had %d and %d", r, b, rows, blobs)
				}
			})
		}
	})
}

// stored counts the file rows and the blobs.
func (e *env) stored(t *testing.T) (rows, blobs int) {
	t.Helper()
	ctx := context.Background()
	rows, err := e.Store.Client.File.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it := e.Files.Bucket().List(nil)
	for {
		_, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows, blobs
		}
		if err != nil {
			t.Fatal(err)
		}
		blobs++
	}
}
