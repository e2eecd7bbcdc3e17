package eduplatform

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// Prefix is where the app mounts the dialect.
const Prefix = "/api/v1/users"

// routedMethods are the methods an Allow header may list, in its order.
var routedMethods = []string{http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPost, http.MethodPut}

// chiMethods are the methods chi routes at all; any other is refused by
// the app's top router before a mounted router sees it.
var chiMethods = map[string]bool{http.MethodConnect: true, http.MethodDelete: true, http.MethodGet: true,
	http.MethodHead: true, http.MethodOptions: true, http.MethodPatch: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodTrace: true}

// allowed lists the methods the router serves for the request's path, for
// the Allow header of a 405 (chi keeps that list to its default handler).
func allowed(routes chi.Routes, r *http.Request) []string {
	path := r.URL.Path
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePath != "" {
		path = rc.RoutePath
	}
	return allowedAt(routes, path)
}

// allowedAt lists the methods routes serve at path (relative to Prefix).
func allowedAt(routes chi.Routes, path string) []string {
	var out []string
	for _, m := range routedMethods {
		if routes.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}

// UnknownMethods is a middleware for the app's top router: a request under
// Prefix with a method chi does not know (PROPFIND, "get") never reaches
// the mounted router, and chi would answer a bare text 405. It answers in
// this dialect's shape instead: 405 with Allow where the path exists, 404
// where it does not.
func UnknownMethods(d Deps) func(http.Handler) http.Handler {
	routes := newRouter(d)
	h := handlers{routesDeps(d)}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rest, under := strings.CutPrefix(r.URL.Path, Prefix)
			if chiMethods[r.Method] || !under || (rest != "" && !strings.HasPrefix(rest, "/")) {
				next.ServeHTTP(w, r)
				return
			}
			allow := allowedAt(routes, rest)
			if len(allow) == 0 {
				h.fail(w, r, errRouteNotFound)
				return
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			h.fail(w, r, errMethodNotAllowed)
		})
	}
}
