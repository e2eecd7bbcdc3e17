// Package usersv1 is the Users API v1 legacy dialect, mounted at /v1: four
// routes over users that old clients compare byte for byte. Handlers only
// decode the legacy request, call package accounts and encode the legacy
// shape; every failure, routing ones included, leaves in this dialect's
// error shape (errors.go).
package usersv1

import (
	_ "embed"
	"log/slog"
	"net/http"

	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/rest/routing"
)

// OpenAPI is the dialect's OpenAPI 3 document, served at /openapi/usersv1.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Deps is what the dialect needs from the service.
type Deps struct {
	Accounts *accounts.Service
	// Limiter throttles per credential; nil turns limiting (and the
	// RateLimit-* headers) off.
	Limiter      ratelimit.Limiter
	MaxBodyBytes int64
	Logger       *slog.Logger
}

// Routes returns the dialect's router, to mount at /v1 behind the auth
// middleware. Panics are recovered here so that they, too, answer in the
// dialect's shape.
func Routes(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	h := handlers{d}
	r := routing.NewRouter(routing.Answers{
		Recover:  h.recoverer,
		Invalid:  h.fail,
		NotFound: func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errRouteNotFound) },
		MethodNotAllowed: func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "")
		},
	})
	r.Use(h.rateLimit)

	r.Post("/users", h.create)
	r.Get("/users/{id}", h.get)
	r.Put("/users/{id}", h.update)
	r.Delete("/users/{id}", h.delete)
	return r
}

// recoverer turns a panic into this dialect's 500, with no detail.
func (h handlers) recoverer(next http.Handler) http.Handler {
	return routing.Recoverer(h.Logger, "usersv1", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusInternalServerError, "internal_error", "internal error", "")
	})(next)
}
