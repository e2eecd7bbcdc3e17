package usersv1_test

import (
	"net/http"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestTextHygiene: a NUL byte or invalid UTF-8 anywhere in the input is the
// dialect's 400, with the field, and nothing is stored (PostgreSQL once
// answered 500, SQLite stored it).
func TestTextHygiene(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, withRate(0, 0))
		for _, c := range []struct{ name, method, path, body, want string }{
			{"post-400 NUL in the e-mail", "POST", "/v1/users", `{"email":"a\u0000@b.co","name":"N","password":"12345678"}`,
				`{"error":{"code":"invalid_parameter","message":"email holds a NUL byte or invalid UTF-8","field":"email"}}`},
			{"post-400 invalid UTF-8 in the e-mail", "POST", "/v1/users", "{\"email\":\"a\xff@b.co\",\"name\":\"N\",\"password\":\"12345678\"}",
				`{"error":{"code":"invalid_parameter","message":"email holds a NUL byte or invalid UTF-8","field":"email"}}`},
			{"post-400 NUL in an ignored key names no field", "POST", "/v1/users", `{"email":"a@b.co","x":"\u0000"}`,
				`{"error":{"code":"invalid_parameter","message":"x holds a NUL byte or invalid UTF-8"}}`},
			{"put-400 NUL in the name", "PUT", "/v1/users/usr_" + e.member.PublicID, `{"name":"N\u0000"}`,
				`{"error":{"code":"invalid_parameter","message":"name holds a NUL byte or invalid UTF-8","field":"name"}}`},
			{"get-400 NUL in the path", "GET", "/v1/users/usr_%00", ``,
				`{"error":{"code":"invalid_parameter","message":"path holds a NUL byte or invalid UTF-8","field":"path"}}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				n := e.Store.Client.User.Query().CountX(t.Context())
				rec := e.call(t, c.method, c.path, e.adminTok, c.body)
				if rec.Code != http.StatusBadRequest || rec.Body.String() != c.want {
					t.Fatalf("got %d %s\nwant 400 %s", rec.Code, rec.Body.String(), c.want)
				}
				if e.Store.Client.User.Query().CountX(t.Context()) != n || e.reload(t, e.member.ID).DisplayName != nil {
					t.Fatal("a user was stored")
				}
			})
		}
	})
}
