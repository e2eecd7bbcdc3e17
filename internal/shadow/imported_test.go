package shadow_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/shadow"
	"userbridge/internal/store/db/dbtest"
)

// A person the legacy system has and this store does not hold is "not
// imported", not a difference: in a list (matched by id, so the people
// after it do not shift) and on a route naming it. A person this store
// holds but leaves out is a real difference. Without an IDs, both are
// differences.
func TestShadowNotImportedIsNotADifference(t *testing.T) {
	ghost := map[string]any{"id": 99999, "login": "ghost", "firstname": "Casper", "lastname": "Aaa"}
	for _, withIDs := range []bool{true, false} {
		name := "with ids"
		if !withIDs {
			name = "without ids"
		}
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, url string) {
				var r *rig
				r = newRig(t, url, func(c *rigConfig) {
					c.shadow.IDs = shadowIDs(withIDs, func() heldIDs { return heldIDs{r.store.Store.Client} })
				})
				robot := r.store.User(t, "robot@example.com", func(in *accounts.CreateInput) {
					in.Login, in.Mode, in.FirstName, in.LastName = new("robot"), new(user.ModeRest), "Robot", "Api"
				})
				r.edit = func(req *http.Request, status int, body []byte) (int, []byte) {
					switch {
					case req.URL.Path == "/rest/users" && req.URL.Query().Get("case") == "ghost":
						var v map[string][]any
						_ = json.Unmarshal(body, &v)
						v["users"] = slices.Insert(v["users"], 0, any(ghost)) // first: every later one would shift
						body, _ = json.Marshal(v)
					case req.URL.Path == "/rest/users" && req.URL.Query().Get("case") == "held":
						var v map[string][]any
						_ = json.Unmarshal(body, &v)
						v["users"] = append(v["users"], map[string]any{"id": robot.ID, "login": "robot", "firstname": "Robot", "lastname": "Zzz"})
						body, _ = json.Marshal(v)
					case req.URL.Path == "/v1/users/usr_GHOST123":
						return 200, []byte(`{"id":"usr_GHOST123","email":"g@example.com","name":"G","created_at":"2024-01-15T10:30:00Z","updated_at":"2024-01-15T10:30:00Z","status":"active","role":"user"}`)
					}
					return status, body
				}
				r.get(t, "maarch", "/rest/users?case=ghost", r.adminTok)
				r.get(t, "maarch", "/rest/users?case=held", r.adminTok)
				r.get(t, "usersv1", "/v1/users/usr_GHOST123", r.adminTok)
				rep := r.report(t)
				list, one := route(rep, "maarch", "GET /rest/users"), route(rep, "usersv1", "GET /v1/users/{id}")
				got := sorted(differences(rep))
				if withIDs {
					want := []string{"maarch GET /rest/users users[*] missing"}
					if !slices.Equal(got, want) || list.Outcomes[shadow.OutcomeNotImported] != 1 || one.Outcomes[shadow.OutcomeNotImported] != 1 {
						t.Fatalf("differences %q, outcomes %v %v\n%s", got, list.Outcomes, one.Outcomes, dump(rep))
					}
					if ex := list.Differences[0].Examples[0]; ex.Upstream != "id "+itoa(robot.ID) {
						t.Fatalf("example %+v", ex)
					}
					return
				}
				want := []string{"maarch GET /rest/users users[*] missing", "maarch GET /rest/users users[*] missing", "usersv1 GET /v1/users/{id} status status"}
				if !slices.Equal(got, want) || list.Outcomes[shadow.OutcomeNotImported] != 0 {
					t.Fatalf("differences %q, outcomes %v\n%s", got, list.Outcomes, dump(rep))
				}
			})
		})
	}
}

func shadowIDs(on bool, ids func() heldIDs) shadow.IDs {
	if !on {
		return nil
	}
	return lazyIDs(ids)
}

// lazyIDs reaches the store only once the rig has built it.
type lazyIDs func() heldIDs

func (l lazyIDs) Imported(ctx context.Context, dialect, id string) (bool, error) {
	return l().Imported(ctx, dialect, id)
}

func itoa(n int) string { return strconv.Itoa(n) }
