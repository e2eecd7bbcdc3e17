package usersv1_test

import (
	"net/http"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestGet covers GET /v1/users/{id}, grouped by outcome.
func TestGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		named := e.User(t, "named@example.com", func(in *accounts.CreateInput) { in.FirstName, in.LastName = "Jane", "Smith" })
		other := e.User(t, "other@example.com")
		notFound := errJSON("not_found", "not found", "")
		cases := []struct {
			group, name, path, token string
			status                   int
			body                     string
		}{
			{"get-200", "admin reads another user", path(named), e.adminTok, 200, userJSON(named, "Jane Smith", true)},
			{"get-200", "user reads itself", path(e.member), e.memberTok, 200, userJSON(e.member, "", true)},
			{"get-200", "admin reads itself", path(e.admin), e.adminTok, 200, userJSON(e.admin, "", true)},
			{"get-401", "no credential is unauthorized", path(named), "", 401, errJSON("unauthorized", "authentication required", "")},
			{"get-401", "unknown token is unauthorized", path(named), "x" + e.adminTok[1:], 401, errJSON("unauthorized", "authentication required", "")},
			{"get-404", "another user's id is not found for a user", path(other), e.memberTok, 404, notFound},
			{"get-404", "unknown id is not found", "/v1/users/usr_ZZZZZZZZ", e.adminTok, 404, notFound},
			{"get-404", "id without prefix is not found", "/v1/users/" + named.PublicID, e.adminTok, 404, notFound},
			{"get-404", "id of the wrong length is not found", path(named) + "x", e.adminTok, 404, notFound},
			{"get-404", "id with a foreign character is not found", "/v1/users/usr_abc-efgh", e.adminTok, 404, notFound},
			{"get-404", "numeric id is not found", "/v1/users/1", e.adminTok, 404, notFound},
		}
		for _, c := range cases {
			t.Run(c.group+"/"+c.name, func(t *testing.T) {
				expect(t, e.call(t, http.MethodGet, c.path, c.token, nil), c.status, c.body)
			})
		}
	})
}
