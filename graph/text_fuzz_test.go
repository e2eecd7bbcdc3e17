package graph_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// FuzzGraphQL sends arbitrary documents and variables as an administrator,
// on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL: never a 5xx,
// never INTERNAL, always a GraphQL response. The seeds (run by every `go
// test`) are the entry points where NUL bytes and invalid UTF-8 once
// reached PostgreSQL.
func FuzzGraphQL(f *testing.F) {
	type target struct {
		e   *apptest.Env
		tok string
	}
	var targets []target
	for _, b := range dbtest.Available() {
		e := apptest.New(f, dbtest.URL(f, b))
		targets = append(targets, target{e, e.Token(f, e.Admin(f, "admin@example.com"))})
	}
	for _, c := range textCases("VXNlcjox") {
		vars, _ := json.Marshal(c.vars)
		f.Add(c.query, vars)
	}
	f.Add(`{ viewer { email } }`, []byte(`{}`))
	f.Add(`mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`, []byte("{\"in\":{\"email\":\"a\xff@b.co\"}}"))
	f.Add(`{ users(where: {emailContains: "`+"\xff"+`"}) { totalCount } }`, []byte(`null`))
	f.Fuzz(func(t *testing.T, query string, vars []byte) {
		body, err := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(vars)})
		if err != nil {
			return // variables that are not JSON: not a request a client can send
		}
		for _, tg := range targets {
			rec := tg.e.Do(apptest.Request("POST", "/graphql", tg.tok, body))
			if rec.Code >= 500 {
				t.Fatalf("%q %q -> %d %s", query, vars, rec.Code, rec.Body.String())
			}
			var res apptest.GraphQLResponse
			if err := json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&res); err != nil {
				t.Fatalf("%q -> %d not JSON: %s", query, rec.Code, rec.Body.String())
			}
			for _, e := range res.Errors {
				if e.Code() == "" || e.Code() == "INTERNAL" || e.Code() == "INTERNAL_SERVER_ERROR" {
					t.Fatalf("%q %q -> %s", query, vars, rec.Body.String())
				}
			}
		}
	})
}
