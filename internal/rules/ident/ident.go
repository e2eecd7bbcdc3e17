// Package ident is the one normalisation of the identifiers that name an
// account (e-mail address, username, login). Every comparison, unique key
// and lookup goes through Key, so that two spellings the reader cannot tell
// apart (U+212A KELVIN SIGN and K, fullwidth and ASCII letters, ligatures)
// never name two accounts, nor one account two ways.
//
// The normalisation is Unicode NFKC followed by full case folding
// (golang.org/x/text), the NFKC_Casefold of Unicode's identifier guidance.
// PRECIS (RFC 8265) was not chosen: its UsernameCaseMapped profile refuses
// compatibility characters instead of mapping them, so "\u212Aate" would be
// refused on its own rather than recognised as "kate", and its case mapping
// is lower-casing, not folding ("STRASSE" and "straße" stay apart).
package ident

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Version names the normalisation, with the Unicode versions of its tables:
// a stored key computed under another Version may differ and is recomputed
// (db.Migrate). Change the prefix when Key changes.
var Version = "nfkc-casefold-1 norm " + norm.Version + " unicode " + unicode.Version

// Canonical returns s in NFKC, the form in which an identifier is stored and
// shown, and whether s may be an identifier at all: non-empty valid UTF-8
// whose every character is a letter, mark, digit, punctuation or symbol. Control and
// format characters (NUL, bidirectional overrides, zero-width joiners),
// spaces of any kind, private-use and unassigned code points, and U+FFFD
// (what invalid UTF-8 decodes to) are refused: they only serve to make two
// identifiers look alike.
func Canonical(s string) (string, bool) {
	if s == "" || !utf8.ValidString(s) {
		return "", false
	}
	c := norm.NFKC.String(s)
	for _, r := range c {
		if r == utf8.RuneError || !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S) {
			return "", false
		}
	}
	return c, true
}

// Key returns the comparison key of an identifier: NFKC, full case folding,
// and NFKC again (folding can leave a string that is not in NFKC). Key is
// idempotent, and equal keys are what "the same identifier" means. Keys are
// computed from identifiers already accepted by Canonical; a lookup of
// untrusted input uses LookupKey.
func Key(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}

// LookupKey returns the key to look s up by, or false when s could not be
// an identifier (Canonical refuses it): no stored key matches it, and the
// caller must not send it to the database (PostgreSQL refuses NUL and invalid
// UTF-8 with an error, not with "no rows").
func LookupKey(s string) (string, bool) {
	c, ok := Canonical(s)
	if !ok {
		return "", false
	}
	return Key(c), true
}
