package maarch_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/policy"
	"userbridge/rest/maarch"
	"userbridge/rest/openapitest"
)

// env is the real service with an administrator, a user manager and a plain
// member, and the dialect's OpenAPI document checking every response.
type env struct {
	*apptest.Env
	doc                             *openapitest.Validator
	admin, manager, member          *ent.User
	adminTok, managerTok, memberTok string
}

func newEnv(t testing.TB, dbURL string, options ...func(*app.Config)) *env {
	t.Helper()
	e := &env{Env: apptest.New(t, dbURL, options...), doc: openapitest.New(t, maarch.OpenAPI)}
	e.admin = e.Admin(t, "admin@example.com")
	e.manager = e.User(t, "manager@example.com", withNames("Manon", "Gestion"),
		func(in *accounts.CreateInput) { in.Privileges = []string{policy.PrivilegeManageUsers} })
	e.member = e.User(t, "member@example.com", withNames("Marc", "Membre"))
	e.adminTok, e.managerTok, e.memberTok = e.Token(t, e.admin), e.Token(t, e.manager), e.Token(t, e.member)
	return e
}

func withNames(first, last string) func(*accounts.CreateInput) {
	return func(in *accounts.CreateInput) { in.FirstName, in.LastName = first, last }
}

// do serves req, validates the response against the OpenAPI document and
// checks the Content-Type every non-empty response carries.
func (e *env) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := e.doc.Do(t, e.Handler, req)
	if rec.Code != http.StatusNoContent && rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("%s %s -> %d: Content-Type %q", req.Method, req.URL.Path, rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec.Code == http.StatusNoContent && rec.Body.Len() != 0 {
		t.Errorf("%s %s -> 204 with a body: %q", req.Method, req.URL.Path, rec.Body.String())
	}
	return rec
}

// call is do for apptest.Request's arguments.
func (e *env) call(t *testing.T, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, apptest.Request(method, path, token, body))
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

// countUsers counts every user in the store.
func (e *env) countUsers(t *testing.T) int {
	t.Helper()
	n, err := e.Store.Client.User.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// errJSON is the exact legacy error body.
func errJSON(text string) string { return fmt.Sprintf(`{"errors":%q}`, text) }

const loginTakenJSON = `{"errors":"Login already exists","lang":"userLoginAlreadyExists"}`

// expect asserts status and exact body.
func expect(t *testing.T, rec *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if rec.Code != status || rec.Body.String() != body {
		t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body.String(), status, body)
	}
}

// pngBase64 is a w×h PNG as base64; noisy images compress badly, which
// makes large ones.
func pngBase64(t testing.TB, w, h int, noisy bool) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 200, G: 10, B: 10, A: 255}
			if noisy {
				c = color.NRGBA{R: uint8(r.Uint32()), G: uint8(r.Uint32()), B: uint8(r.Uint32()), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// decode unmarshals a response body.
func decode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
}
