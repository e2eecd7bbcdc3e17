package usersv1_test

import (
	"net/http"
	"testing"

	"userbridge/graph/gid"
	"userbridge/internal/store/db/dbtest"
)

// gqlUser is what GraphQL says of a user.
type gqlUser struct {
	ID, PublicID, Email, Name, Role, Status string
}

const gqlUserFields = `id publicID email name role status`

// TestParityWithGraphQL shows one store behind both APIs: what users-v1
// writes GraphQL reads, and the reverse.
func TestParityWithGraphQL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		t.Run("parity/created through users-v1, read through GraphQL", func(t *testing.T) {
			rec := e.call(t, http.MethodPost, "/v1/users", e.adminTok,
				`{"email":"v1@example.com","name":"Vee One","password":"securepass123","role":"admin"}`)
			if rec.Code != http.StatusCreated {
				t.Fatalf("POST: %d %s", rec.Code, rec.Body)
			}
			u := e.byEmail(t, "v1@example.com")
			res := e.GraphQL(t, e.adminTok, `query($id: ID!) { user(id: $id) { `+gqlUserFields+` } }`,
				map[string]any{"id": gid.Encode(u.ID)})
			var data struct{ User gqlUser }
			res.Decode(t, &data)
			want := gqlUser{gid.Encode(u.ID), u.PublicID, "v1@example.com", "Vee One", "ADMIN", "ACTIVE"} // GraphQL spells enum values in upper case
			if len(res.Errors) > 0 || data.User != want {
				t.Fatalf("GraphQL %+v (errors %v), want %+v", data.User, res.Errors, want)
			}
		})
		t.Run("parity/created and changed through GraphQL, read through users-v1", func(t *testing.T) {
			res := e.GraphQL(t, e.adminTok, `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"email": "gql@example.com", "name": "Gee Ql", "password": "securepass123"}})
			var made struct{ CreateUser struct{ ID string } }
			res.Decode(t, &made)
			res = e.GraphQL(t, e.adminTok, `mutation($id: ID!) { updateUser(id: $id, input: {status: SUSPENDED}) { id } }`,
				map[string]any{"id": made.CreateUser.ID})
			if len(res.Errors) > 0 {
				t.Fatalf("GraphQL errors %v", res.Errors)
			}
			u := e.byEmail(t, "gql@example.com")
			rec := e.call(t, http.MethodGet, path(u), e.adminTok, nil)
			expect(t, rec, 200, userJSON(u, "Gee Ql", true))
			if u.Status != "suspended" || u.Role != "user" {
				t.Fatalf("stored status %s role %s", u.Status, u.Role)
			}
		})
	})
}
