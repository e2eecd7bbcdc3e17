package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"userbridge/graph"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

// filterEnv is a service with an administrator, two users of whom B holds
// a file, and the viewers the filter rules tell apart.
type filterEnv struct {
	env *apptest.Env
	// tokens by viewer
	admin, appAll, appIdentity, appIdentityEmail, appNoFiles string
	appAlone                                                 string // Basic id:secret
	b                                                        int
}

func newFilterEnv(t *testing.T, url string) *filterEnv {
	env := apptest.New(t, url)
	admin := env.Admin(t, "root@example.com")
	a := env.User(t, "alice@example.com", func(in *accounts.CreateInput) { in.FirstName = "Alice" })
	b := env.User(t, "bob@example.com", func(in *accounts.CreateInput) { in.FirstName = "Bob" })
	fe := &filterEnv{env: env, admin: env.Token(t, admin), b: b.ID}
	rec := env.Do(multipartOp(t, env.Token(t, b), uploadUserFile, "secret-plan.txt", []byte("x")))
	if r := decode(t, rec.Body.Bytes()); len(r.Errors) != 0 {
		t.Fatalf("upload: %v", r.Errors)
	}
	app, secret := env.Application(t, "reader", true, policy.PermUsersRead)
	issue := func(scopes ...string) string {
		return env.Issue(t, accounts.IssueInput{UserEmail: a.Email, AppID: app.ClientID, Scopes: scopes, Consent: true})
	}
	fe.appAll = issue(auth.AllScopes...)
	fe.appIdentity = issue(auth.ScopeIdentity)
	fe.appIdentityEmail = issue(auth.ScopeIdentity, auth.ScopeEmail)
	fe.appNoFiles = issue(auth.ScopeIdentity, auth.ScopeEmail, auth.ScopePersonal)
	fe.appAlone = app.ClientID + ":" + secret
	return fe
}

// do posts a users query as viewer (a Bearer token, or id:secret for an
// application alone).
func (fe *filterEnv) do(t *testing.T, viewer, query string, vars map[string]any) apptest.GraphQLResponse {
	t.Helper()
	req := apptest.Request("POST", "/graphql", "", map[string]any{"query": query, "variables": vars})
	if id, secret, ok := strings.Cut(viewer, ":"); ok {
		req.SetBasicAuth(id, secret)
	} else {
		req.Header.Set("Authorization", "Bearer "+viewer)
	}
	rec := fe.env.Do(req)
	var out apptest.GraphQLResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return out
}

const filteredUsers = `query($where: UserWhereInput, $orderBy: UserOrder) {
	users(first: 10, where: $where, orderBy: $orderBy) { totalCount edges { node { publicID } } } }`

// wantForbidden checks the answer is FORBIDDEN with no page and no count:
// an empty page or a count of 0 would answer the question too.
func wantCode(t *testing.T, res apptest.GraphQLResponse, code string) {
	t.Helper()
	if !slices.Equal(res.Codes(), []string{code}) {
		t.Fatalf("codes %v, want [%s] (data %s)", res.Codes(), code, res.Data)
	}
	if strings.Contains(string(res.Data), "totalCount") || strings.Contains(string(res.Data), "edges") {
		t.Fatalf("a refused filter still answered: %s", res.Data)
	}
}

func count(t *testing.T, res apptest.GraphQLResponse) int {
	t.Helper()
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	var p struct{ Users struct{ TotalCount int } }
	res.Decode(t, &p)
	return p.Users.TotalCount
}

