package app_test

// Regression tests for the authorization holes of issue 15, each named for
// the attack it stops, tried through the real router as an outsider would
// (contract/authorization.md; docs/authorization.md has the full matrix).

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/signature"
	"userbridge/ent/user"
	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

// world is the cast of the attacks: an administrator, a user manager (not
// an administrator) and a plain user, each with a first-party token.
type world struct {
	*apptest.Env
	admin, manager, bob          *ent.User
	adminTok, managerTok, bobTok string
}

func newWorld(t *testing.T, url string) *world {
	w := &world{Env: apptest.New(t, url)}
	w.admin = w.Admin(t, "admin@example.com")
	w.manager = w.User(t, "manager@example.com", func(in *accounts.CreateInput) {
		in.Privileges = []string{policy.PrivilegeManageUsers}
	})
	w.bob = w.User(t, "bob@example.com")
	w.adminTok, w.managerTok, w.bobTok = w.Token(t, w.admin), w.Token(t, w.manager), w.Token(t, w.bob)
	return w
}

// appToken registers an application and issues it a token for u.
func (w *world) appToken(t *testing.T, u *ent.User, verified, consent bool, scopes []string, perms ...string) string {
	t.Helper()
	a, _ := w.Application(t, "app", verified, perms...)
	return w.Issue(t, accounts.IssueInput{UserEmail: u.Email, AppID: a.ClientID, Scopes: scopes, Consent: consent})
}

func (w *world) reload(t *testing.T, id int) *ent.User {
	t.Helper()
	u, err := w.Store.Client.User.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("reloading user %d: %v", id, err)
	}
	return u
}

// unchanged fails t when u changed in the store since it was read.
func (w *world) unchanged(t *testing.T, u *ent.User) {
	t.Helper()
	after := w.reload(t, u.ID)
	if !after.UpdatedAt.Equal(u.UpdatedAt) || after.PasswordHash != u.PasswordHash || after.Role != u.Role ||
		after.Status != u.Status || !slices.Equal(after.Privileges, u.Privileges) {
		t.Fatalf("user %d changed: %+v", u.ID, after)
	}
}

// call serves a REST request and checks its status.
func (w *world) call(t *testing.T, method, path, token string, body any, status int) *httptest.ResponseRecorder {
	t.Helper()
	rec := w.Do(apptest.Request(method, path, token, body))
	if rec.Code != status {
		t.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, status)
	}
	return rec
}

// gql runs an operation and checks that its first error has code, or that
// there is none when code is "".
func (w *world) gql(t *testing.T, token, code, query string, vars map[string]any) apptest.GraphQLResponse {
	t.Helper()
	res := w.GraphQL(t, token, query, vars)
	switch {
	case code == "" && len(res.Errors) > 0:
		t.Fatalf("%s: %v", query, res.Errors)
	case code != "" && (len(res.Errors) == 0 || res.Errors[0].Code() != code):
		t.Fatalf("%s: got %s %v, want %s", query, res.Data, res.Errors, code)
	}
	return res
}

func v1Path(u *ent.User) string { return "/v1/users/usr_" + u.PublicID }

// canLogIn reports whether email logs in with password.
func (w *world) canLogIn(t *testing.T, email, password string) bool {
	t.Helper()
	res := w.GraphQL(t, "", `mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}`,
		map[string]any{"e": email, "p": password})
	return len(res.Errors) == 0
}

// works reports whether token still authenticates.
func (w *world) works(t *testing.T, token string) bool {
	t.Helper()
	res := w.GraphQL(t, token, `{viewer{id}}`, nil)
	return len(res.Errors) == 0
}

