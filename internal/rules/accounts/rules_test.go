package accounts_test

import (
	"context"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/schema"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// The rules of package accounts, where they live: each table is one rule,
// its rows the outcomes (accepted at the bound, refused past it, with the
// field and reason every transport then spells in its own dialect). Every
// table runs on SQLite and on PostgreSQL (dbtest.Each), so the database's
// own limits (a varchar(255) counting characters, the unique keys) are
// part of what is tested.

// world is one database with an administrator and a plain user, each
// seen through a first-party credential.
type world struct {
	svc         *accounts.Service
	client      *ent.Client
	admin, user *auth.Viewer
}

func newWorld(t *testing.T, url string) world {
	t.Helper()
	s := dbtest.Open(t, url)
	svc := &accounts.Service{Client: s.Client}
	ctx := context.Background()
	adminRole := user.RoleAdmin
	admin, err := svc.Bootstrap(ctx, accounts.CreateInput{Email: "root@example.com", Role: &adminRole})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := svc.Bootstrap(ctx, accounts.CreateInput{Email: "plain@example.com", Username: new("plain"), Password: new("plain password")})
	if err != nil {
		t.Fatal(err)
	}
	return world{svc: svc, client: s.Client,
		admin: &auth.Viewer{User: admin, Scopes: auth.AllScopes, Consented: true},
		user:  &auth.Viewer{User: plain, Scopes: auth.AllScopes, Consented: true}}
}

// outcome is what a rule answers: nil for accepted, else the kind, field
// and reason of the refusal.
type outcome struct {
	kind          apperr.Kind
	field, reason string
}

var accepted *outcome

func refused(kind apperr.Kind, field, reason string) *outcome {
	return &outcome{kind: kind, field: field, reason: reason}
}

func check(t *testing.T, err error, want *outcome) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	e := apperr.As(err)
	if err == nil || e.Kind != want.kind || e.Field != want.field || e.Reason != want.reason {
		t.Fatalf("got %v (%+v), want %s on %q with reason %q", err, e, want.kind, want.field, want.reason)
	}
}

