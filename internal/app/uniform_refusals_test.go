package app_test

// Issue 26, item 4: refusals are uniform. A viewer who may not act on a
// user learns nothing from the refusal about whether its id exists.

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// missingID is an id no user, credential or file has in the tests.
const missingID = 4_000_000_000

// sameRefusal serves one request for an existing id and one for a missing
// id and fails unless both answers are byte for byte the same, apart from
// the id, and refused with want.
func sameRefusal(t *testing.T, w *world, want int, existing, missing, id, ghost string, serve func(id string) *http.Request) {
	t.Helper()
	a, b := w.Do(serve(existing)), w.Do(serve(missing))
	got := [2]string{}
	for i, rec := range [2]string{a.Body.String(), b.Body.String()} {
		got[i] = strings.NewReplacer(id, "<id>", ghost, "<id>").Replace(withoutCost(rec))
	}
	if a.Code != want || b.Code != a.Code || got[0] != got[1] {
		t.Fatalf("existing: %d %s\nmissing:  %d %s", a.Code, a.Body, b.Code, b.Body)
	}
}

// costExtension is a GraphQL answer's extensions.cost (graph/budget.go):
// its figures follow the clock (the bucket refills, resetAt moves), not
// the request, so comparisons leave it out.
var costExtension = regexp.MustCompile(`,"extensions":\{"cost":\{[^{}]*\}\}`)

func withoutCost(body string) string { return costExtension.ReplaceAllString(body, "") }

func gqlRequest(token, query, id string) *http.Request {
	return apptest.Request(http.MethodPost, "/graphql", token, map[string]any{"query": query, "variables": map[string]any{"id": id}})
}

// graphQLRefusal is sameRefusal for an operation taking $id, whose answer
// must carry code.
func graphQLRefusal(t *testing.T, w *world, token, code, query, existing, missing string) {
	t.Helper()
	sameRefusal(t, w, http.StatusOK, existing, missing, existing, missing, func(id string) *http.Request {
		return gqlRequest(token, query, id)
	})
	rec := w.Do(gqlRequest(token, query, existing))
	if !strings.Contains(rec.Body.String(), `"code":"`+code+`"`) {
		t.Fatalf("want %s: %s", code, rec.Body)
	}
}

// TestRefusalsTellNoIdExists: banUser and unbanUser by a non-administrator
// answered FORBIDDEN for an existing id and NOT_FOUND for a missing one,
// and so did an administrator's key narrowed to identity on updateUser,
// deleteUser, revokeCredential and the users-v1 routes. What needs no
// target is now refused before the lookup; another user's credential is
// not found to a viewer who may not revoke it.
func TestRefusalsTellNoIdExists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		narrow := w.Issue(t, accounts.IssueInput{UserEmail: w.admin.Email, Scopes: []string{auth.ScopeIdentity}})
		readOnly := w.Issue(t, accounts.IssueInput{UserEmail: w.admin.Email, Scopes: []string{auth.ScopeIdentity, auth.ScopeEmail, auth.ScopePersonal}})
		_, bobsKey, err := w.Accounts.Issue(t.Context(), accounts.IssueInput{UserEmail: w.bob.Email})
		if err != nil {
			t.Fatal(err)
		}
		bob, ghost := gid.Encode(w.bob.ID), gid.Encode(missingID)
		before := w.reload(t, w.bob.ID)

		for name, tok := range map[string]string{"a plain user": w.bobTok, "a manager": w.managerTok, "a narrowed administrator key": narrow} {
			t.Run("banUser-FORBIDDEN/"+name, func(t *testing.T) {
				target := gid.Encode(w.admin.ID)
				graphQLRefusal(t, w, tok, "FORBIDDEN", `mutation($id:ID!){banUser(id:$id){id}}`, target, ghost)
				graphQLRefusal(t, w, tok, "FORBIDDEN", `mutation($id:ID!){unbanUser(id:$id){id}}`, target, ghost)
			})
		}
		for name, tok := range map[string]string{"narrowed to identity": narrow, "without modify": readOnly} {
			t.Run("updateUser-FORBIDDEN/administrator key "+name, func(t *testing.T) {
				graphQLRefusal(t, w, tok, "FORBIDDEN", `mutation($id:ID!){updateUser(id:$id,input:{firstName:"Mallory"}){id}}`, bob, ghost)
			})
			t.Run("deleteUser-FORBIDDEN/administrator key "+name, func(t *testing.T) {
				graphQLRefusal(t, w, tok, "FORBIDDEN", `mutation($id:ID!){deleteUser(id:$id)}`, bob, ghost)
			})
			t.Run("revokeCredential-NOT_FOUND/administrator key "+name, func(t *testing.T) {
				graphQLRefusal(t, w, tok, "NOT_FOUND", `mutation($id:ID!){revokeCredential(id:$id){id}}`, gid.Encode(bobsKey.ID), ghost)
			})
		}
		v1 := func(method, token string, body any) func(string) *http.Request {
			return func(id string) *http.Request { return apptest.Request(method, "/v1/users/"+id, token, body) }
		}
		pid, missing, malformed := "usr_"+w.bob.PublicID, "usr_Gh0stZz9", "usr_0798"
		t.Run("users-v1 GET-403/administrator key narrowed to identity", func(t *testing.T) {
			sameRefusal(t, w, 403, pid, missing, pid, missing, v1(http.MethodGet, narrow, nil))
			sameRefusal(t, w, 403, pid, malformed, pid, malformed, v1(http.MethodGet, narrow, nil))
		})
		for name, tok := range map[string]string{"narrowed to identity": narrow, "without modify": readOnly} {
			t.Run("users-v1 PUT-403/administrator key "+name, func(t *testing.T) {
				sameRefusal(t, w, 403, pid, missing, pid, missing, v1(http.MethodPut, tok, `{"name":"Mallory"}`))
			})
			t.Run("users-v1 DELETE-403/administrator key "+name, func(t *testing.T) {
				sameRefusal(t, w, 403, pid, missing, pid, missing, v1(http.MethodDelete, tok, nil))
			})
		}
		w.unchanged(t, before)
		if !w.works(t, w.Issue(t, accounts.IssueInput{UserEmail: w.bob.Email})) {
			t.Fatal("bob was banned or deleted")
		}
		if c, _ := w.Store.Client.Credential.Get(t.Context(), bobsKey.ID); c.RevokedAt != nil {
			t.Fatal("a refused viewer revoked bob's key")
		}
	})
}

