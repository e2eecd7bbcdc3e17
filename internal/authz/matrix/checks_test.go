package matrix_test

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"userbridge/ent"
)

// The checks of a cell, tried on answers written by hand: a matrix whose
// checks cannot fail proves nothing.

func TestGraphQLAnswersAreClassified(t *testing.T) {
	cases := []struct {
		pick []any
		body string
		want string
	}{
		{[]any{"user"}, `{"data":{"user":{"id":"x"}}}`, "ok"},
		{[]any{"user"}, `{"data":{"user":null},"errors":[{"path":["user"],"extensions":{"code":"NOT_FOUND"}}]}`, "NOT_FOUND"},
		{[]any{"users"}, `{"data":null,"errors":[{"path":["users"],"extensions":{"code":"FORBIDDEN"}}]}`, "FORBIDDEN"},
		{[]any{"user", "email"}, `{"data":{"user":{"email":null}},"errors":[{"path":["user","email"],"extensions":{"code":"FORBIDDEN"}}]}`, "FORBIDDEN"},
		{[]any{"user", "email"}, `{"data":{"user":null},"errors":[{"path":["user"],"extensions":{"code":"UNAUTHENTICATED"}}]}`, "UNAUTHENTICATED"},
		{[]any{"nodes", 0}, `{"data":{"nodes":[null]}}`, "null"},
		{[]any{"viewer"}, `{"data":{"viewer":{"email":null}},"errors":[{"path":["viewer","email"],"extensions":{"code":"FORBIDDEN"}}]}`, "ok"},
		{[]any{"user"}, `not json`, "not JSON"},
	}
	for _, c := range cases {
		if got := gqlAnswer(c.pick, []byte(c.body)); got != c.want {
			t.Errorf("%v in %s: got %s, want %s", c.pick, c.body, got, c.want)
		}
	}
}

func TestLeaksAreFound(t *testing.T) {
	victim := &person{u: &ent.User{ID: 7, PublicID: "Abc12345"}, secrets: map[string]string{"email": "b@example.com", "first": "Bee", "file": "secret.txt"}}
	self := &person{u: &ent.User{ID: 8}, secrets: map[string]string{"email": "a@example.com"}}
	narrow := &actor{col: col{cred: credFirst, scopes: []string{"identity"}}, victim: victim, self: self}
	answer := func(body string) served {
		rec := httptest.NewRecorder()
		_, _ = rec.WriteString(body)
		return served{rec: rec, request: "/users/Abc12345"}
	}
	if got := leaks(nil, narrow, false, answer(`{"error":"b@example.com is not yours"}`)); len(got) != 1 || got[0] != "leaks B's email" {
		t.Errorf("a refused answer naming B's e-mail: %v", got)
	}
	if got := leaks(nil, narrow, true, answer(`{"email":"b@example.com","file":"secret.txt"}`)); len(got) != 1 || got[0] != "leaks B's email" {
		t.Errorf("an allowed answer showing an e-mail without scope email: %v", got)
	}
	if got := leaks(nil, narrow, true, answer(`{"email":"a@example.com"}`)); len(got) != 1 || got[0] != "leaks own email" {
		t.Errorf("the viewer's own e-mail without scope email: %v", got)
	}
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Disposition", `attachment; filename="secret.txt"`)
	if got := leaks(nil, narrow, false, served{rec: rec}); len(got) != 1 || got[0] != "leaks B's file" {
		t.Errorf("a refused answer naming B's file in a header: %v", got)
	}
	if got := leaks(nil, narrow, false, served{rec: answer(`b@example.com`).rec, request: `login(email: "b@example.com")`}); len(got) != 0 {
		t.Errorf("a value the request carried is no leak: %v", got)
	}
}

func TestCursorsInClearAreFound(t *testing.T) {
	w := &world{all: []*person{{secrets: map[string]string{"email": "b@example.com", "login": "bee", "first": "Bee", "last": "Sting"}}}}
	cursor := base64.RawURLEncoding.EncodeToString([]byte("\x82\xa1i\x01\xa1v\xadb@example.com"))
	if got := cursorsOpaque(w, nil, []byte(`{"data":{"users":{"edges":[{"cursor":"`+cursor+`"}]}}}`)); !strings.Contains(got, "email") {
		t.Errorf("a cursor with an e-mail in base64: %q", got)
	}
	if got := cursorsOpaque(w, nil, []byte(`{"data":{"users":{"edges":[{"cursor":"gqFpAQ"}]}}}`)); got != "" {
		t.Errorf("an opaque cursor: %q", got)
	}
}

func TestNotFoundComparisonIgnoresOnlyTheIds(t *testing.T) {
	b := &person{u: &ent.User{ID: 7, PublicID: "Abc12345"}, gid: "dWI6Nw"}
	ghost := &person{u: &ent.User{ID: 9, PublicID: "Gh0stZz9"}, gid: "dWI6OQ"}
	answer := func(code int, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		rec.WriteHeader(code)
		_, _ = rec.WriteString(body)
		return rec
	}
	if normalize(answer(404, `{"id":"usr_Abc12345"}`), b, ghost) != normalize(answer(404, `{"id":"usr_Gh0stZz9"}`), b, ghost) {
		t.Error("answers differing only by the id differ")
	}
	if normalize(answer(200, `{"data":{"nodes":[null]}}`), b, ghost) == normalize(answer(200, `{"errors":[{"message":"Could not resolve"}],"data":{"nodes":[null]}}`), b, ghost) {
		t.Error("different answers compare equal")
	}
}
