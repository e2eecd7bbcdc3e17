package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
	"userbridge/rest/jsonio"
)

// DefaultMaxBodyBytes caps a JSON GraphQL request body: the one JSON
// default of every transport.
const DefaultMaxBodyBytes = jsonio.DefaultMaxBytes

// guard refuses, in GraphQL's error shape, what must not reach the
// executor: a request whose Authorization header failed (401, or 503 when
// the database could not be reached to check it) and a JSON body over the
// cap (413). Multipart bodies are capped by the upload limit (capUpload),
// with 413 too. A response whose execution met an outage becomes a 503
// (unavailable.go).
//
// With a budget (budget.go), the request then waits for one of its
// client's slots before its body is read, and a refusal of the budget
// answers 429 with Retry-After.
func guard(next http.Handler, maxBody, maxUpload int64, logger *slog.Logger, b *budget.Budget) http.Handler {
	bounded := boundBody(next, maxBody, maxUpload)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := auth.Resolve(r.Context())
		if err != nil {
			refuseCredential(w, r, err, logger)
			return
		}
		w, r = watchOutage(w, r)
		if b != nil {
			withBudget(b, w, r, v, bounded)
			return
		}
		bounded.ServeHTTP(w, r)
	})
}

// boundBody caps the request's body (413) before next reads it.
func boundBody(next http.Handler, maxBody, maxUpload int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// refuseCredential answers a request whose Authorization header could not
// be accepted: 401 when the credential is bad, 503 with Retry-After when the
// database could not be reached to judge it (the client must keep its
// token), 500 for anything else, logged with the request id.
func refuseCredential(w http.ResponseWriter, r *http.Request, err error, logger *slog.Logger) {
	switch e := apperr.As(err); e.Kind {
	case apperr.Unauthenticated:
		writeError(w, http.StatusUnauthorized, e.Message, codes[e.Kind], e.Reason)
	case apperr.Unavailable:
		w.Header().Set("Retry-After", apperr.RetryAfter)
		writeError(w, http.StatusServiceUnavailable, e.Message, codes[e.Kind], e.Reason)
	default:
		id := reqinfo.RequestID(r.Context())
		logger.ErrorContext(r.Context(), "graphql internal error", "request_id", id, "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
			"message": "internal error", "extensions": map[string]any{"code": "INTERNAL", "requestId": id},
		}}})
	}
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
