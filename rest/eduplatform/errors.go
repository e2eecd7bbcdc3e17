package eduplatform

import (
	"net/http"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/inputtext"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/policy"
	"userbridge/rest/jsonio"
)

// errorBody is the one error shape of the dialect:
// {"status": {"code": <the HTTP status>, "message": "..."}}.
type errorBody struct {
	Status errorStatus `json:"status"`
}

type errorStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Messages of the dialect. msgNotFound is the legacy document's, to the
// letter; the others are ours (the document shows no other error).
const (
	msgNotFound         = "Couldn't find a record for the requested ID."
	msgRouteNotFound    = "Not found."
	msgMethodNotAllowed = "Method not allowed."
	msgUnauthorized     = "Invalid or missing access token."
	msgMissingScope     = "The access token lacks a required scope."
	msgForbidden        = "Forbidden."
	msgMissingFile      = "The file part is missing."
	msgMalformed        = "The request is malformed."
	msgInvalidText      = "The request holds a NUL byte or invalid UTF-8."
	msgFieldAfterFile   = "Form fields must come before the file part."
	msgInvalidNature    = "Nature must be manual or auto."
	msgInvalid          = "The request is invalid."
	msgTooLarge         = "The request is too large."
	msgRateLimited      = "Too many requests."
	msgInternal         = "Internal server error."
	msgUnavailable      = "Service temporarily unavailable, retry later."
)

// spelling is how the dialect says one kind of failure.
type spelling struct {
	kind    apperr.Kind
	reason  string // "" matches any reason of the kind
	status  int
	message string
}

// spellings maps apperr kinds and reasons to status and message, first
// match wins. 403 (a token without the scope an endpoint needs), 405 and 503
// (the database unreachable) are not in the legacy document; they are ours
// and documented in openapi.json.
var spellings = []spelling{
	{apperr.NotFound, reasonRouteNotFound, http.StatusNotFound, msgRouteNotFound},
	{apperr.NotFound, "", http.StatusNotFound, msgNotFound},
	{apperr.Invalid, reasonMethodNotAllowed, http.StatusMethodNotAllowed, msgMethodNotAllowed},
	{apperr.Invalid, files.ReasonMissingFile, http.StatusBadRequest, msgMissingFile},
	{apperr.Invalid, files.ReasonInvalidNature, http.StatusUnprocessableEntity, msgInvalidNature},
	{apperr.Invalid, files.ReasonReadFailed, http.StatusBadRequest, msgMalformed},
	{apperr.Invalid, inputtext.Reason, http.StatusBadRequest, msgInvalidText},
	{apperr.Invalid, reasonMalformed, http.StatusBadRequest, msgMalformed},
	{apperr.Invalid, reasonFieldAfterFile, http.StatusBadRequest, msgFieldAfterFile},
	{apperr.Invalid, "", http.StatusUnprocessableEntity, msgInvalid},
	{apperr.Conflict, "", http.StatusUnprocessableEntity, msgInvalid},
	{apperr.Unauthenticated, "", http.StatusUnauthorized, msgUnauthorized},
	{apperr.Forbidden, policy.ReasonMissingScope, http.StatusForbidden, msgMissingScope},
	{apperr.Forbidden, "", http.StatusForbidden, msgForbidden},
	{apperr.TooLarge, "", http.StatusRequestEntityTooLarge, msgTooLarge},
	{apperr.RateLimited, "", http.StatusTooManyRequests, msgRateLimited},
	{apperr.Unavailable, "", http.StatusServiceUnavailable, msgUnavailable},
}

var internal = spelling{apperr.Internal, "", http.StatusInternalServerError, msgInternal}

// Reasons and errors the dialect raises itself, before any rule runs.
const (
	reasonRouteNotFound    = "route_not_found"
	reasonMethodNotAllowed = "method_not_allowed"
	reasonMalformed        = "malformed_request"
)

var (
	errRouteNotFound    = apperr.New(apperr.NotFound, reasonRouteNotFound, "no such route")
	errMethodNotAllowed = apperr.New(apperr.Invalid, reasonMethodNotAllowed, "method not allowed")
)

// spell finds the spelling of err.
func spell(err error) spelling {
	e := apperr.As(err)
	for _, s := range spellings {
		if s.kind == e.Kind && (s.reason == "" || s.reason == e.Reason) {
			return s
		}
	}
	return internal
}

// fail answers err in the dialect's shape; internal errors are logged with
// the request id and never detailed.
func (h handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	s := spell(err)
	if s.kind == apperr.Internal {
		h.Logger.ErrorContext(r.Context(), "eduplatform: internal error", "err", err,
			"request_id", reqinfo.RequestID(r.Context()))
	}
	if s.kind == apperr.Unavailable {
		w.Header().Set("Retry-After", apperr.RetryAfter)
	}
	writeError(w, s.status, s.message)
}

// writeError writes one error body, its code equal to the HTTP status.
func writeError(w http.ResponseWriter, status int, msg string) {
	jsonio.Write(w, status, errorBody{errorStatus{Code: status, Message: msg}})
}
