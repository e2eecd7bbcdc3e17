package maarch_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"userbridge/graph/gid"
	"userbridge/internal/store/db/dbtest"
)

// TestParity shows that what Maarch writes, GraphQL reads, and the reverse.
func TestParity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)

		t.Run("maarch create, graphql read", func(t *testing.T) {
			pic := pngBase64(t, 3, 3, false)
			rec := e.call(t, "POST", "/rest/users", e.adminTok,
				fmt.Sprintf(`{"login":"Par.Ity","firstname":"Pa","lastname":"Rity","email":"parity@example.com","mode":"rest","picture":%q}`, pic))
			var created struct{ ID int }
			decode(t, rec, &created)
			res := e.GraphQL(t, e.adminTok, `query($id: ID!) { user(id: $id) { email login firstName lastName mode avatar { id } } }`,
				map[string]any{"id": gid.Encode(created.ID)})
			var got struct {
				User struct {
					Email, Login, FirstName, LastName, Mode string
					Avatar                                  *struct{ ID string }
				}
			}
			res.Decode(t, &got)
			u := got.User
			if u.Email != "parity@example.com" || u.Login != "par.ity" || u.FirstName != "Pa" || u.LastName != "Rity" || u.Mode != "REST" || u.Avatar == nil {
				t.Fatalf("graphql read %+v (errors %v)", u, res.Errors)
			}
		})

		t.Run("graphql create, maarch list", func(t *testing.T) {
			res := e.GraphQL(t, e.adminTok, `mutation { createUser(input: {email: "gq@example.com", login: "GQL", firstName: "Gé", lastName: "Quel"}) { id } }`, nil)
			if len(res.Errors) > 0 {
				t.Fatalf("createUser: %v", res.Errors)
			}
			rec := e.call(t, "GET", "/rest/users", e.adminTok, nil)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"login":"gql","firstname":"Gé","lastname":"Quel"}`) {
				t.Fatalf("maarch list: %d %s", rec.Code, rec.Body.String())
			}
		})

		t.Run("maarch signatures, graphql read", func(t *testing.T) {
			pic := pngBase64(t, 2, 2, false)
			expect(t, e.call(t, "PUT", sigPath(e.member.ID), e.memberTok,
				fmt.Sprintf(`{"externalApplication":"Courrier","signatures":[{"format":"png","encodedSignature":%q}]}`, pic)),
				http.StatusNoContent, "")
			res := e.GraphQL(t, e.memberTok, `{ viewer { signatures { format externalApplication } } }`, nil)
			var got struct {
				Viewer struct {
					Signatures []struct{ Format, ExternalApplication string }
				}
			}
			res.Decode(t, &got)
			if s := got.Viewer.Signatures; len(s) != 1 || s[0].Format != "png" || s[0].ExternalApplication != "Courrier" {
				t.Fatalf("graphql signatures %+v (errors %v)", s, res.Errors)
			}
		})
	})
}
