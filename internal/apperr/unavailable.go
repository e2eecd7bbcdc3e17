package apperr

import "errors"

// ReasonUnavailable is the reason of every Unavailable error: the database
// could not be reached.
const ReasonUnavailable = "unavailable"

// RetryAfter is the Retry-After (in seconds) every transport sends with an
// Unavailable error: soon enough that a client resumes quickly once the
// database is back, late enough that clients retrying do not add a storm to
// an outage.
const RetryAfter = "5"

// Unreachable classifies err, a failure to reach a dependency (the
// database), as Unavailable: every transport answers 503 with Retry-After,
// and clients keep their credentials, which were never judged.
func Unreachable(err error) *Error {
	return &Error{Kind: Unavailable, Reason: ReasonUnavailable,
		Message: "the service is temporarily unavailable, retry later", Err: err}
}

// outage returns the Unavailable error in err's chain of classified
// errors, or nil.
func outage(err error) *Error {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return nil
		}
		if e.Kind == Unavailable {
			return e
		}
		err = e.Err
	}
	return nil
}
