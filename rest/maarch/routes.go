// Package maarch is the Maarch legacy dialect, mounted at /rest: create and
// list users, and replace a user's external signatures. Handlers only decode
// the legacy request (loosely typed, as PHP read it), call packages
// accounts, policy and files, and encode the legacy shape; every failure,
// routing ones included, leaves as {"errors": "<text>"} (errors.go).
package maarch

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"

	"userbridge/ent"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/rules/signatures"
	"userbridge/rest/routing"
)

// OpenAPI is the dialect's OpenAPI 3 document, served at /openapi/maarch.json.
//
//go:embed openapi.json
var OpenAPI []byte

// DefaultMaxBodyBytes caps a request body when Deps says nothing
// (MAX_IMAGE_BODY_BYTES): Maarch bodies carry images inline, a picture or
// signatures of at most imagedata.MaxBytes each, and the body is read whole
// before it is decoded, so its bound bounds the memory of a request
// (bench/rss: eight concurrent maximal signature bodies).
const DefaultMaxBodyBytes = 3 << 20

// Avatars is what the dialect needs of package files (files.Service): the
// picture of a new user becomes its avatar, in the transaction that wrote
// the user.
type Avatars interface {
	SetAvatarImageOf(ctx context.Context, v *auth.Viewer, u *ent.User, img *imagedata.Image) error
}

// Deps is what the dialect needs from the service.
type Deps struct {
	Accounts   *accounts.Service
	Avatars    Avatars
	Signatures *signatures.Service
	// MaxBodyBytes caps a request body (413 past it); 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	Logger       *slog.Logger
}

// Routes returns the dialect's router, to mount at /rest behind the auth
// middleware. Panics are recovered here so that they, too, answer in the
// dialect's shape.
func Routes(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	h := handlers{Deps: d, lists: make(chan struct{}, listSlots())}
	r := routing.NewRouter(routing.Answers{
		Recover:          h.recoverer,
		Invalid:          h.fail,
		NotFound:         func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errRouteNotFound) },
		MethodNotAllowed: func(w http.ResponseWriter, _ *http.Request) { writeError(w, http.StatusMethodNotAllowed, textMethod) },
	})

	r.Post("/users", h.create)
	r.Get("/users", h.list)
	r.Put("/users/{id}/externalSignatures", h.replaceSignatures)
	return r
}

// handlers serve the routes: decode, convert, call, encode.
type handlers struct {
	Deps
	// lists bounds how many whole lists are built at once (list.go).
	lists chan struct{}
}

// recoverer turns a panic into this dialect's 500, with no detail.
func (h handlers) recoverer(next http.Handler) http.Handler {
	return routing.Recoverer(h.Logger, "maarch", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusInternalServerError, textInternal)
	})(next)
}
