// Package playground serves a GraphiQL 3 playground whose scripts and styles
// are bundled into the binary, so it works on machines with no internet
// access and its Content-Security-Policy can forbid every other origin.
//
// The bundle in dist/ is built from build/ (pinned by package-lock.json) and
// committed; `go generate ./playground` rebuilds it byte-for-byte.
package playground

//go:generate sh -c "cd build && npm ci --no-audit --no-fund --loglevel=error && node build.mjs"

import (
	"embed"
	"net/http"
	"strings"
)

// dist holds the esbuild output of build/build.mjs.
//
//go:embed dist
var dist embed.FS

// ResultPaneSelector is the CSS selector of GraphiQL's result pane, for
// browser tests that wait for a query's result (see browsertest.RunIn).
const ResultPaneSelector = ".graphiql-response"

// assetPrefix is the path segment under the mount point that holds the
// bundled files.
const assetPrefix = "/assets/"

// Handler returns the playground for a GraphQL endpoint such as "/graphql"
// (a path on the same origin, or an absolute URL that the page's CSP then
// allows to connect to).
//
// The handler routes on the end of r.URL.Path, so it works whether or not
// the mount prefix is stripped. Mount it on both the bare prefix and the
// subtree:
//
//	mux.Handle("/graphiql", h)   // net/http
//	mux.Handle("/graphiql/", h)
//
//	r.Handle("/graphiql", h)     // chi
//	r.Handle("/graphiql/*", h)
//
//	mux.Handle("/graphiql/", http.StripPrefix("/graphiql", h))
//
// It then serves:
//
//	/graphiql, /graphiql/           the HTML page (GET/HEAD)
//	/graphiql/assets/graphiql.js    the bundled script, long-cached
//	/graphiql/assets/graphiql.css   the bundled styles, long-cached
//	/graphiql/assets/<other>        404
//	any other path                  the HTML page, with asset links
//	                                relative to that path
//
// The page understands three query parameters, meant for people sharing
// links and for browser tests:
//
//	token=T   prefill the Headers editor with {"Authorization": "Bearer T"}
//	          (then removed from the address bar)
//	query=Q   prefill the query editor with Q
//	run=1     execute the query once the editor and schema are ready
//
// GraphiQL keeps its tabs, each with its query, variables and headers, in
// localStorage ("graphiql:tabState"); the page reopens the last active tab
// on a reload or in a new browser tab, token and query included, without
// opening an empty one (build/config.js).
//
// Queries and mutations go to endpoint over HTTP; subscriptions go over a
// WebSocket to the same URL (ws: or wss:), graphql-transport-ws through
// the graphql-ws client, authenticated by connection_init with the Headers
// editor's Authorization (build/fetcher.js). The page's connect-src 'self'
// covers that WebSocket in browsers that follow CSP Level 3.
func Handler(endpoint string) http.Handler {
	assets := mustLoadAssets(dist)
	page := newPage(endpoint, assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := strings.LastIndex(r.URL.Path, assetPrefix); i >= 0 {
			assets.serve(w, r, r.URL.Path[i+len(assetPrefix):])
			return
		}
		page.serve(w, r)
	})
}
