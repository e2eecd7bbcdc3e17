// Package passwords holds the one place where passwords are hashed and
// checked: the service's own argon2id, and the hashes people bring from
// the systems they move in from (bcrypt, argon2, PBKDF2, SHA-crypt, salted
// digests). An imported hash is checked with its own algorithm until the
// person's first successful sign-in, when the caller replaces it by the
// service's own (Matches says when).
//
// Every stored hash is one self-describing string, so the password column
// needs no companion: modular crypt strings ($2y$, $5$, $6$), PHC strings
// ($argon2id$, $pbkdf2-sha256$) and, for the salted digests no standard
// spells, a PHC-like $salted-<digest>$ string of this package.
package passwords

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"userbridge/internal/apperr"
)

// Spec is a hash as another system stored it, with what is needed to check
// it. Its fields are those of interchange.Hash, in the same order, so that
// one converts to the other.
type Spec struct {
	Algorithm    string `json:"algorithm"`
	Value        string `json:"value"`
	Salt         string `json:"salt,omitempty"`
	SaltPosition string `json:"salt_position,omitempty"`
	Iterations   int    `json:"iterations,omitempty"`
	Encoding     string `json:"encoding,omitempty"`
}

// Imported is a Spec accepted for storage.
type Imported struct {
	Stored    string // the value of the password column
	Algorithm string // canonical name, for reports: bcrypt, argon2id, pbkdf2-sha256, sha512-crypt, md5 ...
	Weak      bool   // a fast digest: replaced at first sign-in like the others, but worth counting
}

// Errors a Spec is refused with, wrapped in an apperr.Invalid that says why.
var (
	ErrMalformed        = errors.New("malformed password hash")
	ErrUnknownAlgorithm = errors.New("unknown password hash algorithm")
	ErrTooCostly        = errors.New("password hash cost above the limit")
)

// Reasons of the refusals (apperr.Error.Reason).
const (
	ReasonMalformed        = "invalid_password_hash"
	ReasonUnknownAlgorithm = "unknown_hash_algorithm"
	ReasonTooCostly        = "hash_cost_too_high"
)

// Longest value, salt accepted: far above any real hash, low enough that a
// hostile file cannot make a check hash megabytes.
const (
	maxValueLen = 1024
	maxSaltLen  = 1024
)

func malformed(format string, args ...any) error {
	return &apperr.Error{Kind: apperr.Invalid, Reason: ReasonMalformed, Field: "password_hash",
		Message: fmt.Sprintf(format, args...), Err: ErrMalformed}
}

func tooCostly(format string, args ...any) error {
	return &apperr.Error{Kind: apperr.Invalid, Reason: ReasonTooCostly, Field: "password_hash",
		Message: fmt.Sprintf(format, args...), Err: ErrTooCostly}
}

// Parse checks an imported hash and returns what to store.
//
// Returns invalid (wrapping ErrUnknownAlgorithm, ErrMalformed or
// ErrTooCostly, with a message that says what is wrong) for an algorithm
// this package does not know, a value that is not of the algorithm's
// format, options that do not apply to it, or a cost above the limits of
// docs/passwords.md.
func Parse(s Spec) (Imported, error) {
	if s.Value == "" {
		return Imported{}, malformed("value is empty")
	}
	if len(s.Value) > maxValueLen || len(s.Salt) > maxSaltLen {
		return Imported{}, malformed("value or salt longer than %d bytes", maxValueLen)
	}
	if strings.ContainsRune(s.Value, 0) || strings.ContainsRune(s.Salt, 0) {
		return Imported{}, malformed("value or salt holds a NUL byte")
	}
	alg := strings.ToLower(strings.TrimSpace(s.Algorithm))
	switch alg {
	case "bcrypt":
		return parseBcrypt(s)
	case "argon2", "argon2id", "argon2i":
		return parseArgon(s, alg)
	case "pbkdf2", "pbkdf2-sha1", "pbkdf2-sha256", "pbkdf2-sha512",
		"pbkdf2_sha1", "pbkdf2_sha256", "pbkdf2_sha512":
		return parsePBKDF2(s, strings.ReplaceAll(alg, "_", "-"))
	case "sha512-crypt", "sha256-crypt":
		return parseSHACrypt(s, alg)
	case "md5", "sha1", "sha256", "sha512":
		return parseSalted(s, alg)
	case "":
		return Imported{}, &apperr.Error{Kind: apperr.Invalid, Reason: ReasonUnknownAlgorithm, Field: "password_hash",
			Message: "algorithm is missing", Err: ErrUnknownAlgorithm}
	}
	return Imported{}, &apperr.Error{Kind: apperr.Invalid, Reason: ReasonUnknownAlgorithm, Field: "password_hash",
		Message: fmt.Sprintf("unknown algorithm %q", truncate(s.Algorithm, 32)), Err: ErrUnknownAlgorithm}
}

// noOptions refuses the options a self-describing value carries itself.
func noOptions(s Spec, alg string) error {
	if s.Salt != "" || s.SaltPosition != "" || s.Iterations != 0 || s.Encoding != "" {
		return malformed("%s: salt, salt_position, iterations and encoding are part of the value", alg)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// verifications counts every password verification run, real or dummy.
var verifications atomic.Int64

// Verifications returns how many verifications Matches has run since the
// process started: tests count them to show that every outcome costs the
// same work (one verification), without timing anything.
func Verifications() int64 { return verifications.Load() }

// SpecOf returns a stored hash as a Spec, for export; nil for an empty one.
// A value this package cannot read is returned as it is, under the
// algorithm "unknown" (import refuses it, which is what it deserves).
func SpecOf(stored string) *Spec {
	switch {
	case stored == "":
		return nil
	case strings.HasPrefix(stored, "$2"):
		return &Spec{Algorithm: "bcrypt", Value: stored}
	case strings.HasPrefix(stored, "$argon2"):
		return &Spec{Algorithm: "argon2", Value: stored}
	case strings.HasPrefix(stored, "$pbkdf2"):
		return &Spec{Algorithm: "pbkdf2", Value: stored}
	case strings.HasPrefix(stored, "$5$"):
		return &Spec{Algorithm: "sha256-crypt", Value: stored}
	case strings.HasPrefix(stored, "$6$"):
		return &Spec{Algorithm: "sha512-crypt", Value: stored}
	case strings.HasPrefix(stored, saltedPrefix):
		if s, ok := saltedSpec(stored); ok {
			return s
		}
	case isSHA256Hex(stored):
		// An application secret as the service stores it.
		return &Spec{Algorithm: "sha256", Value: stored, Encoding: "hex"}
	}
	return &Spec{Algorithm: "unknown", Value: stored}
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