// TestLoginTellsNoBannedAccountItsPasswordIsRight: login answered
// account_banned (or account_suspended) only after the right password, so
// it confirmed a guessed password of a banned account. An account that is
// not active now gets the answer of any wrong password, whatever the
// password.
func TestLoginTellsNoBannedAccountItsPasswordIsRight(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		w.call(t, http.MethodPost, "/users/"+w.bob.PublicID+"/ban", w.adminTok, nil, 200)
		carol := w.User(t, "carol@example.com")
		w.call(t, http.MethodPut, v1Path(carol), w.adminTok, `{"status":"suspended"}`, 200)
		login := func(email, password string) string {
			rec := w.Do(apptest.Request(http.MethodPost, "/graphql", "", map[string]any{
				"query":     `mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}`,
				"variables": map[string]any{"e": email, "p": password}}))
			return withoutCost(rec.Body.String())
		}
		wrong := login(w.manager.Email, "not-the-password")
		if !strings.Contains(wrong, `"reason":"invalid_credentials"`) {
			t.Fatalf("a wrong password: %s", wrong)
		}
		for _, c := range []struct{ name, email, password string }{
			{"banned, right password", w.bob.Email, "password123"},
			{"banned, wrong password", w.bob.Email, "not-the-password"},
			{"suspended, right password", carol.Email, "password123"},
			{"suspended, wrong password", carol.Email, "not-the-password"},
		} {
			if got := login(c.email, c.password); got != wrong {
				t.Errorf("%s: %s, want the wrong password's %s", c.name, got, wrong)
			}
		}
	})
}

// TestNonCanonicalGlobalIdsAreRefused: "ub:0798" and "ub:+798" named user
// 798 like "ub:798", one object under many ids. Only the id the service
// hands out resolves; any other spelling is BAD_USER_INPUT.
func TestNonCanonicalGlobalIdsAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		id := gid.Encode(w.bob.ID)
		w.gql(t, w.adminTok, "", `query($id:ID!){user(id:$id){id}}`, map[string]any{"id": id})
		for _, spelling := range []string{
			raw("ub:0" + strconv.Itoa(w.bob.ID)), raw("ub:+" + strconv.Itoa(w.bob.ID)), raw("ub: " + strconv.Itoa(w.bob.ID)),
			raw("ub:" + strconv.Itoa(w.bob.ID) + " "), id[:2] + "\n" + id[2:],
		} {
			for _, op := range []string{`query($id:ID!){user(id:$id){id}}`, `query($id:ID!){node(id:$id){id}}`,
				`mutation($id:ID!){banUser(id:$id){id}}`} {
				w.gql(t, w.adminTok, "BAD_USER_INPUT", op, map[string]any{"id": spelling})
			}
		}
		if w.reload(t, w.bob.ID).Status != "active" {
			t.Fatal("a non-canonical id banned bob")
		}
	})
}
