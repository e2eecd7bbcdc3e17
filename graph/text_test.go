package graph_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// textCases are the GraphQL entry points where a NUL byte or invalid UTF-8
// once reached PostgreSQL (500/INTERNAL there, stored by SQLite): each must
// be BAD_USER_INPUT with reason invalid_text and the field, before any
// resolver runs.
func textCases(userID string) []struct {
	name, query string
	vars        map[string]any
	field       string
} {
	return []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"createUser NUL in a variable's e-mail", `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"email": "a\x00@b.co"}}, "email"},
		{"createUser NUL escape written in the document", `mutation { createUser(input: {email: "a\u0000@b.co"}) { id } }`, nil, "email"},
		{"login NUL in the e-mail", `mutation($e: String!) { login(email: $e, password: "x") { token } }`,
			map[string]any{"e": "a\x00@b.co"}, "e"},
		{"users filter NUL in emailContains", `{ users(where: {emailContains: "\u0000"}) { totalCount } }`, nil, "emailContains"},
		{"setExternalSignatures NUL in application", `mutation($u: ID!) { setExternalSignatures(userId: $u, application: "A\u0000", signatures: []) { id } }`,
			map[string]any{"u": userID}, "application"},
		{"setExternalSignatures NUL in a format", `mutation($u: ID!, $s: [SignatureInput!]!) { setExternalSignatures(userId: $u, application: "A", signatures: $s) { id } }`,
			map[string]any{"u": userID, "s": []any{map[string]any{"format": "p\x00g", "encodedSignature": "AAAA"}}}, "format"},
		{"uploadUserFile NUL in scenarioId", `mutation($s: String) { uploadUserFile(file: null, scenarioId: $s) { id } }`,
			map[string]any{"s": "s\x00"}, "s"},
	}
}

func TestTextHygiene(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		e := apptest.New(t, dbURL)
		admin := e.Admin(t, "admin@example.com")
		tok := e.Token(t, admin)
		for _, c := range textCases(gidOf(admin.ID)) {
			t.Run(c.name, func(t *testing.T) {
				users := e.Store.Client.User.Query().CountX(t.Context())
				res := e.GraphQL(t, tok, c.query, c.vars)
				if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" ||
					res.Errors[0].Extensions["reason"] != "invalid_text" || res.Errors[0].Extensions["field"] != c.field {
					t.Fatalf("errors %+v", res.Errors)
				}
				if e.Store.Client.User.Query().CountX(t.Context()) != users {
					t.Fatal("a user was stored")
				}
			})
		}
		t.Run("invalid UTF-8 in a GET query's literal", func(t *testing.T) {
			q := url.Values{"query": {"{ users(where: {emailContains: \"\xff\"}) { totalCount } }"}}
			rec := e.Do(apptest.Request(http.MethodGet, "/graphql?"+q.Encode(), tok, nil))
			var res apptest.GraphQLResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || len(res.Errors) != 1 ||
				res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "emailContains" {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
		})
	})
}
