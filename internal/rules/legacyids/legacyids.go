// Package legacyids holds the ids each legacy dialect shows and accepts for
// a user: the one the data model derives (the integer primary key for the
// education platform and Maarch, the public id for Edu-Focus, "usr_" and
// the public id for Users API v1), unless an import gave the user another,
// stored in the legacy_ids table. A stored row without a user is a
// reservation: that id is never given to anyone in that dialect.
//
// The rules (docs/legacy-ids.md):
//
//   - A user shows, in each dialect, its stored id there, else its derived
//     one.
//   - No two users hold one id in one dialect: stored ids are unique per
//     dialect in the database (reservations included), and every write here
//     first asks Holder, which counts stored rows and derived ids alike.
//   - An integer dialect's derived id (the primary key) is held only while
//     the user shows it: once an import replaces it, another person may be
//     imported with it (integer ids are dense, and two legacy systems
//     number their people independently). A string dialect's derived id
//     (the random public id) stays the user's own for good and keeps
//     resolving to it, since nobody else could want it.
//   - Native users never take a stored id: Assign and Reserve move the
//     user-id sequence above every integer they store, and user creation
//     draws another public id when its random one is stored (the User
//     schema's hooks, ent/schema/user_hooks.go).
//   - A deleted user's ids stay reserved (the User schema's hooks).
//
// Every function takes the client explicitly: a transaction's client
// (Tx.Client) makes it part of that transaction.
package legacyids

import (
	"strconv"
	"strings"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
	"userbridge/internal/randid"
)

// ReasonTaken is the apperr reason of an id another user holds, or that is
// reserved, in its dialect.
const ReasonTaken = "legacy_id_taken"

// usersV1Prefix starts every Users API v1 id.
const usersV1Prefix = "usr_"

// maxInteger is the largest id of the integer dialects: their clients
// store ids as 32-bit signed integers.
const maxInteger = 1<<31 - 1

// integer reports whether d numbers its users with integers.
func integer(d legacyid.Dialect) bool {
	return d == legacyid.DialectEduplatform || d == legacyid.DialectMaarch
}

// Valid checks that v is an id dialect d could show, in its one canonical
// text form, so that one id is stored one way only:
//
//   - eduplatform, maarch: a decimal integer from 1 to 2^31-1, no sign, no
//     leading zero, no spaces;
//   - edufocus: eight characters from [A-Za-z0-9] (case-sensitive), the
//     shape of a public id and of the dialect's {id} path segment;
//   - usersv1: "usr_" followed by eight such characters.
//
// Returns invalid (reason invalid_legacy_id, field legacy_ids.<dialect>)
// otherwise, and for an unknown dialect.
func Valid(d legacyid.Dialect, v string) error {
	ok := false
	switch d {
	case legacyid.DialectEduplatform, legacyid.DialectMaarch:
		_, ok = parseInteger(v)
	case legacyid.DialectEdufocus:
		ok = randid.ValidPublicID(v)
	case legacyid.DialectUsersv1:
		p, found := strings.CutPrefix(v, usersV1Prefix)
		ok = found && randid.ValidPublicID(p)
	default:
		return apperr.Invalidf("legacy_ids", "invalid_legacy_dialect", "unknown dialect %q", string(d))
	}
	if !ok {
		return apperr.Invalidf("legacy_ids."+string(d), "invalid_legacy_id", "%q is not a valid %s id", v, d)
	}
	return nil
}

// parseInteger reads an integer dialect's id in its canonical form.
func parseInteger(v string) (int, bool) {
	if v == "" || len(v) > 10 || v[0] < '1' || v[0] > '9' || strings.Trim(v, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n <= maxInteger
}

// Derived is the id u has in d when no import gave it one: what the data
// model showed before legacy ids existed.
func Derived(u *ent.User, d legacyid.Dialect) string {
	switch d {
	case legacyid.DialectEdufocus:
		return u.PublicID
	case legacyid.DialectUsersv1:
		return usersV1Prefix + u.PublicID
	default:
		return strconv.Itoa(u.ID)
	}
}
