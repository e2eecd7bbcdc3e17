package edufocus_test

import (
	"net/http"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestPatchCurrentGolden asserts the legacy document's four PATCH examples.
func TestPatchCurrentGolden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.User(t, "taken@edu-focus.org", func(in *accounts.CreateInput) { in.Username = new("Taken") })
		patch := func(body string) string {
			return e.call(t, http.MethodPatch, "/users/@current", e.dTok, body).Body.String()
		}
		if got := patch(`{"username":"Dev2"}`); got != `{"code":200,"message":"updated","status":"success"}` {
			t.Errorf("200: %s", got)
		}
		if got := patch(`{"username":"Dev2"}`); got != `{"code":202,"message":"nothing_changed","status":"success"}` {
			t.Errorf("202: %s", got)
		}
		if got := patch(`{"username":"taken"}`); got != `{"code":400,"status":"failure","message":"used_username"}` {
			t.Errorf("400 used_username: %s", got)
		}
		if got := patch(`{"username":"admin"}`); got != `{"code":400,"status":"failure","message":"unauthorized_username"}` {
			t.Errorf("400 unauthorized_username: %s", got)
		}
	})
}

func TestPatchCurrent(t *testing.T) {
	type tc struct {
		name   string
		token  func(e *env, t *testing.T) string
		body   string
		status int
		msg    string
	}
	dev := func(e *env, _ *testing.T) string { return e.dTok }
	app := func(verified, consent bool, scopes []string, perms ...string) func(e *env, t *testing.T) string {
		return func(e *env, t *testing.T) string { return e.appToken(t, e.dev, verified, consent, scopes, perms...) }
	}
	cases := []tc{
		{"patch-200 updated names", dev, `{"first_name":"Grace","last_name":"Hopper"}`, 200, "updated"},
		{"patch-200 updated username case only", dev, `{"username":"developer"}`, 200, "updated"},
		{"patch-200 verified application with users:write", app(true, false, []string{"modify"}, "users:write"), `{"first_name":"G"}`, 200, "updated"},
		{"patch-202 nothing_changed for equal values", dev, `{"username":"Developer","first_name":"Ada"}`, 202, "nothing_changed"},
		{"patch-202 nothing_changed for an empty object", dev, `{}`, 202, "nothing_changed"},
		{"patch-202 nothing_changed removing no avatar", dev, `{"avatar":null}`, 202, "nothing_changed"},
		{"patch-400 used_username ignoring case", dev, `{"username":"TAKEN"}`, 400, "used_username"},
		{"patch-400 unauthorized_username reserved", dev, `{"username":"@current"}`, 400, "unauthorized_username"},
		{"patch-400 unauthorized_username too short", dev, `{"username":"ab"}`, 400, "unauthorized_username"},
		{"patch-400 unauthorized_username too long", dev, `{"username":"` + strings.Repeat("a", 33) + `"}`, 400, "unauthorized_username"},
		{"patch-400 unauthorized_username bad character", dev, `{"username":"a b c"}`, 400, "unauthorized_username"},
		{"patch-400 invalid_avatar unknown id", dev, `{"avatar":"4294967297000"}`, 400, "invalid_avatar"},
		{"patch-400 invalid_avatar malformed id", dev, `{"avatar":"abc"}`, 400, "invalid_avatar"},
		{"patch-400 invalid_body not JSON", dev, `username=x`, 400, "invalid_body"},
		{"patch-400 invalid_body empty", dev, ``, 400, "invalid_body"},
		{"patch-400 invalid_body unknown field", dev, `{"email":"x@y.org"}`, 400, "invalid_body"},
		{"patch-400 invalid_body wrong type", dev, `{"username":42}`, 400, "invalid_body"},
		{"patch-400 invalid_body avatar wrong type", dev, `{"avatar":7}`, 400, "invalid_body"},
		{"patch-400 invalid_body null username", dev, `{"username":null}`, 400, "invalid_body"},
		{"patch-400 invalid_body array", dev, `[]`, 400, "invalid_body"},
		{"patch-400 invalid_body name with control character", dev, `{"first_name":"a\u0001"}`, 400, "invalid_body"},
		{"patch-403 missing_scope without modify", app(true, true, []string{"identity"}, "users:write"), `{"first_name":"G"}`, 403, "missing_scope"},
		{"patch-403 unverified_application", app(false, true, []string{"modify"}, "users:write"), `{"first_name":"G"}`, 403, "unverified_application"},
		{"patch-403 missing_permission without users:write", app(true, true, []string{"modify"}), `{"first_name":"G"}`, 403, "missing_permission"},
		{"patch-401 missing_authorization", func(*env, *testing.T) string { return "" }, `{}`, 401, "missing_authorization"},
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.User(t, "taken@edu-focus.org", func(in *accounts.CreateInput) { in.Username = new("Taken") })
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.reload(t, e.dev.ID)
				rec := e.call(t, http.MethodPatch, "/users/@current", c.token(e, t), c.body)
				want := failure(c.status, c.msg)
				if c.status < 400 {
					want = message(c.status, c.msg)
				}
				expect(t, rec, c.status, want)
				after := e.reload(t, e.dev.ID)
				if c.status != 200 && !after.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("%d changed the user", c.status)
				}
				if c.status == 200 { // put it back for the next case
					e.Store.Client.User.UpdateOneID(e.dev.ID).SetUsername(before.Username).
						SetFirstName(before.FirstName).SetLastName(before.LastName).ExecX(t.Context())
				}
			})
		}
	})
}

func TestPatchCurrentTooLarge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *app.Config) { c.MaxJSONBytes = 64 })
		body := `{"first_name":"` + strings.Repeat("x", 100) + `"}`
		expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, body), 413, failure(413, "payload_too_large"))
	})
}