func pngBase64(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

const (
	opUpdateUser = `mutation($id:ID!,$in:UpdateUserInput!){updateUser(id:$id,input:$in){id}}`
	opDeleteUser = `mutation($id:ID!){deleteUser(id:$id)}`
	opCreateUser = `mutation($in:CreateUserInput!){createUser(input:$in){id}}`
	opSignatures = `mutation($id:ID!,$sigs:[SignatureInput!]!){setExternalSignatures(userId:$id,application:"App",signatures:$sigs){id}}`
	opRevoke     = `mutation($id:ID!){revokeCredential(id:$id){id}}`
	opCreateKey  = `mutation($s:[String!],$ttl:Int){createApiKey(scopes:$s,expiresInSeconds:$ttl){token credential{id scopes expiresAt}}}`
	opViewer     = `mutation($in:UpdateViewerInput!){updateViewer(input:$in){id}}`
)

func TestManagerCannotResetAdministratorPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		before := w.reload(t, w.admin.ID)
		t.Run("users-v1 PUT is 403", func(t *testing.T) {
			w.call(t, http.MethodPut, v1Path(w.admin), w.managerTok, `{"password":"taken-over-1"}`, 403)
		})
		t.Run("GraphQL updateUser is FORBIDDEN", func(t *testing.T) {
			w.gql(t, w.managerTok, "FORBIDDEN", opUpdateUser,
				map[string]any{"id": gid.Encode(w.admin.ID), "in": map[string]any{"password": "taken-over-2"}})
		})
		w.unchanged(t, before)
		for _, p := range []string{"taken-over-1", "taken-over-2"} {
			if w.canLogIn(t, w.admin.Email, p) {
				t.Fatal("the manager logged in as the administrator")
			}
		}
		t.Run("a manager still resets a plain user's password", func(t *testing.T) {
			w.call(t, http.MethodPut, v1Path(w.bob), w.managerTok, `{"password":"reset-by-mgr"}`, 200)
			if !w.canLogIn(t, w.bob.Email, "reset-by-mgr") {
				t.Fatal("reset password does not log in")
			}
		})
	})
}

func TestManagerCannotActOnAdministrator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		other := w.Admin(t, "second-admin@example.com")
		before := w.reload(t, other.ID)
		adminID := gid.Encode(other.ID)
		t.Run("users-v1 PUT of status and e-mail is 403", func(t *testing.T) {
			w.call(t, http.MethodPut, v1Path(other), w.managerTok, `{"status":"suspended"}`, 403)
			w.call(t, http.MethodPut, v1Path(other), w.managerTok, `{"email":"mine@example.com"}`, 403)
		})
		t.Run("users-v1 DELETE is 403", func(t *testing.T) {
			w.call(t, http.MethodDelete, v1Path(other), w.managerTok, nil, 403)
		})
		t.Run("GraphQL updateUser and deleteUser are FORBIDDEN", func(t *testing.T) {
			w.gql(t, w.managerTok, "FORBIDDEN", opUpdateUser, map[string]any{"id": adminID, "in": map[string]any{"email": "mine@example.com"}})
			w.gql(t, w.managerTok, "FORBIDDEN", opDeleteUser, map[string]any{"id": adminID})
		})
		t.Run("banning needs an administrator", func(t *testing.T) {
			w.call(t, http.MethodPost, "/users/"+other.PublicID+"/ban", w.managerTok, nil, 403)
			w.gql(t, w.managerTok, "FORBIDDEN", `mutation($id:ID!){banUser(id:$id){id}}`, map[string]any{"id": adminID})
		})
		t.Run("revoking the administrator's credential is NOT_FOUND, like a missing one", func(t *testing.T) {
			_, c, err := w.Accounts.Issue(context.Background(), accounts.IssueInput{UserEmail: other.Email})
			if err != nil {
				t.Fatal(err)
			}
			w.gql(t, w.managerTok, "NOT_FOUND", opRevoke, map[string]any{"id": gid.Encode(c.ID)})
			if c, _ := w.Store.Client.Credential.Get(context.Background(), c.ID); c.RevokedAt != nil {
				t.Fatal("the administrator's credential was revoked")
			}
		})
		t.Run("replacing the administrator's signatures is refused on Maarch and GraphQL", func(t *testing.T) {
			sig := map[string]any{"format": "png", "encodedSignature": pngBase64(t)}
			w.call(t, http.MethodPut, "/rest/users/"+strconv.Itoa(other.ID)+"/externalSignatures", w.managerTok,
				map[string]any{"externalApplication": "App", "signatures": []any{sig}}, 403)
			w.gql(t, w.managerTok, "FORBIDDEN", opSignatures, map[string]any{"id": adminID, "sigs": []any{sig}})
			if n := w.Store.Client.Signature.Query().Where(signature.OwnerID(other.ID)).CountX(context.Background()); n != 0 {
				t.Fatalf("the administrator has %d signatures", n)
			}
		})
		t.Run("deleting the administrator's file is NOT_FOUND (a manager does not see it)", func(t *testing.T) {
			f, err := w.Files.UploadUserFile(context.Background(), &auth.Viewer{User: other, Scopes: auth.AllScopes, Consented: true},
				other.ID, files.Upload{Name: "a.txt", Body: strings.NewReader("secret")}, files.UserFileInput{})
			if err != nil {
				t.Fatal(err)
			}
			w.gql(t, w.managerTok, "NOT_FOUND", `mutation($id:ID!){deleteUserFile(id:$id)}`, map[string]any{"id": gid.Encode(f.ID)})
			if _, err := w.Store.Client.File.Get(context.Background(), f.ID); err != nil {
				t.Fatal("the administrator's file is gone")
			}
		})
		w.unchanged(t, before)
	})
}

