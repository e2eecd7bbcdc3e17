package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// store returns the flags pointing a command at a fresh database of the
// test (and its file storage).
func store(t *testing.T, dbURL string) []string {
	return []string{"--database", dbURL}
}

// ok runs a command that must succeed and returns its standard output.
func ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := cli(t, stdin, args...)
	if r.Code != 0 {
		t.Fatalf("%v: exit %d: %v\n%s", args, r.Code, r.Err, r.Stderr)
	}
	return r.Stdout
}

// fails runs a command that must fail with code and an error containing
// msg.
func fails(t *testing.T, code int, msg string, args ...string) {
	t.Helper()
	r := cli(t, "", args...)
	if r.Code != code || r.Err == nil || !strings.Contains(r.Err.Error(), msg) {
		t.Fatalf("%v: exit %d, error %v; want exit %d with %q", args, r.Code, r.Err, code, msg)
	}
}

func TestUserCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		db := store(t, dbURL)
		with := func(args ...string) []string { return append(args, db...) }
		created := ok(t, "", with("user", "create", "--admin", "--email", "ada@example.com", "--password", "change-me-now", "--first-name", "Ada")...)
		f := strings.Fields(created)
		if len(f) != 3 || f[2] != "ada@example.com" {
			t.Fatalf("user create printed %q", created)
		}
		adaID := f[1]
		var bob userJSON
		if err := json.Unmarshal([]byte(ok(t, "", with("user", "create", "--email", "bob@example.com", "--privileges", "manage_users", "--verified", "--json")...)), &bob); err != nil {
			t.Fatal(err)
		}
		if bob.Email != "bob@example.com" || bob.Role != "user" || !bob.Verified || len(bob.Privileges) != 1 || bob.HasPassword {
			t.Fatalf("user create --json: %+v", bob)
		}

		t.Run("create refuses what it cannot store, naming the flag", func(t *testing.T) {
			fails(t, 2, "--email is required", with("user", "create")...)
			fails(t, 2, "--email: email must be a valid e-mail address", with("user", "create", "--email", "nope")...)
			fails(t, 2, `--privileges: unknown privilege "bogus_priv" (known: manage_users)`, with("user", "create", "--email", "c@example.com", "--privileges", "bogus_priv")...)
			fails(t, 2, "--password: password must be at least 8 characters", with("user", "create", "--email", "c@example.com", "--password", "short")...)
			fails(t, 1, "--email: email is already taken", with("user", "create", "--email", "ADA@example.com")...)
		})
		t.Run("list prints a table, or JSON", func(t *testing.T) {
			out := ok(t, "", with("user", "list")...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "ada@example.com") ||
				!strings.Contains(lines[1], "admin") || !strings.Contains(lines[2], "manage_users") {
				t.Fatalf("user list:\n%s", out)
			}
			var list []userJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("user", "list", "--json")...)), &list); err != nil || len(list) != 2 || list[0].PublicID != adaID {
				t.Fatalf("user list --json: %v %+v", err, list)
			}
		})
		t.Run("show finds a user by e-mail or public id", func(t *testing.T) {
			if out := ok(t, "", with("user", "show", "--user", adaID)...); !strings.Contains(out, "email:      ada@example.com") || !strings.Contains(out, "password:   set") ||
				!strings.Contains(out, "legacy ids: eduplatform 1, edufocus "+adaID+", usersv1 usr_"+adaID+", maarch 1\n") {
				t.Fatalf("user show:\n%s", out)
			}
			var u userJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("user", "show", "--user", "BOB@example.com", "--json")...)), &u); err != nil || u.PublicID != bob.PublicID {
				t.Fatalf("user show --json: %v %+v", err, u)
			}
		})
		t.Run("a missing --user, an unknown user and a malformed one are told apart", func(t *testing.T) {
			fails(t, 2, "name the user: userbridge user show USER, or --user USER; USER is its e-mail address, public id or id", with("user", "show")...)
			fails(t, 1, "--user: no user nobody@example.com", with("user", "show", "--user", "nobody@example.com")...)
			fails(t, 1, "--user: no user ZZZZZZZZ", with("user", "ban", "--user", "ZZZZZZZZ")...)
			fails(t, 2, `--user: "x" is neither an e-mail address nor a public id`, with("user", "delete", "--user", "x")...)
		})
		t.Run("set-password revokes the user's tokens; the new password logs in", func(t *testing.T) {
			token := strings.TrimSpace(ok(t, "", with("token", "create", "--user", "bob@example.com")...))
			env := apptest.New(t, dbURL)
			if res := env.GraphQL(t, token, `{ viewer { email } }`, nil); len(res.Errors) != 0 {
				t.Fatalf("fresh token refused: %v", res.Errors)
			}
			fails(t, 2, "--password or --password-stdin is required", with("user", "set-password", "--user", "bob@example.com")...)
			fails(t, 2, "--password: password must be at least 8 characters", with("user", "set-password", "--user", "bob@example.com", "--password", "short")...)
			out := ok(t, "a-new-password\n", with("user", "set-password", "--user", "bob@example.com", "--password-stdin")...)
			if out != "password set for bob@example.com; its credentials are revoked\n" {
				t.Fatalf("set-password printed %q", out)
			}
			if res := env.GraphQL(t, token, `{ viewer { email } }`, nil); len(res.Errors) == 0 {
				t.Fatalf("token still works after a password reset: %s", res.Data)
			}
			res := env.GraphQL(t, "", `mutation { login(email: "bob@example.com", password: "a-new-password") { token } }`, nil)
			if len(res.Errors) != 0 {
				t.Fatalf("login with the new password: %v", res.Errors)
			}
		})
		t.Run("ban revokes the user's tokens, unban lets it sign in again", func(t *testing.T) {
			token := strings.TrimSpace(ok(t, "", with("token", "create", "--user", "bob@example.com")...))
			env := apptest.New(t, dbURL)
			if out := ok(t, "", with("user", "ban", "--user", "bob@example.com")...); out != "bob@example.com banned\n" {
				t.Fatalf("ban printed %q", out)
			}
			if res := env.GraphQL(t, token, `{ viewer { email } }`, nil); len(res.Errors) == 0 {
				t.Fatalf("a banned user's token works: %s", res.Data)
			}
			if out := ok(t, "", with("user", "unban", "--user", bob.PublicID)...); out != "bob@example.com active\n" {
				t.Fatalf("unban printed %q", out)
			}
			if res := env.GraphQL(t, token, `{ viewer { email } }`, nil); len(res.Errors) == 0 {
				t.Fatalf("a token the ban revoked works after the unban: %s", res.Data)
			}
			fresh := strings.TrimSpace(ok(t, "", with("token", "create", "--user", "bob@example.com")...))
			if res := env.GraphQL(t, fresh, `{ viewer { email } }`, nil); len(res.Errors) != 0 {
				t.Fatalf("a new token refused after unban: %v", res.Errors)
			}
		})
		t.Run("delete removes the user", func(t *testing.T) {
			files := "file://" + filepath.Join(t.TempDir(), "files")
			out := ok(t, "", with("user", "delete", "--user", "bob@example.com", "--storage", files)...)
			if out != "deleted "+bob.PublicID+" bob@example.com\n" {
				t.Fatalf("delete printed %q", out)
			}
			fails(t, 1, "--user: no user bob@example.com", with("user", "show", "--user", "bob@example.com")...)
			fails(t, 1, "--user: no user bob@example.com", with("user", "delete", "--user", "bob@example.com")...)
		})
	})
}

func TestTokenCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		with := func(args ...string) []string { return append(args, store(t, dbURL)...) }
		ok(t, "", with("user", "create", "--email", "ada@example.com")...)
		appLine := strings.Fields(ok(t, "", with("app", "create", "--name", "Reader", "--verified")...))

		t.Run("create refuses unknown scopes, lifetimes that are not positive, unknown users and apps", func(t *testing.T) {
			fails(t, 2, "name the user: userbridge token create USER, or --user USER", with("token", "create")...)
			fails(t, 2, `--scopes: unknown scope "admin" (known: identity, email, personal, modify, files, signatures)`, with("token", "create", "--user", "ada@example.com", "--scopes", "identity,admin")...)
			fails(t, 2, "--ttl: -1h0m0s is not a lifetime", with("token", "create", "--user", "ada@example.com", "--ttl", "-1h")...)
			fails(t, 2, "--ttl: 0s is not a lifetime", with("token", "create", "--user", "ada@example.com", "--ttl", "0")...)
			fails(t, 2, `--ttl: "soon" is not a duration such as 90s, 15m or 1h`, with("token", "create", "--user", "ada@example.com", "--ttl", "soon")...)
			fails(t, 1, "--user: no user nobody@example.com", with("token", "create", "--user", "nobody@example.com")...)
			fails(t, 1, "--app: no application with client id nope", with("token", "create", "--user", "ada@example.com", "--app", "nope")...)
		})
		first := strings.TrimSpace(ok(t, "", with("token", "create", "--user", "ada@example.com", "--scopes", "identity,email", "--ttl", "24h")...))
		var issued struct {
			Token string
			credentialJSON
		}
		if err := json.Unmarshal([]byte(ok(t, "", with("token", "create", "--user", "ada@example.com", "--app", appLine[0], "--consent", "--json")...)), &issued); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(first, "ubk_") || issued.Token == "" || issued.Kind != "access_token" || !issued.Consented ||
			issued.Application == nil || *issued.Application != appLine[0] || strings.Join(issued.Scopes, ",") != "identity" {
			t.Fatalf("token create: %q %+v", first, issued)
		}

		t.Run("list shows kinds, applications, scopes and states, never a token", func(t *testing.T) {
			out := ok(t, "", with("token", "list", "--user", "ada@example.com")...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.Contains(lines[1], appLine[0]) || !strings.Contains(lines[2], "identity,email") ||
				!strings.Contains(lines[2], "active") || strings.Contains(out, first) || strings.Contains(out, issued.Token) {
				t.Fatalf("token list:\n%s", out)
			}
		})
		t.Run("revoke ends a token", func(t *testing.T) {
			env := apptest.New(t, dbURL)
			if res := env.GraphQL(t, first, `{ viewer { email } }`, nil); len(res.Errors) != 0 {
				t.Fatalf("fresh token refused: %v", res.Errors)
			}
			var list []credentialJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("token", "list", "--user", "ada@example.com", "--json")...)), &list); err != nil || len(list) != 2 {
				t.Fatalf("token list --json: %v %+v", err, list)
			}
			id, short := list[1].ID, list[1].ShortID
			if !regexp.MustCompile(`^key_(0|[1-9][0-9]*)$`).MatchString(short) || !strings.Contains(ok(t, "", with("token", "list", "ada@example.com")...), short+" ") {
				t.Fatalf("token list shows %q for credential %d", short, id)
			}
			if out := ok(t, "", with("token", "revoke", short)...); out != "revoked "+short+"\n" {
				t.Fatalf("revoke printed %q", out)
			}
			if out := ok(t, "", with("token", "revoke", "--id", strconv.Itoa(id))...); out != "revoked "+short+"\n" {
				t.Fatalf("revoke by the number printed %q", out)
			}
			if res := env.GraphQL(t, first, `{ viewer { email } }`, nil); len(res.Errors) == 0 {
				t.Fatalf("revoked token works: %s", res.Data)
			}
			if out := ok(t, "", with("token", "list", "--user", "ada@example.com")...); !strings.Contains(out, "revoked") {
				t.Fatalf("token list after revoke:\n%s", out)
			}
			fails(t, 2, "ID is required: userbridge token revoke ID, or --id ID", with("token", "revoke")...)
			fails(t, 2, "give ID once", with("token", "revoke", short, "--id", "tok_1")...)
			for _, bad := range []string{"x", "tok_", "tok_00", "tok_07", "tok_-1", "tok_+1", "TOK_1", "tok_4294967296", "key_1x", "0", "-5", "007", "tok_1\x00"} {
				fails(t, 2, fmt.Sprintf("--id: %q is not a credential id: want tok_7, key_7 or ref_7", bad), with("token", "revoke", "--id="+bad)...)
			}
			fails(t, 2, `--id: "tok_01" is not a credential id`, with("token", "revoke", "tok_01")...)
			fails(t, 1, "--id: not found", with("token", "revoke", "--id", "999999")...)
			fails(t, 1, "--id: no credential tok_999999", with("token", "revoke", "tok_999999")...)
			// The prefix names the kind: the number of an API key (what
			// token create makes) with tok_ is no credential.
			fails(t, 1, "--id: no credential tok_"+strings.TrimPrefix(short, "key_"), with("token", "revoke", "tok_"+strings.TrimPrefix(short, "key_"))...)
		})
	})
}

func TestAppCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		with := func(args ...string) []string { return append(args, store(t, dbURL)...) }
		t.Run("create refuses unknown permissions and a missing name", func(t *testing.T) {
			fails(t, 2, "--name is required", with("app", "create")...)
			fails(t, 2, `--permissions: unknown permission "users:delete" (known: users:read, users:write)`, with("app", "create", "--name", "X", "--permissions", "users:delete")...)
		})
		f := strings.Fields(ok(t, "", with("app", "create", "--name", "Legacy client", "--verified", "--permissions", "users:read")...))
		if len(f) != 2 || len(f[0]) != 32 {
			t.Fatalf("app create printed %v", f)
		}
		clientID, secret := f[0], f[1]
		env := apptest.New(t, dbURL)
		basic := func(secret string) int {
			req := apptest.Request("GET", "/users/@current", "", nil)
			req.SetBasicAuth(clientID, secret)
			return env.Do(req).Code
		}
		before := basic(secret)

		t.Run("list and show", func(t *testing.T) {
			out := ok(t, "", with("app", "list")...)
			if !strings.Contains(out, clientID) || !strings.Contains(out, "Legacy client") || !strings.Contains(out, "users:read") || strings.Contains(out, secret) {
				t.Fatalf("app list:\n%s", out)
			}
			var a appJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("app", "show", "--app", clientID, "--json")...)), &a); err != nil ||
				a.Name != "Legacy client" || !a.Verified || a.Secret != "" {
				t.Fatalf("app show --json: %v %+v", err, a)
			}
			var positional appJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("app", "show", clientID, "-o", "json")...)), &positional); err != nil || positional.ClientID != clientID {
				t.Fatalf("app show CLIENT_ID: %v %+v", err, positional)
			}
			fails(t, 2, "CLIENT_ID is required: userbridge app show CLIENT_ID, or --app CLIENT_ID", with("app", "show")...)
			fails(t, 2, "give CLIENT_ID once", with("app", "show", clientID, "--app", "other")...)
			fails(t, 2, "acts on one application, not 2", with("app", "show", clientID, clientID)...)
			fails(t, 1, "--app: no application with client id nope", with("app", "show", "--app", "nope")...)
			fails(t, 1, "--app: no application with client id nope", with("app", "show", "nope")...)
		})
		t.Run("rotate-secret: the old secret stops working, the new one works", func(t *testing.T) {
			f := strings.Fields(ok(t, "", with("app", "rotate-secret", "--app", clientID)...))
			if len(f) != 2 || f[0] != clientID || f[1] == secret {
				t.Fatalf("rotate-secret printed %v", f)
			}
			g := strings.Fields(ok(t, "", with("app", "rotate-secret", clientID)...))
			if len(g) != 2 || g[0] != clientID || g[1] == f[1] {
				t.Fatalf("rotate-secret CLIENT_ID printed %v", g)
			}
			if got := basic(f[1]); got != 401 {
				t.Fatalf("the secret before: %d", got)
			}
			f = g
			if got := basic(secret); got != 401 {
				t.Fatalf("old secret: %d", got)
			}
			if got := basic(f[1]); got != before {
				t.Fatalf("new secret: %d, the old one got %d before", got, before)
			}
		})
		t.Run("delete removes the application and its tokens", func(t *testing.T) {
			ok(t, "", with("user", "create", "--email", "ada@example.com")...)
			token := strings.TrimSpace(ok(t, "", with("token", "create", "--user", "ada@example.com", "--app", clientID, "--consent")...))
			if res := env.GraphQL(t, token, `{ viewer { id } }`, nil); len(res.Errors) != 0 {
				t.Fatalf("application's token refused: %v", res.Errors)
			}
			if out := ok(t, "", with("app", "delete", clientID)...); out != "deleted "+clientID+"\n" {
				t.Fatalf("delete printed %q", out)
			}
			if res := env.GraphQL(t, token, `{ viewer { id } }`, nil); len(res.Errors) == 0 {
				t.Fatalf("a deleted application's token works: %s", res.Data)
			}
			if out := ok(t, "", with("app", "list")...); strings.Contains(out, clientID) {
				t.Fatalf("app list after delete:\n%s", out)
			}
			fails(t, 1, "--app: no application", with("app", "delete", "--app", clientID)...)
		})
	})
}

func TestMigrateCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		for range 2 {
			if out := ok(t, "", "migrate", "--database", dbURL); out != "schema up to date\n" {
				t.Fatalf("migrate printed %q", out)
			}
		}
		fails(t, 2, "unknown flag: --addr", "migrate", "--database", dbURL, "--addr", ":0")
	})
}
