package shadow

import "context"

// IDs tells whether a legacy id shown by the upstream is held by a person of
// this store (imported, or derived and the same). A difference that only
// comes from an id the store does not hold is reported as "not imported",
// not as a difference: the cure is an import, not a fix of the dialect.
//
// dialect is one of eduplatform, edufocus, usersv1, maarch; id is spelled as
// the dialect shows it (users-v1 with its "usr_" prefix).
type IDs interface {
	Imported(ctx context.Context, dialect, id string) (bool, error)
}
