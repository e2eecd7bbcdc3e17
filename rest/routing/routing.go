// Package routing holds what every dialect's router shares: the Allow list
// of a path, and one answer for requests whose method the path does not
// serve, including methods chi does not route at all (PROPFIND, "get").
package routing

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"userbridge/internal/edge/inputtext"

	"github.com/go-chi/chi/v5"

	"userbridge/internal/edge/reqinfo"
)

// methods an Allow header may list, in the order it lists them.
var methods = []string{http.MethodDelete, http.MethodGet, http.MethodPatch,
	http.MethodPost, http.MethodPut}

// Allowed lists the methods routes serve at the request's path (relative to
// the router: the route context's RoutePath when mounted).
func Allowed(routes chi.Routes, r *http.Request) []string {
	path := r.URL.Path
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePath != "" {
		path = rc.RoutePath
	}
	var out []string
	for _, m := range methods {
		if routes.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}

// MethodNotAllowed is the handler a dialect's router installs with
// chi.Router.MethodNotAllowed: 405 with Allow (through notAllowed) where
// another method serves the path, notFound where none does (an unknown
// method reaches here for unknown paths too).
func MethodNotAllowed(routes chi.Routes, notAllowed, notFound http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allow := Allowed(routes, r)
		if len(allow) == 0 {
			notFound(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		notAllowed(w, r)
	}
}

// Mount is a dialect's router and the prefix it serves.
type Mount struct {
	Prefix  string
	Handler http.Handler
}

// ByPrefix answers, for the app's top router, requests that chi refused
// before any mounted router ran (a method chi does not know): the dialect
// mounted at the longest matching prefix answers them in its own shape;
// fallback answers the rest.
func ByPrefix(mounts []Mount, fallback http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var best *Mount
		for i, m := range mounts {
			rest, ok := strings.CutPrefix(r.URL.Path, m.Prefix)
			if ok && (rest == "" || rest[0] == '/') && (best == nil || len(m.Prefix) > len(best.Prefix)) {
				best = &mounts[i]
			}
		}
		if best == nil {
			fallback(w, r)
			return
		}
		if rc := chi.RouteContext(r.Context()); rc != nil {
			rc.RoutePath = strings.TrimPrefix(r.URL.Path, best.Prefix)
			if rc.RoutePath == "" {
				rc.RoutePath = "/"
			}
		}
		best.Handler.ServeHTTP(w, r)
	}
}

// Recoverer turns a panic below it into the dialect's 500 (internal, with
// no detail for the client), logged with the request id.
func Recoverer(logger *slog.Logger, dialect string, internal http.HandlerFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				logger.ErrorContext(r.Context(), dialect+": panic", "panic", p,
					"request_id", reqinfo.RequestID(r.Context()))
				internal(w, r)
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Answers are how one dialect spells its routing failures.
type Answers struct {
	Recover          func(http.Handler) http.Handler // a panic below: the dialect's 500
	NotFound         http.HandlerFunc                // no route at the path
	MethodNotAllowed http.HandlerFunc                // the path exists for other methods (Allow is set)
	// Invalid answers a request whose path or query holds a NUL byte or
	// invalid UTF-8 (inputtext.Request), the dialect's 400; nil checks
	// nothing.
	Invalid func(http.ResponseWriter, *http.Request, error)
}

// NewRouter returns a dialect's router: panics recovered and every routing
// failure answered in the dialect's shape; a path or query with invalid text
// is refused before any route runs.
func NewRouter(a Answers) *chi.Mux {
	r := chi.NewRouter()
	r.Use(a.Recover)
	if a.Invalid != nil {
		r.Use(inputtext.Middleware(a.Invalid))
	}
	r.NotFound(a.NotFound)
	r.MethodNotAllowed(MethodNotAllowed(r, a.MethodNotAllowed, a.NotFound))
	return r
}
