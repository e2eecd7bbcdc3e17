package maarch

import (
	"fmt"
	"net/http"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/rules/signatures"
	"userbridge/rest/jsonio"
)

// errorBody is the one error shape of the dialect: {"errors": "<text>"},
// with "lang" (a translation key of the legacy front end) where Maarch sent
// one.
type errorBody struct {
	Errors string `json:"errors"`
	Lang   string `json:"lang,omitempty"`
}

// spelling is how the dialect says one failure. An empty text passes the
// error's own message through: only the dialect's own legacy texts
// (reasonLegacy) and the rules' human messages take that path.
type spelling struct {
	kind   apperr.Kind
	reason string // "" matches any reason of the kind
	field  string // "" matches any field
	status int
	text   string
	lang   string
}

// reasonLegacy marks an error the dialect raised itself whose Message is the
// exact legacy text (the per-index signature messages, for instance).
const reasonLegacy = "maarch_legacy"

// reasonRouteNotFound marks an unknown route under /rest.
const reasonRouteNotFound = "route_not_found"

// Texts the dialect answers; the first ones are Maarch's own, the last ones
// (405, 413, 429, 500, 503) are ours and documented in openapi.json.
const (
	textBodyEmpty      = "Body is not set or empty"
	textLogin          = "Body login is empty, not a string or wrong formatted"
	textFirstname      = "Body firstname is empty or not a string"
	textLastname       = "Body lastname is empty or not a string"
	textEmail          = "Body email is empty or not a valid email"
	textPicture        = "Picture is not an image"
	textMode           = "Body mode is not standard or rest"
	textRouteID        = "Route id is not an integer"
	textUserMissing    = "User does not exist"
	textMethod         = "Method not allowed"
	textTooLarge       = "Body is too large"
	textInternal       = "Internal error"
	textUnavailable    = "Service unavailable"
	textAuthentication = "Authentication Failed"
	textSignatures     = "Body signature is empty or not an array"
	textApplication    = "Body externalApplication is empty or not a string"
)

// spellings maps apperr kinds, reasons and fields to status and text; the
// first match wins.
var spellings = []spelling{
	{apperr.Invalid, reasonLegacy, "", http.StatusBadRequest, "", ""},
	{apperr.Invalid, jsonio.ReasonEmptyBody, "", http.StatusBadRequest, textBodyEmpty, ""},
	{apperr.Invalid, jsonio.ReasonInvalidJSON, "", http.StatusBadRequest, textBodyEmpty, ""},
	{apperr.Invalid, "", "login", http.StatusBadRequest, textLogin, ""},
	{apperr.Invalid, "", "first_name", http.StatusBadRequest, textFirstname, ""},
	{apperr.Invalid, "", "last_name", http.StatusBadRequest, textLastname, ""},
	{apperr.Invalid, "", "email", http.StatusBadRequest, textEmail, ""},
	{apperr.Invalid, "", "mode", http.StatusBadRequest, textMode, ""},
	{apperr.Invalid, imagedata.ReasonNotImage, "", http.StatusBadRequest, textPicture, ""},
	{apperr.Invalid, imagedata.ReasonEmpty, "", http.StatusBadRequest, textPicture, ""},
	{apperr.Invalid, "", "avatar", http.StatusBadRequest, textPicture, ""},
	{apperr.Invalid, "", "", http.StatusBadRequest, "", ""},
	{apperr.Conflict, accounts.ReasonEmailTaken, "", http.StatusBadRequest, "Email already exists", ""},
	// A derived username is made from the login: its clash is the login's.
	{apperr.Conflict, "", "", http.StatusBadRequest, "Login already exists", "userLoginAlreadyExists"},
	{apperr.Unauthenticated, auth.ReasonAccountSuspended, "", http.StatusUnauthorized, "Account Suspended", ""},
	{apperr.Unauthenticated, auth.ReasonAccountBanned, "", http.StatusUnauthorized, "Account Suspended", ""},
	{apperr.Unauthenticated, "", "", http.StatusUnauthorized, textAuthentication, ""},
	{apperr.Forbidden, "", "", http.StatusForbidden, "Privilege forbidden", ""},
	{apperr.NotFound, reasonRouteNotFound, "", http.StatusNotFound, "Route not found", ""},
	{apperr.NotFound, "", "", http.StatusBadRequest, textUserMissing, ""},
	{apperr.TooLarge, "", "", http.StatusRequestEntityTooLarge, textTooLarge, ""},
	{apperr.RateLimited, "", "", http.StatusTooManyRequests, "Too many requests", ""},
	{apperr.Unavailable, "", "", http.StatusServiceUnavailable, textUnavailable, ""},
}

var internal = spelling{apperr.Internal, "", "", http.StatusInternalServerError, textInternal, ""}

// Errors the dialect raises itself, before any rule runs.
var (
	errRouteNotFound = apperr.New(apperr.NotFound, reasonRouteNotFound, "route not found")
	errBodyEmpty     = apperr.New(apperr.Invalid, jsonio.ReasonEmptyBody, "the request body is empty")
	errRouteID       = legacy(textRouteID)
)

// legacy is a 400 whose text is exactly msg.
func legacy(msg string) error { return apperr.New(apperr.Invalid, reasonLegacy, msg) }

// signatureTexts spells signatures.Validate's reasons for signature k.
var signatureTexts = map[string]func(k int) string{
	signatures.ReasonEmptySignature: func(k int) string { return fmt.Sprintf("Body signatures[%d] encodedSignature is empty", k) },
	signatures.ReasonEmptyFormat:    func(k int) string { return fmt.Sprintf("Body signatures[%d] format is empty or not a string", k) },
	signatures.ReasonNotImage:       func(int) string { return "Signature is not an image" },
	signatures.ReasonTooLarge:       func(int) string { return "Max file size reached (1 MB)" },
	// Ours, in Maarch's wording (its own implementation checks neither).
	signatures.ReasonFormatMismatch: func(k int) string { return fmt.Sprintf("Body signatures[%d] format is not the image's format", k) },
	signatures.ReasonTooManyPixels:  func(int) string { return "Max image size reached (4096x4096 pixels)" },
}

// spellSignature turns a validation error of signature k into its legacy
// text; other errors pass unchanged.
func spellSignature(err error) error {
	k, ok := signatures.Index(err)
	if !ok {
		if apperr.As(err).Reason == signatures.ReasonEmptyApplication {
			return legacy(textApplication)
		}
		return err
	}
	if text, found := signatureTexts[apperr.As(err).Reason]; found {
		return legacy(text(k))
	}
	return err
}

// spell finds the spelling of err.
func spell(err error) (spelling, *apperr.Error) {
	e := apperr.As(err)
	for _, s := range spellings {
		if s.kind == e.Kind && (s.reason == "" || s.reason == e.Reason) && (s.field == "" || s.field == e.Field) {
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
		h.Logger.ErrorContext(r.Context(), "maarch: internal error", "err", err,
			"request_id", reqinfo.RequestID(r.Context()))
	}
	if s.kind == apperr.Unavailable {
		w.Header().Set("Retry-After", apperr.RetryAfter)
	}
	text := s.text
	if text == "" {
		text = e.Message
	}
	if text == "" {
		text = e.Kind.String()
	}
	jsonio.Write(w, s.status, errorBody{Errors: text, Lang: s.lang})
}

// writeError writes one error body.
func writeError(w http.ResponseWriter, status int, text string) {
	jsonio.Write(w, status, errorBody{Errors: text})
}
