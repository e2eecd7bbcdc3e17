package graph_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"userbridge/ent/file"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// errorLog records what the service logs at ERROR.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }
func (l *errorLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.msgs)
}

// relayEnv is a service with n plain users after the administrator (ids
// 1..n+1 in creation order), one of them owning three files, and a log of
// its errors.
func relayEnv(t *testing.T, url string, n int, options ...func(*app.Config)) (*apptest.Env, string, *errorLog) {
	t.Helper()
	log := &errorLog{}
	env := apptest.New(t, url, append([]func(*app.Config){func(c *app.Config) { c.Logger = slog.New(log) }}, options...)...)
	tok := env.Token(t, env.Admin(t, "root@example.com"))
	for i := range n {
		u := env.User(t, fmt.Sprintf("user%02d@example.com", i), func(in *accounts.CreateInput) { in.FirstName = "f" })
		if i == 0 {
			for j := range 3 {
				env.Store.Client.File.Create().SetOwnerID(u.ID).SetKind(file.KindUserFile).SetName(fmt.Sprintf("f%d", j)).
					SetContentType("text/plain").SetSize(1).SetSha256("x").SetStorageKey(fmt.Sprintf("k/%d", j)).
					ExecX(context.Background())
			}
		}
	}
	return env, tok, log
}

// usersQuery answers users(args) { ids, pageInfo } and fails on errors.
func usersQuery(t *testing.T, env *apptest.Env, tok, args string) (ids []int, hasNext, hasPrev bool) {
	t.Helper()
	res := env.GraphQL(t, tok, `{ users(`+args+`) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }`, nil)
	if len(res.Errors) != 0 {
		t.Fatalf("users(%s): %v", args, res.Errors)
	}
	var p struct {
		Users struct {
			Edges    []struct{ Node struct{ ID string } }
			PageInfo struct{ HasNextPage, HasPreviousPage bool }
		}
	}
	res.Decode(t, &p)
	for _, e := range p.Users.Edges {
		ids = append(ids, userNumber(t, e.Node.ID))
	}
	return ids, p.Users.PageInfo.HasNextPage, p.Users.PageInfo.HasPreviousPage
}

// cursorsOf returns the cursor of every user, by id, in the order given.
func cursorsOf(t *testing.T, env *apptest.Env, tok, orderBy string) map[int]string {
	t.Helper()
	res := env.GraphQL(t, tok, `{ users(first: 100`+orderBy+`) { edges { cursor node { id } } } }`, nil)
	if len(res.Errors) != 0 {
		t.Fatal(res.Errors)
	}
	var p struct {
		Users struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
		}
	}
	res.Decode(t, &p)
	out := map[int]string{}
	for _, e := range p.Users.Edges {
		out[userNumber(t, e.Node.ID)] = e.Cursor
	}
	return out
}

// wantBadInput checks that doc fails with BAD_USER_INPUT only, logged at
// no ERROR.
func wantBadInput(t *testing.T, env *apptest.Env, tok string, log *errorLog, doc string, vars ...map[string]any) {
	t.Helper()
	before := log.count()
	var v map[string]any
	if len(vars) > 0 {
		v = vars[0]
	}
	res := env.GraphQL(t, tok, doc, v)
	if len(res.Errors) == 0 {
		t.Fatalf("%s: no error", doc)
	}
	for _, e := range res.Errors {
		if e.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %s %q, want BAD_USER_INPUT", doc, e.Code(), e.Message)
		}
	}
	if n := log.count() - before; n != 0 {
		t.Errorf("%s: %d ERROR log lines for a client mistake", doc, n)
	}
}

