package edufocus_test

import (
	"net/http"
	"testing"

	"userbridge/ent/file"
	"userbridge/internal/store/db/dbtest"
)

func TestDeleteCurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		alone, secret := e.Application(t, "alone", true, "users:read", "users:write")
		cases := []struct {
			name   string
			req    func() *http.Request
			status int
			body   string
		}{
			{"delete-403 consent_required for an unconsented token",
				func() *http.Request {
					return req(http.MethodDelete, "/users/@current", e.appToken(t, e.dev, true, false, []string{"identity"}, "users:write"))
				}, 403, failure(403, "consent_required")},
			{"delete-403 missing_permission without users:write",
				func() *http.Request {
					return req(http.MethodDelete, "/users/@current", e.appToken(t, e.dev, true, true, []string{"identity"}))
				}, 403, failure(403, "missing_permission")},
			{"delete-403 forbidden for an application alone",
				func() *http.Request { return basic(http.MethodDelete, "/users/@current", alone.ClientID, secret, nil) },
				403, failure(403, "forbidden")},
			{"delete-401 missing_authorization",
				func() *http.Request { return req(http.MethodDelete, "/users/@current", "") }, 401, failure(401, "missing_authorization")},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { expect(t, e.do(t, c.req()), c.status, c.body) })
		}
		t.Run("delete-200 deleted with everything it owns", func(t *testing.T) {
			e.uploadID(t, e.dTok, "a.png", pngBytes)
			tok := e.appToken(t, e.dev, true, true, []string{"identity"}, "users:write")
			expect(t, e.call(t, http.MethodDelete, "/users/@current", tok, nil), 200, message(200, "deleted"))
			if n := e.Store.Client.File.Query().Where(file.OwnerID(e.dev.ID)).CountX(t.Context()); n != 0 {
				t.Fatalf("%d files left", n)
			}
			expect(t, e.call(t, http.MethodGet, "/users/@current", e.dTok, nil), 401, failure(401, "invalid_token"))
		})
		t.Run("delete-200 deleted with a first-party token", func(t *testing.T) {
			u := e.User(t, "other@edu-focus.org")
			expect(t, e.call(t, http.MethodDelete, "/users/@current", e.Token(t, u), nil), 200, message(200, "deleted"))
		})
	})
}
