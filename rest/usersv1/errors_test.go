package usersv1_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"userbridge/ent"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
	"userbridge/rest/usersv1"
)

// TestRoutingErrors shows that what no handler answers still leaves in the
// dialect's shape: unknown routes under /v1 and wrong methods.
func TestRoutingErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		notFound := errJSON("not_found", "not found", "")
		notAllowed := errJSON("method_not_allowed", "method not allowed", "")
		cases := []struct {
			group, name, method, path, token string
			status                           int
			want, allow                      string
		}{
			{"route-404", "unknown route under /v1 is not_found", "GET", "/v1/anything", e.adminTok, 404, notFound, ""},
			{"route-404", "the prefix alone is not_found", "GET", "/v1", "", 404, notFound, ""},
			{"route-404", "trailing slash is not_found", "GET", "/v1/users/", e.adminTok, 404, notFound, ""},
			{"route-404", "nested path is not_found", "GET", path(e.member) + "/files", e.adminTok, 404, notFound, ""},
			{"route-405", "listing users is method_not_allowed", "GET", "/v1/users", e.adminTok, 405, notAllowed, "POST"},
			{"route-405", "PATCH on a user is method_not_allowed", "PATCH", path(e.member), e.adminTok, 405, notAllowed, "DELETE, GET, PUT"},
			{"route-405", "POST on a user is method_not_allowed", "POST", path(e.member), "", 405, notAllowed, "DELETE, GET, PUT"},
		}
		for _, c := range cases {
			t.Run(c.group+"/"+c.name, func(t *testing.T) {
				rec := e.call(t, c.method, c.path, c.token, nil)
				expect(t, rec, c.status, c.want)
				if got := rec.Header().Get("Allow"); got != c.allow {
					t.Fatalf("Allow %q, want %q", got, c.allow)
				}
			})
		}
		t.Run("route-503/a closed store is service_unavailable, to retry", func(t *testing.T) {
			e.Store.Close()
			rec := e.call(t, "GET", path(e.member), e.adminTok, nil)
			expect(t, rec, 503, errJSON("service_unavailable", "the service is temporarily unavailable, retry later", ""))
			if got := rec.Header().Get("Retry-After"); got != "5" {
				t.Fatalf("Retry-After %q", got)
			}
		})
	})
}

// TestPanicIsInternalError shows that a panic below the dialect's router is
// answered in its shape: here the accounts service is missing altogether.
func TestPanicIsInternalError(t *testing.T) {
	h := usersv1.Routes(usersv1.Deps{Logger: slog.New(slog.DiscardHandler)})
	req := httptest.NewRequest("GET", "/users/usr_abcdefgh", nil)
	req = req.WithContext(auth.NewContext(req.Context(), &auth.Viewer{User: &ent.User{ID: 1}, Scopes: auth.AllScopes}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	expect(t, rec, http.StatusInternalServerError, errJSON("internal_error", "internal error", ""))
}
