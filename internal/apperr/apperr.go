// Package apperr is the one error vocabulary of userbridge. Shared rules
// return these kinds; each transport maps them once: GraphQL to
// extensions.code, each legacy dialect to its own status and body.
package apperr

import (
	"errors"
	"fmt"

	"userbridge/ent"
)

// Kind classifies an error for every transport.
type Kind int

// The kinds, in the order transports usually check them.
const (
	Internal        Kind = iota // unexpected: logged, never detailed to clients
	Invalid                     // bad input, usually about one Field
	NotFound                    // absent, or hidden from this viewer
	Conflict                    // a unique value already taken
	Unauthenticated             // no usable credential
	Forbidden                   // authenticated, but not allowed
	RateLimited                 // too many attempts
	TooLarge                    // a body or upload over its limit
	Unavailable                 // a dependency (the database) cannot be reached: retry later
)

var kindNames = [...]string{"internal", "invalid", "not found", "conflict",
	"unauthenticated", "forbidden", "rate limited", "too large", "unavailable"}

func (k Kind) String() string { return kindNames[k] }

// Error is a classified error. Reason is a stable snake_case code that says
// which rule failed (for example "missing_scope" or "used_username"); the
// dialects use it to pick their own wording. Field names the input at fault.
type Error struct {
	Kind    Kind
	Reason  string
	Field   string
	Message string
	Err     error // wrapped cause, never shown to clients
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Err != nil && (e.Kind == Internal || e.Kind == Unavailable) {
		return msg + ": " + e.Err.Error() // for logs and the CLI; transports send Message
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of a kind with a reason and a human message.
func New(k Kind, reason, msg string) *Error { return &Error{Kind: k, Reason: reason, Message: msg} }

// Invalidf reports bad input on one field.
func Invalidf(field, reason, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Reason: reason, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ConflictOn reports a unique value of field already taken.
func ConflictOn(field, reason, msg string) *Error {
	return &Error{Kind: Conflict, Reason: reason, Field: field, Message: msg}
}

// Wrap classifies an internal failure without showing its detail. An
// outage underneath (an Unavailable error in err's chain) stays an outage:
// a rule that wraps a failed lookup must not turn "the database is
// unreachable" into "internal error".
func Wrap(err error, msg string) *Error {
	if u := outage(err); u != nil {
		return &Error{Kind: Unavailable, Reason: u.Reason, Message: u.Message, Err: err}
	}
	return &Error{Kind: Internal, Reason: "internal", Message: msg, Err: err}
}

// Standard errors the rules share.
var (
	ErrNotFound        = New(NotFound, "not_found", "not found")
	ErrUnauthenticated = New(Unauthenticated, "unauthenticated", "authentication required")
	ErrForbidden       = New(Forbidden, "forbidden", "forbidden")
)

// As classifies any error: an *Error is returned as is; ent's not-found,
// validation and constraint errors get their kinds; anything else is internal.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Kind == Internal {
			if u := outage(e.Err); u != nil {
				return u
			}
		}
		return e
	}
	var ve *ent.ValidationError
	switch {
	case ent.IsNotFound(err):
		return &Error{Kind: NotFound, Reason: "not_found", Message: "not found", Err: err}
	case errors.As(err, &ve):
		return &Error{Kind: Invalid, Reason: "invalid_" + ve.Name, Field: ve.Name,
			Message: ve.Name + " is invalid", Err: err}
	case ent.IsConstraintError(err):
		return &Error{Kind: Conflict, Reason: "conflict", Message: "conflict", Err: err}
	}
	return &Error{Kind: Internal, Reason: "internal", Message: "internal error", Err: err}
}

// Is reports whether err classifies as kind k.
func Is(err error, k Kind) bool { return err != nil && As(err).Kind == k }

// Classify is As for code that returns plain errors: nil stays nil.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	return As(err)
}
