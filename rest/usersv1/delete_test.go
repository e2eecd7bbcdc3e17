package usersv1_test

import (
	"net/http"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/store/db/dbtest"
)

// TestDelete covers DELETE /v1/users/{id}, grouped by outcome.
func TestDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		victim := e.User(t, "victim@example.com")
		victimTok := e.Token(t, victim)
		other := e.User(t, "other@example.com")

		t.Run("delete-204/admin deletes a user and its credentials", func(t *testing.T) {
			rec := e.call(t, http.MethodDelete, path(victim), e.adminTok, nil)
			expect(t, rec, 204, "")
			if n, _ := e.Store.Client.User.Query().Where(user.ID(victim.ID)).Count(t.Context()); n != 0 {
				t.Fatal("user still there")
			}
			expect(t, e.call(t, http.MethodGet, path(victim), victimTok, nil), 401, errJSON("unauthorized", "authentication required", ""))
		})
		cases := []struct {
			group, name, path, token string
			status                   int
			want                     string
		}{
			{"delete-404", "deleted user is not found", path(victim), e.adminTok, 404, errJSON("not_found", "not found", "")},
			{"delete-404", "malformed id is not found", "/v1/users/usr_", e.adminTok, 404, errJSON("not_found", "not found", "")},
			{"delete-404", "another user's id is not found for a user", path(other), e.memberTok, 404, errJSON("not_found", "not found", "")},
			{"delete-403", "user may not delete itself here", path(e.member), e.memberTok, 403, errJSON("forbidden", "deleting users needs manage_users", "")},
			{"delete-403", "admin may not delete itself", path(e.admin), e.adminTok, 403, errJSON("forbidden", "administrators cannot delete themselves", "")},
			{"delete-401", "no credential is unauthorized", path(other), "", 401, errJSON("unauthorized", "authentication required", "")},
		}
		for _, c := range cases {
			t.Run(c.group+"/"+c.name, func(t *testing.T) {
				expect(t, e.call(t, http.MethodDelete, c.path, c.token, nil), c.status, c.want)
			})
		}
		if n, _ := e.Store.Client.User.Query().Count(t.Context()); n != 3 {
			t.Fatalf("users %d, want 3", n)
		}
	})
}
