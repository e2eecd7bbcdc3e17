package app_test

import (
	"net/http"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestBrowserOpeningGraphQLGetsThePlayground: an address bar asking for
// /graphql got a JSON error; it now lands on the playground, its query
// carried along. GraphQL clients are answered as before.
func TestBrowserOpeningGraphQLGetsThePlayground(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, c := range []struct {
		name, path, accept string
		status             int
		location           string
	}{
		{"a browser", "/graphql", browser, http.StatusFound, "/graphiql"},
		{"a browser with a query", "/graphql?query=%7B+viewer+%7B+email+%7D+%7D", browser, http.StatusFound, "/graphiql?query=%7B+viewer+%7B+email+%7D+%7D"},
		{"curl", "/graphql?query=%7B__typename%7D", "*/*", http.StatusOK, ""},
		{"a GraphQL client", "/graphql?query=%7B__typename%7D", "application/graphql-response+json, application/json;q=0.9, text/html;q=0.1", http.StatusOK, ""},
	} {
		req := apptest.Request("GET", c.path, "", nil)
		req.Header.Set("Accept", c.accept)
		rec := env.Do(req)
		if rec.Code != c.status || rec.Header().Get("Location") != c.location {
			t.Errorf("%s: %d %q %.200s", c.name, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	}
}
