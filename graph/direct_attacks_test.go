package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

// An outsider against the direct answers (direct.go, direct_write.go):
// every request goes to two services on one database, one answering
// directly when it can and one answering field by field (fieldByField),
// and the two answers must be the same: status, Content-Type and the
// canonical body. Where the outcome of the direct path is certain (a
// plain query of an administrator is written directly; a mutation, a
// subscription or the WebSocket never try), the counter says so.

// attackEnv is the two services, the viewers and the users they read.
type attackEnv struct {
	direct, reference *apptest.Env
	adminToken        string
	viewers           []namedToken
	ids               map[string]string // global ids by user name
	fileCursor        string            // a cursor of a files connection
	userCursor        string            // a cursor of the users connection
}

// outcome of one request on the direct service, from its counters.
type outcome string

const (
	answered outcome = "answered"  // written directly
	fellBack outcome = "fell_back" // tried, dropped, the executor answered
	executor outcome = "executor"  // never tried
)

// newAttackEnv is the two services on url, planned unless options say
// otherwise (they apply to both).
func newAttackEnv(t *testing.T, url string, options ...func(*app.Config)) *attackEnv {
	t.Helper()
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	a := &attackEnv{ids: map[string]string{}}
	a.direct = apptest.New(t, url, append([]func(*app.Config){differentialConfig(now)}, options...)...)
	a.reference = apptest.New(t, url, append([]func(*app.Config){differentialConfig(now), fieldByField}, options...)...)
	env, ctx := a.direct, context.Background()
	admin := env.Admin(t, "root@example.com")
	other := env.Admin(t, "otheradmin@example.com")
	manager := env.User(t, "manager@example.com", func(in *accounts.CreateInput) {
		in.Privileges = []string{"manage_users"}
		in.FirstName = "Manager"
	})
	alice := env.User(t, "alice@example.com", func(in *accounts.CreateInput) { in.FirstName = "Alice" })
	bob := env.User(t, "bob@example.com", func(in *accounts.CreateInput) { in.FirstName = "Bob" })
	banned := env.User(t, "banned@example.com", func(in *accounts.CreateInput) { in.FirstName = "Banned" })
	for _, u := range []struct {
		owner *authUser
		names []string
	}{{&authUser{alice.ID, alice.Email}, []string{"alpha.txt", "beta.txt", "gamma.txt"}},
		{&authUser{bob.ID, bob.Email}, []string{"secret-plan.txt"}},
		{&authUser{other.ID, other.Email}, []string{"admin-only.txt"}}} {
		var owner = alice
		switch u.owner.id {
		case bob.ID:
			owner = bob
		case other.ID:
			owner = other
		}
		v := &auth.Viewer{User: owner, Scopes: auth.AllScopes, Consented: true}
		for _, n := range u.names {
			if _, err := env.Files.UploadUserFile(ctx, v, u.owner.id, files.Upload{Name: n, Body: strings.NewReader("xy")},
				files.UserFileInput{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Hostile strings in the data, written past the service's own checks:
	// quotes, backslashes, control characters, and (where the database
	// takes them) NUL and invalid UTF-8.
	cl := env.Store.Client
	if err := cl.User.UpdateOneID(alice.ID).SetLastName("q\"b\\s\u2028\x01\t\n</script>").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cl.File.Update().Where().SetContentType("text/\"x\"\\\x1f").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		id   int
		name string
	}{{bob.ID, "nul\x00byte"}, {banned.ID, "bad\xff\xfeutf8"}} {
		if err := cl.User.UpdateOneID(s.id).SetLastName(s.name).Exec(ctx); err != nil {
			t.Logf("the database refuses %q: %v", s.name, err)
		}
	}
	app, _ := env.Application(t, "reader", true, policy.PermUsersRead)
	unverified, _ := env.Application(t, "unverified", false, policy.PermUsersRead)
	a.adminToken = env.Token(t, admin)
	bannedToken := env.Token(t, banned)
	a.viewers = []namedToken{
		{"anonymous", ""},
		{"admin", a.adminToken},
		{"manager", env.Token(t, manager)},
		{"alice", env.Token(t, alice)},
		{"bob", env.Token(t, bob)},
		{"narrowed", env.Issue(t, accounts.IssueInput{UserEmail: alice.Email,
			Scopes: []string{auth.ScopeIdentity, auth.ScopeEmail}})},
		{"app consented", env.Issue(t, accounts.IssueInput{UserEmail: alice.Email, AppID: app.ClientID,
			Scopes: []string{auth.ScopeIdentity, auth.ScopeEmail, auth.ScopeFiles}, Consent: true})},
		{"app unconsented", env.Issue(t, accounts.IssueInput{UserEmail: alice.Email, AppID: app.ClientID,
			Scopes: []string{auth.ScopeIdentity, auth.ScopeEmail, auth.ScopeFiles}})},
		{"app unverified", env.Issue(t, accounts.IssueInput{UserEmail: alice.Email, AppID: unverified.ClientID,
			Scopes: []string{auth.ScopeIdentity, auth.ScopeEmail, auth.ScopePersonal, auth.ScopeFiles}, Consent: true})},
		{"banned", bannedToken},
	}
	if _, err := env.Accounts.Ban(ctx, &auth.Viewer{User: admin, Scopes: auth.AllScopes, Consented: true}, banned.ID); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Users struct {
			Edges []struct {
				Cursor string
				Node   struct {
					ID    string
					Email string
					Files struct{ Edges []struct{ Cursor string } }
				}
			}
		}
	}
	r := env.GraphQL(t, a.adminToken, `{ users(first: 50) { edges { cursor node { id email files(first: 5) { edges { cursor } } } } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	r.Decode(t, &page)
	for _, e := range page.Users.Edges {
		a.ids[strings.TrimSuffix(e.Node.Email, "@example.com")] = e.Node.ID
		a.userCursor = e.Cursor
		for _, f := range e.Node.Files.Edges {
			a.fileCursor = f.Cursor
		}
	}
	if len(a.ids) < 6 || a.fileCursor == "" {
		t.Fatalf("data set: %v, file cursor %q", a.ids, a.fileCursor)
	}
	return a
}

type authUser struct {
	id    int
	email string
}

// same sends the request req builds to both services and requires the
// same status, Content-Type and canonical answer; it returns the direct
// service's body and what its direct path did.
func (a *attackEnv) same(t *testing.T, label string, req func() *http.Request) ([]byte, outcome) {
	t.Helper()
	before, fellBefore := directAnswers(t, a.direct, a.adminToken)
	r1 := a.direct.Do(req())
	after, fellAfter := directAnswers(t, a.direct, a.adminToken)
	r2 := a.reference.Do(req())
	b1, b2 := r1.Body.Bytes(), r2.Body.Bytes()
	if r1.Code != r2.Code || headers(r1.Header()) != headers(r2.Header()) ||
		!bytes.Equal(canonicalAnswer(b1), canonicalAnswer(b2)) {
		t.Errorf("DIFFERENT: %s\ndirect:         %d %s %s\nfield by field: %d %s %s", label,
			r1.Code, headers(r1.Header()), b1, r2.Code, headers(r2.Header()), b2)
	}
	switch {
	case after > before:
		return b1, answered
	case fellAfter > fellBefore:
		return b1, fellBack
	}
	return b1, executor
}

// headers are the response's headers but the request id, one a line.
func headers(h http.Header) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if k != "X-Request-Id" && k != "Date" {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(h[k], ", "))
		}
	}
	return b.String()
}

// attackPost is a JSON POST of query, variables and operationName.
func attackPost(token, query string, vars map[string]any, opName string) func() *http.Request {
	body := map[string]any{"query": query, "variables": vars}
	if opName != "" {
		body["operationName"] = opName
	}
	b, _ := json.Marshal(body)
	return func() *http.Request { return apptest.Request("POST", "/graphql", token, b) }
}

// attackDoc is one hostile document, with its variables.
type attackDoc struct {
	name, query string
	vars        map[string]any
}

func (a *attackEnv) documents() []attackDoc {
	everyUser := `id createdAt updatedAt publicID username role flags privileges status verified mode email login firstName lastName name`
	everyFile := `id createdAt kind nature name contentType fileType size sha256 scenarioID expiresAt url owner { id email }`
	docs := []attackDoc{
		{"viewer, every field", `{ viewer { ` + everyUser + ` avatar { id } } }`, nil},
		{"a page, every field", `{ users(first: 50) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
			edges { cursor node { ` + everyUser + ` files(first: 5) { totalCount edges { cursor node { ` + everyFile + ` } } } } } } }`, nil},
		{"aliases colliding with field names", `{ users(first: 50) { edges { node { email: id id: email username: firstName
			firstName: __typename t: __typename files: avatar { id } } } } }`, nil},
		{"__typename as an alias", `{ __typename: viewer { __typename: id id: __typename } }`, nil},
		{"duplicate fields, different aliases and arguments", `{ a: users(first: 2) { edges { node { id } } }
			b: users(first: 3, orderBy: {field: EMAIL, direction: DESC}) { edges { node { id email } } }
			viewer { id } v2: viewer { email firstName } users(last: 1) { totalCount } }`, nil},
		{"the same field twice, merged", `{ users(first: 5) { edges { node { id } } } users(first: 5) { edges { node { email files(first: 1) { totalCount } } } } }`, nil},
		{"fragments on Node, User and File", `query { users(first: 10) { edges { node { ...N ...U ... on User { email } } } } }
			fragment N on Node { id ... on User { username } ... on File { name } }
			fragment U on User { files(first: 2) { edges { node { ...F ... on Node { id } } } } }
			fragment F on File { id name owner { ...N email } url }`, nil},
		{"@skip and @include with variables", `query($s: Boolean!, $i: Boolean!) { viewer { id firstName @skip(if: $s) lastName @include(if: $i)
			files(first: 2) @include(if: $i) { totalCount } } users(first: 3) @skip(if: $s) { edges { node { name } } } }`,
			map[string]any{"s": true, "i": false}},
		{"@skip and @include, the other way", `query($s: Boolean!, $i: Boolean!) { viewer { id firstName @skip(if: $s) lastName @include(if: $i)
			files(first: 2) @include(if: $i) { totalCount } } users(first: 3) @skip(if: $s) { edges { node { name } } } }`,
			map[string]any{"s": false, "i": true}},
		{"hostile strings in the data", `{ users(first: 50) { edges { node { username firstName lastName name
			files(first: 5) { edges { node { name contentType } } } } } } }`, nil},
		{"__typename alone", `{ __typename }`, nil},
		{"__typename beside the viewer", `{ __typename viewer { __typename } t: __typename }`, nil},
		{"introspection beside a direct field", `{ viewer { id } __type(name: "User") { name } }`, nil},
		{"a @defer", `query { viewer { id ... @defer { email } } }`, nil},
		{"a field the direct path does not write", `{ users(first: 2) { edges { node { id signatures { id } } } } }`, nil},
		{"a guarded field behind a skipped fragment", `query($s: Boolean!) { viewer { id ...P @skip(if: $s) } } fragment P on User { firstName lastName }`,
			map[string]any{"s": true}},
		{"a very large page", `{ users(first: 100) { edges { node { id email files(first: 100) { edges { node { id name url owner { id files(first: 100) { totalCount } } } } } } } } }`, nil},
	}
	page := `query($f: Int, $l: Int, $a: Cursor, $b: Cursor, $w: UserWhereInput, $o: UserOrder) {
		users(first: $f, last: $l, after: $a, before: $b, where: $w, orderBy: $o) { totalCount
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id email } } } }`
	for _, v := range []struct {
		name string
		vars map[string]any
	}{
		{"first: 0", map[string]any{"f": 0}},
		{"first: -1", map[string]any{"f": -1}},
		{"last: 2", map[string]any{"l": 2}},
		{"first and last", map[string]any{"f": 2, "l": 1}},
		{"huge first", map[string]any{"f": 1 << 30}},
		{"first over the page size", map[string]any{"f": 1001}},
		{"an invalid cursor", map[string]any{"f": 2, "a": "not a cursor"}},
		{"a cursor of another connection", map[string]any{"f": 2, "a": a.fileCursor}},
		{"a real cursor, before", map[string]any{"l": 2, "b": a.userCursor}},
		{"a where on emails", map[string]any{"f": 5, "w": map[string]any{"emailContains": "a"}}},
		{"a where on first names", map[string]any{"f": 5, "w": map[string]any{"firstNameHasPrefix": "A"}}},
		{"a where on files", map[string]any{"f": 5, "w": map[string]any{"hasFilesWith": []any{map[string]any{"nameContains": "secret"}}}}},
		{"an orderBy on email", map[string]any{"f": 5, "o": map[string]any{"field": "EMAIL", "direction": "DESC"}}},
		{"an orderBy of a wrong enum", map[string]any{"f": 5, "o": map[string]any{"field": "PASSWORD", "direction": "DESC"}}},
		{"a NUL in a variable", map[string]any{"f": 5, "w": map[string]any{"emailContains": "a\x00"}}},
	} {
		docs = append(docs, attackDoc{"page with " + v.name, page, v.vars})
	}
	one := `query($id: ID!) { user(id: $id) { ` + everyUser + ` avatar { id owner { id } }
		files(first: 5) { totalCount edges { node { ` + everyFile + ` } } } } }`
	for _, name := range []string{"root", "otheradmin", "manager", "alice", "bob", "banned"} {
		docs = append(docs, attackDoc{"user(id:) of " + name, one, map[string]any{"id": a.ids[name]}})
	}
	for _, id := range []string{"VXNlcjo5OTk5OTk=", "not-an-id", "1", "RmlsZTox"} {
		docs = append(docs, attackDoc{"user(id: " + id + ")", `query($id: ID!) { user(id: $id) { id email } }`, map[string]any{"id": id}})
	}
	return docs
}

// TestDirectAttackViewersAndDocuments sends every hostile document as
// every kind of viewer to both services: the same answers. An
// administrator's plain pages are written directly. Under both loadings:
// planned, and edge by edge (SQLite's default, GRAPHQL_LOADING).
func TestDirectAttackViewersAndDocuments(t *testing.T) {
	for _, l := range []string{app.LoadingPlanned, app.LoadingEdges} {
		t.Run(l, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, url string) {
				a := newAttackEnv(t, url, loading(l))
				tally := map[outcome]int{}
				for _, v := range a.viewers {
					for _, d := range a.documents() {
						label := "as " + v.name + ": " + d.name
						body, o := a.same(t, label, attackPost(v.token, d.query, d.vars, ""))
						tally[o]++
						if v.name == "admin" && d.name == "hostile strings in the data" &&
							!bytes.Contains(body, []byte(`"q\"b\\s\u2028\u0001\t\n\u003c/script\u003e"`)) {
							// Both services' bodies are re-encoded on the way out: '<',
							// '>' and U+2028 come escaped.
							t.Errorf("the hostile last name is not in the answer: %s", body)
						}
						t.Logf("%-70s %s", label, o)
					}
				}
				t.Logf("outcomes: %v", tally)
				if tally[answered] == 0 {
					t.Errorf("nothing answered directly: %v", tally)
				}
			})
		})
	}
}

// TestDirectAttackAdministratorIsAnsweredDirectly: the administrator's
// ordinary queries do take the direct path (else the comparisons above
// would compare the executor with itself).
func TestDirectAttackAdministratorIsAnsweredDirectly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		a := newAttackEnv(t, url)
		for _, d := range a.documents()[:10] {
			if _, o := a.same(t, d.name, attackPost(a.adminToken, d.query, d.vars, "")); o != answered {
				t.Errorf("as admin, %s: %s, want answered", d.name, o)
			}
		}
	})
}

// TestDirectAttackTransports: GET, persisted queries, multipart, and
// operationName choosing a query or a mutation from one document.
func TestDirectAttackTransports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		a := newAttackEnv(t, url)
		q := `{ users(first: 3) { edges { node { id email lastName } } } }`
		for _, v := range a.viewers[:4] {
			get := func() *http.Request {
				return apptest.Request("GET", "/graphql?query="+urlQuery(q), v.token, nil)
			}
			if _, o := a.same(t, "GET as "+v.name, get); v.name == "admin" && o != answered {
				t.Errorf("GET as admin: %s, want answered", o)
			}
			getVars := func() *http.Request {
				return apptest.Request("GET", "/graphql?query="+urlQuery(`query($n: Int) { users(first: $n) { totalCount } }`)+
					"&variables="+urlQuery(`{"n": 2}`), v.token, nil)
			}
			a.same(t, "GET with variables as "+v.name, getVars)
			getMutation := func() *http.Request {
				return apptest.Request("GET", "/graphql?query="+urlQuery(`mutation { banUser(id: "VXNlcjo5OTk5OTk=") { id } }`), v.token, nil)
			}
			a.same(t, "GET of a mutation as "+v.name, getMutation)

			// Persisted: the hash alone (not found), then with the query, then alone.
			pq := `{ viewer { id email firstName } }`
			sum := sha256.Sum256([]byte(pq))
			ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
			for i, withQuery := range []bool{false, true, false} {
				body := map[string]any{"extensions": ext}
				if withQuery {
					body["query"] = pq
				}
				b, _ := json.Marshal(body)
				_, o := a.same(t, "persisted as "+v.name, func() *http.Request { return apptest.Request("POST", "/graphql", v.token, b) })
				if v.name == "admin" && i > 0 && o != answered {
					t.Errorf("persisted query %d as admin: %s, want answered", i, o)
				}
			}

			multi := func() *http.Request {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				ops, _ := json.Marshal(map[string]any{"query": q})
				_ = mw.WriteField("operations", string(ops))
				_ = mw.WriteField("map", "{}")
				_ = mw.Close()
				r := apptest.Request("POST", "/graphql", v.token, &buf)
				r.Header.Set("Content-Type", mw.FormDataContentType())
				return r
			}
			a.same(t, "multipart as "+v.name, multi)

			doc := `query Q { viewer { id email } } mutation M { banUser(id: "VXNlcjo5OTk5OTk=") { id } }`
			if _, o := a.same(t, "operationName Q as "+v.name, attackPost(v.token, doc, nil, "Q")); v.name == "admin" && o != answered {
				t.Errorf("operationName Q as admin: %s, want answered", o)
			}
			if _, o := a.same(t, "operationName M as "+v.name, attackPost(v.token, doc, nil, "M")); o != executor {
				t.Errorf("operationName M as %s: %s, want executor", v.name, o)
			}
			a.same(t, "no operationName among two as "+v.name, attackPost(v.token, doc, nil, ""))
			a.same(t, "an unknown operationName as "+v.name, attackPost(v.token, doc, nil, "X"))
			sub := `query Q { viewer { id } } subscription S { auditEvents { id } }`
			if _, o := a.same(t, "operationName S over HTTP as "+v.name, attackPost(v.token, sub, nil, "S")); o == answered {
				t.Errorf("a subscription over HTTP answered directly as %s", v.name)
			}
		}
	})
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// TestDirectAttackWebSocketKeepsTheExecutor: a query over the WebSocket
// is answered by the executor (the counter does not move), with the data
// HTTP answers.
func TestDirectAttackWebSocketKeepsTheExecutor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		a := newAttackEnv(t, url)
		srv := httptest.NewServer(a.direct.Handler)
		t.Cleanup(srv.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
			&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.CloseNow() }()
		send := func(m any) {
			b, _ := json.Marshal(m)
			if err := c.Write(ctx, websocket.MessageText, b); err != nil {
				t.Fatal(err)
			}
		}
		read := func() map[string]json.RawMessage {
			for {
				_, b, err := c.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var m map[string]json.RawMessage
				_ = json.Unmarshal(b, &m)
				if string(m["type"]) == `"ping"` {
					send(map[string]any{"type": "pong"})
					continue
				}
				return m
			}
		}
		send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + a.adminToken}})
		if m := read(); string(m["type"]) != `"connection_ack"` {
			t.Fatalf("no ack: %v", m)
		}
		q := `{ users(first: 5) { edges { node { id email lastName } } } }`
		before, fellBefore := directAnswers(t, a.direct, a.adminToken)
		send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": q}})
		m := read()
		after, fellAfter := directAnswers(t, a.direct, a.adminToken)
		if after != before || fellAfter != fellBefore {
			t.Errorf("a query over the WebSocket tried the direct path: %d → %d, %d → %d", before, after, fellBefore, fellAfter)
		}
		a.same(t, "the same query over HTTP", attackPost(a.adminToken, q, nil, ""))
		rec := a.reference.Do(attackPost(a.adminToken, q, nil, "")())
		var want struct{ Data json.RawMessage }
		_ = json.Unmarshal(rec.Body.Bytes(), &want)
		var got struct{ Data json.RawMessage }
		_ = json.Unmarshal(m["payload"], &got)
		if !bytes.Equal(got.Data, want.Data) {
			t.Errorf("over the WebSocket: %s\nover HTTP: %s", m["payload"], rec.Body.Bytes())
		}
	})
}

// TestDirectAttackCost counts the SQL statements of one document on each
// service: answered directly, no more than field by field; dropped (the
// viewer may not read the last user's files, or the last root field
// fails), at most twice, the documented price of running it again.
func TestDirectAttackCost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		a := newAttackEnv(t, url)
		now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
		counting := func(n *atomic.Int64, on *atomic.Bool) func(*app.Config) {
			return func(c *app.Config) {
				c.QueryLog = func(args ...any) {
					if on.Load() && strings.Contains(fmt.Sprint(args...), "driver.Query") {
						n.Add(1)
					}
				}
			}
		}
		var on atomic.Bool
		var nd, nr atomic.Int64
		direct := apptest.New(t, url, differentialConfig(now), counting(&nd, &on))
		reference := apptest.New(t, url, differentialConfig(now), fieldByField, counting(&nr, &on))
		page := `{ users(first: 50) { edges { node { id email firstName files(first: 10) { totalCount edges { node { id name url owner { id } } } } avatar { id } } } } }`
		late := `query($id: ID!) { users(first: 50) { edges { node { id files(first: 10) { edges { node { id name } } } } } } user(id: $id) { id } }`
		for _, c := range []struct {
			who, token, doc string
			vars            map[string]any
			want            outcome
		}{
			{"admin", a.adminToken, page, nil, answered},
			{"manager, an administrator's files", a.viewers[2].token, page, nil, fellBack},
			{"admin, a last root field not found", a.adminToken, late, map[string]any{"id": "VXNlcjo5OTk5OTk="}, fellBack},
		} {
			count := func(env *apptest.Env, n *atomic.Int64) (int64, []byte) {
				n.Store(0)
				on.Store(true)
				rec := env.Do(attackPost(c.token, c.doc, c.vars, "")())
				on.Store(false)
				return n.Load(), rec.Body.Bytes()
			}
			before, fellBefore := directAnswers(t, direct, a.adminToken)
			d, b1 := count(direct, &nd)
			after, fellAfter := directAnswers(t, direct, a.adminToken)
			r, b2 := count(reference, &nr)
			if !bytes.Equal(canonicalAnswer(b1), canonicalAnswer(b2)) {
				t.Errorf("%s: DIFFERENT\ndirect: %s\nfield by field: %s", c.who, b1, b2)
			}
			o := executor
			if after > before {
				o = answered
			} else if fellAfter > fellBefore {
				o = fellBack
			}
			t.Logf("%s: %s, %d statements directly, %d field by field", c.who, o, d, r)
			if o != c.want {
				t.Errorf("%s: %s, want %s", c.who, o, c.want)
			}
			if (o == answered && d > r) || d > 2*r {
				t.Errorf("%s: %d statements directly (%s), %d field by field", c.who, d, o, r)
			}
		}
	})
}