func TestManagerCannotGrantPrivileges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		before := w.reload(t, w.bob.ID)
		for name, in := range map[string]map[string]any{
			"role admin":             {"email": "boss@example.com", "role": "ADMIN"},
			"privilege manage_users": {"email": "boss@example.com", "privileges": []string{"manage_users"}},
			"flags":                  {"email": "boss@example.com", "flags": 2},
		} {
			t.Run("createUser with "+name+" is FORBIDDEN", func(t *testing.T) {
				w.gql(t, w.managerTok, "FORBIDDEN", opCreateUser, map[string]any{"in": in})
			})
		}
		t.Run("users-v1 POST with role admin is 403", func(t *testing.T) {
			w.call(t, http.MethodPost, "/v1/users", w.managerTok,
				`{"email":"boss@example.com","name":"B","password":"securepass123","role":"admin"}`, 403)
		})
		t.Run("updateUser of another's privileges or role is FORBIDDEN", func(t *testing.T) {
			w.gql(t, w.managerTok, "FORBIDDEN", opUpdateUser, map[string]any{"id": gid.Encode(w.bob.ID), "in": map[string]any{"privileges": []string{"manage_users"}}})
			w.gql(t, w.managerTok, "FORBIDDEN", opUpdateUser, map[string]any{"id": gid.Encode(w.bob.ID), "in": map[string]any{"role": "ADMIN"}})
			w.call(t, http.MethodPut, v1Path(w.bob), w.managerTok, `{"role":"admin"}`, 403)
		})
		w.unchanged(t, before)
		if n := w.Store.Client.User.Query().Where(user.Email("boss@example.com")).CountX(context.Background()); n != 0 {
			t.Fatal("a refused createUser made a user")
		}
	})
}