// TestCreateFieldRules: each field of a new user, at its bound and past it.
func TestCreateFieldRules(t *testing.T) {
	runes := func(r string, n int) string { return strings.Repeat(r, n) }
	invalid := func(field, reason string) *outcome { return refused(apperr.Invalid, field, reason) }
	for _, group := range []struct {
		rule  string
		cases []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}
	}{
		{"e-mail", []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}{
			{"an address is accepted", accounts.CreateInput{Email: "ann@example.com"}, accepted},
			{"at the byte limit is accepted", accounts.CreateInput{Email: runes("a", 64) + "@" + runes("b", schema.MaxEmailLen-64-1-4) + ".com"}, accepted},
			{"past the byte limit is refused", accounts.CreateInput{Email: runes("a", 64) + "@" + runes("b", schema.MaxEmailLen-64-4) + ".com"}, invalid("email", accounts.ReasonInvalidEmail)},
			{"no domain is refused", accounts.CreateInput{Email: "ann@"}, invalid("email", accounts.ReasonInvalidEmail)},
			{"a NUL byte is refused", accounts.CreateInput{Email: "ann\x00@example.com"}, invalid("email", accounts.ReasonInvalidEmail)},
			{"invalid UTF-8 is refused", accounts.CreateInput{Email: "ann\xff@example.com"}, invalid("email", accounts.ReasonInvalidEmail)},
		}},
		{"password", []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}{
			{"at the minimum is accepted", accounts.CreateInput{Email: "p1@example.com", Password: new(runes("é", accounts.MinPassword))}, accepted},
			{"under the minimum is refused", accounts.CreateInput{Email: "p2@example.com", Password: new(runes("x", accounts.MinPassword-1))}, invalid("password", accounts.ReasonPasswordTooShort)},
			{"past the maximum is refused", accounts.CreateInput{Email: "p3@example.com", Password: new(runes("x", accounts.MaxPassword+1))}, invalid("password", accounts.ReasonPasswordTooLong)},
		}},
		{"username", []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}{
			{"at the minimum is accepted", accounts.CreateInput{Email: "u1@example.com", Username: new(runes("u", schema.MinUsernameLen))}, accepted},
			{"at the maximum is accepted", accounts.CreateInput{Email: "u2@example.com", Username: new(runes("v", schema.MaxUsernameLen))}, accepted},
			{"under the minimum is refused", accounts.CreateInput{Email: "u3@example.com", Username: new(runes("w", schema.MinUsernameLen-1))}, invalid("username", accounts.ReasonUsernameRefused)},
			{"past the maximum is refused", accounts.CreateInput{Email: "u4@example.com", Username: new(runes("x", schema.MaxUsernameLen+1))}, invalid("username", accounts.ReasonUsernameRefused)},
			{"a character outside [A-Za-z0-9_.-] is refused", accounts.CreateInput{Email: "u5@example.com", Username: new("ann smith")}, invalid("username", accounts.ReasonUsernameRefused)},
			{"a reserved word is refused, in any case", accounts.CreateInput{Email: "u6@example.com", Username: new("ADMIN")}, invalid("username", accounts.ReasonUsernameRefused)},
		}},
		{"login", []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}{
			{"letters, digits and _ . @ - are accepted", accounts.CreateInput{Email: "l1@example.com", Login: new("ann.smith-2@corp")}, accepted},
			{"at the byte limit is accepted", accounts.CreateInput{Email: "l2@example.com", Login: new(runes("l", schema.MaxLoginLen))}, accepted},
			{"past the byte limit is refused", accounts.CreateInput{Email: "l3@example.com", Login: new(runes("l", schema.MaxLoginLen+1))}, invalid("login", accounts.ReasonInvalidLogin)},
			{"a space is refused", accounts.CreateInput{Email: "l4@example.com", Login: new("ann smith")}, invalid("login", accounts.ReasonInvalidLogin)},
		}},
		{"names", []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}{
			// Characters, not bytes: 255 two-byte letters are 510 bytes,
			// which the schema refused while the rule let them through.
			{"at the limit in two-byte letters is accepted", accounts.CreateInput{Email: "n1@example.com", FirstName: runes("é", schema.MaxNameLen), LastName: runes("ß", schema.MaxNameLen)}, accepted},
			{"a users-v1 name at the limit is accepted", accounts.CreateInput{Email: "n2@example.com", Name: new(runes("é", schema.MaxNameLen))}, accepted},
			{"a first name past the limit is refused", accounts.CreateInput{Email: "n3@example.com", FirstName: runes("é", schema.MaxNameLen+1)}, invalid("first_name", "invalid_first_name")},
			{"a last name with a control character is refused", accounts.CreateInput{Email: "n4@example.com", LastName: "Smith\x07"}, invalid("last_name", "invalid_last_name")},
			{"a blank users-v1 name is refused", accounts.CreateInput{Email: "n5@example.com", Name: new("  ")}, invalid("name", accounts.ReasonInvalidName)},
		}},
		{"role, status and flags", []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}{
			{"an unknown role is refused", accounts.CreateInput{Email: "r1@example.com", Role: new(user.Role("owner"))}, invalid("role", accounts.ReasonInvalidRole)},
			{"banned at creation is refused", accounts.CreateInput{Email: "r2@example.com", Status: new(user.StatusBanned)}, invalid("status", accounts.ReasonInvalidStatus)},
			{"suspended at creation is accepted", accounts.CreateInput{Email: "r3@example.com", Status: new(user.StatusSuspended)}, accepted},
			{"negative flags are refused", accounts.CreateInput{Email: "r4@example.com", Flags: new(-1)}, invalid("flags", accounts.ReasonInvalidFlags)},
		}},
	} {
		t.Run(group.rule, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, url string) {
				w := newWorld(t, url)
				for _, c := range group.cases {
					t.Run(c.name, func(t *testing.T) {
						_, err := w.svc.Create(context.Background(), w.admin, c.in)
						check(t, err, c.want)
					})
				}
			})
		})
	}
}