// The pages of issue 16 ("Relay pages are wrong"), by user id (the
// administrator is 1).
func TestRelayPagesOfIssue16(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, tok, _ := relayEnv(t, url, 14)
		cur := cursorsOf(t, env, tok, "")
		cases := []struct {
			name, args      string
			want            []int
			hasNext, hasPrv bool
		}{
			{"first 3 before 10 is 1-3", fmt.Sprintf(`first: 3, before: %q`, cur[10]), []int{1, 2, 3}, true, false},
			{"first 10 after 5 before 10 is 6-9", fmt.Sprintf(`first: 10, after: %q, before: %q`, cur[5], cur[10]), []int{6, 7, 8, 9}, false, false},
			{"last 3 after 10 is 13-15", fmt.Sprintf(`last: 3, after: %q`, cur[10]), []int{13, 14, 15}, false, true},
			{"last 3 before 5 is 2-4", fmt.Sprintf(`last: 3, before: %q`, cur[5]), []int{2, 3, 4}, false, true},
			{"first 4 last 2 is 3-4", `first: 4, last: 2`, []int{3, 4}, true, true},
			{"first 100 over 15 rows has no next page", `first: 100`, seq(1, 15), false, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ids, next, prev := usersQuery(t, env, tok, c.args)
				if !slices.Equal(ids, c.want) || next != c.hasNext || prev != c.hasPrv {
					t.Fatalf("ids %v next %v prev %v, want %v %v %v", ids, next, prev, c.want, c.hasNext, c.hasPrv)
				}
			})
		}

		t.Run("hasNextPage does not change with totalCount", func(t *testing.T) {
			for _, first := range []int{0, 3, 14, 15, 16} {
				var with, without struct {
					Users struct{ PageInfo struct{ HasNextPage bool } }
				}
				q := fmt.Sprintf(`{ users(first: %d) { %%s pageInfo { hasNextPage } } }`, first)
				env.GraphQL(t, tok, fmt.Sprintf(q, "totalCount"), nil).Decode(t, &with)
				env.GraphQL(t, tok, fmt.Sprintf(q, "edges { node { id } }"), nil).Decode(t, &without)
				pageOnly := struct {
					Users struct{ PageInfo struct{ HasNextPage bool } }
				}{}
				env.GraphQL(t, tok, fmt.Sprintf(q, ""), nil).Decode(t, &pageOnly)
				want := first < 15
				if with.Users.PageInfo.HasNextPage != want || without.Users.PageInfo.HasNextPage != want || pageOnly.Users.PageInfo.HasNextPage != want {
					t.Errorf("first %d: hasNextPage %v with totalCount, %v with edges, %v alone; want %v", first,
						with.Users.PageInfo.HasNextPage, without.Users.PageInfo.HasNextPage, pageOnly.Users.PageInfo.HasNextPage, want)
				}
			}
		})
	})
}

// userNumber is the integer id of a user's GraphQL id (users keep small
// integer ids, docs/decisions.md "GraphQL ids").
func userNumber(t *testing.T, id string) int {
	t.Helper()
	for i := 1; i < 1000; i++ {
		if gidOf(i) == id {
			return i
		}
	}
	t.Fatalf("%s is no user id", id)
	return 0
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestPageSizes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, tok, log := relayEnv(t, url, 4, func(c *app.Config) { c.GraphQL.PageSize, c.GraphQL.MaxPageSize = 2, 3 })

		t.Run("without first or last, the configured page size", func(t *testing.T) {
			ids, next, _ := usersQuery(t, env, tok, `orderBy: {field: EMAIL, direction: ASC}`)
			if len(ids) != 2 || !next {
				t.Fatalf("ids %v hasNextPage %v, want 2 edges and a next page", ids, next)
			}
		})
		t.Run("the maximum is accepted", func(t *testing.T) {
			if ids, _, _ := usersQuery(t, env, tok, `first: 3, last: 3`); len(ids) != 3 {
				t.Fatalf("ids %v", ids)
			}
		})
		for _, doc := range []string{
			`{ users(first: 100000) { totalCount } }`,
			`{ users(first: 4) { edges { node { id } } } }`,
			`{ users(last: 4) { edges { node { id } } } }`,
			`{ users(first: -1) { edges { node { id } } } }`,
			`{ users(last: -1) { pageInfo { hasNextPage } } }`,
			`{ users(first: 1) { edges { node { files(first: 4) { edges { node { id } } } } } } }`,
			`{ users(first: 1) { edges { node { files(last: -1) { totalCount } } } } }`,
			`{ viewer { files(first: 100000) { totalCount } } }`,
		} {
			t.Run("over it: "+doc, func(t *testing.T) { wantBadInput(t, env, tok, log, doc) })
		}
	})
}