func TestUsersWhereFollowsFieldScopes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		fe := newFilterEnv(t, url)
		where := func(w map[string]any) map[string]any { return map[string]any{"where": w} }
		order := func(f string) map[string]any {
			return map[string]any{"orderBy": map[string]any{"field": f, "direction": "ASC"}}
		}

		t.Run("e-mail prefix without scope email is forbidden, not an empty page", func(t *testing.T) {
			for _, w := range []map[string]any{
				{"emailHasPrefix": "b"}, {"emailHasPrefix": "zzz"}, {"emailIn": []string{"bob@example.com"}},
				{"not": map[string]any{"emailContainsFold": "BOB"}},
				{"or": []any{map[string]any{"role": "USER"}, map[string]any{"emailGT": "b"}}},
			} {
				wantCode(t, fe.do(t, fe.appIdentity, filteredUsers, where(w)), "FORBIDDEN")
			}
		})
		t.Run("login, a frequent e-mail, needs scope email too", func(t *testing.T) {
			wantCode(t, fe.do(t, fe.appIdentity, filteredUsers, where(map[string]any{"loginHasPrefix": "b"})), "FORBIDDEN")
			count(t, fe.do(t, fe.appIdentityEmail, filteredUsers, where(map[string]any{"loginHasPrefix": "b"})))
		})
		t.Run("names without scope personal are forbidden", func(t *testing.T) {
			wantCode(t, fe.do(t, fe.appIdentityEmail, filteredUsers, where(map[string]any{"firstName": "Bob"})), "FORBIDDEN")
			wantCode(t, fe.do(t, fe.appIdentityEmail, filteredUsers, where(map[string]any{"firstNameIn": []string{"Bob"}})), "FORBIDDEN")
		})
		t.Run("ordering by a guarded field needs its scope", func(t *testing.T) {
			wantCode(t, fe.do(t, fe.appIdentity, filteredUsers, order("EMAIL")), "FORBIDDEN")
			wantCode(t, fe.do(t, fe.appIdentityEmail, filteredUsers, order("FIRST_NAME")), "FORBIDDEN")
			wantCode(t, fe.do(t, fe.appIdentityEmail, filteredUsers, order("LAST_NAME")), "FORBIDDEN")
			count(t, fe.do(t, fe.appIdentityEmail, filteredUsers, order("EMAIL")))
			count(t, fe.do(t, fe.appIdentity, filteredUsers, order("CREATED_AT")))
		})
		t.Run("visible fields filter for any viewer that lists users", func(t *testing.T) {
			if n := count(t, fe.do(t, fe.appIdentity, filteredUsers, where(map[string]any{"role": "ADMIN"}))); n != 1 {
				t.Fatalf("admins: %d", n)
			}
			if n := count(t, fe.do(t, fe.appIdentity, filteredUsers, where(map[string]any{"hasFlags": 0, "usernameNEQ": "x"}))); n != 3 {
				t.Fatalf("users: %d", n)
			}
		})
		t.Run("with the scope the filter answers", func(t *testing.T) {
			if n := count(t, fe.do(t, fe.appIdentityEmail, filteredUsers, where(map[string]any{"emailHasPrefix": "bob"}))); n != 1 {
				t.Fatalf("count %d", n)
			}
			if n := count(t, fe.do(t, fe.appAlone, filteredUsers, where(map[string]any{"firstName": "Bob"}))); n != 1 {
				t.Fatalf("application alone: count %d", n)
			}
		})
	})
}

func TestUsersWhereOnWhatUsersOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		fe := newFilterEnv(t, url)
		held := map[string]any{"where": map[string]any{"hasFilesWith": []any{map[string]any{"nameHasPrefix": "secret"}}}}

		t.Run("an application with users:read cannot learn who holds a file", func(t *testing.T) {
			for _, viewer := range []string{fe.appAll, fe.appAlone} {
				wantCode(t, fe.do(t, viewer, filteredUsers, held), "FORBIDDEN")
				wantCode(t, fe.do(t, viewer, filteredUsers, map[string]any{"where": map[string]any{"hasFiles": true}}), "FORBIDDEN")
				wantCode(t, fe.do(t, viewer, filteredUsers, map[string]any{"where": map[string]any{
					"not": map[string]any{"and": []any{map[string]any{"hasFilesWith": map[string]any{"sizeGT": 0}}}}}}), "FORBIDDEN")
			}
		})
		t.Run("nor who keeps signatures", func(t *testing.T) {
			wantCode(t, fe.do(t, fe.appAll, filteredUsers, map[string]any{"where": map[string]any{
				"hasSignaturesWith": map[string]any{"formatHasPrefix": "p"}}}), "FORBIDDEN")
			wantCode(t, fe.do(t, fe.appAll, filteredUsers, map[string]any{"where": map[string]any{"hasSignatures": false}}), "FORBIDDEN")
		})
		t.Run("an edge back to the owner keeps the owner's field scopes", func(t *testing.T) {
			wantCode(t, fe.do(t, fe.appIdentity, filteredUsers, map[string]any{"where": map[string]any{
				"hasAvatarWith": map[string]any{"hasOwnerWith": map[string]any{"emailHasPrefix": "b"}}}}), "FORBIDDEN")
		})
		t.Run("the avatar is shown with the user, so it filters", func(t *testing.T) {
			if n := count(t, fe.do(t, fe.appIdentity, filteredUsers, map[string]any{"where": map[string]any{"hasAvatar": true}})); n != 0 {
				t.Fatalf("count %d", n)
			}
		})
		t.Run("a user manager with scope files may", func(t *testing.T) {
			res := fe.do(t, fe.admin, filteredUsers, held)
			if n := count(t, res); n != 1 || !strings.Contains(string(res.Data), gidPublicID(t, fe, fe.b)) {
				t.Fatalf("count %d, data %s", n, res.Data)
			}
		})
		t.Run("a user's own files filter by the owner's guarded fields only with their scope", func(t *testing.T) {
			q := `query($where: FileWhereInput) { viewer { files(first: 5, where: $where) { totalCount } } }`
			res := fe.do(t, fe.appNoFiles, q, map[string]any{"where": map[string]any{"nameHasPrefix": "s"}})
			if !slices.Contains(res.Codes(), "FORBIDDEN") {
				t.Fatalf("files without scope files: %v", res.Codes())
			}
			res = fe.do(t, fe.appIdentity, q, map[string]any{"where": map[string]any{
				"hasOwnerWith": map[string]any{"emailHasPrefix": "a"}}})
			if !slices.Contains(res.Codes(), "FORBIDDEN") {
				t.Fatalf("owner's e-mail through files: %v", res.Codes())
			}
			res = fe.do(t, fe.admin, q, map[string]any{"where": map[string]any{
				"hasOwnerWith": map[string]any{"emailHasPrefix": "r", "hasSignatures": false}}})
			if len(res.Errors) != 0 {
				t.Fatalf("administrator: %v", res.Errors)
			}
		})
	})
}