func TestThirdPartyTokenCannotActOnOtherUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		all := auth.AllScopes
		rw := []string{policy.PermUsersRead, policy.PermUsersWrite}
		tokens := []struct {
			name, token string
		}{
			{"the issue's token: unverified, unconsented, identity only", w.appToken(t, w.admin, false, false, []string{"identity"})},
			{"an unverified application", w.appToken(t, w.admin, false, true, all, rw...)},
			{"an unconsented token", w.appToken(t, w.admin, true, false, all, rw...)},
			{"a token without scope modify", w.appToken(t, w.admin, true, true, []string{"identity", "email", "personal"}, rw...)},
			{"an application without users:write", w.appToken(t, w.admin, true, true, all, policy.PermUsersRead)},
			{"a manager's token acting on an administrator", w.appToken(t, w.manager, true, true, all, rw...)},
		}
		victim := w.User(t, "victim@example.com")
		sig := map[string]any{"format": "png", "encodedSignature": pngBase64(t)}
		for _, tk := range tokens {
			target := victim
			if strings.Contains(tk.name, "administrator") {
				target = w.Admin(t, "target-"+strconv.Itoa(len(tk.name))+"@example.com")
			}
			before := w.reload(t, target.ID)
			id := gid.Encode(target.ID)
			t.Run(tk.name, func(t *testing.T) {
				for _, c := range []struct {
					op   string
					vars map[string]any
				}{
					{opCreateUser, map[string]any{"in": map[string]any{"email": "evil@example.com", "role": "ADMIN"}}},
					{opUpdateUser, map[string]any{"id": id, "in": map[string]any{"password": "taken-over-3"}}},
					{opDeleteUser, map[string]any{"id": id}},
					{opSignatures, map[string]any{"id": id, "sigs": []any{sig}}},
				} {
					res := w.GraphQL(t, tk.token, c.op, c.vars)
					if len(res.Errors) == 0 || (res.Errors[0].Code() != "FORBIDDEN" && res.Errors[0].Code() != "NOT_FOUND") {
						t.Fatalf("%s: %s %v", c.op, res.Data, res.Errors)
					}
				}
				for _, c := range []struct{ method, path, body string }{
					{http.MethodPut, v1Path(target), `{"password":"taken-over-4"}`},
					{http.MethodDelete, v1Path(target), ""},
					{http.MethodPost, "/v1/users", `{"email":"evil@example.com","name":"E","password":"securepass123","role":"admin"}`},
					{http.MethodPut, "/rest/users/" + strconv.Itoa(target.ID) + "/externalSignatures",
						`{"externalApplication":"App","signatures":[{"format":"png","encodedSignature":"` + pngBase64(t) + `"}]}`},
				} {
					var body any
					if c.body != "" {
						body = c.body
					}
					rec := w.Do(apptest.Request(c.method, c.path, tk.token, body))
					if rec.Code != 403 && rec.Code != 404 {
						t.Fatalf("%s %s: %d %s", c.method, c.path, rec.Code, rec.Body)
					}
				}
				if target == victim { // a manager may create plain users; the others may not
					w.call(t, http.MethodPost, "/rest/users", tk.token,
						`{"login":"evil","email":"evil@example.com","firstname":"E","lastname":"Vil"}`, 403)
				}
				w.unchanged(t, before)
				if w.canLogIn(t, target.Email, "taken-over-3") || w.canLogIn(t, target.Email, "taken-over-4") {
					t.Fatal("the password was reset")
				}
				if n := w.Store.Client.User.Query().Where(user.Email("evil@example.com")).CountX(context.Background()); n != 0 {
					t.Fatal("a user was created")
				}
				if n := w.Store.Client.Signature.Query().Where(signature.OwnerID(target.ID)).CountX(context.Background()); n != 0 {
					t.Fatal("signatures were replaced")
				}
			})
		}
		t.Run("a verified, consented token with modify and users:write of an administrator may", func(t *testing.T) {
			tok := w.appToken(t, w.admin, true, true, all, rw...)
			w.gql(t, tok, "", opUpdateUser, map[string]any{"id": gid.Encode(victim.ID), "in": map[string]any{"name": "Vic Tim"}})
			w.call(t, http.MethodPut, v1Path(victim), tok, `{"name":"Vic Tom"}`, 200)
		})
	})
}

func TestApplicationAloneNeverWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		a, secret := w.Application(t, "alone", true, policy.PermUsersRead, policy.PermUsersWrite)
		basic := func(method, path string, body any) *http.Request {
			req := apptest.Request(method, path, "", body)
			req.SetBasicAuth(a.ClientID, secret)
			return req
		}
		before := w.reload(t, w.bob.ID)
		for _, req := range []*http.Request{
			basic(http.MethodPost, "/graphql", map[string]any{"query": opUpdateUser,
				"variables": map[string]any{"id": gid.Encode(w.bob.ID), "in": map[string]any{"password": "taken-over-5"}}}),
			basic(http.MethodPost, "/graphql", map[string]any{"query": opCreateUser,
				"variables": map[string]any{"in": map[string]any{"email": "evil@example.com"}}}),
			basic(http.MethodPost, "/graphql", map[string]any{"query": opDeleteUser,
				"variables": map[string]any{"id": gid.Encode(w.bob.ID)}}),
			basic(http.MethodPost, "/users/"+w.bob.PublicID+"/ban", nil),
		} {
			rec := w.Do(req)
			if strings.Contains(req.URL.Path, "graphql") {
				if !strings.Contains(rec.Body.String(), `"FORBIDDEN"`) {
					t.Fatalf("%s: %s", req.URL.Path, rec.Body)
				}
			} else if rec.Code != 403 {
				t.Fatalf("%s: %d %s", req.URL.Path, rec.Code, rec.Body)
			}
		}
		w.unchanged(t, before)
		t.Run("it still reads users with users:read", func(t *testing.T) {
			rec := w.Do(basic(http.MethodGet, "/users/"+w.bob.PublicID, nil))
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	})
}

