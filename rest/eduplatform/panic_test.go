package eduplatform_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"userbridge/ent"
	"userbridge/internal/rules/auth"
	"userbridge/rest/eduplatform"
	"userbridge/rest/openapitest"
)

// TestPanic shows a panic below a handler answers the dialect's 500 with no
// detail: the router is built without its files service, so listing files
// dereferences nil.
func TestPanic(t *testing.T) {
	h := eduplatform.Routes(eduplatform.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	doc := openapitest.New(t, eduplatform.OpenAPI)
	req := httptest.NewRequest("GET", "/user_files", nil)
	v := &auth.Viewer{User: &ent.User{ID: 1}, Scopes: auth.AllScopes}
	req = req.WithContext(auth.NewContext(req.Context(), v))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	check := httptest.NewRequest("GET", prefix+"/user_files", nil)
	doc.Check(t, check, rec.Code, rec.Header(), rec.Body.Bytes())
	expect(t, rec, 500, errJSON(500, "Internal server error."))
}
