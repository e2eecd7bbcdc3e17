package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/rest/jsonio"
)

// DefaultMaxBodyBytes caps a JSON GraphQL request body: the one JSON
// default of every transport.
const DefaultMaxBodyBytes = jsonio.DefaultMaxBytes

// guard refuses, in GraphQL's error shape, what must not reach the
// executor: a request whose Authorization header failed (401) and a JSON
// body over the cap (413). Multipart bodies are capped by the upload limit
// (capUpload), with 413 too.
func guard(next http.Handler, maxBody, maxUpload int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.Resolve(r.Context()); err != nil {
			e := apperr.As(err)
			writeError(w, http.StatusUnauthorized, e.Message, "UNAUTHENTICATED", e.Reason)
			return
		}
		if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			var ok bool
			if w, r, ok = capUpload(w, r, maxUpload); !ok {
				return
			}
		} else if r.Body != nil {
			if r.ContentLength > maxBody {
				writeTooLarge(w, maxBody)
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeTooLarge(w, maxBody)
				return
			}
			if err != nil {
				writeError(w, http.StatusBadRequest, "the request body could not be read", "BAD_USER_INPUT", "unreadable_body")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r.WithContext(withInternalCount(r.Context())))
	})
}

func writeTooLarge(w http.ResponseWriter, limit int64) {
	writeError(w, http.StatusRequestEntityTooLarge, "request body over the limit", "PAYLOAD_TOO_LARGE", "too_large")
}

// writeError answers a GraphQL error response outside the executor.
func writeError(w http.ResponseWriter, status int, msg, code, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{
			"message":    msg,
			"extensions": map[string]any{"code": code, "reason": reason},
		}},
	})
}
