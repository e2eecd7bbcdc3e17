package maarch_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

func TestList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		mk := func(email, login, first, last string, mode user.Mode) *ent.User {
			return e.User(t, email, withNames(first, last), func(in *accounts.CreateInput) {
				in.Login, in.Mode = new(login), new(mode)
			})
		}
		stallone := mk("rocky@balboa.com", "rocky@balboa.com", "Sylvester", "Stallone", user.ModeStandard)
		norris := mk("walker.texas@ranger.com", "walker.texas@ranger.com", "Chuck", "Norris", user.ModeStandard)
		anna := mk("anna@example.com", "anna", "anna", "norris", user.ModeStandard)
		robot := mk("robot@example.com", "robot", "Robot", "Api", user.ModeRest)

		// Expected order: last name then first name ignoring case, then id.
		entry := func(u *ent.User) string {
			return fmt.Sprintf(`{"id":%d,"login":%q,"firstname":%q,"lastname":%q}`, u.ID, u.Login, u.FirstName, u.LastName)
		}
		list := func(us ...*ent.User) string {
			parts := make([]string, len(us))
			for i, u := range us {
				parts[i] = entry(u)
			}
			return `{"users":[` + strings.Join(parts, ",") + `]}`
		}
		// admin has empty names: first.
		standard := list(e.admin, e.manager, e.member, anna, norris, stallone)
		withRest := list(e.admin, robot, e.manager, e.member, anna, norris, stallone)

		t.Run("list-200", func(t *testing.T) {
			cases := []struct{ name, path, tok, want string }{
				{"ordered, rest-mode users left out", "/rest/users", e.adminTok, standard},
				{"by a manager", "/rest/users", e.managerTok, standard},
				{"mode in the query lists rest users", "/rest/users?mode=rest", e.adminTok, withRest},
				{"mode with any value", "/rest/users?mode=standard", e.adminTok, withRest},
				{"mode with no value", "/rest/users?mode", e.adminTok, withRest},
				{"other parameters change nothing", "/rest/users?modes=1", e.adminTok, standard},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { expect(t, e.call(t, "GET", c.path, c.tok, nil), http.StatusOK, c.want) })
			}
		})

		t.Run("list-200 documented example shape", func(t *testing.T) {
			var got struct {
				Users []map[string]any `json:"users"`
			}
			decode(t, e.call(t, "GET", "/rest/users", e.adminTok, nil), &got)
			for _, u := range got.Users {
				if len(u) != 4 {
					t.Fatalf("keys %v", u)
				}
				if _, ok := u["id"].(float64); !ok {
					t.Fatalf("id is not a number: %v", u)
				}
				for _, k := range []string{"login", "firstname", "lastname"} {
					if _, ok := u[k].(string); !ok {
						t.Fatalf("%s is not a string: %v", k, u)
					}
				}
			}
		})

		t.Run("list-200 many at once: each waits for a slot and gets the whole list", func(t *testing.T) {
			n := 4*runtime.GOMAXPROCS(0) + 1 // more than twice the slots
			recs := make([]*httptest.ResponseRecorder, n)
			var wg sync.WaitGroup
			for i := range recs {
				wg.Go(func() {
					recs[i] = httptest.NewRecorder()
					e.Handler.ServeHTTP(recs[i], apptest.Request("GET", "/rest/users", e.adminTok, nil))
				})
			}
			wg.Wait()
			for _, rec := range recs {
				expect(t, rec, http.StatusOK, standard)
			}
		})

		t.Run("list-403", func(t *testing.T) {
			expect(t, e.call(t, "GET", "/rest/users", e.memberTok, nil), http.StatusForbidden, errJSON("Privilege forbidden"))
		})
		t.Run("list-401", func(t *testing.T) {
			expect(t, e.call(t, "GET", "/rest/users", "", nil), http.StatusUnauthorized, errJSON("Authentication Failed"))
		})
	})
}
