package passwords

import "strings"

// Matches reports whether password is the one stored (a hash of Hash or
// Parse), comparing in constant time, and whether the stored hash should
// be replaced by Hash(password): for every hash but an argon2id one with
// today's cost. needsUpgrade only means something when ok is true.
//
// Every call does the work of one verification, whatever the outcome, so
// that no answer tells whether there was a hash to compare with, or of
// which algorithm: an empty or unreadable stored value (no such person, no
// password) runs a dummy argon2id verification and never matches; a weak
// digest, which costs next to nothing, runs the dummy as well. The
// imported algorithms' costs are bounded at import (limits.go).
func Matches(stored, password string) (ok, needsUpgrade bool) {
	verifications.Add(1)
	switch {
	case strings.HasPrefix(stored, "$argon2"):
		if h, err := parseArgonPHC(stored); err == nil && h.checkCost() == nil {
			return h.matches(password), !h.current()
		}
	case strings.HasPrefix(stored, "$2"):
		if _, err := parseBcryptString(stored); err == nil {
			return bcryptMatches(stored, password), true
		}
	case strings.HasPrefix(stored, "$pbkdf2"):
		if h, err := parsePBKDF2String(stored); err == nil {
			return h.matches(password), true
		}
	case strings.HasPrefix(stored, "$5$"), strings.HasPrefix(stored, "$6$"):
		if c, err := parseSHACryptString(stored); err == nil && c.rounds <= MaxSHACryptRounds {
			return c.matches(password), true
		}
	case strings.HasPrefix(stored, saltedPrefix):
		if h, err := parseSaltedString(stored); err == nil {
			dummy(password)
			return h.matches(password), true
		}
	}
	dummy(password)
	return false, false
}

// dummy is the work of a verification whose answer is known.
func dummy(password string) { _ = dummyArgon.matches(password) }

var dummyArgon, _ = parseArgonPHC(dummyHash)
