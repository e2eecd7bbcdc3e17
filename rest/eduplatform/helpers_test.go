package eduplatform_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/rest/eduplatform"
	"userbridge/rest/openapitest"
)

const prefix = "/api/v1/users"

// timeRe is the legacy time: UTC, exactly three fractional digits, Z.
var timeRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// env is the real service with one user and its first-party token, and the
// dialect's OpenAPI document checking every response.
type env struct {
	*apptest.Env
	doc  *openapitest.Validator
	john *ent.User
	tok  string
}

func newEnv(t testing.TB, dbURL string, options ...func(*app.Config)) *env {
	t.Helper()
	e := &env{Env: apptest.New(t, dbURL, options...), doc: openapitest.New(t, eduplatform.OpenAPI)}
	e.john = e.User(t, "johndoe@localhost.com", func(in *accounts.CreateInput) {
		in.FirstName, in.LastName = "John", "Doe"
	})
	e.tok = e.Token(t, e.john)
	return e
}

// do serves req through the real router, validates the response against
// the OpenAPI document and checks that it is JSON.
func (e *env) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := e.doc.Do(t, e.Handler, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s -> %d: Content-Type %q", req.Method, req.URL.Path, rec.Code, ct)
	}
	return rec
}

// call is do for apptest.Request's arguments.
func (e *env) call(t *testing.T, method, path, token string) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, apptest.Request(method, prefix+path, token, nil))
}

// part is one part of a multipart form: a file when filename is set.
type part struct{ name, filename, content string }

// form encodes parts as multipart/form-data.
func form(parts ...part) (body []byte, contentType string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("Content-Disposition", cd)
		w, _ := mw.CreatePart(h)
		_, _ = io.WriteString(w, p.content)
	}
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// upload posts parts to /user_files/upload with token.
func (e *env) upload(t *testing.T, token string, parts ...part) *httptest.ResponseRecorder {
	t.Helper()
	body, ct := form(parts...)
	req := apptest.Request("POST", prefix+"/user_files/upload", token, body)
	req.Header.Set("Content-Type", ct)
	return e.do(t, req)
}

// uploadOK uploads one file and returns its id, failing t unless 200.
func (e *env) uploadOK(t *testing.T, token, name, content string) int {
	t.Helper()
	rec := e.upload(t, token, part{"file", name, content})
	if rec.Code != http.StatusOK {
		t.Fatalf("upload %s: %d %s", name, rec.Code, rec.Body.String())
	}
	var out struct {
		UserFile struct {
			ID int `json:"id"`
		} `json:"user_file"`
	}
	decode(t, rec.Body.Bytes(), &out)
	return out.UserFile.ID
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// userJSON is the exact legacy User of u, spelled out independently of the
// dialect's own structs.
func userJSON(u *ent.User) string {
	return fmt.Sprintf(`{"id":%d,"firstname":%q,"lastname":%q,"email":%q,"created_at":%q}`,
		u.ID, u.FirstName, u.LastName, u.Email, u.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// errJSON is the exact legacy error body.
func errJSON(code int, msg string) string {
	return fmt.Sprintf(`{"status":{"code":%d,"message":%q}}`, code, msg)
}

// notFoundJSON is the documented 404, to the letter.
const notFoundJSON = `{"status":{"code":404,"message":"Couldn't find a record for the requested ID."}}`

// expect asserts status and exact body.
func expect(t *testing.T, rec *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if rec.Code != status || rec.Body.String() != body {
		t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body.String(), status, body)
	}
}

// linkRe matches a signed attachment link ending with name.
func linkRe(name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(apptest.PublicURL) + `/files/[A-Za-z0-9_-]+/` + regexp.QuoteMeta(name) + `$`)
}

// fetch downloads a link through the real router, with no header at all.
func (e *env) fetch(t *testing.T, link string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, httptest.NewRequest("GET", strings.TrimPrefix(link, apptest.PublicURL), nil))
	return rec
}
