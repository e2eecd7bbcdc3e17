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

	"userbridge/accounts"
	"userbridge/files"
	"userbridge/reqinfo"
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
	r := chi.NewRouter()
	r.Use(h.recoverer)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errRouteNotFound) })
	r.MethodNotAllowed(h.methodNotAllowed(r))

	r.Get("/@current", h.getCurrent)
	r.Patch("/@current", h.patchCurrent)
	r.Delete("/@current", h.deleteCurrent)
	r.Get("/{id}", h.getUser)
	r.Post("/{id}/ban", h.ban)
	r.Delete("/{id}/ban", h.unban)
	return r
}

// Upload returns the handler of POST /files (the app routes only that
// method there: GET and HEAD /files/... are the signed download links).
func Upload(d Deps) http.Handler {
	h := newHandlers(d)
	return h.recoverer(http.HandlerFunc(h.upload))
}

func newHandlers(d Deps) handlers {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return handlers{d}
}

// handlers serve the routes: decode, convert, call, encode.
type handlers struct{ Deps }

// recoverer turns a panic into this dialect's 500, logged with the request
// id; the client learns nothing of its cause.
func (h handlers) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.Logger.ErrorContext(r.Context(), "edufocus: panic", "panic", p,
				"request_id", reqinfo.RequestID(r.Context()))
			writeFailure(w, http.StatusInternalServerError, msgInternal)
		}()
		next.ServeHTTP(w, r)
	})
}
