package app_test

import (
	"strings"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestUnknownMethodsAnswerInTheDialectShape sends methods chi does not know
// under each dialect's prefix: the dialect answers, in its own shape, never
// chi's bare text 405.
func TestUnknownMethodsAnswerInTheDialectShape(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	cases := []struct {
		method, path string
		status       int
		body         string
	}{
		{"BREW", "/v1/users", 405, `"code":"method_not_allowed"`},
		{"PROPFIND", "/rest/users", 405, `{"errors":"Method not allowed"}`},
		{"get", "/api/v1/users/oauth", 405, `"code":405`},
		{"BREW", "/users/@current", 405, `"message":"method_not_allowed"`},
		{"BREW", "/files", 405, `"message":"method_not_allowed"`},
		{"BREW", "/users/nope/deeper/still", 404, `"message":"not_found"`},
		{"BREW", "/healthz", 405, `{"error":"method not allowed"}`},
		{"GET", "/nowhere", 404, `{"error":"not found"}`},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			rec := env.Do(apptest.Request(c.method, c.path, "", nil))
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.body) ||
				rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		})
	}
}
