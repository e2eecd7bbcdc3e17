package edufocus_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

var snake = regexp.MustCompile(`^[a-z_]+$`)

// FuzzEduFocus sends arbitrary methods, paths under the prefix, bodies and
// Authorization headers through the real router: no panic, no 5xx, and
// every answer in the dialect's envelope (and in its OpenAPI document), on
// SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL. The seeds (run
// by every `go test`) hold NUL bytes and invalid UTF-8.
func FuzzEduFocus(f *testing.F) {
	var envs []*env
	for _, b := range dbtest.Available() {
		envs = append(envs, newEnv(f, dbtest.URL(f, b)))
	}
	f.Add("GET", "/@current", "", uint8(1), "")
	f.Add("PATCH", "/@current", `{"username":"Dev\u0000"}`, uint8(1), "application/json")
	f.Add("PATCH", "/@current", "{\"first_name\":\"\xff\"}", uint8(1), "application/json")
	f.Add("GET", "/%00", "", uint8(1), "")
	f.Add("GET", "/@current?x=%ff", "", uint8(1), "")
	f.Add("PATCH", "/@current", `{"username":"Dev_9","avatar":null}`, uint8(1), "application/json")
	f.Add("PATCH", "/@current", `{"avatar":"12"}`, uint8(1), "application/json")
	f.Add("PATCH", "/@current", `{"first_name":[1]}`, uint8(2), "application/json")
	f.Add("GET", "/"+envs[0].dev.PublicID, "", uint8(2), "")
	f.Add("POST", "/AAAAAAAA/ban", "", uint8(2), "")
	f.Add("DELETE", "/x/ban", "", uint8(3), "")
	f.Add("POST", "/../files", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nhi\r\n--b--\r\n", uint8(1), "multipart/form-data; boundary=b")
	f.Add("PUT", "/@current", "{", uint8(4), "text/plain")
	f.Fuzz(func(t *testing.T, method, path, body string, auth uint8, contentType string) {
		target := "/users" + path
		if strings.HasPrefix(path, "/../files") {
			target = "/files"
		}
		req, err := http.NewRequest(method, "http://userbridge.test"+target, strings.NewReader(body))
		if err != nil || !inDialect(req.URL.Path) ||
			req.URL.Path == "/files" && method != http.MethodPost {
			t.Skip() // outside the dialect (other methods on /files are the download router's)
		}
		if method == http.MethodDelete && strings.HasPrefix(path, "/@current") {
			t.Skip() // would delete the fixtures every later run needs
		}
		req.Header.Set("Content-Type", contentType)
		for _, e := range envs {
			auths := []string{"", "Bearer " + e.dTok, "Bearer " + e.adminTok, "Basic !!!", "Digest x"}
			r := req.Clone(req.Context())
			r.Body = io.NopCloser(strings.NewReader(body))
			if a := auths[int(auth)%len(auths)]; a != "" {
				r.Header.Set("Authorization", a)
			}
			envelope(t, e.doc.Do(t, e.Handler, r), method, target)
		}
	})
}

// envelope asserts one fuzzed answer: no 5xx, the dialect's envelope.
func envelope(t *testing.T, rec *httptest.ResponseRecorder, method, target string) {
	t.Helper()
	{
		if rec.Code >= 500 {
			t.Fatalf("%s %q -> %d %s", method, target, rec.Code, rec.Body.String())
		}
		var env map[string]json.RawMessage
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		if err := dec.Decode(&env); err != nil {
			t.Fatalf("%s %q -> %d: not JSON: %s", method, target, rec.Code, rec.Body.String())
		}
		var code int
		var status, msg string
		_ = json.Unmarshal(env["code"], &code)
		_ = json.Unmarshal(env["status"], &status)
		_ = json.Unmarshal(env["message"], &msg)
		ok := code == rec.Code
		if rec.Code >= 400 {
			ok = ok && len(env) == 3 && status == "failure" && snake.MatchString(msg)
		} else {
			ok = ok && len(env) == 3 && status == "success"
		}
		if !ok {
			t.Fatalf("%s %q -> %d: not the envelope: %s", method, target, rec.Code, rec.Body.String())
		}
	}
}

// inDialect reports whether path is the dialect's: under /users, or /files.
func inDialect(path string) bool {
	return path == "/users" || strings.HasPrefix(path, "/users/") || path == "/files"
}