func TestCursors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env, tok, log := relayEnv(t, url, 4)
		byEmail := cursorsOf(t, env, tok, `, orderBy: {field: EMAIL, direction: ASC}`)

		t.Run("carry no field value in clear", func(t *testing.T) {
			for id, c := range byEmail {
				raw, err := base64.RawURLEncoding.DecodeString(c)
				if err != nil {
					t.Fatalf("cursor %q is not base64url: %v", c, err)
				}
				email := fmt.Sprintf("user%02d", id-2)
				if id == 1 {
					email = "root"
				}
				for _, s := range []string{string(raw), c} {
					if strings.Contains(s, email) || strings.Contains(s, "example") {
						t.Fatalf("the cursor of user %d shows its e-mail: %q", id, s)
					}
				}
			}
		})
		t.Run("are the same from one request to the next", func(t *testing.T) {
			again := cursorsOf(t, env, tok, `, orderBy: {field: EMAIL, direction: ASC}`)
			if fmt.Sprint(again) != fmt.Sprint(byEmail) {
				t.Fatal("cursors changed")
			}
		})
		t.Run("page on", func(t *testing.T) {
			ids, _, _ := usersQuery(t, env, tok, fmt.Sprintf(`first: 2, after: %q, orderBy: {field: EMAIL, direction: ASC}`, byEmail[1]))
			if !slices.Equal(ids, []int{2, 3}) { // root@, then user00@ (2) and user01@ (3)
				t.Fatalf("ids %v", ids)
			}
		})

		altered := func(c string) string {
			b, _ := base64.RawURLEncoding.DecodeString(c)
			b[len(b)/2] ^= 1
			return base64.RawURLEncoding.EncodeToString(b)
		}
		other := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.Secret = "another secret of the right length!!" })
		otherTok := other.Token(t, other.Admin(t, "root@example.com"))
		foreign := cursorsOf(t, other, otherTok, "")[1]
		fileCursor := func() string {
			res := env.GraphQL(t, tok, `{ users(first: 10) { edges { node { files(first: 10) { edges { cursor } } } } } }`, nil)
			i := strings.Index(string(res.Data), `"cursor":"`)
			if i < 0 {
				t.Fatalf("no file cursor: %s", res.Data)
			}
			s := string(res.Data)[i+len(`"cursor":"`):]
			return s[:strings.IndexByte(s, '"')]
		}()
		email := `orderBy: {field: EMAIL, direction: ASC}`
		for _, c := range []struct{ name, doc string }{
			{"garbage", `{ users(after: "garbage") { totalCount } }`},
			{"not a string", `{ users(after: 12) { totalCount } }`},
			{"empty", `{ users(before: "") { edges { cursor } } }`},
			{"100,000 characters", `{ users(after: "` + strings.Repeat("A", 100000) + `") { edges { cursor } } }`},
			{"altered by one byte", fmt.Sprintf(`{ users(after: %q, %s) { edges { cursor } } }`, altered(byEmail[2]), email)},
			{"made with another secret", fmt.Sprintf(`{ users(after: %q) { edges { cursor } } }`, foreign)},
			{"of another order field", fmt.Sprintf(`{ users(after: %q, orderBy: {field: FIRST_NAME, direction: ASC}) { edges { cursor } } }`, byEmail[2])},
			{"of another direction", fmt.Sprintf(`{ users(before: %q, orderBy: {field: EMAIL, direction: DESC}) { edges { cursor } } }`, byEmail[2])},
			{"of the default order under another", fmt.Sprintf(`{ users(after: %q, %s) { edges { cursor } } }`, cursorsOf(t, env, tok, "")[2], email)},
			{"of another connection", fmt.Sprintf(`{ users(after: %q) { edges { cursor } } }`, fileCursor)},
			{"a user's cursor on files", fmt.Sprintf(`{ viewer { files(after: %q) { totalCount } } }`, cursorsOf(t, env, tok, "")[2])},
			{"garbage on nested files", `{ users(first: 2) { edges { node { files(after: "garbage") { edges { cursor } } } } } }`},
			{"another order's cursor on nested files", fmt.Sprintf(`{ users(first: 2) { edges { node { files(before: %q) { edges { cursor } } } } } }`, byEmail[2])},
		} {
			t.Run("a cursor "+c.name+" is BAD_USER_INPUT", func(t *testing.T) { wantBadInput(t, env, tok, log, c.doc) })
		}
		t.Run("a deleted edge's cursor still pages", func(t *testing.T) {
			env.Store.Client.User.DeleteOneID(3).ExecX(context.Background())
			ids, _, _ := usersQuery(t, env, tok, fmt.Sprintf(`first: 10, after: %q, orderBy: {field: EMAIL, direction: ASC}`, byEmail[3]))
			if !slices.Equal(ids, []int{4, 5}) {
				t.Fatalf("ids %v, want those after user01@ (4, 5)", ids)
			}
			ids, _, _ = usersQuery(t, env, tok, fmt.Sprintf(`last: 10, before: %q, orderBy: {field: EMAIL, direction: ASC}`, byEmail[3]))
			if !slices.Equal(ids, []int{1, 2}) {
				t.Fatalf("ids %v, want those before user01@ (1, 2)", ids)
			}
		})
		t.Run("a cursor with NUL and invalid UTF-8 is BAD_USER_INPUT", func(t *testing.T) {
			wantBadInput(t, env, tok, log, `query($c: Cursor) { users(after: $c) { edges { cursor } } }`,
				map[string]any{"c": "\x00\xff\xfe" + byEmail[2]})
		})
	})
}