// gidPublicID returns the public id of user id, as an administrator reads it.
func gidPublicID(t *testing.T, fe *filterEnv, id int) string {
	t.Helper()
	u, err := fe.env.Store.Client.User.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u.PublicID
}

// nestedNot returns {not: {not: ... {role: USER}}} depth levels deep.
func nestedNot(depth int) map[string]any {
	w := map[string]any{"role": "USER"}
	for range depth {
		w = map[string]any{"not": w}
	}
	return w
}

func TestUsersWhereLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		fe := newFilterEnv(t, url)
		refused := func(t *testing.T, w map[string]any, reason string) {
			t.Helper()
			res := fe.do(t, fe.admin, filteredUsers, map[string]any{"where": w})
			wantCode(t, res, "BAD_USER_INPUT")
			if got := res.Errors[0].Extensions["reason"]; got != reason {
				t.Fatalf("reason %v, want %s", got, reason)
			}
		}
		ids := func(n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = gidOf(i + 1)
			}
			return out
		}

		t.Run("an In list of 100 values passes, 101 is refused", func(t *testing.T) {
			count(t, fe.do(t, fe.admin, filteredUsers, map[string]any{"where": map[string]any{"idIn": ids(graph.MaxFilterValues)}}))
			refused(t, map[string]any{"idIn": ids(graph.MaxFilterValues + 1)}, "filter_too_many_values")
			refused(t, map[string]any{"usernameNotIn": make([]string, 5000)}, "filter_too_many_values")
			refused(t, map[string]any{"usernameNotIn": make([]string, 100_000)}, "input_too_large")
			refused(t, map[string]any{"hasFilesWith": map[string]any{"nameIn": make([]string, 101)}}, "filter_too_many_values")
		})
		t.Run("not nested 5 deep passes, 6 is refused", func(t *testing.T) {
			if n := count(t, fe.do(t, fe.admin, filteredUsers, map[string]any{"where": nestedNot(graph.MaxFilterDepth)})); n != 1 { // odd: not role user, the administrator
				t.Fatalf("count %d", n)
			}
			refused(t, nestedNot(graph.MaxFilterDepth+1), "filter_too_deep")
		})
		t.Run("not nested 9,000 deep is refused before gqlgen converts it", func(t *testing.T) {
			refused(t, nestedNot(9000), "input_too_deep")
			refused(t, nestedNot(graph.MaxInputDepth-2), "filter_too_deep")
		})
		t.Run("100,000 empty objects are refused before validation", func(t *testing.T) {
			refused(t, map[string]any{"and": slices.Repeat([]any{map[string]any{}}, 100_000)}, "input_too_large")
		})
		t.Run("and, or and edges count as depth", func(t *testing.T) {
			w := map[string]any{"role": "USER"}
			for i := range graph.MaxFilterDepth + 1 {
				switch i % 3 {
				case 0:
					w = map[string]any{"and": []any{w}}
				case 1:
					w = map[string]any{"or": []any{w}}
				default:
					w = map[string]any{"hasFilesWith": map[string]any{"hasOwnerWith": w}}
				}
			}
			refused(t, w, "filter_too_deep")
		})
		t.Run("more than 50 conditions are refused", func(t *testing.T) {
			var or []any
			for i := range graph.MaxFilterConditions {
				or = append(or, map[string]any{"usernameNEQ": fmt.Sprint(i)})
			}
			refused(t, map[string]any{"or": or}, "filter_too_large")
			refused(t, map[string]any{"and": slices.Repeat([]any{map[string]any{}}, 100)}, "filter_too_large")
		})
		t.Run("limits hold in the document as in variables", func(t *testing.T) {
			res := fe.do(t, fe.admin, `{ users(where: {not: {not: {not: {not: {not: {not: {role: USER}}}}}}}) { totalCount } }`, nil)
			wantCode(t, res, "BAD_USER_INPUT")
			deep := strings.Repeat("{not: ", 100) + "{role: USER}" + strings.Repeat("}", 100)
			res = fe.do(t, fe.admin, `{ users(where: `+deep+`) { totalCount } }`, nil)
			wantCode(t, res, "BAD_USER_INPUT")
			if got := res.Errors[0].Extensions["reason"]; got != "input_too_deep" {
				t.Fatalf("reason %v", got)
			}
		})
	})
}
