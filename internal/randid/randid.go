// Package randid makes the random identifiers the legacy APIs expose: user
// public ids, application ids and opaque tokens, all over the 62-character
// alphabet [A-Za-z0-9] and drawn from crypto/rand.
package randid

import (
	"crypto/rand"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// Alphabet is the 62 characters every identifier is drawn from.
const Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Lengths of the identifiers the contract fixes (a token's body is
// auth.TokenBodyLen: tokens belong to auth).
const (
	PublicIDLen = 8  // user public id (edu-focus id, users-v1 "usr_" suffix)
	AppIDLen    = 32 // application id
)

// The shapes of the identifiers, for the ent schema's validators and the
// services' checks alike.
var (
	PublicIDPattern = pattern(PublicIDLen)
	AppIDPattern    = pattern(AppIDLen)
)

// pattern matches exactly n characters of Alphabet.
func pattern(n int) *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9]{` + strconv.Itoa(n) + `}$`)
}

var alphabetSize = big.NewInt(int64(len(Alphabet)))

// String returns n characters drawn uniformly from Alphabet.
func String(n int) string {
	b := make([]byte, n)
	for i := range b {
		v, err := rand.Int(rand.Reader, alphabetSize)
		if err != nil {
			panic("randid: crypto/rand failed: " + err.Error())
		}
		b[i] = Alphabet[v.Int64()]
	}
	return string(b)
}

// PublicID returns a new 8-character user public id.
func PublicID() string { return String(PublicIDLen) }

// AppID returns a new 32-character application id.
func AppID() string { return String(AppIDLen) }

// ValidPublicID reports whether s has the shape of a user public id.
func ValidPublicID(s string) bool { return PublicIDPattern.MatchString(s) }

// ValidAppID reports whether s has the form of an application id: what an
// imported application must already use.
func ValidAppID(s string) bool {
	return len(s) == AppIDLen && strings.Trim(s, Alphabet) == ""
}