func TestThirdPartyTokenReadsOthersOnlyWithUsersRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		// The manager's privilege does not pass to an application it uses.
		tok := w.appToken(t, w.manager, true, true, auth.AllScopes, policy.PermUsersWrite)
		w.gql(t, tok, "NOT_FOUND", `query($id:ID!){user(id:$id){id}}`, map[string]any{"id": gid.Encode(w.bob.ID)})
		w.gql(t, tok, "FORBIDDEN", `{users{totalCount}}`, nil)
		w.call(t, http.MethodGet, "/users/"+w.bob.PublicID, tok, nil, 403)
		w.call(t, http.MethodGet, v1Path(w.bob), tok, nil, 404)
		reader := w.appToken(t, w.bob, true, false, []string{"identity"}, policy.PermUsersRead)
		w.call(t, http.MethodGet, "/users/"+w.manager.PublicID, reader, nil, 200)
	})
}

func TestNarrowedKeyStaysNarrow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		res := w.gql(t, w.bobTok, "", opCreateKey, map[string]any{"s": []string{"identity"}})
		var out struct {
			CreateAPIKey struct{ Token string } `json:"createApiKey"`
		}
		res.Decode(t, &out)
		cli := w.Issue(t, accounts.IssueInput{UserEmail: w.bob.Email, Scopes: []string{"identity"}})
		for name, key := range map[string]string{"createApiKey": out.CreateAPIKey.Token, "token create --scopes identity": cli} {
			t.Run(name, func(t *testing.T) {
				before := w.reload(t, w.bob.ID)
				w.gql(t, key, "FORBIDDEN", `{viewer{email}}`, nil)
				w.gql(t, key, "FORBIDDEN", `{viewer{firstName}}`, nil)
				w.gql(t, key, "FORBIDDEN", opViewer, map[string]any{"in": map[string]any{"name": "Mallory"}})
				w.call(t, http.MethodPut, v1Path(w.bob), key, `{"name":"Mallory"}`, 403)
				w.call(t, http.MethodPatch, "/users/@current", key, `{"first_name":"Mallory"}`, 403)
				w.call(t, http.MethodGet, "/api/v1/users/user_files", key, nil, 403)
				w.call(t, http.MethodDelete, "/users/@current", key, nil, 403)
				w.gql(t, key, "FORBIDDEN", `mutation{deleteViewer}`, nil)
				sig := map[string]any{"format": "png", "encodedSignature": pngBase64(t)}
				w.gql(t, key, "FORBIDDEN", opSignatures, map[string]any{"id": gid.Encode(w.bob.ID), "sigs": []any{sig}})
				w.unchanged(t, before)
				t.Run("a key it mints is no wider", func(t *testing.T) {
					w.gql(t, key, "FORBIDDEN", opCreateKey, map[string]any{"s": auth.AllScopes})
					res := w.gql(t, key, "", opCreateKey, nil)
					var minted struct {
						CreateAPIKey struct{ Credential struct{ Scopes []string } } `json:"createApiKey"`
					}
					res.Decode(t, &minted)
					if got := minted.CreateAPIKey.Credential.Scopes; !slices.Equal(got, []string{"identity"}) {
						t.Fatalf("minted scopes %v", got)
					}
				})
			})
		}
		t.Run("a first-party token made without a list still has every scope", func(t *testing.T) {
			w.gql(t, w.bobTok, "", `{viewer{email firstName}}`, nil)
		})
	})
}

