package maarch_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"userbridge/app/apptest"
	"userbridge/db/dbtest"
)

// FuzzMaarch sends arbitrary methods, paths under /rest and bodies through
// the real router as an administrator: no panic, no 5xx, and every error in
// the dialect's own shape.
func FuzzMaarch(f *testing.F) {
	e := apptest.New(f, dbtest.URL(f, dbtest.SQLite))
	admin := e.Admin(f, "admin@example.com")
	tok := e.Token(f, admin)
	for _, s := range []struct{ method, path, body string }{
		{"POST", "/rest/users", documented},
		{"POST", "/rest/users", `{"login":"a","firstname":"b","lastname":"c","email":"d@e.fr","picture":"data:image/png;base64,AAAA","mode":"rest"}`},
		{"GET", "/rest/users?mode", ""},
		{"PUT", "/rest/users/1/externalSignatures", `{"externalApplication":"A","signatures":[{"format":"png","encodedSignature":"iVBORw0KGgo="}]}`},
		{"PUT", "/rest/users/x/externalSignatures", `[]`},
		{"DELETE", "/rest/users", ``},
		{"GET", "/rest/%zz", ``},
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
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q -> %d %s", method, path, body, rec.Code, rec.Body.String())
		}
		if rec.Code < 400 {
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
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS":
		return true
	}
	return false
}
