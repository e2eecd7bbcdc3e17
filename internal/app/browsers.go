package app

import (
	"net/http"
	"net/url"
	"strings"
)

// browsersToPlayground sends a browser that opens /graphql (a GET asking
// for text/html, as an address bar does) to the playground, carrying its
// query along; API clients, which ask for JSON or anything (*/*), reach
// the GraphQL endpoint as before. Someone who typed the endpoint's address
// meant to try it, and a GraphQL error in JSON taught them nothing.
func browsersToPlayground(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && wantsHTML(r.Header.Get("Accept")) {
			target := "/graphiql"
			if q := r.URL.Query().Get("query"); q != "" {
				target += "?" + url.Values{"query": {q}}.Encode()
			}
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// wantsHTML reports whether an Accept header names text/html before any
// JSON type a GraphQL client would ask for.
func wantsHTML(accept string) bool {
	html := strings.Index(accept, "text/html")
	if html < 0 {
		return false
	}
	for _, t := range []string{"application/json", "application/graphql-response+json"} {
		if i := strings.Index(accept, t); i >= 0 && i < html {
			return false
		}
	}
	return true
}
