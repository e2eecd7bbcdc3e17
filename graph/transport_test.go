package graph

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"userbridge/bench/seed"
	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// TestPostJSONMatchesGqlgen sends the same requests to a server with
// gqlgen's POST transport and to one with postJSON, and expects the same
// status, Content-Type and body, byte for byte: data (with characters
// json.Marshal escapes in it) and field errors, under every Accept header
// the transports tell apart. Request errors differ on purpose
// (errors_test.go: TestRequestErrors).
func TestPostJSONMatchesGqlgen(t *testing.T) {
	url := dbtest.URL(t, dbtest.SQLite)
	if _, err := seed.Run(context.Background(), url, seed.Options{Users: 60, FileShare: 0.3,
		StorageDir: filepath.Join(t.TempDir(), "files")}); err != nil {
		t.Fatal(err)
	}
	store := dbtest.Open(t, url)
	ctx := context.Background()
	admin := store.Client.User.Query().Where(user.RoleEQ(user.RoleAdmin)).FirstX(ctx)
	admin = admin.Update().SetFirstName("<b>Ann & \"Bo\"</b>\u2028é😀").SetLastName("O'Brien\\n").SaveX(ctx)
	member := store.Client.User.Query().Where(user.RoleEQ(user.RoleUser)).FirstX(ctx)

	r := &Resolver{Client: store.Client, Accounts: &accounts.Service{Client: store.Client}}
	o := DefaultOptions
	o.Introspection = true
	theirs, ours := newServer(r, o, transport.POST{}), newServer(r, o, postJSON{})

	const page = `{"query":"query P($n: Int) { users(first: $n) { totalCount edges { cursor node { id publicID email firstName lastName createdAt role avatar { id name size } files { totalCount } } } pageInfo { hasNextPage endCursor } } }","variables":{"n":25}}`
	cases := []struct {
		name, body string
		viewer     *ent.User
	}{
		{"data: a page of users", page, admin},
		{"data: escaped characters", `{"query":"{ viewer { firstName lastName name } }"}`, admin},
		{"data: typename only", `{"query":"{ __typename }"}`, admin},
		{"data: introspection", `{"query":"{ __type(name: \"User\") { name fields { name } } }"}`, admin},
		{"field error: a member lists users", page, member},
	}
	for _, c := range cases {
		for _, accept := range []string{"", "application/json", "application/graphql-response+json", "*/*", "application/*", "text/html",
			"application/graphql-response+json, application/json;q=0.9", "nonsense;;"} {
			t.Run(c.name+"/Accept "+accept, func(t *testing.T) {
				do := func(h http.Handler) *httptest.ResponseRecorder {
					req := httptest.NewRequest("POST", "/graphql", strings.NewReader(c.body))
					req.Header.Set("Content-Type", "application/json")
					if accept != "" {
						req.Header.Set("Accept", accept)
					}
					v := &auth.Viewer{User: c.viewer, Scopes: auth.AllScopes, Consented: true}
					req = req.WithContext(auth.NewContext(req.Context(), v))
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					return rec
				}
				want, got := do(theirs), do(ours)
				if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || got.Body.String() != want.Body.String() {
					t.Fatalf("gqlgen: %d %q\n%s\npostJSON: %d %q\n%s", want.Code, want.Header().Get("Content-Type"), want.Body,
						got.Code, got.Header().Get("Content-Type"), got.Body)
				}
			})
		}
	}
}

func TestNeedsHTMLEscape(t *testing.T) {
	for s, want := range map[string]bool{
		`{"a":"plain é 😀 \n"}`: false,
		`{"a":"<"}`:            true,
		`{"a":">"}`:            true,
		`{"a":"&"}`:            true,
		"{\"a\":\"\u2028\"}":   true,
		"{\"a\":\"\u2029\"}":   true,
		"{\"a\":\"\u2027\"}":   false,
	} {
		if got := needsHTMLEscape([]byte(s)); got != want {
			t.Errorf("%q: %v", s, got)
		}
	}
}

// BenchmarkNeedsHTMLEscape scans a page-sized response with nothing to
// escape, the common case.
func BenchmarkNeedsHTMLEscape(b *testing.B) {
	data := bytes.Repeat([]byte(`{"id":"VXNlcjoxMjM=","publicID":"usr_abcdefghijkl","email":"someone.long@example.com","avatar":null,"files":{"totalCount":0}},`), 50)
	for b.Loop() {
		if needsHTMLEscape(data) {
			b.Fatal("escape")
		}
	}
}
