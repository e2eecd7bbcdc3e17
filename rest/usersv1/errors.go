package usersv1

import (
	"net/http"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/inputtext"
	"userbridge/internal/edge/reqinfo"
	"userbridge/rest/jsonio"
)

// errorBody is the one error shape of the dialect:
// {"error": {"code", "message", "field"?}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// spelling is how the dialect says one kind of failure. An empty message
// passes the rule's own message through (it names the field and the rule);
// a fixed one hides the detail.
type spelling struct {
	kind    apperr.Kind
	reason  string // "" matches any reason of the kind
	status  int
	code    string
	message string
}

// spellings maps apperr kinds and reasons to status and code, first match
// wins. 413 and 503 are not in the legacy document; payload_too_large and
// service_unavailable are ours and are documented in openapi.json.
var spellings = []spelling{
	{apperr.Invalid, jsonio.ReasonEmptyBody, http.StatusBadRequest, "invalid_json", "the request body is empty"},
	{apperr.Invalid, jsonio.ReasonInvalidJSON, http.StatusBadRequest, "invalid_json", "the request body is not a valid JSON object"},
	{apperr.Invalid, "", http.StatusBadRequest, "invalid_parameter", ""},
	{apperr.Conflict, "", http.StatusBadRequest, "email_taken", "email is already taken"},
	{apperr.Unauthenticated, "", http.StatusUnauthorized, "unauthorized", "authentication required"},
	{apperr.Forbidden, "", http.StatusForbidden, "forbidden", ""},
	{apperr.NotFound, "", http.StatusNotFound, "not_found", "not found"},
	{apperr.TooLarge, "", http.StatusRequestEntityTooLarge, "payload_too_large", "request body too large"},
	{apperr.RateLimited, "", http.StatusTooManyRequests, "rate_limited", "rate limit exceeded"},
	{apperr.Unavailable, "", http.StatusServiceUnavailable, "service_unavailable",
		"the service is temporarily unavailable, retry later"},
}

var internal = spelling{apperr.Internal, "", http.StatusInternalServerError, "internal_error", "internal error"}

// Errors the dialect raises itself, before any rule runs.
var (
	errRouteNotFound = apperr.New(apperr.NotFound, "route_not_found", "not found")
	errRateLimited   = apperr.New(apperr.RateLimited, "rate_limited", "rate limit exceeded")
)

// spell finds the spelling of err and the field to report.
func spell(err error) (spelling, *apperr.Error) {
	e := apperr.As(err)
	if e.Kind == apperr.Invalid && e.Reason == jsonio.ReasonInvalidJSON && e.Field != "" {
		// Well-formed JSON with a value of the wrong type is a bad parameter.
		return spelling{apperr.Invalid, "", http.StatusBadRequest, "invalid_parameter", e.Field + " has the wrong type"}, e
	}
	for _, s := range spellings {
		if s.kind == e.Kind && (s.reason == "" || s.reason == e.Reason) {
			return s, e
		}
	}
	return internal, e
}

// fail answers err in the dialect's shape; internal errors are logged with
// the request id and never detailed.
func (h handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	s, e := spell(err)
	if s.kind == apperr.Internal {
		h.Logger.ErrorContext(r.Context(), "usersv1: internal error", "err", err,
			"request_id", reqinfo.RequestID(r.Context()))
	}
	msg, field := s.message, ""
	if msg == "" {
		msg = e.Message
	}
	if msg == "" {
		msg = e.Kind.String()
	}
	if s.status == http.StatusBadRequest && (e.Reason != inputtext.Reason || documentedFields[e.Field]) {
		field = e.Field // invalid text in a key the dialect ignores names none
	}
	if s.kind == apperr.Unavailable {
		w.Header().Set("Retry-After", apperr.RetryAfter)
	}
	if s.code == "email_taken" {
		field = "email" // the login derives from the e-mail: either clash is the e-mail's
	}
	writeError(w, s.status, s.code, msg, field)
}

// documentedFields are the values openapi.json lists for error.field.
var documentedFields = map[string]bool{"email": true, "name": true, "password": true, "role": true, "status": true, "path": true}

// writeError writes one error body.
func writeError(w http.ResponseWriter, status int, code, msg, field string) {
	jsonio.Write(w, status, errorBody{errorDetail{Code: code, Message: msg, Field: field}})
}
