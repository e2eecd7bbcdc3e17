package app_test

import (
	"context"
	"strings"
	"testing"

	"userbridge/ent/user"
	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// Spellings of kate@example.com that only Unicode normalisation tells apart.
const (
	kelvinKate = "\u212Aate@example.com" // U+212A KELVIN SIGN
	wideKate   = "\uFF4Bate@example.com" // U+FF4B FULLWIDTH LATIN SMALL LETTER K
)

// TestIdentifiersNameOneAccount shows, transport by transport, that every
// spelling of a taken e-mail, username or login (ident.Key) is taken, that
// login finds the one account by any of them, and that identifiers no
// account may have are refused in each transport's own shape.
func TestIdentifiersNameOneAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := apptest.New(t, url)
		ctx := context.Background()
		adminTok := e.Token(t, e.Admin(t, "admin@example.com"))
		kate := e.User(t, "kate@example.com", func(in *accounts.CreateInput) {
			in.Username, in.Login = new("kate"), new("kate")
		})
		other := e.User(t, "other@example.com", func(in *accounts.CreateInput) {
			in.Username, in.Login = new("other"), new("other")
		})
		otherTok := e.Token(t, other)
		users := func() int { return e.Store.Client.User.Query().CountX(ctx) }
		before := users()

		gql := func(t *testing.T, tok, q string, vars map[string]any, want string) {
			t.Helper()
			res := e.GraphQL(t, tok, q, vars)
			if got := res.Codes(); len(got) != 1 || got[0] != want {
				t.Fatalf("codes %v, want [%s]: %s", got, want, res.Data)
			}
		}
		call := func(t *testing.T, method, path, tok, body string, status int, want string) {
			t.Helper()
			rec := e.Do(apptest.Request(method, path, tok, body))
			if rec.Code != status || !strings.Contains(rec.Body.String(), want) {
				t.Fatalf("%s %s: %d %s, want %d with %s", method, path, rec.Code, rec.Body, status, want)
			}
		}
		create := `mutation($in: CreateUserInput!) { createUser(input: $in) { publicID } }`
		update := `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { publicID } }`

		t.Run("graphql createUser-CONFLICT/KELVIN SIGN spelling of a taken e-mail", func(t *testing.T) {
			gql(t, adminTok, create, map[string]any{"in": map[string]any{"email": kelvinKate}}, "CONFLICT")
		})
		t.Run("graphql createUser-CONFLICT/fullwidth spelling of a taken e-mail", func(t *testing.T) {
			gql(t, adminTok, create, map[string]any{"in": map[string]any{"email": wideKate}}, "CONFLICT")
		})
		t.Run("graphql createUser-CONFLICT/fullwidth spelling of a taken username", func(t *testing.T) {
			gql(t, adminTok, create, map[string]any{"in": map[string]any{"email": "new@example.com", "username": "\uFF2BATE"}}, "CONFLICT")
		})
		t.Run("graphql createUser-CONFLICT/KELVIN SIGN spelling of a taken login", func(t *testing.T) {
			gql(t, adminTok, create, map[string]any{"in": map[string]any{"email": "new@example.com", "login": "\u212Aate"}}, "CONFLICT")
		})
		t.Run("graphql updateUser-CONFLICT/another user's e-mail spelled with KELVIN SIGN", func(t *testing.T) {
			gql(t, adminTok, update, map[string]any{"id": gid.Encode(other.ID), "in": map[string]any{"email": kelvinKate}}, "CONFLICT")
		})
		t.Run("graphql updateUser-CONFLICT/another user's username in fullwidth", func(t *testing.T) {
			gql(t, adminTok, update, map[string]any{"id": gid.Encode(other.ID), "in": map[string]any{"username": "\uFF4Bate"}}, "CONFLICT")
		})
		for name, email := range map[string]string{
			"NUL":                    "ka\x00te@example.com",
			"invalid UTF-8":          "ka\xffte@example.com",
			"right-to-left override": "ka\u202Ete@example.com",
			"zero-width joiner":      "ka\u200Dte@example.com",
			"no-break space":         "ka\u00A0te@example.com",
		} {
			t.Run("graphql createUser-BAD_USER_INPUT/"+name+" in the e-mail", func(t *testing.T) {
				in := map[string]any{"email": email, "login": "newlogin"}
				gql(t, adminTok, create, map[string]any{"in": in}, "BAD_USER_INPUT")
			})
		}
		login := `mutation($email: String!) { login(email: $email, password: "password123") { user { publicID } } }`
		for _, email := range []string{"kate@example.com", "KATE@example.com", kelvinKate, wideKate} {
			t.Run("graphql login-ok/"+email+" is kate", func(t *testing.T) {
				res := e.GraphQL(t, "", login, map[string]any{"email": email})
				var out struct {
					Login struct{ User struct{ PublicID string } }
				}
				res.Decode(t, &out)
				if len(res.Errors) != 0 || out.Login.User.PublicID != kate.PublicID {
					t.Fatalf("%+v %v, want kate %s", out, res.Codes(), kate.PublicID)
				}
			})
		}
		t.Run("graphql createUser-BAD_USER_INPUT/fullwidth spelling of a reserved username", func(t *testing.T) {
			gql(t, adminTok, create, map[string]any{"in": map[string]any{"email": "new@example.com", "username": "\uFF21\uFF24\uFF2D\uFF29\uFF2E"}}, "BAD_USER_INPUT")
		})
		t.Run("graphql createUser-BAD_USER_INPUT/an e-mail of 100,000 characters", func(t *testing.T) {
			gql(t, adminTok, create, map[string]any{"in": map[string]any{"email": strings.Repeat("\u212A", 100000) + "@example.com"}}, "BAD_USER_INPUT")
		})
		t.Run("graphql login-BAD_USER_INPUT/NUL in the e-mail is refused before any lookup", func(t *testing.T) {
			gql(t, "", login, map[string]any{"email": "kate@example.com\x00"}, "BAD_USER_INPUT") // inputtext
		})
		for name, email := range map[string]string{
			"invalid UTF-8":            "kate@example.com\xff",
			"100,000 characters":       strings.Repeat("k", 100000) + "@example.com",
			"zero-width joiner inside": "ka\u200Dte@example.com",
		} {
			t.Run("graphql login-UNAUTHENTICATED/"+name+" in the e-mail is a bad login, not an internal error", func(t *testing.T) {
				gql(t, "", login, map[string]any{"email": email}, "UNAUTHENTICATED")
			})
		}

		t.Run("users-v1 POST-400/email_taken for the KELVIN SIGN spelling", func(t *testing.T) {
			call(t, "POST", "/v1/users", adminTok, `{"email":"`+kelvinKate+`","name":"K","password":"securepass123"}`, 400, `"email_taken"`)
		})
		t.Run("users-v1 PUT-400/email_taken for the fullwidth spelling", func(t *testing.T) {
			call(t, "PUT", "/v1/users/usr_"+other.PublicID, adminTok, `{"email":"`+wideKate+`"}`, 400, `"email_taken"`)
		})
		t.Run("users-v1 POST-400/invalid_parameter for NUL in the e-mail", func(t *testing.T) {
			call(t, "POST", "/v1/users", adminTok, `{"email":"ka\u0000te@example.com","name":"K","password":"securepass123"}`, 400, `"invalid_parameter"`)
		})
		t.Run("maarch POST /rest/users-400/Login already exists for the KELVIN SIGN login", func(t *testing.T) {
			call(t, "POST", "/rest/users", adminTok, `{"login":"\u212Aate","firstname":"K","lastname":"K","email":"k2@example.com"}`, 400, "Login already exists")
		})
		t.Run("maarch POST /rest/users-400/Email already exists for the fullwidth e-mail", func(t *testing.T) {
			call(t, "POST", "/rest/users", adminTok, `{"login":"k3","firstname":"K","lastname":"K","email":"`+wideKate+`"}`, 400, "Email already exists")
		})
		t.Run("edufocus PATCH /users/@current-400/used_username for the fullwidth username", func(t *testing.T) {
			call(t, "PATCH", "/users/@current", otherTok, `{"username":"\uFF4Bate"}`, 400, "used_username")
		})
		t.Run("CLI token create finds kate by the KELVIN SIGN spelling", func(t *testing.T) {
			_, cred, err := e.Accounts.Issue(ctx, accounts.IssueInput{UserEmail: kelvinKate})
			if err != nil || cred.UserID == nil || *cred.UserID != kate.ID {
				t.Fatalf("%+v, %v", cred, err)
			}
		})
		t.Run("nothing was created or renamed", func(t *testing.T) {
			if n := users(); n != before {
				t.Fatalf("%d users, want %d", n, before)
			}
			o := e.Store.Client.User.GetX(ctx, other.ID)
			if o.Email != "other@example.com" || o.Username != "other" || o.Login != "other" {
				t.Fatalf("other is now %s %s %s", o.Email, o.Username, o.Login)
			}
		})
		t.Run("stored/an e-mail typed with KELVIN SIGN is stored as K, its key folded", func(t *testing.T) {
			u := e.User(t, "\u212Aelvin@example.com")
			if u.Email != "Kelvin@example.com" || u.EmailKey != "kelvin@example.com" || u.Login != "kelvin@example.com" {
				t.Fatalf("stored %q, key %q, login %q", u.Email, u.EmailKey, u.Login)
			}
			if n := e.Store.Client.User.Query().Where(user.EmailKey("kelvin@example.com")).CountX(ctx); n != 1 {
				t.Fatalf("%d users under the key", n)
			}
		})
	})
}
