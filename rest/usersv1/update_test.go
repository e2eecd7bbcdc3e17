package usersv1_test

import (
	"net/http"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// TestUpdate covers PUT /v1/users/{id}, grouped by outcome.
func TestUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		target := e.User(t, "target@example.com", func(in *accounts.CreateInput) { in.Name = new("Tom Target") })
		other := e.User(t, "other@example.com")

		ok := []struct {
			group, name, token, body string
			check                    func(t *testing.T)
		}{
			{"update-200", "admin renames, other fields keep their values", e.adminTok, `{"name":"Tim Target"}`, func(t *testing.T) {
				if u := e.reload(t, target.ID); u.Email != "target@example.com" || u.Role != "user" {
					t.Fatalf("stored %+v", u)
				}
			}},
			{"update-200", "admin suspends and promotes", e.adminTok, `{"status":"suspended","role":"admin"}`, nil},
			{"update-200", "admin reactivates and demotes", e.adminTok, `{"status":"active","role":"user"}`, nil},
			{"update-200", "admin changes e-mail, unknown keys ignored", e.adminTok, `{"email":"tim@example.com","colour":"blue"}`, nil},
			{"update-200", "empty object changes nothing", e.adminTok, `{}`, nil},
			{"update-200", "password change lets the user log in with it", e.adminTok, `{"password":"brand-new-pass"}`, func(t *testing.T) {
				if !auth.CheckPassword("brand-new-pass", e.reload(t, target.ID).PasswordHash) {
					t.Fatal("password not changed")
				}
			}},
		}
		for _, c := range ok {
			t.Run(c.group+"/"+c.name, func(t *testing.T) {
				rec := e.call(t, http.MethodPut, path(target), c.token, c.body)
				u := e.reload(t, target.ID)
				expect(t, rec, 200, userJSON(u, accounts.DisplayName(u), true))
				if c.check != nil {
					c.check(t)
				}
			})
		}
		t.Run("update-200/user renames itself", func(t *testing.T) {
			rec := e.call(t, http.MethodPut, path(e.member), e.memberTok, `{"name":"Mem Ber"}`)
			expect(t, rec, 200, userJSON(e.reload(t, e.member.ID), "Mem Ber", true))
		})

		pathOf := map[string]string{"target": path(target), "self": path(e.member), "other": path(other)}
		fail := []struct {
			group, name, token, who, body string
			status                        int
			want                          string
		}{
			{"update-400", "invalid email is invalid_parameter", e.adminTok, "target", `{"email":"x"}`, 400, errJSON("invalid_parameter", "email must be a valid e-mail address", "email")},
			{"update-400", "taken email is email_taken", e.adminTok, "target", `{"email":"Admin@Example.com"}`, 400, errJSON("email_taken", "email is already taken", "email")},
			{"update-400", "empty name is invalid_parameter", e.adminTok, "target", `{"name":""}`, 400, errJSON("invalid_parameter", "name must not be empty", "name")},
			{"update-400", "short password is invalid_parameter", e.adminTok, "target", `{"password":"short"}`, 400, errJSON("invalid_parameter", "password must be at least 8 characters", "password")},
			{"update-400", "unknown role is invalid_parameter", e.adminTok, "target", `{"role":"owner"}`, 400, errJSON("invalid_parameter", "role must be user or admin", "role")},
			{"update-400", "banned status is invalid_parameter", e.adminTok, "target", `{"status":"banned"}`, 400, errJSON("invalid_parameter", "status must be active or suspended", "status")},
			{"update-400", "unknown status is invalid_parameter", e.adminTok, "target", `{"status":"gone"}`, 400, errJSON("invalid_parameter", "status must be active or suspended", "status")},
			{"update-400", "status of wrong type is invalid_parameter", e.adminTok, "target", `{"status":1}`, 400, errJSON("invalid_parameter", "status has the wrong type", "status")},
			{"update-400", "malformed JSON is invalid_json", e.adminTok, "target", `{"name"`, 400, errJSON("invalid_json", "the request body is not a valid JSON object", "")},
			{"update-400", "empty body is invalid_json", e.adminTok, "target", ``, 400, errJSON("invalid_json", "the request body is empty", "")},
			{"update-401", "no credential is unauthorized", "", "target", `{"name":"X"}`, 401, errJSON("unauthorized", "authentication required", "")},
			{"update-403", "user may not change its own role", e.memberTok, "self", `{"role":"admin"}`, 403, errJSON("forbidden", "a user may not change their own role or status", "")},
			{"update-403", "user may not change its own status", e.memberTok, "self", `{"status":"suspended"}`, 403, errJSON("forbidden", "a user may not change their own role or status", "")},
			{"update-404", "another user's id is not found for a user", e.memberTok, "other", `{"name":"X"}`, 404, errJSON("not_found", "not found", "")},
		}
		for _, c := range fail {
			t.Run(c.group+"/"+c.name, func(t *testing.T) {
				before := e.reload(t, target.ID)
				expect(t, e.call(t, http.MethodPut, pathOf[c.who], c.token, c.body), c.status, c.want)
				if after := e.reload(t, target.ID); !after.UpdatedAt.Equal(before.UpdatedAt) {
					t.Fatal("a refused update changed the user")
				}
			})
		}
		t.Run("update-404/unknown id is not found", func(t *testing.T) {
			expect(t, e.call(t, http.MethodPut, "/v1/users/usr_00000000", e.adminTok, `{}`), 404, errJSON("not_found", "not found", ""))
		})
	})
}
