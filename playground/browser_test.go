package playground

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"userbridge/playground/browsertest"
)

// fakeGraphQL answers every request like a server whose viewer is only
// visible with the right bearer token, so the browser test proves the
// token travelled from the URL through the Headers editor to the request.
func fakeGraphQL(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") == "Bearer test-token" {
		_, _ = io.WriteString(w, `{"data":{"viewer":{"email":"seen@example.com"}}}`)
		return
	}
	_, _ = io.WriteString(w, `{"errors":[{"message":"unauthenticated"}]}`)
}

func TestBrowserRunsQueryWithToken(t *testing.T) {
	mux := http.NewServeMux()
	h := Handler("/graphql")
	mux.Handle("/graphiql", h)
	mux.Handle("/graphiql/", h)
	mux.HandleFunc("/graphql", fakeGraphQL)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	q := url.Values{"token": {"test-token"}, "query": {"{ viewer { email } }"}, "run": {"1"}}
	start := time.Now()
	text := browsertest.RunIn(t, srv.URL+"/graphiql?"+q.Encode(), ResultPaneSelector, "seen@example.com", 30*time.Second)
	t.Logf("result pane after %v:\n%s", time.Since(start).Round(time.Millisecond), text)
	if strings.Contains(text, "unauthenticated") {
		t.Error("the query ran without the token")
	}
}

func TestBrowserWithoutTokenIsUnauthenticated(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/graphiql/", http.StripPrefix("/graphiql", Handler("/graphql")))
	mux.HandleFunc("/graphql", fakeGraphQL)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	q := url.Values{"query": {"{ viewer { email } }"}, "run": {"1"}}
	browsertest.RunIn(t, srv.URL+"/graphiql/?"+q.Encode(), ResultPaneSelector, "unauthenticated", 30*time.Second)
}
