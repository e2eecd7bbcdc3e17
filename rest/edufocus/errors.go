package edufocus

import (
	"net/http"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/policy"
)

// The failure messages of the dialect (snake_case codes, as documented).
const (
	msgInvalidBody     = "invalid_body"
	msgNotFound        = "not_found"
	msgMethod          = "method_not_allowed"
	msgInternal        = "internal_error"
	msgForbidden       = "forbidden"
	msgInvalidToken    = "invalid_token"
	msgUnknownUser     = "unknown_user"
	msgTooLarge        = "payload_too_large"
	msgRateLimited     = "rate_limited"
	msgUnavailable     = "service_unavailable"
	reasonRouteUnknown = "route_not_found"
	reasonMethod       = "method_not_allowed"
)

// spelling is how the dialect says one kind of failure: its status and its
// message. An empty message passes the rule's reason through.
type spelling struct {
	kind    apperr.Kind
	reason  string // "" matches any reason of the kind
	status  int
	message string
}

// spellings maps apperr kinds and reasons to status and message; the first
// match wins. 413, 429 and 503 are not in the legacy document:
// payload_too_large, rate_limited and service_unavailable are ours,
// documented in openapi.json.
var spellings = []spelling{
	{apperr.Invalid, reasonMethod, http.StatusMethodNotAllowed, msgMethod},
	{apperr.Invalid, accounts.ReasonUsernameRefused, http.StatusBadRequest, ""},
	{apperr.Invalid, files.ReasonInvalidAvatar, http.StatusBadRequest, ""},
	{apperr.Invalid, "", http.StatusBadRequest, msgInvalidBody}, // JSON, multipart, names
	{apperr.Conflict, accounts.ReasonUsernameTaken, http.StatusBadRequest, "used_username"},
	{apperr.Conflict, "", http.StatusBadRequest, "used_username"},
	{apperr.Unauthenticated, auth.ReasonMissing, http.StatusUnauthorized, ""},
	{apperr.Unauthenticated, auth.ReasonHeaderType, http.StatusBadRequest, ""},
	{apperr.Unauthenticated, auth.ReasonHeaderValue, http.StatusBadRequest, ""},
	{apperr.Unauthenticated, "", http.StatusUnauthorized, msgInvalidToken}, // invalid, expired, banned, suspended
	{apperr.Forbidden, policy.ReasonMissingScope, http.StatusForbidden, ""},
	{apperr.Forbidden, policy.ReasonMissingPermission, http.StatusForbidden, ""},
	{apperr.Forbidden, policy.ReasonConsentRequired, http.StatusForbidden, ""},
	{apperr.Forbidden, policy.ReasonUnverifiedApp, http.StatusForbidden, ""},
	{apperr.Forbidden, "", http.StatusForbidden, msgForbidden}, // admin_required, privilege, no user...
	{apperr.NotFound, reasonRouteUnknown, http.StatusNotFound, msgNotFound},
	{apperr.NotFound, "", http.StatusNotFound, msgUnknownUser},
	{apperr.TooLarge, "", http.StatusRequestEntityTooLarge, msgTooLarge},
	{apperr.RateLimited, files.ReasonTemporaryLimit, http.StatusTooManyRequests, ""},
	{apperr.RateLimited, "", http.StatusTooManyRequests, msgRateLimited},
	{apperr.Unavailable, "", http.StatusServiceUnavailable, msgUnavailable},
}

var internal = spelling{apperr.Internal, "", http.StatusInternalServerError, msgInternal}

// Errors the dialect raises itself, before any rule runs.
var (
	errRouteNotFound    = apperr.New(apperr.NotFound, reasonRouteUnknown, "no such route")
	errMethodNotAllowed = apperr.New(apperr.Invalid, reasonMethod, "method not allowed")
	errInvalidBody      = apperr.New(apperr.Invalid, msgInvalidBody, "invalid body")
	errInvalidAvatar    = apperr.Invalidf("avatar", files.ReasonInvalidAvatar, "not a temporary file id")
)

// spell finds the spelling of err and the message to send.
func spell(err error) (spelling, string) {
	e := apperr.As(err)
	for _, s := range spellings {
		if s.kind != e.Kind || (s.reason != "" && s.reason != e.Reason) {
			continue
		}
		if s.message == "" {
			return s, e.Reason
		}
		return s, s.message
	}
	return internal, internal.message
}

// fail answers err in the dialect's shape; internal errors are logged with
// the request id and never detailed.
func (h handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	s, msg := spell(err)
	if s.kind == apperr.Internal {
		h.Logger.ErrorContext(r.Context(), "edufocus: internal error", "err", err,
			"request_id", reqinfo.RequestID(r.Context()))
	}
	if s.kind == apperr.Unavailable {
		w.Header().Set("Retry-After", apperr.RetryAfter)
	}
	writeFailure(w, s.status, msg)
}
