package edufocus_test

import (
	"net/http"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/store/db/dbtest"
)

func TestBan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		path := "/users/" + e.dev.PublicID + "/ban"
		t.Run("ban-200 banned and the user's credentials stop at once", func(t *testing.T) {
			expect(t, e.call(t, http.MethodPost, path, e.adminTok, nil), 200, message(200, "banned"))
			if u := e.reload(t, e.dev.ID); u.Status != user.StatusBanned {
				t.Fatalf("status %s", u.Status)
			}
			expect(t, e.call(t, http.MethodGet, "/users/@current", e.dTok, nil), 401, failure(401, "invalid_token"))
		})
		t.Run("ban-200 banned again", func(t *testing.T) {
			expect(t, e.call(t, http.MethodPost, path, e.adminTok, nil), 200, message(200, "banned"))
		})
		t.Run("unban-200 unbanned; the credentials the ban revoked stay revoked, new ones work", func(t *testing.T) {
			expect(t, e.call(t, http.MethodDelete, path, e.adminTok, nil), 200, message(200, "unbanned"))
			expect(t, e.call(t, http.MethodGet, "/users/@current", e.dTok, nil), 401, failure(401, "invalid_token"))
			if rec := e.call(t, http.MethodGet, "/users/@current", e.Token(t, e.dev), nil); rec.Code != 200 {
				t.Fatalf("a new token after unban: %d %s", rec.Code, rec.Body.String())
			}
		})
		other := e.User(t, "other@edu-focus.org")
		cases := []struct {
			name   string
			method string
			path   string
			token  string
			status int
			msg    string
		}{
			{"ban-403 forbidden for a non-administrator", http.MethodPost, path, e.Token(t, other), 403, "forbidden"},
			{"ban-403 forbidden before the lookup", http.MethodPost, "/users/AAAAAAAA/ban", e.Token(t, other), 403, "forbidden"},
			{"ban-403 consent_required for an unconsented administrator token", http.MethodPost, path,
				e.appToken(t, e.admin, true, false, []string{"identity"}), 403, "consent_required"},
			{"ban-403 forbidden banning oneself", http.MethodPost, "/users/" + e.admin.PublicID + "/ban", e.adminTok, 403, "forbidden"},
			{"ban-404 unknown_user", http.MethodPost, "/users/AAAAAAAA/ban", e.adminTok, 404, "unknown_user"},
			{"unban-403 forbidden for a non-administrator", http.MethodDelete, path, e.Token(t, other), 403, "forbidden"},
			{"unban-404 unknown_user", http.MethodDelete, "/users/AAAAAAAA/ban", e.adminTok, 404, "unknown_user"},
			{"ban-401 missing_authorization", http.MethodPost, path, "", 401, "missing_authorization"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expect(t, e.call(t, c.method, c.path, c.token, nil), c.status, failure(c.status, c.msg))
			})
		}
		if u := e.reload(t, e.dev.ID); u.Status != user.StatusActive {
			t.Fatalf("refused requests changed the status to %s", u.Status)
		}
	})
}
