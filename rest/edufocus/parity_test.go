package edufocus_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"userbridge/graph/gid"
	"userbridge/internal/store/db/dbtest"
)

// gqlViewer is what GraphQL says of the viewer.
type gqlViewer struct {
	PublicID  string `json:"publicID"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Flags     int    `json:"flags"`
	Verified  bool   `json:"verified"`
	Avatar    *struct {
		ID string `json:"id"`
	} `json:"avatar"`
}

const viewerQuery = `{ viewer { publicID username email firstName lastName flags verified avatar { id } } }`

func (e *env) graphViewer(t *testing.T, token string) gqlViewer {
	t.Helper()
	res := e.GraphQL(t, token, viewerQuery, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("graphql: %v", res.Errors)
	}
	var out struct{ Viewer gqlViewer }
	res.Decode(t, &out)
	return out.Viewer
}

// legacyUser is what Edu-Focus says of the current user.
type legacyUser struct {
	ID, Username, Email string
	FirstName           string `json:"first_name"`
	LastName            string `json:"last_name"`
	Avatar              *string
	Verified            bool
	Flags               int
}

func (e *env) legacyViewer(t *testing.T, token string) legacyUser {
	t.Helper()
	rec := e.call(t, http.MethodGet, "/users/@current", token, nil)
	var out struct{ Payload legacyUser }
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		t.Fatalf("GET @current: %d %s", rec.Code, rec.Body.String())
	}
	return out.Payload
}

// same compares both views of one user; the avatar's ids name one file.
func same(t *testing.T, l legacyUser, g gqlViewer) {
	t.Helper()
	var gAvatar *string
	if g.Avatar != nil {
		id, err := gid.Decode(g.Avatar.ID)
		if err != nil {
			t.Fatal(err)
		}
		gAvatar = new(strconv.Itoa(id))
	}
	if l.ID != g.PublicID || l.Username != g.Username || l.Email != g.Email || l.FirstName != g.FirstName ||
		l.LastName != g.LastName || l.Flags != g.Flags || l.Verified != g.Verified ||
		(l.Avatar == nil) != (gAvatar == nil) || (l.Avatar != nil && *l.Avatar != *gAvatar) {
		t.Fatalf("edu-focus %+v\ngraphql %+v (avatar %v)", l, g, gAvatar)
	}
}

func TestParity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		t.Run("edu-focus writes, GraphQL reads", func(t *testing.T) {
			id := e.uploadID(t, e.dTok, "me.png", pngBytes)
			body := `{"username":"Dev_2","first_name":"Grace","last_name":"Hopper","avatar":"` + id + `"}`
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, body), 200, message(200, "updated"))
			g := e.graphViewer(t, e.dTok)
			if g.Username != "Dev_2" || g.FirstName != "Grace" || g.LastName != "Hopper" || g.Avatar == nil {
				t.Fatalf("graphql sees %+v", g)
			}
			same(t, e.legacyViewer(t, e.dTok), g)
		})
		t.Run("GraphQL writes, edu-focus reads", func(t *testing.T) {
			res := e.GraphQL(t, e.dTok, `mutation { updateViewer(input: {username: "Dev3", firstName: "Ada", lastName: "King"}) { id } }`, nil)
			if len(res.Errors) > 0 {
				t.Fatalf("graphql: %v", res.Errors)
			}
			l := e.legacyViewer(t, e.dTok)
			if l.Username != "Dev3" || l.FirstName != "Ada" || l.LastName != "King" {
				t.Fatalf("edu-focus sees %+v", l)
			}
			same(t, l, e.graphViewer(t, e.dTok))
		})
		t.Run("an administrator's flags agree", func(t *testing.T) {
			same(t, e.legacyViewer(t, e.adminTok), e.graphViewer(t, e.adminTok))
		})
	})
}
