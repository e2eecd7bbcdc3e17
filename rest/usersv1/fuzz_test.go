package usersv1_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// FuzzUsersV1 sends arbitrary methods, paths and bodies through the real
// router as an administrator, on SQLite and, when TEST_POSTGRES_URL is set,
// on PostgreSQL: nothing may panic or answer 5xx, every response must match
// the OpenAPI document, and every error must be in the dialect's shape. The
// seeds run in every `go test`; they include the NUL bytes and invalid
// UTF-8 that once reached PostgreSQL.
func FuzzUsersV1(f *testing.F) {
	// The methods chi knows, and one it does not (BREW): the dialect
	// answers an unknown method in its own shape too (internal/app/routing_test.go).
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodPatch, http.MethodHead, http.MethodOptions, http.MethodTrace, "BREW"}
	seeds := []struct {
		method byte
		path   string
		body   string
	}{
		{1, "users", legacyPostBody},
		{1, "users", `{"email":"a@b.co","name":"A","password":"12345678","role":"admin","x":[1,{}]}`},
		{2, "users/usr_AAAAAAAA", `{"status":"suspended","role":"user"}`},
		{2, "users/usr_AAAAAAAA", `{"name":null,"email":7}`},
		{0, "users/usr_AAAAAAAA", ``},
		{3, "users/%00", `[]`},
		{4, "anything/../users", `{"password":"` + "\u00e9\u00e9\u00e9\u00e9" + `"}`},
		{1, "users", `{"email":"a@b.co","name":"\u0000","password":"12345678"}`},
		{1, "users", `{"email":"a\u0000@b.co","name":"N","password":"12345678"}`},
		{1, "users", "{\"email\":\"a\xff@b.co\",\"name\":\"N\",\"password\":\"12345678\"}"},
		{2, "users/usr_AAAAAAAA", `{"email":"x\u0000@y.co"}`},
		{0, "users/usr_\x00AAAAAAA", ``},
		{0, "users/usr_\xffAAAAAAA", ``},
		{1, "users", `"string"`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body))
	}
	var envs []*env
	for _, b := range dbtest.Available() {
		envs = append(envs, newEnv(f, dbtest.URL(f, b), withRate(0, 0)))
	}
	f.Fuzz(func(t *testing.T, m byte, path string, body []byte) {
		for _, e := range envs {
			req := apptest.Request(methods[int(m)%len(methods)], "/", e.adminTok, bytes.NewReader(body))
			req.URL.Path, req.URL.RawPath = "/v1/"+path, ""
			rec := e.doc.Do(t, e.Handler, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %q %q -> %d %s", req.Method, path, body, rec.Code, rec.Body)
			}
			if rec.Code < 400 || req.Method == "HEAD" {
				continue
			}
			var shape struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Field   string `json:"field"`
				} `json:"error"`
			}
			dec := json.NewDecoder(rec.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&shape); err != nil || shape.Error.Code == "" || shape.Error.Message == "" {
				t.Fatalf("%s %q %q -> %d: not the dialect's error shape: %s", req.Method, path, body, rec.Code, rec.Body)
			}
		}
	})
}
