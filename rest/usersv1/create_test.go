package usersv1_test

import (
	"net/http"
	"strings"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestCreate covers POST /v1/users, grouped by outcome.
func TestCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		body := func(extra string) string {
			return `{"email":"new@example.com","name":"Jane Smith","password":"securepass123"` + extra + `}`
		}
		t.Run("create-201/admin creates a user with role user by default", func(t *testing.T) {
			rec := e.call(t, http.MethodPost, "/v1/users", e.adminTok, body(""))
			u := e.byEmail(t, "new@example.com")
			expect(t, rec, 201, userJSON(u, "Jane Smith", false))
			if got := rec.Header().Get("Location"); got != path(u) {
				t.Fatalf("Location %q, want %q", got, path(u))
			}
			if u.Role != "user" || u.Status != "active" || u.FirstName != "Jane" || u.LastName != "Smith" {
				t.Fatalf("stored %+v", u)
			}
		})
		t.Run("create-201/admin creates an admin, unknown keys ignored", func(t *testing.T) {
			rec := e.call(t, http.MethodPost, "/v1/users", e.adminTok,
				`{"email":"boss@example.com","name":"Boss","password":"securepass123","role":"admin","nickname":"b","status":"suspended"}`)
			u := e.byEmail(t, "boss@example.com")
			expect(t, rec, 201, userJSON(u, "Boss", false))
			if u.Role != "admin" || u.Status != "active" {
				t.Fatalf("role %s status %s, want admin active", u.Role, u.Status)
			}
		})
		long := strings.Repeat("p", 129)
		cases := []struct {
			group, name, token, body string
			status                   int
			want                     string
		}{
			{"create-400", "missing email is invalid_parameter", e.adminTok, `{"name":"A","password":"securepass123"}`, 400, errJSON("invalid_parameter", "email is required", "email")},
			{"create-400", "missing name is invalid_parameter", e.adminTok, `{"email":"a@example.com","password":"securepass123"}`, 400, errJSON("invalid_parameter", "name is required", "name")},
			{"create-400", "missing password is invalid_parameter", e.adminTok, `{"email":"a@example.com","name":"A"}`, 400, errJSON("invalid_parameter", "password is required", "password")},
			{"create-400", "null name counts as missing", e.adminTok, `{"email":"a@example.com","name":null,"password":"securepass123"}`, 400, errJSON("invalid_parameter", "name is required", "name")},
			{"create-400", "invalid email is invalid_parameter", e.adminTok, `{"email":"nope","name":"A","password":"securepass123"}`, 400, errJSON("invalid_parameter", "email must be a valid e-mail address", "email")},
			{"create-400", "empty name is invalid_parameter", e.adminTok, `{"email":"a@example.com","name":"  ","password":"securepass123"}`, 400, errJSON("invalid_parameter", "name must not be empty", "name")},
			{"create-400", "password of 7 characters is invalid_parameter", e.adminTok, `{"email":"a@example.com","name":"A","password":"1234567"}`, 400, errJSON("invalid_parameter", "password must be at least 8 characters", "password")},
			{"create-400", "password of 129 characters is invalid_parameter", e.adminTok, `{"email":"a@example.com","name":"A","password":"` + long + `"}`, 400, errJSON("invalid_parameter", "password must be at most 128 characters", "password")},
			{"create-400", "unknown role is invalid_parameter", e.adminTok, `{"email":"a@example.com","name":"A","password":"securepass123","role":"root"}`, 400, errJSON("invalid_parameter", "role must be user or admin", "role")},
			{"create-400", "email of another case is email_taken", e.adminTok, `{"email":"MEMBER@example.com","name":"A","password":"securepass123"}`, 400, errJSON("email_taken", "email is already taken", "email")},
			{"create-400", "email of wrong type is invalid_parameter", e.adminTok, `{"email":5,"name":"A","password":"securepass123"}`, 400, errJSON("invalid_parameter", "email has the wrong type", "email")},
			{"create-400", "malformed JSON is invalid_json", e.adminTok, `{"email":`, 400, errJSON("invalid_json", "the request body is not a valid JSON object", "")},
			{"create-400", "a JSON array is invalid_json", e.adminTok, `[]`, 400, errJSON("invalid_json", "the request body is not a valid JSON object", "")},
			{"create-400", "trailing data is invalid_json", e.adminTok, body("") + `{}`, 400, errJSON("invalid_json", "the request body is not a valid JSON object", "")},
			{"create-400", "empty body is invalid_json", e.adminTok, ` `, 400, errJSON("invalid_json", "the request body is empty", "")},
			{"create-401", "no credential is unauthorized", "", body(""), 401, errJSON("unauthorized", "authentication required", "")},
			{"create-403", "a plain user is forbidden", e.memberTok, body(""), 403, errJSON("forbidden", "creating users needs manage_users", "")},
		}
		for _, c := range cases {
			t.Run(c.group+"/"+c.name, func(t *testing.T) {
				expect(t, e.call(t, http.MethodPost, "/v1/users", c.token, c.body), c.status, c.want)
			})
		}
		t.Run("create-413/oversized body is payload_too_large", func(t *testing.T) {
			big := `{"name":"` + strings.Repeat("a", int(e.Config.MaxJSONBytes)) + `"}`
			expect(t, e.call(t, http.MethodPost, "/v1/users", e.adminTok, big), 413, errJSON("payload_too_large", "request body too large", ""))
		})
		t.Run("create-400/nothing was written by refused requests", func(t *testing.T) {
			n, err := e.Store.Client.User.Query().Count(t.Context())
			if err != nil || n != 4 {
				t.Fatalf("users %d (%v), want 4", n, err)
			}
		})
	})
}
