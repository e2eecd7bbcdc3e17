package usersv1_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/rest/openapitest"
	"userbridge/rest/usersv1"
)

// env is the real service with an administrator and a plain user, and the
// dialect's OpenAPI document checking every response.
type env struct {
	*apptest.Env
	doc                 *openapitest.Validator
	admin, member       *ent.User
	adminTok, memberTok string
	limited             bool
}

func newEnv(t testing.TB, dbURL string, options ...func(*app.Config)) *env {
	t.Helper()
	e := &env{Env: apptest.New(t, dbURL, options...), doc: openapitest.New(t, usersv1.OpenAPI)}
	e.limited = !e.Config.APIRate.Off()
	e.admin = e.Admin(t, "admin@example.com")
	e.member = e.User(t, "member@example.com")
	e.adminTok, e.memberTok = e.Token(t, e.admin), e.Token(t, e.member)
	return e
}

// do serves req, validates the response against the OpenAPI document and
// checks the headers every response of the dialect carries.
func (e *env) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := e.doc.Do(t, e.Handler, req)
	if e.limited {
		for _, h := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
			if rec.Header().Get(h) == "" {
				t.Errorf("%s %s -> %d: no %s header", req.Method, req.URL.Path, rec.Code, h)
			}
		}
	}
	if rec.Code != http.StatusNoContent && rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("%s %s -> %d: Content-Type %q", req.Method, req.URL.Path, rec.Code, rec.Header().Get("Content-Type"))
	}
	return rec
}

// call is do for apptest.Request's arguments.
func (e *env) call(t *testing.T, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, apptest.Request(method, path, token, body))
}

// reload reads u again from the store.
func (e *env) reload(t *testing.T, id int) *ent.User {
	t.Helper()
	u, err := e.Store.Client.User.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("reloading user %d: %v", id, err)
	}
	return u
}

// byEmail reads a user by e-mail from the store.
func (e *env) byEmail(t *testing.T, email string) *ent.User {
	t.Helper()
	u, err := e.Store.Client.User.Query().Where(user.Email(email)).Only(context.Background())
	if err != nil {
		t.Fatalf("finding %s: %v", email, err)
	}
	return u
}

func path(u *ent.User) string { return "/v1/users/usr_" + u.PublicID }

const rfc3339 = "2006-01-02T15:04:05Z"

// userJSON is the exact legacy body of u, spelled out independently of the
// dialect's own structs.
func userJSON(u *ent.User, name string, withUpdated bool) string {
	updated := ""
	if withUpdated {
		updated = fmt.Sprintf(`"updated_at":%q,`, u.UpdatedAt.UTC().Format(rfc3339))
	}
	return fmt.Sprintf(`{"id":"usr_%s","email":%q,"name":%q,"created_at":%q,%s"status":%q,"role":%q}`,
		u.PublicID, u.Email, name, u.CreatedAt.UTC().Format(rfc3339), updated, u.Status, u.Role)
}

// errJSON is the exact legacy error body.
func errJSON(code, msg, field string) string {
	if field != "" {
		return fmt.Sprintf(`{"error":{"code":%q,"message":%q,"field":%q}}`, code, msg, field)
	}
	return fmt.Sprintf(`{"error":{"code":%q,"message":%q}}`, code, msg)
}

// expect asserts status and exact body.
func expect(t *testing.T, rec *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if rec.Code != status || rec.Body.String() != body {
		t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body.String(), status, body)
	}
}
