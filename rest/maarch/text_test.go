package maarch_test

import (
	"fmt"
	"net/http"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestTextHygiene: a NUL escape or invalid UTF-8 in the input is a 400 in
// the Maarch shape, the field's own text where Maarch has one, and nothing
// is stored (PostgreSQL once answered 500, SQLite stored it).
func TestTextHygiene(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		sig := func(app, format string) string {
			return fmt.Sprintf(`{"externalApplication":"%s","signatures":[{"format":"%s","encodedSignature":%q}]}`, app, format, pngBase64(t, 2, 2, false))
		}
		for _, c := range []struct{ name, method, path, body, want string }{
			{"create-400 NUL in the e-mail", "POST", "/rest/users", `{"login":"nul","firstname":"N","lastname":"U","email":"n\u0000@e.fr"}`,
				errJSON("Body email is empty or not a valid email")},
			{"create-400 NUL in the login", "POST", "/rest/users", `{"login":"n\u0000l","firstname":"N","lastname":"U","email":"n@e.fr"}`,
				errJSON("Body login is empty, not a string or wrong formatted")},
			{"create-400 NUL in the first name", "POST", "/rest/users", `{"login":"nul","firstname":"N\u0000","lastname":"U","email":"n@e.fr"}`,
				errJSON("firstname holds a NUL byte or invalid UTF-8")},
			{"create-400 invalid UTF-8 is no body, as PHP saw it", "POST", "/rest/users", "{\"login\":\"nul\",\"firstname\":\"N\",\"lastname\":\"U\",\"email\":\"n\xff@e.fr\"}",
				errJSON("Body is not set or empty")},
			{"signatures-400 NUL in externalApplication", "PUT", fmt.Sprintf("/rest/users/%d/externalSignatures", e.member.ID), sig(`A\u0000`, "png"),
				errJSON("externalApplication holds a NUL byte or invalid UTF-8")},
			{"signatures-400 NUL in format", "PUT", fmt.Sprintf("/rest/users/%d/externalSignatures", e.member.ID), sig("A", `p\u0000g`),
				errJSON("format holds a NUL byte or invalid UTF-8")},
			{"list-400 NUL in the query", "GET", "/rest/users?mode=%00", ``,
				errJSON("Body mode is not standard or rest")},
		} {
			t.Run(c.name, func(t *testing.T) {
				users := e.countUsers(t)
				sigs := e.Store.Client.Signature.Query().CountX(t.Context())
				expect(t, e.call(t, c.method, c.path, e.adminTok, c.body), http.StatusBadRequest, c.want)
				if e.countUsers(t) != users || e.Store.Client.Signature.Query().CountX(t.Context()) != sigs {
					t.Fatal("something was stored")
				}
			})
		}
	})
}
