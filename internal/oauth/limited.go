package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"

	"userbridge/internal/rules/auth"
)

// limitedDescription is the error_description of a client authentication
// refused by the guess limit on imported secrets.
const limitedDescription = "Too many attempts at this client's secret from this address: nothing was checked. Retry after the time Retry-After gives."

// limitNote carries, through fosite, that secretHasher.Compare refused a
// client authentication for the guess limit: fosite's introspection
// replaces Compare's error with its own, and only this note survives.
type limitNote struct{ limited *auth.SecretGuessesLimited }

type limitNoteKey struct{}

// withLimitNote returns ctx carrying a note for Compare to fill.
func withLimitNote(ctx context.Context) (context.Context, *limitNote) {
	n := &limitNote{}
	return context.WithValue(ctx, limitNoteKey{}, n), n
}

// noteLimited records err in ctx's note when it is the guess limit's.
func noteLimited(ctx context.Context, err error) {
	if lim, ok := errors.AsType[*auth.SecretGuessesLimited](err); ok {
		if n, ok := ctx.Value(limitNoteKey{}).(*limitNote); ok {
			n.limited = lim
		}
	}
}

// writeLimited answers a token, revocation or introspection request whose
// client authentication the guess limit on imported application secrets
// refused (auth.SecretGuessesLimited, returned by secretHasher.Compare
// before the slow hash is computed, and noted in n), and reports whether
// it did: 429 with Retry-After and RFC 6749's error object, invalid_client
// because the client was not authenticated. fosite would answer 401
// (invalid_client, or request_unauthorized at introspection), which tells
// a client its secret is wrong when it was not even checked; the 429 tells
// it to wait, as the login limit's answers do.
func writeLimited(w http.ResponseWriter, n *limitNote) bool {
	if n == nil || n.limited == nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(n.limited.RetryAfter.Seconds())))))
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": limitedDescription})
	return true
}