// TestCreateUniqueness: e-mail, username and login are unique ignoring
// case (their keys), and the first holder keeps them.
func TestCreateUniqueness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		if _, err := w.svc.Create(ctx, w.admin, accounts.CreateInput{Email: "kim@example.com", Username: new("kim"), Login: new("kim.l")}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			in   accounts.CreateInput
			want *outcome
		}{
			{"the same e-mail in other case is refused", accounts.CreateInput{Email: "KIM@example.COM"}, refused(apperr.Conflict, "email", accounts.ReasonEmailTaken)},
			{"the same username in other case is refused", accounts.CreateInput{Email: "k2@example.com", Username: new("KIM")}, refused(apperr.Conflict, "username", accounts.ReasonUsernameTaken)},
			{"the same login is refused", accounts.CreateInput{Email: "k3@example.com", Login: new("kim.l")}, refused(apperr.Conflict, "login", accounts.ReasonLoginTaken)},
			{"other values are accepted", accounts.CreateInput{Email: "k4@example.com", Username: new("kim2"), Login: new("kim.m")}, accepted},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := w.svc.Create(ctx, w.admin, c.in)
				check(t, err, c.want)
			})
		}
	})
}

// TestCreateDerivedUsername: without one, the username comes from the
// login (the lowercased e-mail unless given) up to its @, padded, cut and
// numbered to be valid and free.
func TestCreateDerivedUsername(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		long := strings.Repeat("z", 40)
		t.Run("from the login when given", func(t *testing.T) {
			u, err := w.svc.Create(ctx, w.admin, accounts.CreateInput{Email: "x1@example.com", Login: new("kim_lee")})
			if err != nil || u.Username != "kim_lee" {
				t.Fatalf("got %v, %v", u, err)
			}
		})
		for _, c := range []struct {
			name, email, want string
		}{
			{"from the e-mail's local part", "ann.lee@example.com", "ann.lee"},
			{"the next one numbered", "ann.lee@example.org", "ann.lee2"},
			{"a short one padded to the minimum", "j@example.com", "j__"},
			{"a long one cut, leaving room for a number", long + "@example.com", long[:schema.MaxUsernameLen-8]},
			{"a reserved word skipped for a number", "admin@example.com", "admin2"},
		} {
			t.Run(c.name, func(t *testing.T) {
				u, err := w.svc.Create(ctx, w.admin, accounts.CreateInput{Email: c.email})
				if err != nil || u.Username != c.want {
					t.Fatalf("got %v, %v; want %q", u, err, c.want)
				}
			})
		}
	})
}

// TestCreateWhoMay: creating users needs manage_users; granting the admin
// role needs an administrator.
func TestCreateWhoMay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		adminRole := user.RoleAdmin
		for _, c := range []struct {
			name string
			v    *auth.Viewer
			in   accounts.CreateInput
			fail bool
		}{
			{"an administrator creates a user", w.admin, accounts.CreateInput{Email: "w1@example.com"}, false},
			{"an administrator creates an administrator", w.admin, accounts.CreateInput{Email: "w2@example.com", Role: &adminRole}, false},
			{"a plain user is refused", w.user, accounts.CreateInput{Email: "w3@example.com"}, true},
			{"an anonymous caller is refused", nil, accounts.CreateInput{Email: "w4@example.com"}, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := w.svc.Create(ctx, c.v, c.in)
				if c.fail != (err != nil) {
					t.Fatalf("err %v", err)
				}
				if c.fail && !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.Unauthenticated) {
					t.Fatalf("refused as %v", err)
				}
			})
		}
	})
}

