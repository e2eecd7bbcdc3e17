package eduplatform_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestTextHygiene: a NUL byte or invalid UTF-8 in a form field, the path or
// the query is a 400 in the dialect's shape and nothing is stored
// (PostgreSQL once answered 500 for scenario_id, SQLite stored it).
func TestTextHygiene(t *testing.T) {
	const want = `{"status":{"code":400,"message":"The request holds a NUL byte or invalid UTF-8."}}`
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		for _, c := range []struct {
			name  string
			parts []part
			path  string
		}{
			{"upload-400 NUL in scenario_id", []part{{"scenario_id", "", "s\x00"}, {"file", "a.json", "{}"}}, ""},
			{"upload-400 invalid UTF-8 in user_file[scenario_id]", []part{{"user_file[scenario_id]", "", "\xff"}, {"file", "a.json", "{}"}}, ""},
			{"upload-400 NUL in nature", []part{{"nature", "", "auto\x00"}, {"file", "a.json", "{}"}}, ""},
			{"attachments-400 NUL in the path", nil, "/secured_attachments/%00"},
			{"user_files-400 invalid UTF-8 in the query", nil, "/user_files?x=%ff"},
		} {
			t.Run(c.name, func(t *testing.T) {
				files := e.Store.Client.File.Query().CountX(t.Context())
				var rec *httptest.ResponseRecorder
				if c.parts != nil {
					rec = e.upload(t, e.tok, c.parts...)
				} else {
					rec = e.call(t, "GET", prefix+c.path, e.tok)
				}
				if rec.Code != http.StatusBadRequest || rec.Body.String() != want {
					t.Fatalf("got %d %s", rec.Code, rec.Body.String())
				}
				if e.Store.Client.File.Query().CountX(t.Context()) != files {
					t.Fatal("a file was stored")
				}
			})
		}
	})
}
