package edufocus_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/rest/edufocus"
	"userbridge/rest/openapitest"
)

// env is the real service with an administrator and the documented
// "Developer" user, and the dialect's OpenAPI document checking every
// response.
type env struct {
	*apptest.Env
	doc            *openapitest.Validator
	admin, dev     *ent.User
	adminTok, dTok string // first-party: every scope, consented
}

func newEnv(t testing.TB, dbURL string, options ...func(*app.Config)) *env {
	t.Helper()
	e := &env{Env: apptest.New(t, dbURL, options...), doc: openapitest.New(t, edufocus.OpenAPI)}
	e.admin = e.Admin(t, "admin@edu-focus.org")
	e.dev = e.User(t, "dev@edu-focus.org", func(in *accounts.CreateInput) {
		in.Username, in.Verified = new("Developer"), true
		in.FirstName, in.LastName = "Ada", "Lovelace"
	})
	e.adminTok, e.dTok = e.Token(t, e.admin), e.Token(t, e.dev)
	return e
}

// do serves req, validates the response against the OpenAPI document and
// checks that every response is JSON.
func (e *env) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := e.doc.Do(t, e.Handler, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s -> %d: Content-Type %q", req.Method, req.URL.Path, rec.Code, ct)
	}
	return rec
}

// call is do for apptest.Request's arguments.
func (e *env) call(t *testing.T, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, apptest.Request(method, path, token, body))
}

// basic is a request as an application acting alone.
func basic(method, path, clientID, secret string, body any) *http.Request {
	req := apptest.Request(method, path, "", body)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(clientID+":"+secret)))
	return req
}

// appToken registers an application and issues it a token for u.
func (e *env) appToken(t *testing.T, u *ent.User, verified, consent bool, scopes []string, perms ...string) string {
	t.Helper()
	a, _ := e.Application(t, "app "+u.Email, verified, perms...)
	return e.Issue(t, accounts.IssueInput{UserEmail: u.Email, AppID: a.ClientID, Scopes: scopes, Consent: consent})
}

// reload reads a user again from the store.
func (e *env) reload(t *testing.T, id int) *ent.User {
	t.Helper()
	u, err := e.Store.Client.User.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("reloading user %d: %v", id, err)
	}
	return u
}

// upload posts content as the part "file" to POST /files.
func (e *env) upload(t *testing.T, token, name string, content []byte) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, uploadRequest(token, "file", name, content))
}

func uploadRequest(token, part, name string, content []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(part, name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req := apptest.Request(http.MethodPost, "/files", token, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// pngBytes is a 1x1 PNG: http.DetectContentType says image/png.
var pngBytes, _ = base64.StdEncoding.DecodeString(
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

// success, message and failure are the exact envelopes, spelled out
// independently of the dialect's own structs.
func success(payload string) string {
	return `{"code":200,"status":"success","payload":` + payload + `}`
}
func message(code int, msg string) string {
	return fmt.Sprintf(`{"code":%d,"message":%q,"status":"success"}`, code, msg)
}
func failure(code int, msg string) string {
	return fmt.Sprintf(`{"code":%d,"status":"failure","message":%q}`, code, msg)
}

// userJSON is the exact legacy user object of u under scopes.
func userJSON(u *ent.User, scopes ...string) string {
	s := fmt.Sprintf(`{"id":%q,"username":%q`, u.PublicID, u.Username)
	if slices.Contains(scopes, "email") {
		s += fmt.Sprintf(`,"email":%q`, u.Email)
	}
	if slices.Contains(scopes, "personal") {
		s += fmt.Sprintf(`,"first_name":%q,"last_name":%q`, u.FirstName, u.LastName)
	}
	avatar := "null"
	if u.AvatarID != nil {
		avatar = fmt.Sprintf(`"%d"`, *u.AvatarID)
	}
	return s + fmt.Sprintf(`,"avatar":%s,"verified":%t,"flags":%d}`, avatar, u.Verified, u.Flags)
}

// expect asserts status and exact body.
func expect(t *testing.T, rec *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if rec.Code != status || rec.Body.String() != body {
		t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body.String(), status, body)
	}
}

// req is a bodiless request with a bearer token (none when empty).
func req(method, path, token string) *http.Request { return apptest.Request(method, path, token, nil) }

// header is a bodiless request with a raw Authorization header.
func header(method, path, authorization string) *http.Request {
	r := apptest.Request(method, path, "", nil)
	r.Header.Set("Authorization", authorization)
	return r
}

// apptestRequest is apptest.Request, named for tables.
var apptestRequest = apptest.Request