func TestApiKeyWithNonPositiveLifetimeIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		for _, ttl := range []int{-1, 0, -2147483648} {
			w.gql(t, w.bobTok, "BAD_USER_INPUT", opCreateKey, map[string]any{"ttl": ttl})
		}
		n := w.Store.Client.Credential.Query().Where(credential.UserID(w.bob.ID)).CountX(context.Background())
		if n != 1 {
			t.Fatalf("bob has %d credentials, want his one token", n)
		}
		res := w.gql(t, w.bobTok, "", opCreateKey, map[string]any{"ttl": 60})
		var out struct {
			CreateAPIKey struct {
				Credential struct{ ExpiresAt *time.Time }
			} `json:"createApiKey"`
		}
		res.Decode(t, &out)
		if out.CreateAPIKey.Credential.ExpiresAt == nil {
			t.Fatal("a key with a lifetime never expires")
		}
	})
}

func TestThirdPartyTokenCannotManageTheUsersKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		tok := w.appToken(t, w.bob, true, true, auth.AllScopes, policy.PermUsersRead, policy.PermUsersWrite)
		w.gql(t, tok, "FORBIDDEN", opCreateKey, nil)
		_, own, err := w.Accounts.Issue(context.Background(), accounts.IssueInput{UserEmail: w.bob.Email})
		if err != nil {
			t.Fatal(err)
		}
		w.gql(t, tok, "NOT_FOUND", `query($id:ID!){node(id:$id){id}}`, map[string]any{"id": gid.Encode(own.ID)})
		w.gql(t, tok, "FORBIDDEN", opRevoke, map[string]any{"id": gid.Encode(own.ID)})
		if c, _ := w.Store.Client.Credential.Get(context.Background(), own.ID); c.RevokedAt != nil {
			t.Fatal("the application revoked the user's key")
		}
		w.gql(t, w.bobTok, "", opRevoke, map[string]any{"id": gid.Encode(own.ID)})
	})
}

func TestStolenTokenCannotChangePasswordWithoutCurrentOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		other := w.Token(t, w.bob)
		before := w.reload(t, w.bob.ID)
		t.Run("GraphQL updateViewer without or with a wrong current password is BAD_USER_INPUT", func(t *testing.T) {
			w.gql(t, w.bobTok, "BAD_USER_INPUT", opViewer, map[string]any{"in": map[string]any{"password": "stolen-pass-1"}})
			w.gql(t, w.bobTok, "BAD_USER_INPUT", opViewer, map[string]any{"in": map[string]any{"password": "stolen-pass-1", "currentPassword": "guess12345"}})
			w.gql(t, w.bobTok, "BAD_USER_INPUT", opUpdateUser, map[string]any{"id": gid.Encode(w.bob.ID), "in": map[string]any{"password": "stolen-pass-1"}})
		})
		t.Run("users-v1 PUT of one's own password without current_password is 400", func(t *testing.T) {
			rec := w.call(t, http.MethodPut, v1Path(w.bob), w.bobTok, `{"password":"stolen-pass-2"}`, 400)
			if !strings.Contains(rec.Body.String(), `"field":"current_password"`) {
				t.Fatal(rec.Body.String())
			}
		})
		t.Run("an application's token changes neither e-mail nor password", func(t *testing.T) {
			tok := w.appToken(t, w.bob, true, true, auth.AllScopes, policy.PermUsersWrite)
			w.gql(t, tok, "FORBIDDEN", opViewer, map[string]any{"in": map[string]any{"email": "mallory@example.com"}})
			w.gql(t, tok, "FORBIDDEN", opViewer, map[string]any{"in": map[string]any{"password": "stolen-pass-3", "currentPassword": "password123"}})
		})
		w.unchanged(t, before)
		t.Run("with the current password it changes, and the other credentials stop", func(t *testing.T) {
			w.gql(t, w.bobTok, "", opViewer, map[string]any{"in": map[string]any{"password": "fresh-pass-9", "currentPassword": "password123"}})
			if !w.canLogIn(t, w.bob.Email, "fresh-pass-9") {
				t.Fatal("the new password does not log in")
			}
			if w.works(t, other) {
				t.Fatal("another credential of the user still works")
			}
			if !w.works(t, w.bobTok) {
				t.Fatal("the credential that changed the password stopped")
			}
		})
		t.Run("a reset by an administrator revokes every credential of the user", func(t *testing.T) {
			w.call(t, http.MethodPut, v1Path(w.bob), w.adminTok, `{"password":"admin-reset-1"}`, 200)
			if w.works(t, w.bobTok) {
				t.Fatal("the user's token survived the reset")
			}
		})
	})
}

func TestBannedUsersDownloadLinksStopAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		v := &auth.Viewer{User: w.bob, Scopes: auth.AllScopes, Consented: true}
		f, err := w.Files.UploadUserFile(context.Background(), v, w.bob.ID,
			files.Upload{Name: "cv.txt", Body: strings.NewReader("private")}, files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		link := strings.TrimPrefix(w.Files.URL(f), apptest.PublicURL)
		w.call(t, http.MethodGet, link, "", nil, 200)
		w.call(t, http.MethodPost, "/users/"+w.bob.PublicID+"/ban", w.adminTok, nil, 200)
		rec := w.call(t, http.MethodGet, link, "", nil, 404)
		if strings.Contains(rec.Body.String(), "private") {
			t.Fatal("the banned user's file was served")
		}
		w.call(t, http.MethodHead, link, "", nil, 404)
		w.call(t, http.MethodDelete, "/users/"+w.bob.PublicID+"/ban", w.adminTok, nil, 200)
		w.call(t, http.MethodGet, link, "", nil, 200)
	})
}

// TestNarrowedKeyReadsNoEmailThroughLegacyShapes: an administrator's key
// narrowed to identity reads no e-mail, login or name through the legacy
// answers whose fixed shape cannot leave them out: each is 403 in its
// dialect's shape, and GraphQL login is null with FORBIDDEN like email.
func TestNarrowedKeyReadsNoEmailThroughLegacyShapes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		key := w.Issue(t, accounts.IssueInput{UserEmail: w.admin.Email, Scopes: []string{"identity"}})
		secrets := []string{w.bob.Email, w.bob.Login, w.admin.Email, w.admin.Login}
		for _, rec := range []*httptest.ResponseRecorder{
			w.call(t, http.MethodPost, "/api/v1/users/oauth", key, nil, 403),
			w.call(t, http.MethodGet, v1Path(w.bob), key, nil, 403),
			w.call(t, http.MethodGet, "/rest/users", key, nil, 403),
		} {
			for _, s := range secrets {
				if strings.Contains(rec.Body.String(), s) {
					t.Fatalf("a refusal shows %q: %s", s, rec.Body)
				}
			}
		}
		w.gql(t, key, "FORBIDDEN", `{viewer{login}}`, nil)
		w.gql(t, key, "FORBIDDEN", `query($id:ID!){user(id:$id){login}}`, map[string]any{"id": gid.Encode(w.bob.ID)})
		// With the scopes of every field shown, the same answers are given.
		full := w.Issue(t, accounts.IssueInput{UserEmail: w.admin.Email, Scopes: []string{"identity", "email", "personal"}})
		w.call(t, http.MethodPost, "/api/v1/users/oauth", full, nil, 200)
		w.call(t, http.MethodGet, v1Path(w.bob), full, nil, 200)
		w.call(t, http.MethodGet, "/rest/users", full, nil, 200)
		w.gql(t, full, "", `{viewer{login}}`, nil)
	})
}

// TestApplicationWithoutUsersWriteCannotBan: a consented token of a
// verified application holding no permission, for an administrator, bans
// and unbans no one, on any transport.
func TestApplicationWithoutUsersWriteCannotBan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		tok := w.appToken(t, w.admin, true, true, auth.AllScopes)
		before := w.reload(t, w.bob.ID)
		w.gql(t, tok, "FORBIDDEN", `mutation($id:ID!){banUser(id:$id){id}}`, map[string]any{"id": gid.Encode(w.bob.ID)})
		w.gql(t, tok, "FORBIDDEN", `mutation($id:ID!){unbanUser(id:$id){id}}`, map[string]any{"id": gid.Encode(w.bob.ID)})
		w.call(t, http.MethodPost, "/users/"+w.bob.PublicID+"/ban", tok, nil, 403)
		w.call(t, http.MethodDelete, "/users/"+w.bob.PublicID+"/ban", tok, nil, 403)
		w.unchanged(t, before)
	})
}

