package edufocus_test

import (
	"net/http"
	"testing"

	"userbridge/internal/store/db/dbtest"
	"userbridge/rest/edufocus"
)

func TestRouting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		cases := []struct {
			name, method, path, allow string
			status                    int
			msg                       string
		}{
			{"route-404 not_found for the bare prefix", http.MethodGet, "/users", "", 404, "not_found"},
			{"route-404 not_found for an unknown path", http.MethodGet, "/users/@current/avatar", "", 404, "not_found"},
			{"route-404 not_found under a user", http.MethodGet, "/users/AAAAAAAA/friends", "", 404, "not_found"},
			{"route-405 method_not_allowed on @current", http.MethodPut, "/users/@current", "DELETE, GET, PATCH", 405, "method_not_allowed"},
			{"route-405 method_not_allowed on a user", http.MethodPatch, "/users/AAAAAAAA", "GET", 405, "method_not_allowed"},
			{"route-405 method_not_allowed on a ban", http.MethodGet, "/users/AAAAAAAA/ban", "DELETE, POST", 405, "method_not_allowed"},
			{"route-405 method_not_allowed for a method chi does not know", "PROPFIND", "/users/@current", "DELETE, GET, PATCH", 405, "method_not_allowed"},
			{"route-405 method_not_allowed for a lowercase method", "post", "/files", "POST", 405, "method_not_allowed"},
			{"route-404 not_found for an unknown method on an unknown path", "PROPFIND", "/users/a/b/c", "", 404, "not_found"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rec := e.call(t, c.method, c.path, e.dTok, nil)
				expect(t, rec, c.status, failure(c.status, c.msg))
				if got := rec.Header().Get("Allow"); got != c.allow {
					t.Fatalf("Allow %q, want %q", got, c.allow)
				}
			})
		}
		t.Run("openapi-200 the document is served", func(t *testing.T) {
			rec := e.Do(req(http.MethodGet, "/openapi/edufocus.json", ""))
			if rec.Code != 200 || rec.Body.String() != string(edufocus.OpenAPI) {
				t.Fatalf("got %d", rec.Code)
			}
		})
	})
}
