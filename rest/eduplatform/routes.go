// Package eduplatform is the education platform legacy dialect, mounted at
// /api/v1/users: the viewer, its user files (listing, streamed upload with
// the quota's eviction) and signed links to them, in the shapes the old
// clients compare byte for byte. Handlers only decode the legacy request,
// call packages accounts and files, and encode the legacy shape; every
// failure, routing ones included, leaves as {"status": {"code", "message"}}
// (errors.go).
package eduplatform

import (
	_ "embed"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/files"
	"userbridge/rest/routing"
)

// OpenAPI is the dialect's OpenAPI 3 document, served at
// /openapi/eduplatform.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Deps is what the dialect needs from the service.
type Deps struct {
	Accounts *accounts.Service
	Files    *files.Service
	Logger   *slog.Logger
}

// handlers serve the routes: decode, convert, call, encode.
type handlers struct{ Deps }

// Routes returns the dialect's router, to mount at /api/v1/users behind the
// auth middleware. Unknown routes answer 404 before any authentication, as
// the legacy router did; panics are recovered here so that they, too,
// answer in the dialect's shape.
func Routes(d Deps) http.Handler { return newRouter(d) }

// newRouter builds the route table.
func newRouter(d Deps) *chi.Mux {
	h := handlers{routesDeps(d)}
	r := routing.NewRouter(routing.Answers{
		Recover:          h.recoverer,
		Invalid:          h.fail,
		NotFound:         func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errRouteNotFound) },
		MethodNotAllowed: func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errMethodNotAllowed) },
	})

	r.Group(func(r chi.Router) {
		r.Use(h.authenticate)
		r.Post("/oauth", h.show)
		r.Get("/user_files", h.userFiles)
		r.Post("/user_files/upload", h.upload)
		r.Post("/secured_attachments/{id}", h.securedAttachment)
		r.Get("/secured_attachments/{id}", h.securedAttachment)
	})
	return r
}

// routesDeps fills the defaults of d.
func routesDeps(d Deps) Deps {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return d
}

// recoverer turns a panic into this dialect's 500, with no detail.
func (h handlers) recoverer(next http.Handler) http.Handler {
	return routing.Recoverer(h.Logger, "eduplatform", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusInternalServerError, msgInternal)
	})(next)
}
