package edufocus_test

import (
	"net/http"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

func TestGetUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		reader, secret := e.Application(t, "reader", true, "users:read")
		plain, plainSecret := e.Application(t, "plain", true)
		manager := e.User(t, "manager@edu-focus.org", func(in *accounts.CreateInput) { in.Privileges = []string{"manage_users"} })
		path := "/users/" + e.dev.PublicID
		cases := []struct {
			name   string
			req    *http.Request
			status int
			body   string
		}{
			{"user-200 application alone holding users:read", basic(http.MethodGet, path, reader.ClientID, secret, nil),
				200, success(userJSON(e.dev, "email", "personal"))},
			{"user-200 administrator", req(http.MethodGet, path, e.adminTok), 200, success(userJSON(e.dev, allScopes...))},
			{"user-200 viewer with manage_users", req(http.MethodGet, path, e.Token(t, manager)), 200, success(userJSON(e.dev, allScopes...))},
			{"user-200 scopes still filter fields",
				req(http.MethodGet, path, e.appToken(t, manager, true, true, []string{"identity"}, "users:read")),
				200, success(userJSON(e.dev))},
			{"user-404 unknown_user", req(http.MethodGet, "/users/AAAAAAAA", e.adminTok), 404, failure(404, "unknown_user")},
			{"user-404 unknown_user for a malformed id", req(http.MethodGet, "/users/abc", e.adminTok), 404, failure(404, "unknown_user")},
			{"user-404 unknown_user is case-sensitive", req(http.MethodGet, "/users/"+swapCase(e.dev.PublicID), e.adminTok), 404, failure(404, "unknown_user")},
			{"user-403 missing_permission for a plain user", req(http.MethodGet, "/users/"+e.admin.PublicID, e.dTok), 403, failure(403, "missing_permission")},
			{"user-403 missing_permission even for oneself", req(http.MethodGet, path, e.dTok), 403, failure(403, "missing_permission")},
			{"user-403 missing_permission before the lookup", req(http.MethodGet, "/users/AAAAAAAA", e.dTok), 403, failure(403, "missing_permission")},
			{"user-403 missing_permission for an application without users:read",
				basic(http.MethodGet, path, plain.ClientID, plainSecret, nil), 403, failure(403, "missing_permission")},
			{"user-403 missing_scope without identity",
				req(http.MethodGet, path, e.appToken(t, manager, true, true, []string{"email"}, "users:read")), 403, failure(403, "missing_scope")},
			{"user-401 missing_authorization", req(http.MethodGet, path, ""), 401, failure(401, "missing_authorization")},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { expect(t, e.do(t, c.req), c.status, c.body) })
		}
	})
}

// swapCase flips the case of every letter of s.
func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}
