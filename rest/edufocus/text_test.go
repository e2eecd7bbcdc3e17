package edufocus_test

import (
	"net/http"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestTextHygiene: a NUL escape or invalid UTF-8 in the body, path or query
// is the dialect's 400 invalid_body, and the user is unchanged.
func TestTextHygiene(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		for _, c := range []struct{ name, method, path, body string }{
			{"patch-400 NUL in the username", http.MethodPatch, "/users/@current", `{"username":"Dev\u0000"}`},
			{"patch-400 invalid UTF-8 in the first name", http.MethodPatch, "/users/@current", "{\"first_name\":\"\xff\"}"},
			{"patch-400 NUL in the avatar id", http.MethodPatch, "/users/@current", `{"avatar":"1\u0000"}`},
			{"get-400 NUL in the path", http.MethodGet, "/users/%00", ""},
			{"get-400 invalid UTF-8 in the query", http.MethodGet, "/users/@current?x=%ff", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.reload(t, e.dev.ID)
				var body any
				if c.body != "" {
					body = c.body
				}
				expect(t, e.call(t, c.method, c.path, e.dTok, body), 400, failure(400, "invalid_body"))
				if after := e.reload(t, e.dev.ID); !after.UpdatedAt.Equal(before.UpdatedAt) {
					t.Fatal("the user changed")
				}
			})
		}
	})
}
