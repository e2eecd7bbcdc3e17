// Package edufocus is the Edu-Focus legacy dialect, mounted at /users (and
// POST /files) at the root of the host: the current user, users by public
// id, bans and avatar uploads, in the {"code", "status", "payload" |
// "message"} envelope old clients compare byte for byte. Handlers only
// decode the legacy request, call packages accounts and files, and encode
// the legacy shape; every failure, routing ones included, leaves in this
// dialect's shape (errors.go).
package edufocus

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
// /openapi/edufocus.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Deps is what the dialect needs from the service.
type Deps struct {
	Accounts     *accounts.Service
	Files        *files.Service
	MaxBodyBytes int64 // JSON bodies; uploads are bounded by Files.MaxUpload
	Logger       *slog.Logger
}

// Routes returns the /users router, to mount behind the auth middleware.
func Routes(d Deps) http.Handler {
	return userRoutes(newHandlers(d))
}

// userRoutes is the route table under /users.
func userRoutes(h handlers) chi.Router {
	r := h.router()

	r.Get("/@current", h.getCurrent)
	r.Patch("/@current", h.patchCurrent)
	r.Delete("/@current", h.deleteCurrent)
	r.Get("/{id}", h.getUser)
	r.Post("/{id}/ban", h.ban)
	r.Delete("/{id}/ban", h.unban)
	return r
}

// FilesRoutes returns the /files router: POST /files, the temporary upload.
// GET and HEAD /files/{signed}/{name} are the app's signed download links,
// routed before this router; anything else under /files answers here, in
// this dialect's shape.
func FilesRoutes(d Deps) http.Handler {
	h := newHandlers(d)
	r := h.router()
	r.Post("/", h.upload)
	return r
}

// router is a router answering in this dialect's shape (routing.NewRouter).
func (h handlers) router() chi.Router {
	return routing.NewRouter(routing.Answers{
		Recover:          h.recoverer,
		Invalid:          h.fail,
		NotFound:         func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errRouteNotFound) },
		MethodNotAllowed: func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errMethodNotAllowed) },
	})
}

func newHandlers(d Deps) handlers {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return handlers{d}
}

// handlers serve the routes: decode, convert, call, encode.
type handlers struct{ Deps }

// recoverer turns a panic into this dialect's 500, with no detail.
func (h handlers) recoverer(next http.Handler) http.Handler {
	return routing.Recoverer(h.Logger, "edufocus", func(w http.ResponseWriter, _ *http.Request) {
		writeFailure(w, http.StatusInternalServerError, msgInternal)
	})(next)
}
