package eduplatform_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/store/db/dbtest"
	"userbridge/rest/eduplatform"
	"userbridge/rest/openapitest"
)

// FuzzEduPlatform sends arbitrary requests under the prefix through the
// real router (method, path, Content-Type, body, with or without a token):
// no panic, no 5xx, every response valid against the OpenAPI document, and
// every error in the dialect's own shape with status.code equal to the
// HTTP status; on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL.
// The seeds (run by every `go test`) hold NUL bytes and invalid UTF-8 in
// scenario_id, nature, paths and queries.
func FuzzEduPlatform(f *testing.F) {
	body, ctype := form(part{"nature", "", "auto"}, part{"file", "a.json", "{}"})
	f.Add("POST", "/user_files/upload", ctype, body, uint8(0))
	body, ctype = form(part{"file", "a.json", "{}"}, part{"nature", "", "auto"})
	f.Add("POST", "/user_files/upload", ctype, body, uint8(0))
	f.Add("POST", "/user_files/upload", "multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nab\r\n--X--\r\n"), uint8(0))
	f.Add("POST", "/user_files/upload", "application/json", []byte(`{"file":1}`), uint8(0))
	f.Add("POST", "/oauth", "", []byte(nil), uint8(0))
	f.Add("GET", "/user_files", "", []byte(nil), uint8(1))
	f.Add("get", "/secured_attachments/1", "", []byte(nil), uint8(0))
	f.Add("POST", "/secured_attachments/abc", "", []byte(nil), uint8(2))
	f.Add("PROPFIND", "/nope", "text/plain", []byte("x"), uint8(0))
	body, ctype = form(part{"scenario_id", "", "s\x00"}, part{"file", "a.json", "{}"})
	f.Add("POST", "/user_files/upload", ctype, body, uint8(0))
	body, ctype = form(part{"user_file[scenario_id]", "", "\xff"}, part{"file", "a.json", "{}"})
	f.Add("POST", "/user_files/upload", ctype, body, uint8(0))
	body, ctype = form(part{"nature", "", "auto\x00"}, part{"file", "a.json", "{}"})
	f.Add("POST", "/user_files/upload", ctype, body, uint8(0))
	f.Add("GET", "/secured_attachments/%00", "", []byte(nil), uint8(0))
	f.Add("GET", "/user_files?x=%ff", "", []byte(nil), uint8(0))
	var envs []*env
	for _, b := range dbtest.Available() {
		envs = append(envs, newEnv(f, dbtest.URL(f, b), func(c *app.Config) { c.MaxUploadBytes = 1 << 10 }))
	}
	doc := openapitest.New(f, eduplatform.OpenAPI)
	f.Fuzz(func(t *testing.T, method string, path, ctype string, body []byte, authMode uint8) {
		if !strings.HasPrefix(path, "/") {
			return
		}
		req, err := http.NewRequest(method, prefix+path, bytes.NewReader(body))
		if err != nil || (req.URL.Path != prefix && !strings.HasPrefix(req.URL.Path, prefix+"/")) {
			return // not a request under the prefix
		}
		req.RequestURI = req.URL.RequestURI()
		req.Header.Set("Content-Type", ctype)
		for _, e := range envs {
			r := req.Clone(req.Context())
			r.Body = io.NopCloser(bytes.NewReader(body))
			switch authMode % 3 {
			case 0:
				r.Header.Set("Authorization", "Bearer "+e.tok)
			case 1:
				r.Header.Set("Authorization", "Bearer "+strings.Repeat("z", 43))
			}
			rec := httptest.NewRecorder()
			e.Handler.ServeHTTP(rec, r)
			check := r.Clone(r.Context())
			check.Body = http.NoBody
			doc.Check(t, check, rec.Code, rec.Header(), rec.Body.Bytes())
			shape(t, rec, r.Method, path)
		}
	})
}

// shape asserts one fuzzed answer: no 5xx, errors in the dialect's shape.
func shape(t *testing.T, rec *httptest.ResponseRecorder, method, path string) {
	t.Helper()
	{
		if rec.Code >= 500 {
			t.Fatalf("%s %q -> %d %s", method, path, rec.Code, rec.Body.String())
		}
		if rec.Code < 400 || method == "HEAD" {
			return
		}
		var out struct {
			Status *struct {
				Code    int     `json:"code"`
				Message *string `json:"message"`
			} `json:"status"`
		}
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out); err != nil || out.Status == nil || out.Status.Code != rec.Code || out.Status.Message == nil {
			t.Fatalf("%s %q -> %d: not the dialect's error shape: %s", method, path, rec.Code, rec.Body.String())
		}
	}
}