// TestAdministratorReadsNoOtherUsersCredential: another user's credential
// is NOT_FOUND to node, as a missing id, even for an administrator, who
// may still revoke it; a manager may not even find an administrator's.
func TestAdministratorReadsNoOtherUsersCredential(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		_, c, err := w.Accounts.Issue(context.Background(), accounts.IssueInput{UserEmail: w.bob.Email})
		if err != nil {
			t.Fatal(err)
		}
		w.gql(t, w.adminTok, "NOT_FOUND", `query($id:ID!){node(id:$id){id}}`, map[string]any{"id": gid.Encode(c.ID)})
		w.gql(t, w.managerTok, "NOT_FOUND", `query($id:ID!){node(id:$id){id}}`, map[string]any{"id": gid.Encode(c.ID)})
		w.gql(t, w.bobTok, "", `query($id:ID!){node(id:$id){id}}`, map[string]any{"id": gid.Encode(c.ID)})
		w.gql(t, w.adminTok, "", opRevoke, map[string]any{"id": gid.Encode(c.ID)})
	})
}

// TestManagerSeesNothingAnAdministratorOwns: a manager may not act on an
// administrator, so it does not see its files or signatures either (an
// outside test read an administrator's signature image and downloaded its
// files): not through the user's fields, not by id, not through a filter.
func TestManagerSeesNothingAnAdministratorOwns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		admin := w.Admin(t, "second-admin@example.com")
		f, err := w.Files.UploadUserFile(context.Background(), &auth.Viewer{User: admin, Scopes: auth.AllScopes, Consented: true},
			admin.ID, files.Upload{Name: "admin-secret.txt", Body: strings.NewReader("secret")}, files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		adminID := gid.Encode(admin.ID)
		t.Run("User.files and User.signatures of the administrator are FORBIDDEN", func(t *testing.T) {
			for _, field := range []string{"files { edges { node { name url } } }", "signatures { format }"} {
				res := w.gql(t, w.managerTok, "FORBIDDEN", `query($id:ID!){user(id:$id){ role `+field+` }}`, map[string]any{"id": adminID})
				if strings.Contains(string(res.Data), "admin-secret") {
					t.Fatalf("leaked: %s", res.Data)
				}
			}
		})
		t.Run("a page of users shows no administrator's files", func(t *testing.T) {
			res := w.GraphQL(t, w.managerTok, `{ users(first: 50) { edges { node { id files { edges { node { name } } } } } } }`, nil)
			if strings.Contains(string(res.Data), "admin-secret") || !slices.Contains(res.Codes(), "FORBIDDEN") {
				t.Fatalf("%s %v", res.Data, res.Errors)
			}
		})
		t.Run("the administrator's file by id is NOT_FOUND, like a missing one", func(t *testing.T) {
			res := w.gql(t, w.managerTok, "NOT_FOUND", `query($id:ID!){node(id:$id){ ... on File { name url } }}`, map[string]any{"id": gid.Encode(f.ID)})
			if strings.Contains(string(res.Data), "admin-secret") {
				t.Fatalf("leaked: %s", res.Data)
			}
		})
		t.Run("filtering every user on their files is FORBIDDEN, not a count", func(t *testing.T) {
			w.gql(t, w.managerTok, "FORBIDDEN", `{ users(where: {hasFilesWith: {nameHasPrefix: "admin-"}}) { totalCount } }`, nil)
		})
		t.Run("an administrator still sees them", func(t *testing.T) {
			res := w.gql(t, w.adminTok, "", `query($id:ID!){user(id:$id){ files { edges { node { name } } } }}`, map[string]any{"id": adminID})
			if !strings.Contains(string(res.Data), "admin-secret") {
				t.Fatalf("hidden from an administrator: %s", res.Data)
			}
		})
	})
}