// TestUpdateRules: a partial change by its owner or an administrator.
func TestUpdateRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		other, err := w.svc.Create(ctx, w.admin, accounts.CreateInput{Email: "other@example.com", Username: new("other")})
		if err != nil {
			t.Fatal(err)
		}
		self := w.user.User.ID
		adminRole, suspended := user.RoleAdmin, user.StatusSuspended
		for _, c := range []struct {
			name string
			v    *auth.Viewer
			id   int
			in   accounts.UpdateInput
			want *outcome
		}{
			{"the owner renames itself", w.user, self, accounts.UpdateInput{FirstName: new("Pat")}, accepted},
			{"a name past the limit is refused", w.user, self, accounts.UpdateInput{LastName: new(strings.Repeat("é", schema.MaxNameLen+1))}, refused(apperr.Invalid, "last_name", "invalid_last_name")},
			{"a username taken by another is refused", w.user, self, accounts.UpdateInput{Username: new("OTHER")}, refused(apperr.Conflict, "username", accounts.ReasonUsernameTaken)},
			{"an e-mail taken by another is refused", w.user, self, accounts.UpdateInput{Email: new("other@example.com")}, refused(apperr.Conflict, "email", accounts.ReasonEmailTaken)},
			{"a new password without the current one is refused", w.user, self, accounts.UpdateInput{Password: new("new password 1")}, refused(apperr.Invalid, "current_password", accounts.ReasonWrongCurrentPassword)},
			{"the owner's own role is not its to change", w.user, self, accounts.UpdateInput{Role: &adminRole}, refused(apperr.Forbidden, "", "")},
			{"another user is not found for a plain user", w.user, other.ID, accounts.UpdateInput{FirstName: new("X")}, refused(apperr.NotFound, "", "")},
			{"an administrator suspends another user", w.admin, other.ID, accounts.UpdateInput{Status: &suspended}, accepted},
			{"an administrator resets a password without the current one", w.admin, other.ID, accounts.UpdateInput{Password: new("reset password 1")}, accepted},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, _, err := w.svc.Update(ctx, c.v, c.id, c.in)
				if c.want != nil && c.want.reason == "" {
					if !apperr.Is(err, c.want.kind) {
						t.Fatalf("got %v, want %s", err, c.want.kind)
					}
					return
				}
				check(t, err, c.want)
			})
		}
	})
}

// TestLoginRules: one answer for an unknown e-mail, a wrong password and
// an account that is not active; the limit per account.
func TestLoginRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		const pw = "correct horse"
		mk := func(email string, st user.Status) {
			t.Helper()
			if _, err := w.svc.Create(ctx, w.admin, accounts.CreateInput{Email: email, Password: new(pw), Status: &st}); err != nil && st != user.StatusBanned {
				t.Fatal(err)
			}
		}
		mk("live@example.com", user.StatusActive)
		mk("sleep@example.com", user.StatusSuspended)
		mk("gone@example.com", user.StatusActive)
		gone, err := w.client.User.Query().Where(user.EmailKey("gone@example.com")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Ban(ctx, w.admin, gone.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, email, password string
			want                  *outcome
		}{
			{"the right password, any case of e-mail, signs in", "LIVE@example.com", pw, accepted},
			{"a wrong password is refused", "live@example.com", "wrong horse", refused(apperr.Unauthenticated, "", accounts.ReasonInvalidCredentials)},
			{"an unknown e-mail gets the same answer", "nobody@example.com", pw, refused(apperr.Unauthenticated, "", accounts.ReasonInvalidCredentials)},
			{"a suspended account is refused as a wrong password", "sleep@example.com", pw, refused(apperr.Unauthenticated, "", accounts.ReasonInvalidCredentials)},
			{"a banned account is refused as a wrong password", "gone@example.com", pw, refused(apperr.Unauthenticated, "", accounts.ReasonInvalidCredentials)},
		} {
			t.Run(c.name, func(t *testing.T) {
				tok, _, err := w.svc.Login(ctx, c.email, c.password, "192.0.2.1:1000")
				check(t, err, c.want)
				if c.want == nil && tok == "" {
					t.Fatal("no token")
				}
			})
		}
		t.Run("past the account's limit, even the right password is refused", func(t *testing.T) {
			w.svc.LoginLimiter = ratelimit.NewMemory(ratelimit.PerMinute(1, 2))
			defer func() { w.svc.LoginLimiter = nil }()
			for i, p := range []string{"wrong", "wrong", pw} {
				_, _, err := w.svc.Login(ctx, "live@example.com", p, "192.0.2.2:1000")
				if i == 2 && !apperr.Is(err, apperr.RateLimited) {
					t.Fatalf("third attempt: %v, want rate limited", err)
				}
			}
		})
	})
}
