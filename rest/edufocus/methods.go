package edufocus

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// routedMethods are the methods this dialect's routes use, in the order an
// Allow header lists them.
var routedMethods = []string{http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPost}

// chiMethods are the methods chi routes at all; any other is refused by
// the app's top router before a mounted router sees it.
var chiMethods = map[string]bool{http.MethodConnect: true, http.MethodDelete: true, http.MethodGet: true,
	http.MethodHead: true, http.MethodOptions: true, http.MethodPatch: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodTrace: true}

// allowed lists the methods routes serve at path (relative to the router).
func allowed(routes chi.Routes, path string) []string {
	var out []string
	for _, m := range routedMethods {
		if routes.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}

// methodNotAllowed answers 405 with the Allow header chi keeps to its
// default handler.
func (h handlers) methodNotAllowed(routes chi.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePath != "" {
			path = rc.RoutePath
		}
		w.Header().Set("Allow", strings.Join(allowed(routes, path), ", "))
		h.fail(w, r, errMethodNotAllowed)
	}
}

// UnknownMethods is a middleware for the app's top router: a request to
// /users/... or /files with a method chi does not know (PROPFIND, "get")
// never reaches a mounted router, and chi would answer a bare 405. It
// answers in this dialect's shape instead: 405 where the path exists, 404
// not_found where it does not.
func UnknownMethods(d Deps) func(http.Handler) http.Handler {
	h := newHandlers(d)
	users := userRoutes(h)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if chiMethods[r.Method] {
				next.ServeHTTP(w, r)
				return
			}
			var allow []string
			switch path := r.URL.Path; {
			case path == "/files":
				allow = []string{http.MethodPost}
			case path == "/users" || strings.HasPrefix(path, "/users/"):
				allow = allowed(users, strings.TrimPrefix(path, "/users"))
			default:
				next.ServeHTTP(w, r)
				return
			}
			if len(allow) == 0 {
				h.fail(w, r, errRouteNotFound)
				return
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			h.fail(w, r, errMethodNotAllowed)
		})
	}
}
