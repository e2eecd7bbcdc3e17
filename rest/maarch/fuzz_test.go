package maarch_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// FuzzMaarch sends arbitrary methods, paths under /rest and bodies through
// the real router as an administrator, on SQLite and, when
// TEST_POSTGRES_URL is set, on PostgreSQL: no panic, no 5xx, every response
// valid against the OpenAPI document, and every error in the dialect's own
// shape. The seeds (run by every `go test`) hold the NUL bytes and invalid
// UTF-8 that once reached PostgreSQL.
func FuzzMaarch(f *testing.F) {
	var envs []*env
	for _, b := range dbtest.Available() {
		envs = append(envs, newEnv(f, dbtest.URL(f, b)))
	}
	for _, s := range []struct{ method, path, body string }{
		{"POST", "/rest/users", documented},
		{"POST", "/rest/users", `{"login":"a","firstname":"b","lastname":"c","email":"d@e.fr","picture":"data:image/png;base64,AAAA","mode":"rest"}`},
		{"GET", "/rest/users?mode", ""},
		{"PUT", "/rest/users/1/externalSignatures", `{"externalApplication":"A","signatures":[{"format":"png","encodedSignature":"iVBORw0KGgo="}]}`},
		{"PUT", "/rest/users/x/externalSignatures", `[]`},
		{"DELETE", "/rest/users", ``},
		{"GET", "/rest/%zz", ``},
		{"POST", "/rest/users", `{"login":"nul","firstname":"N","lastname":"U","email":"n\u0000@e.fr"}`},
		{"POST", "/rest/users", "{\"login\":\"bad\",\"firstname\":\"B\",\"lastname\":\"U\",\"email\":\"b\xff@e.fr\"}"},
		{"POST", "/rest/users", `{"login":"l\u0000","firstname":"N","lastname":"U","email":"l@e.fr"}`},
		{"PUT", "/rest/users/1/externalSignatures", `{"externalApplication":"A\u0000","signatures":[{"format":"png","encodedSignature":"iVBORw0KGgo="}]}`},
		{"PUT", "/rest/users/1/externalSignatures", `{"externalApplication":"A","signatures":[{"format":"p\u0000g","encodedSignature":"iVBORw0KGgo="}]}`},
		{"GET", "/rest/users?mode=%00", ``},
	} {
		f.Add(s.method, s.path, s.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !validMethod(method) || strings.ContainsAny(path, " \r\n\t#") {
			return
		}
		req, err := http.NewRequest(method, "http://userbridge.test/rest/"+strings.TrimPrefix(path, "/rest/"), strings.NewReader(body))
		if err != nil {
			return
		}
		for _, e := range envs {
			r := req.Clone(req.Context())
			r.Body = io.NopCloser(strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+e.adminTok)
			check(t, e.doc.Do(t, e.Handler, r), method, path, body)
		}
	})
}

// check asserts one fuzzed answer: no 5xx, errors in the Maarch shape.
func check(t *testing.T, rec *httptest.ResponseRecorder, method, path, body string) {
	t.Helper()
	{
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q -> %d %s", method, path, body, rec.Code, rec.Body.String())
		}
		if rec.Code < 400 || method == "HEAD" {
			return
		}
		var got map[string]any
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%d body is not JSON: %q", rec.Code, rec.Body.String())
		}
		if _, ok := got["errors"].(string); !ok || len(got) > 2 {
			t.Fatalf("%d body not in the Maarch shape: %s", rec.Code, rec.Body.String())
		}
		if lang, ok := got["lang"]; ok && lang != "userLoginAlreadyExists" {
			t.Fatalf("unexpected lang: %s", rec.Body.String())
		}
	}
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS":
		return true
	}
	return false
}
